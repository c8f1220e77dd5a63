//! `scalewright runs`: list the stored runs.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `runs`.
#[derive(Args, Debug)]
pub struct RunsArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
}

/// Prints one line per stored run.
pub fn run(args: RunsArgs, out: Output) -> Result<(), Failure> {
    let project = Project::open(&args.project)?;
    let runs = project.runs()?;
    if out.json {
        print_json(&runs, "serialising runs")?;
        return Ok(());
    }
    println!(
        "  {:>4}  {:<6} {:<14} {:>5}  {:<30}  note",
        "run", "method", "status", "iter", "finished"
    );
    for r in runs {
        let recode = r
            .recode
            .as_ref()
            .map(|recode| format!(" [recode {}]", recode.describe().join("; ")))
            .unwrap_or_default();
        println!(
            "  {:>4}  {:<6} {:<14} {:>5}  {:<30}  {}{recode}",
            r.id,
            r.method,
            r.status,
            r.iterations,
            r.finished_at.unwrap_or_default(),
            r.note
        );
    }
    Ok(())
}
