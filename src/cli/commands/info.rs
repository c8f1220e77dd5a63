//! `scalewright info`: the project summary.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use crate::cli::render;
use clap::Args;
use scalewright::store::Project;
use std::path::{Path, PathBuf};

/// Arguments of `info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
}

/// Prints the summary of the project.
pub fn run(args: InfoArgs, out: Output) -> Result<(), Failure> {
    print_summary(&args.project, out)
}

/// Prints the summary of the project at `path` (text, or JSON with `--json`).
pub fn print_summary(path: &Path, out: Output) -> Result<(), Failure> {
    let project = Project::open(path)?;
    let summary = project.summary()?;
    if out.json {
        print_json(&summary, "serialising the summary")?;
    } else {
        print!("{}", render::project_summary(&summary));
    }
    Ok(())
}
