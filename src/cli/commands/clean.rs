//! `scalewright clean`: iterative cleaning (fit -> flag -> exclude -> refit).

use crate::cli::exit::Failure;
use crate::cli::output::{run_fitting_step, Output};
use clap::Args;
use scalewright::measure::ScaleModel;
use scalewright::pipeline::step::{AfterFit, FitStep};
use scalewright::pipeline::FitSettings;
use std::path::PathBuf;

/// Arguments of `clean`.
#[derive(Args, Debug)]
pub struct CleanArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// At most this many fits.
    #[arg(long, default_value_t = 5)]
    max_rounds: usize,
    /// Threshold structure: pcm (one scale per item) or rsm (one shared scale).
    #[arg(long, default_value = "pcm")]
    scale: ScaleModel,
}

/// Cleans until no new rater is flagged (or `--max-rounds`) and prints one line per round.
pub fn run(args: CleanArgs, out: Output) -> Result<(), Failure> {
    let step = FitStep {
        settings: FitSettings {
            scale: args.scale,
            note: "iterative cleaning".into(),
            ..FitSettings::default()
        },
        then: AfterFit::Clean {
            max_rounds: args.max_rounds,
        },
    };
    let rounds = run_fitting_step(&args.project, &step, out)?.rounds;
    if out.json {
        println!("{}", serde_json::json!({ "rounds": rounds }));
    } else if !out.quiet {
        println!("  round  run  excluded  r(previous)  largest shift  separation  reliability");
        for r in &rounds {
            println!(
                "  {:>5} {:>4} {:>9} {:>12} {:>14} {:>11.2} {:>12.3}",
                r.round,
                r.run_id,
                r.excluded.len(),
                r.measure_correlation
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into()),
                r.largest_shift
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "-".into()),
                r.object_separation,
                r.object_reliability
            );
        }
        if rounds.last().is_some_and(|r| !r.excluded.is_empty()) {
            println!(
                "  stopped at --max-rounds {} with raters still being flagged",
                args.max_rounds
            );
        }
    }
    Ok(())
}
