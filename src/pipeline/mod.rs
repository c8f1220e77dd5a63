//! The pipeline's steps over a project, as every front end (command line, workbench, batch
//! pipeline) calls them. Each step reads from the project, runs a library stage, and stores the
//! result in one transaction; none prints or draws.
//!
//! - [`fit_project`]: loads the observations in force (exclusions masked), checks that the rating
//!   network is connected (refusing, or fitting with the subsets recorded, as asked), fits, and
//!   stores the run.
//! - [`read_anchor_file`], [`anchors_from_run`]: fix measures and thresholds to score new data on
//!   an existing scale.

use crate::data::RatingData;
use crate::measure::{self, Fit, FitOptions, IterationReport, MeasureError, Observer};
use crate::network::{connectedness, Connectedness};

mod anchors;
mod bias;
mod categories;
mod clean;
mod compare;
mod dimensionality;
mod interchange;
mod plan;
mod plot;
mod quality;
pub mod report;
mod settings;
pub mod step;

use crate::store::{now_rfc3339, Project, StoreError};
pub use anchors::{anchors_from_run, read_anchor_file};
pub use bias::{bias_table, newest_bias};
pub use categories::{
    category_advice, proposed_description, refit_proposals, write_description, CategoryAdvice,
    CategoryRefit, MeanSquareSummary,
};
pub use clean::{clean, CleaningRound};
pub use compare::{
    aic, bic, compare_fits, compare_models, compare_runs, free_parameters, likelihood_ratio,
    summarise_model, LikelihoodKind, LikelihoodRatioTest, ModelComparison, ModelSummary,
    ParameterCount, RunComparison, RunModel,
};
pub use dimensionality::{dimensionality_report, write_dimensionality_json, DimensionalityReport};
pub use interchange::export_interchange;
pub use plan::{plan_run, PlanSettings, RunPlan, DEFAULT_PLAN_SEED};
pub use plot::{
    build_figure, plot, plot_run, write_figure, FigureFormat, MissingStep, PlotError, PlotOutcome,
    PlotRequest,
};
pub use quality::{quality_report, MeanSquareBands, QualityReport};
pub use report::{report_content, write_report, ReportProgress, ReportSummary};
use serde::Serialize;
pub use settings::{ExportSettings, FitSettings, RecodeSetting};
use std::path::PathBuf;

