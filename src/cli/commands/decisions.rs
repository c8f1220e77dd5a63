//! `scalewright decisions`: list the review decisions in force.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `decisions`.
#[derive(Args, Debug)]
pub struct DecisionsArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
}

/// Prints one line per decision in force.
pub fn run(args: DecisionsArgs, out: Output) -> Result<(), Failure> {
    let project = Project::open(&args.project)?;
    let decisions = project.decisions()?;
    if out.json {
        print_json(&decisions, "serialising decisions")?;
        return Ok(());
    }
    for d in decisions {
        println!(
            "  {:<9} {:<14} {:<10} {:<30} {:<18} {}",
            d.decision.as_str(),
            d.facet,
            d.label,
            d.decided_at,
            d.source,
            d.reason
        );
    }
    Ok(())
}
