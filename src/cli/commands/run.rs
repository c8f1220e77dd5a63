//! `scalewright run`: a whole pipeline (ingest -> fit or clean -> flag -> export) from a TOML
//! file.

use crate::cli::exit::{self, Failure};
use crate::cli::output::{finish, progress_spinner, show_iterations, Output};
use anyhow::Context;
use clap::Args;
use scalewright::batch::{self, PipelineSpec};
use std::path::PathBuf;

/// Arguments of `run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The pipeline file (schemas/pipeline.schema.json).
    pipeline: PathBuf,
}

/// Runs the pipeline's steps and prints what they did (exit code 5 when the last fit did not
/// converge).
pub fn run(args: RunArgs, out: Output) -> Result<(), Failure> {
    let spec = PipelineSpec::from_file(&args.pipeline)?;
    let bar = progress_spinner(out);
    let mut observer = show_iterations(&bar);
    let mut log = |line: String| {
        if let Some(bar) = &bar {
            bar.suspend(|| out.log(&line));
        } else {
            out.log(&line);
        }
    };
    let result = batch::run(&spec, &mut observer, &mut log);
    finish(&bar);
    // Each step's error keeps its own exit code (cli::exit follows the wrapped error).
    let report = result?;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("serialising the pipeline report")?
        );
    } else if !out.quiet {
        println!(
            "pipeline done: project {}, run {}{}, {} flag(s), {} export(s)",
            report.project.display(),
            report
                .run_id
                .map(|r| r.to_string())
                .unwrap_or_else(|| "-".into()),
            if report.converged == Some(false) {
                " (NOT converged)"
            } else {
                ""
            },
            report.flags,
            report.exports.len()
        );
    }
    if report.converged == Some(false) {
        return Err(Failure::msg(
            exit::NOT_CONVERGED,
            "the last fit did not converge (stored as not converged)",
        )
        .json_printed(out.json));
    }
    Ok(())
}