/// Why a pipeline step failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The project file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine refused or failed (or was cancelled).
    #[error(transparent)]
    Measure(#[from] MeasureError),
    /// The rater diagnosis could not run.
    #[error(transparent)]
    Diagnosis(#[from] crate::quality::diagnosis::DiagnosisError),
    /// Nothing to fit.
    #[error("the project has no observations to fit (import data first)")]
    NoData,
    /// The rating network is disconnected and the request does not allow it.
    #[error("the rating network is disconnected: {}; measures in different subsets are not comparable. Link the subsets (anchor elements, add linking ratings) or fit allowing a disconnected network", describe_disconnection(.0))]
    Disconnected(Box<Connectedness>),
    /// The observations in force are not those the run was fitted on.
    #[error("run {run_id} was fitted on other observations than those in force now (decisions changed since); fit again first")]
    StaleRun {
        /// The run.
        run_id: i64,
    },
    /// A term of a bias analysis names no facet, role or attribute.
    #[error("bias term: {0}")]
    UnknownTerm(String),
    /// The design has no rater facet.
    #[error("the project has no rater facet to review")]
    NoRaterFacet,
    /// An anchor file is unreadable or names unknown elements.
    #[error("anchor file {}: {message}", path.display())]
    AnchorFile {
        /// The anchor file.
        path: PathBuf,
        /// What is wrong, with the row and column.
        message: String,
    },
    /// No run to use: nothing was fitted yet.
    #[error("project {} has no runs yet", path.display())]
    NoRuns {
        /// The project file.
        path: PathBuf,
    },
    /// A setting does not fit the project (an unknown facet name, two anchor sources).
    #[error("{0}")]
    InvalidSetting(String),
    /// An export failed.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// A file the step writes (e.g. a proposed dataset description) could not be written;
    /// nothing was left at the path.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A design cannot be planned from the run.
    #[error(transparent)]
    Plan(#[from] crate::quality::plan::PlanError),
    /// The run cannot be analysed for dimensionality (Table 23).
    #[error(transparent)]
    Dimensionality(#[from] crate::measure::DimensionalityError),
    /// A run recode is unreadable or does not fit the project's items.
    #[error(transparent)]
    Recode(#[from] crate::data::RecodeError),
    /// The step's observer cancelled it; nothing was written.
    #[error("cancelled; nothing was written")]
    Cancelled,
    /// A figure cannot be made or written (see [`PipelineError::is_missing_prerequisite`]).
    #[error(transparent)]
    Plot(#[from] PlotError),
}

fn describe_disconnection(c: &Connectedness) -> String {
    c.disconnected_pairs()
        .map(|p| {
            format!(
                "{} x {} split into {} subsets",
                p.first_facet,
                p.second_facet,
                p.subsets.len()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What to fit and how.
#[derive(Debug, Clone, Default)]
pub struct FitRequest {
    /// The engine's options.
    pub options: FitOptions,
    /// Fit a disconnected design anyway (the subsets are stored with the run and reported).
    pub allow_disconnected: bool,
    /// A note stored with the run.
    pub note: String,
    /// Recode the stored categories for this run (stored with the run; see
    /// [`crate::data::Recode`]).
    pub recode: Option<crate::data::Recode>,
}

/// A stored fit.
#[derive(Debug, Clone, Serialize)]
pub struct FitOutcome {
    /// The stored run.
    pub run_id: i64,
    /// The fit (not serialised: it is the run's stored table).
    #[serde(skip)]
    pub fit: Fit,
    /// Observations masked because their rater (or another element) is excluded.
    pub masked_observations: usize,
    /// Observations fitted.
    pub observations: usize,
    /// The rating network's connectedness (stored with the run).
    pub connectedness: Connectedness,
}

/// Loads the project's observations in force, checks connectedness, fits and stores the run.
pub fn fit_project(
    project: &mut Project,
    request: &FitRequest,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<FitOutcome, PipelineError> {
    let (data, masked) = project.ratings_for_fit()?;
    if data.is_empty() {
        return Err(PipelineError::NoData);
    }
    let recode = request.recode.as_ref().filter(|r| !r.is_empty());
    let data = match recode {
        Some(recode) => recode.apply(&data)?,
        None => data,
    };
    let network = connectedness(&data);
    if !network.connected && !request.allow_disconnected {
        return Err(PipelineError::Disconnected(Box::new(network)));
    }
    let started_at = now_rfc3339();
    let fit = measure::fit(&data, &request.options, observer)?;
    let mut tables = vec![(
        "connectedness",
        serde_json::to_value(&network).unwrap_or(serde_json::Value::Null),
    )];
    if let Some(recode) = recode {
        tables.push((
            crate::store::RECODE_TABLE,
            serde_json::to_value(recode).unwrap_or(serde_json::Value::Null),
        ));
    }
    let run_id = project.save_fit(&fit, &data, &started_at, &request.note, &tables)?;
    Ok(FitOutcome {
        run_id,
        fit,
        masked_observations: masked,
        observations: data.len(),
        connectedness: network,
    })
}

/// The observations run `run_id` was fitted on (those in force now, with the run's recode;
/// they must be the same).
pub fn run_data(project: &Project, run_id: i64) -> Result<RatingData, PipelineError> {
    let data = project.ratings_for_run(run_id)?;
    if crate::provenance::data_fingerprint(&data) != project.run_fingerprint(run_id)? {
        return Err(PipelineError::StaleRun { run_id });
    }
    Ok(data)
}

/// The first rater facet of a project's data (what flags and decisions are about by default).
pub fn rater_facet(data: &RatingData) -> Option<usize> {
    data.rater_facets().next()
}

/// Flags the raters (first rater facet) of run `run_id` with the project's rules (the classic
/// flags and the diagnosis, [`crate::quality::assess`]) and stores the flags. The observations
/// in force must be the ones the run used.
pub fn flag_run(
    project: &mut Project,
    run_id: i64,
) -> Result<crate::quality::Assessment, PipelineError> {
    let rules = project.flag_rules()?;
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    let facet = rater_facet(&data).ok_or(PipelineError::NoRaterFacet)?;
    // The session order is read only for the diagnosis (a pass over every stored response).
    let order = rules
        .diagnosis
        .enabled
        .then(|| project.record_order())
        .transpose()?;
    let assessment = crate::quality::assess(&data, &fit, facet, &rules, order.as_ref())?;
    project.save_flags(run_id, &assessment.flags)?;
    Ok(assessment)
}

/// The run a command is about: `run` when given (it must exist), else the newest.
pub fn resolve_run(project: &Project, run: Option<i64>) -> Result<i64, PipelineError> {
    match run {
        Some(run_id) => {
            project.run_fingerprint(run_id)?;
            Ok(run_id)
        }
        None => project.latest_run()?.ok_or_else(|| PipelineError::NoRuns {
            path: project.path().to_path_buf(),
        }),
    }
}

/// A stored fit and the flags raised on it with the project's rules.
#[derive(Debug, Clone)]
pub struct FittedAndFlagged {
    /// The stored fit.
    pub outcome: FitOutcome,
    /// The flags raised on it (stored).
    pub flags: Vec<crate::quality::Flag>,
}

/// Fits and stores a run, then flags its raters (what the workbench's fit and a pipeline's fit
/// step do). A project without a rater facet gets no flags.
pub fn fit_and_flag(
    project: &mut Project,
    request: &FitRequest,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<FittedAndFlagged, PipelineError> {
    let outcome = fit_project(project, request, observer)?;
    let flags = match flag_run(project, outcome.run_id) {
        Ok(assessment) => assessment.flags,
        Err(PipelineError::NoRaterFacet) => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(FittedAndFlagged { outcome, flags })
}

/// Exports a run (the given one or the newest) as `settings` ask.
pub fn export_run(
    project: &mut Project,
    settings: &ExportSettings,
) -> Result<crate::export::ExportSummary, PipelineError> {
    if settings.what.is_interchange() {
        return export_interchange(project, settings);
    }
    let run_id = resolve_run(project, settings.run)?;
    let request = crate::export::ExportRequest {
        run_id,
        kind: settings.what,
        path: settings.out.clone(),
        rescale: settings.rescale,
        mhs_columns: settings.mhs_columns,
        join_source: settings.join.clone(),
        plausible_values: settings
            .plausible_values
            .map(|draws| crate::export::PlausibleValues {
                draws,
                seed: settings
                    .plausible_seed
                    .unwrap_or(crate::export::DEFAULT_PLAUSIBLE_SEED),
            }),
    };
    Ok(crate::export::export(project, &request)?)
}

/// Writes `bytes` to `path` whole or not at all ([`crate::export::write_whole`]), a failure
/// named as the step's.
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<(), PipelineError> {
    crate::export::write_whole(path, bytes).map_err(|source| PipelineError::WriteFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Pearson's r of paired values ([`crate::measure::statistics::pearson`]).
pub(crate) fn pearson_of_pairs(pairs: &[(f64, f64)]) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    crate::measure::statistics::pearson(&x, &y)
}
