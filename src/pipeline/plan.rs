//! Design planning over a stored run (`scalewright plan`, a pipeline's `[plan]`, the workbench's
//! planning view): [`crate::quality::plan`] on the run's fit.

use super::{resolve_run, PipelineError};
use crate::quality::plan::{plan_design, simulate_designs, DesignPlan};
use crate::store::Project;
use serde::{Deserialize, Serialize};

/// The default seed of simulated refits.
pub const DEFAULT_PLAN_SEED: u64 = 20200101;

/// What to plan (a pipeline's `[plan]`, the command line's arguments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanSettings {
    /// Numbers of raters per object to forecast.
    pub raters_per_object: Vec<usize>,
    /// The reliability to reach: the smallest number of raters per object that reaches it.
    pub target_reliability: Option<f64>,
    /// Simulated data sets (refitted) per design; 0: the information-based forecast only.
    pub simulate: usize,
    /// Seed of the simulated data sets.
    pub seed: u64,
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            raters_per_object: vec![1, 2, 3, 4, 5, 6, 8, 10],
            target_reliability: None,
            simulate: 0,
            seed: DEFAULT_PLAN_SEED,
        }
    }
}

/// A plan of a stored run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunPlan {
    /// The run planned from.
    pub run: i64,
    /// The plan.
    #[serde(flatten)]
    pub plan: DesignPlan,
}

/// Plans designs from run `run` (the newest when `None`) as `settings` ask.
pub fn plan_run(
    project: &Project,
    run: Option<i64>,
    settings: &PlanSettings,
) -> Result<RunPlan, PipelineError> {
    let run = resolve_run(project, run)?;
    let fit = project.load_fit(run)?;
    let mut plan = plan_design(
        &fit,
        &settings.raters_per_object,
        settings.target_reliability,
    )?;
    if settings.simulate > 0 {
        plan.simulated = simulate_designs(
            &fit,
            &settings.raters_per_object,
            settings.simulate,
            settings.seed,
        )?;
    }
    Ok(RunPlan { run, plan })
}
