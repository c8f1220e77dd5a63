//! `scalewright quality`: the rater-quality report of a run.

use crate::cli::exit::Failure;
use crate::cli::output::{newest_run, Output};
use anyhow::Context;
use clap::Args;
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `quality`.
#[derive(Args, Debug)]
pub struct QualityArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
}

/// Prints flags per rule, mean-square bands, agreement and Krippendorff's alpha of the run.
pub fn run(args: QualityArgs, out: Output) -> Result<(), Failure> {
    let project = Project::open(&args.project)?;
    let run = newest_run(&project, args.run)?;
    let report = scalewright::pipeline::quality_report(&project, run)?;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("serialising the quality report")?
        );
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    println!(
        "Rater quality, run {run}: {} raters, {} recommended for exclusion",
        report.raters, report.raters_recommended_for_exclusion
    );
    if report.flagged_per_rule.is_empty() {
        println!("  no flags stored for this run (run `scalewright flag` first)");
    }
    for (rule, n) in &report.flagged_per_rule {
        println!("  {rule:<18} {n} rater(s)");
    }
    for (name, b) in [("Infit", &report.infit), ("Outfit", &report.outfit)] {
        println!(
            "  {name:<6} MnSq: < 0.5 muted {} | 0.5-1.5 productive {} | 1.5-2.0 unproductive {} | > 2.0 distorting {}{}",
            b.muted,
            b.productive,
            b.unproductive,
            b.distorting,
            b.quartiles.map(|q| format!("  (quartiles {:.2} / {:.2} / {:.2})", q[0], q[1], q[2])).unwrap_or_default()
        );
    }
    let a = &report.agreement;
    println!(
        "  Inter-rater agreement opportunities: {}  Exact agreements: {} = {:.1}%  Expected: {:.1}%",
        a.opportunities, a.exact_agreements, a.observed_percent, a.expected_percent
    );
    println!("  Krippendorff's alpha (ordinal / nominal), units = objects:");
    for item in &report.alpha {
        println!(
            "    {:<16} {:>7} {:>7}   ({} objects with 2+ ratings)",
            item.item,
            item.ordinal
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into()),
            item.nominal
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into()),
            item.pairable_units
        );
    }
    Ok(())
}
