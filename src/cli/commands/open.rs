//! `scalewright open` and `scalewright tui`: the terminal workbench (and the bundled sample
//! project it opens by default).

use crate::cli::exit::{self, Failure};
use crate::cli::output::Output;
use clap::Args;
use scalewright::config::Preset;
use scalewright::ingest::{self, IngestOptions};
use scalewright::store::Project;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Where the bundled sample data lives, relative to the working directory.
pub const SAMPLE_DATA: &str = "sample-data/mhs-sim/ratings.csv";
/// Where the bundled sample project lives, relative to the working directory.
pub const SAMPLE_PROJECT: &str = "sample-data/mhs-sim.db";

/// Reviewer name used when neither `--reviewer` nor `$USER` gives one.
const DEFAULT_REVIEWER: &str = "reviewer";

/// Arguments of `open`.
#[derive(Args, Debug, Default)]
pub struct OpenArgs {
    /// The project file.
    #[arg(long, short)]
    project: Option<PathBuf>,
    /// Your name as a rater of the project when you annotate (default: $USER).
    #[arg(long)]
    reviewer: Option<String>,
}

/// Arguments of `tui`.
#[derive(Args, Debug)]
pub struct TuiArgs {
    /// The project file.
    project: Option<PathBuf>,
    /// Your name as a rater of the project when you annotate (default: $USER).
    #[arg(long)]
    reviewer: Option<String>,
}

/// Opens the workbench when stdout is a terminal (and no `--json`); otherwise prints the
/// project summary, as `info` does.
pub fn open(args: OpenArgs, out: Output) -> Result<(), Failure> {
    let path = match args.project {
        Some(p) => p,
        None => ensure_sample_project(out)?,
    };
    if !out.json && is_terminal() {
        return workbench(&path, args.reviewer);
    }
    super::info::print_summary(&path, out)
}

/// Opens the workbench on the project (default: the sample project).
pub fn tui(args: TuiArgs, out: Output) -> Result<(), Failure> {
    let path = match args.project {
        Some(p) => p,
        None => ensure_sample_project(out)?,
    };
    workbench(&path, args.reviewer)
}

/// Whether stdout and stdin are a terminal (the workbench needs both).
fn is_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// Runs the workbench on `path` until the user quits.
fn workbench(path: &Path, reviewer: Option<String>) -> Result<(), Failure> {
    let reviewer = reviewer
        .or_else(|| std::env::var("USER").ok())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REVIEWER.to_string());
    scalewright::tui::run(path, &reviewer)?;
    Ok(())
}

/// The bundled sample project, created from the sample data when missing.
fn ensure_sample_project(out: Output) -> Result<PathBuf, Failure> {
    let project = PathBuf::from(SAMPLE_PROJECT);
    if project.exists() {
        return Ok(project);
    }
    let data = PathBuf::from(SAMPLE_DATA);
    if !data.exists() {
        return Err(Failure::msg(
            exit::BAD_INPUT,
            format!(
                "no project given and the sample data {} is not here; run from the repository root or pass --project",
                data.display()
            ),
        ));
    }
    out.log(format!(
        "creating the sample project {} from {} (preset mhs)",
        project.display(),
        data.display()
    ));
    let staged = ingest::stage(&data, &Preset::Mhs.config(), &IngestOptions::default())?;
    let mut p = Project::create_or_open(&project)?;
    p.import(&staged)?;
    Ok(project)
}
