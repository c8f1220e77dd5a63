//! `scalewright compare`: runs compared as models (log-likelihood, free parameters, AIC, BIC,
//! the likelihood-ratio test of nested MML runs).

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The runs, two or more, e.g. `3,4`.
    #[arg(long, value_delimiter = ',', required = true)]
    runs: Vec<i64>,
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

/// Prints one line per run, the likelihood-ratio tests and the notes.
pub fn run(args: CompareArgs, out: Output) -> Result<(), Failure> {
    let project = Project::open(&args.project)?;
    let comparison = scalewright::pipeline::compare_models(&project, &args.runs)?;
    if out.json {
        print_json(&comparison, "serialising the comparison")?;
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    println!(
        "  {:>4}  {:<6} {:<5} {:<9} {:>14} {:>6} {:>14} {:>14} {:>8} {:>7} {:>6}",
        "run", "method", "scale", "lnL", "log-lik.", "k", "AIC", "BIC", "N", "sep.", "rel."
    );
    for r in &comparison.runs {
        println!(
            "  {:>4}  {:<6} {:<5} {:<9} {:>14.3} {:>6} {:>14.3} {:>14.3} {:>8} {:>7.2} {:>6.2}{}",
            r.run,
            r.method.as_str(),
            r.scale_model,
            match r.likelihood {
                scalewright::pipeline::LikelihoodKind::Joint => "joint",
                scalewright::pipeline::LikelihoodKind::Marginal => "marginal",
            },
            r.log_likelihood,
            r.parameters,
            r.aic,
            r.bic,
            r.sample_size,
            r.object_separation,
            r.object_reliability,
            if r.converged { "" } else { "  (not converged)" }
        );
    }
    println!("  item fit (infit or outfit outside 0.5-1.5; largest outfit):");
    for r in &comparison.runs {
        println!(
            "    run {:>4}: {} misfitting, largest outfit {}",
            r.run,
            r.misfitting_items,
            optional(r.item_outfit_max, 2)
        );
    }
    if comparison.lr_tests.is_empty() {
        println!("  likelihood-ratio test: none (no nested MML pair on the same observations)");
    }
    for t in &comparison.lr_tests {
        println!(
            "  likelihood-ratio test, run {} within run {}: chi-square {:.3} on {} d.f., p = {:.4}",
            t.restricted, t.general, t.chi_square, t.df, t.p
        );
    }
    for note in &comparison.notes {
        println!("  note: {note}");
    }
    Ok(())
}
