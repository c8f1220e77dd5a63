//! Dimensionality and local dependence of a stored run (Winsteps Table 23 and Yen's Q3; see
//! [`crate::measure::dimensionality`]).

use super::{run_data, PipelineError};
use crate::measure::dimensionality::{dimensionality, Dimensionality};
use crate::store::Project;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Table 23 of a run: the run and its analysis (the JSON of `report --table 23 --json` and of
/// a pipeline's `[dimensionality]` step; `schemas/table23.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionalityReport {
    /// The run analysed.
    pub run_id: i64,
    /// The analysis.
    #[serde(flatten)]
    pub table: Dimensionality,
}

/// Table 23 and Q3 of run `run_id`, on the observations it was fitted on.
pub fn dimensionality_report(
    project: &Project,
    run_id: i64,
) -> Result<DimensionalityReport, PipelineError> {
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    Ok(DimensionalityReport {
        run_id,
        table: dimensionality(&fit, &data)?,
    })
}

/// Writes `report` as JSON to `path` (through a temporary file renamed into place, so an
/// earlier file is never half overwritten).
pub fn write_dimensionality_json(
    report: &DimensionalityReport,
    path: &Path,
) -> Result<(), PipelineError> {
    let body = serde_json::to_string_pretty(report)
        .map_err(|e| PipelineError::InvalidSetting(format!("serialising Table 23: {e}")))?;
    super::write_whole(path, body.as_bytes())
}
