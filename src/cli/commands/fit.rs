//! `scalewright fit`: fit the many-facet Rasch model to the project's data and store the run.

use crate::cli::exit::{self, Failure};
use crate::cli::output::{run_fitting_step, Output};
use clap::Args;
use scalewright::config::Chosen;
use scalewright::measure::{JmleUpdate, Method, ObjectEstimator, ScaleModel};
use scalewright::pipeline::step::{AfterFit, FitStep};
use scalewright::pipeline::{FitSettings, RecodeSetting};
use std::path::PathBuf;

/// Arguments of `fit`: the library's [`FitSettings`], each value parsed by the library's own
/// `FromStr` (the same messages as a pipeline file's `[fit]` and the workbench's form).
#[derive(Args, Debug)]
pub struct FitArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// Estimation method: jmle (joint maximum likelihood, as Facets) or mml (marginal maximum
    /// likelihood, EM over a normal object distribution: consistent for sparse designs).
    #[arg(long, default_value = "jmle")]
    method: Method,
    /// Threshold structure: pcm (one scale per item, Facets `#`) or rsm (one shared scale).
    /// Default: pcm, or the project's model (a Facets import).
    #[arg(long)]
    scale: Option<ScaleModel>,
    /// MML: object measures by eap (with posterior SD) or wle.
    #[arg(long, default_value = "eap")]
    object_estimator: ObjectEstimator,
    /// MML: Gauss-Hermite quadrature points.
    #[arg(long, default_value_t = FitSettings::default().quadrature_points)]
    quadrature_points: usize,
    /// Anchor file (CSV: facet,element,category,value).
    #[arg(long, conflicts_with = "anchor_run")]
    anchor: Option<PathBuf>,
    /// Anchor the non-object facets and thresholds at an earlier run's values.
    #[arg(long)]
    anchor_run: Option<i64>,
    /// Convergence: largest marginal score residual (score points). Default: Facets' .5
    /// (Winsteps' .1 with --update winsteps).
    #[arg(long)]
    max_residual: Option<f64>,
    /// Convergence: largest change (logits). Default: Facets' .01 (Winsteps' .005 with
    /// --update winsteps).
    #[arg(long)]
    max_change: Option<f64>,
    /// Iteration cap. Default: 500, or the project's model's `Iterations=`.
    #[arg(long)]
    max_iterations: Option<usize>,
    /// Keep unobserved intermediate categories (Facets `Keep`) instead of renumbering them.
    #[arg(long)]
    keep_unobserved: bool,
    /// Apply the (L-1)/L JMLE bias correction.
    #[arg(long)]
    bias_correction: bool,
    /// JMLE iteration path: accelerated (few iterations at crowd scale), facets (Facets' own
    /// Jacobi steps: under the same loose criteria it stops where Facets stops) or winsteps
    /// (PROX start, Jacobi steps, Winsteps' stopping rule: it stops where Winsteps stops).
    /// Default: accelerated, or facets for a project ingested from a Facets specification.
    #[arg(long)]
    update: Option<JmleUpdate>,
    /// Fit even if the rating network is disconnected (subsets are stored with the run).
    #[arg(long)]
    allow_disconnected: bool,
    /// Facets that float (Facets `Non-centered=`), by name; default: the object facet.
    #[arg(long, value_delimiter = ',')]
    non_centred: Vec<String>,
    /// A note stored with the run.
    #[arg(long, default_value = "")]
    note: String,
    /// Recode the stored categories for this run only (a TOML file with a `[recode]` table:
    /// `item = { "0" = 0, "1" = 0, "2" = 1 }`); the run stores it.
    #[arg(long, value_name = "FILE.toml")]
    recode: Option<PathBuf>,
    /// Ignore the model the project stores (from a Facets specification): fit with
    /// scalewright's own defaults. Without it, options given here still override the model.
    #[arg(long)]
    ignore_model: bool,
}

impl FitArgs {
    /// The library's fit settings these arguments give.
    pub fn settings(&self) -> FitSettings {
        FitSettings {
            method: self.method,
            scale: self.scale.unwrap_or_default(),
            update: self.update.unwrap_or_default(),
            object_estimator: self.object_estimator,
            quadrature_points: self.quadrature_points,
            max_residual: self.max_residual,
            max_change: self.max_change,
            max_iterations: self
                .max_iterations
                .unwrap_or(FitSettings::default().max_iterations),
            keep_unobserved: self.keep_unobserved,
            bias_correction: self.bias_correction,
            allow_disconnected: self.allow_disconnected,
            non_centred: self.non_centred.clone(),
            anchor_file: self.anchor.clone(),
            anchor_run: self.anchor_run,
            note: self.note.clone(),
            recode: self.recode.clone().map(RecodeSetting::File),
            ignore_model: self.ignore_model,
            given: Chosen {
                scale: self.scale.is_some(),
                update: self.update.is_some(),
                max_iterations: self.max_iterations.is_some(),
                ..Chosen::default()
            },
        }
    }
}

/// Fits, stores the run and prints its summary (exit code 5 when it did not converge).
pub fn run(args: FitArgs, out: Output) -> Result<(), Failure> {
    let step = FitStep {
        settings: args.settings(),
        then: AfterFit::Store,
    };
    let fitted = run_fitting_step(&args.project, &step, out)?;
    let Some(outcome) = &fitted.outcome else {
        unreachable!("a fit that only stores its run keeps the fit")
    };
    let fit = &outcome.fit;
    if out.json {
        println!(
            "{}",
            serde_json::json!({
                "run_id": outcome.run_id,
                "converged": fit.converged,
                "iterations": fit.iterations(),
                "observations": outcome.observations,
                "masked_observations": outcome.masked_observations,
                "connected": outcome.connectedness.connected,
                "recode": fitted.recode,
                "global": fit.global,
                "facets": fit.facets.iter().map(|f| serde_json::json!({"name": f.name, "summary": f.summary})).collect::<Vec<_>>(),
            })
        );
    } else if !out.quiet {
        println!(
            "run {}: {} after {} iterations on {} responses{}",
            outcome.run_id,
            if fit.converged {
                "converged"
            } else {
                "NOT converged"
            },
            fit.iterations(),
            outcome.observations,
            if outcome.masked_observations > 0 {
                format!(" ({} masked by exclusions)", outcome.masked_observations)
            } else {
                String::new()
            }
        );
        for f in &fit.facets {
            let s = &f.summary;
            println!(
                "  {:<16} mean {:>6.2}  S.D. {:>5.2}  separation {:>5.2}  reliability {:>4.2}  (model, populn)",
                f.name, s.mean_measure, s.sd_population, s.model_population.separation, s.model_population.reliability
            );
        }
        if let Some(recode) = &fitted.recode {
            println!("  recode (this run only): {}", recode.describe().join("; "));
        }
        if !outcome.connectedness.connected {
            println!("  warning: the rating network is disconnected; see `scalewright info` for the subsets");
        }
        println!(
            "  tables: scalewright report --project {} --run {}",
            args.project.display(),
            outcome.run_id
        );
    }
    if !fit.converged {
        return Err(Failure::msg(
            exit::NOT_CONVERGED,
            format!(
                "run {} did not converge within {} iterations (stored as not converged); raise --max-iterations or loosen the criteria",
                outcome.run_id,
                fit.iterations()
            ),
        )
        .json_printed(out.json));
    }
    Ok(())
}
