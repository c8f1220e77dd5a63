//! `scalewright fit`: fit the many-facet Rasch model to the project's data and store the run.

use crate::cli::args::{MethodArg, ObjectEstimatorArg, ScaleArg, UpdateArg};
use crate::cli::exit::{self, Failure};
use crate::cli::output::{finish, progress_spinner, Output};
use clap::Args;
use scalewright::measure::{
    Convergence, FitOptions, IterationReport, JmleUpdate, MmlOptions, UnobservedCategories,
};
use scalewright::pipeline::{self, FitRequest};
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `fit`.
#[derive(Args, Debug)]
pub struct FitArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// Estimation method.
    #[arg(long, value_enum, default_value_t = MethodArg::Jmle)]
    method: MethodArg,
    /// Threshold structure: pcm (one scale per item, Facets `#`) or rsm (one shared scale).
    #[arg(long, value_enum, default_value_t = ScaleArg::Pcm)]
    scale: ScaleArg,
    /// MML: object measures by EAP (with posterior SD) or WLE.
    #[arg(long, value_enum, default_value_t = ObjectEstimatorArg::Eap)]
    object_estimator: ObjectEstimatorArg,
    /// MML: Gauss-Hermite quadrature points.
    #[arg(long, default_value_t = MmlOptions::default().quadrature_points)]
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
    /// Iteration cap.
    #[arg(long, default_value_t = Convergence::default().max_iterations)]
    max_iterations: usize,
    /// Keep unobserved intermediate categories (Facets `Keep`) instead of renumbering them.
    #[arg(long)]
    keep_unobserved: bool,
    /// Apply the (L-1)/L JMLE bias correction.
    #[arg(long)]
    bias_correction: bool,
    /// JMLE iteration path: accelerated (few iterations at crowd scale), facets (Facets' own
    /// Jacobi steps: under the same loose criteria it stops where Facets stops) or winsteps
    /// (PROX start, Jacobi steps, Winsteps' stopping rule: it stops where Winsteps stops).
    #[arg(long, value_enum, default_value_t = UpdateArg::Accelerated)]
    update: UpdateArg,
    /// Fit even if the rating network is disconnected (subsets are stored with the run).
    #[arg(long)]
    allow_disconnected: bool,
    /// Facets that float (Facets `Non-centered=`), by name; default: the object facet.
    #[arg(long, value_delimiter = ',')]
    non_centred: Vec<String>,
    /// A note stored with the run.
    #[arg(long, default_value = "")]
    note: String,
}

/// The fit request the arguments describe: options, anchors (from a file or an earlier run),
/// non-centred facets by name, and the note.
pub fn fit_request(args: &FitArgs, project: &Project) -> Result<FitRequest, Failure> {
    let update = JmleUpdate::from(args.update);
    let mut options = FitOptions {
        method: args.method.into(),
        mml: MmlOptions {
            quadrature_points: args.quadrature_points,
            object_estimator: args.object_estimator.into(),
            ..MmlOptions::default()
        },
        scale_model: args.scale.into(),
        convergence: Convergence {
            max_score_residual: args
                .max_residual
                .unwrap_or(Convergence::default_for(update).max_score_residual),
            max_change: args
                .max_change
                .unwrap_or(Convergence::default_for(update).max_change),
            max_iterations: args.max_iterations,
        },
        unobserved_categories: if args.keep_unobserved {
            UnobservedCategories::Keep
        } else {
            UnobservedCategories::Ordinal
        },
        bias_correction: args.bias_correction,
        update,
        ..FitOptions::default()
    };
    if !args.non_centred.is_empty() {
        let facets = project.facets()?;
        let mut indices = Vec::new();
        for name in &args.non_centred {
            let index = facets.iter().position(|f| f.name == *name).ok_or_else(|| {
                Failure::msg(
                    exit::BAD_INPUT,
                    format!(
                        "--non-centred: no facet `{name}`; facets: {}",
                        facets
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            indices.push(index);
        }
        options.non_centred = Some(indices);
    }
    if args.anchor.is_some() || args.anchor_run.is_some() {
        let (data, _) = project.ratings_for_fit()?;
        options.anchors = match (&args.anchor, args.anchor_run) {
            (Some(file), _) => pipeline::read_anchor_file(file, &data)?,
            (None, Some(run)) => pipeline::anchors_from_run(project, run, &data)?,
            (None, None) => Default::default(),
        };
    }
    Ok(FitRequest {
        options,
        allow_disconnected: args.allow_disconnected,
        note: args.note.clone(),
    })
}

/// Fits, stores the run and prints its summary (exit code 5 when it did not converge).
pub fn run(args: FitArgs, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let request = fit_request(&args, &project)?;
    let bar = progress_spinner(out);
    let mut observer = |r: &IterationReport| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "iteration {}: max score residual {:.3}, max change {:.4} logits",
                r.iteration, r.max_score_residual, r.max_change
            ));
        }
        std::ops::ControlFlow::Continue(())
    };
    let outcome = pipeline::fit_project(&mut project, &request, &mut observer);
    finish(&bar);
    let outcome = outcome?;
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
