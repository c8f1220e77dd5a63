//! `scalewright models`: list the stored text predictors.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
}

/// Prints one line per stored model with its held-out metrics.
pub fn run(args: ModelsArgs, out: Output) -> Result<(), Failure> {
    let project = Project::open(&args.project)?;
    let models = project.models()?;
    if out.json {
        print_json(&models, "serialising models")?;
        return Ok(());
    }
    println!(
        "  {:>5}  {:>4}  {:<7} {:<9} {:>8} {:>8} {:>8}  created",
        "model", "run", "encoder", "status", "RMSE", "r", "ridge"
    );
    for m in models {
        let metric = |path: &str| {
            m.metrics
                .pointer(path)
                .and_then(|v| v.as_f64())
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into())
        };
        println!(
            "  {:>5}  {:>4}  {:<7} {:<9} {:>8} {:>8} {:>8}  {}",
            m.id,
            m.run_id,
            m.encoder,
            m.status,
            metric("/evaluation/model/rmse"),
            metric("/evaluation/model/pearson"),
            metric("/evaluation/ridge/rmse"),
            m.created_at
        );
    }
    Ok(())
}
