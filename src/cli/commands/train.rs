//! `scalewright train`: train the text predictor on a run's measures and ratings, evaluate it
//! on held-out comments and store it.

use crate::cli::args::EncoderArg;
use crate::cli::exit::{self, Failure};
use crate::cli::output::{finish, print_json, progress_spinner, Output};
use anyhow::Context;
use clap::Args;
use scalewright::pipeline::step::{
    open_project, RunStep, StepContext, StepObservers, StepOn, Unobserved,
};
use scalewright::predict::{self, EpochReport, Evaluation, TrainOptions};
use std::path::{Path, PathBuf};

/// Arguments of `train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run whose measures are the targets (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// A JSON file of training options (the fields of `TrainOptions`, see docs/predictor.md);
    /// the flags below override it.
    #[arg(long)]
    options: Option<PathBuf>,
    /// Text representation (default: hashed).
    #[arg(long, value_enum)]
    encoder: Option<EncoderArg>,
    /// Directory with config.json, tokenizer.json and model.safetensors of all-MiniLM-L6-v2.
    #[arg(long)]
    encoder_dir: Option<PathBuf>,
    /// Largest number of epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Seed of the split, the weights and the batches.
    #[arg(long)]
    seed: Option<u64>,
    /// Hashed encoder: 2^BITS buckets.
    #[arg(long)]
    hash_bits: Option<u32>,
    /// Comments per batch.
    #[arg(long)]
    batch_size: Option<usize>,
    /// λ: weight of the measure's squared error against the items' ordinal cross-entropy.
    #[arg(long)]
    measure_weight: Option<f64>,
    /// Heads without the rater's severity (not perspective-aware).
    #[arg(long)]
    no_perspective: bool,
    /// Unweighted squared error on the measure (instead of 1/S.E.² weights).
    #[arg(long)]
    no_se_weights: bool,
}

/// Reads a JSON file of training options (bad input names the file).
fn read_options(path: &Path) -> Result<TrainOptions, Failure> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))
        .map_err(|e| Failure::new(exit::BAD_INPUT, e))?;
    serde_json::from_str::<TrainOptions>(&text)
        .with_context(|| format!("{}: not valid training options", path.display()))
        .map_err(|e| Failure::new(exit::BAD_INPUT, e))
}

/// The training options: the `--options` file (or the defaults) with the flags on top.
fn train_options(args: TrainArgs) -> Result<TrainOptions, Failure> {
    let defaults = match &args.options {
        Some(path) => read_options(path)?,
        None => TrainOptions::default(),
    };
    Ok(TrainOptions {
        run_id: args.run.or(defaults.run_id),
        encoder: args.encoder.map_or(defaults.encoder, Into::into),
        encoder_dir: args.encoder_dir.or(defaults.encoder_dir.clone()),
        epochs: args.epochs.unwrap_or(defaults.epochs),
        seed: args.seed.unwrap_or(defaults.seed),
        hash_bits: args.hash_bits.unwrap_or(defaults.hash_bits),
        batch_size: args.batch_size.unwrap_or(defaults.batch_size),
        measure_weight: args.measure_weight.unwrap_or(defaults.measure_weight),
        perspective: defaults.perspective && !args.no_perspective,
        weight_by_standard_error: defaults.weight_by_standard_error && !args.no_se_weights,
        ..defaults
    })
}

/// Trains, evaluates and stores the model, and prints its evaluation.
pub fn run(args: TrainArgs, out: Output) -> Result<(), Failure> {
    let mut project = open_project(&args.project, TrainOptions::ACCESS)?;
    let options = train_options(args)?;
    let bar = progress_spinner(out);
    let mut observer = |r: &EpochReport| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "epoch {}/{}: train loss {:.4}, valid loss {:.4}, valid RMSE {:.3}, r {:.3}",
                r.epoch, r.epochs, r.train_loss, r.valid_loss, r.valid_rmse, r.valid_pearson
            ));
        } else if !out.quiet && !out.json {
            eprintln!(
                "epoch {}/{}: train loss {:.4}, valid loss {:.4}, valid RMSE {:.3}, r {:.3}",
                r.epoch, r.epochs, r.train_loss, r.valid_loss, r.valid_rmse, r.valid_pearson
            );
        }
        std::ops::ControlFlow::Continue(())
    };
    let mut unobserved = Unobserved::default();
    let outcome = options.run(&mut StepOn {
        project: &mut project,
        context: &mut StepContext::default(),
        observers: &mut StepObservers {
            train: &mut observer,
            ..unobserved.observers()
        },
    });
    finish(&bar);
    let outcome = outcome?;
    if out.json {
        print_json(&outcome, "serialising the outcome")?;
        return Ok(());
    }
    if !out.quiet {
        println!(
            "model {} trained on run {} ({} epochs, best: {}, {:.1} s)",
            outcome.model_id,
            outcome.run_id,
            outcome.history.len(),
            predict::best_epoch_label(outcome.evaluation.best_epoch),
            outcome.evaluation.train_seconds
        );
        print_evaluation(&outcome.evaluation);
    }
    Ok(())
}

/// The held-out evaluation: measure errors of the model and its baselines, item agreement.
fn print_evaluation(e: &Evaluation) {
    println!(
        "held-out comments: {} ({} ratings); train {}, valid {}",
        e.test_comments, e.test_ratings, e.train_comments, e.valid_comments
    );
    println!(
        "  {:<8} {:>8} {:>8} {:>8} {:>8}",
        "measure", "RMSE", "MAE", "r", "R²"
    );
    for (name, m) in [("model", &e.model), ("ridge", &e.ridge), ("mean", &e.mean)] {
        println!(
            "  {:<8} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
            name, m.rmse, m.mae, m.pearson, m.r_squared
        );
    }
    println!(
        "  {:<14} {:>6} {:>8} {:>8} {:>8} {:>9}",
        "item", "n", "accuracy", "QWK", "macro-F1", "label MAE"
    );
    for i in &e.items {
        println!(
            "  {:<14} {:>6} {:>8.3} {:>8.3} {:>8.3} {:>9.3}",
            i.item, i.n, i.accuracy, i.quadratic_kappa, i.macro_f1, i.label_mae
        );
    }
}
