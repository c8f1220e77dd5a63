//! `scalewright train`, `predict` and `models`: the text predictor's front end.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use scalewright::predict::{
    self, EncoderKind, EpochReport, Evaluation, PredictFileRequest, PredictOptions, TrainOptions,
};
use scalewright::store::Project;

use super::{exit, print_json, Failure, Output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncoderArg {
    /// Hashed word and character n-grams, learned end to end (no download).
    Hashed,
    /// Frozen all-MiniLM-L6-v2 sentence vectors (needs --encoder-dir; see docs/predictor.md).
    Minilm,
}

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

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The model (default: the newest trained model).
    #[arg(long)]
    model: Option<i64>,
    /// A CSV/TSV/Parquet file of texts (default: the project's own comments, with their split
    /// and Rasch measure).
    #[arg(long)]
    input: Option<PathBuf>,
    /// The input's text column.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// An input column copied to the output to identify rows (default: the row number).
    #[arg(long)]
    id_column: Option<String>,
    /// The output file (.csv, or .parquet).
    #[arg(long)]
    out: PathBuf,
    /// Read the MiniLM files from here instead of the directory recorded with the model.
    #[arg(long)]
    encoder_dir: Option<PathBuf>,
    /// Predict for a rater of this severity (logits; perspective-aware models). Default: an
    /// average rater.
    #[arg(long, allow_hyphen_values = true)]
    severity: Option<f64>,
}

/// The exit code of a predictor error.
pub fn exit_code(e: &predict::PredictError) -> u8 {
    use predict::PredictError as E;
    match e {
        E::InvalidOption { .. }
        | E::NoRun
        | E::TooFewComments { .. }
        | E::NoSuchModel { .. }
        | E::NoWeights { .. }
        | E::Encoder { .. }
        | E::Input { .. } => exit::BAD_INPUT,
        E::Store(e) => super::store_exit_code(e),
        _ => exit::FAILURE,
    }
}

fn failure(e: predict::PredictError) -> Failure {
    Failure::new(exit_code(&e), e)
}

pub fn train_cmd(args: TrainArgs, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let defaults = match &args.options {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))
                .map_err(|e| Failure::new(exit::BAD_INPUT, e))?;
            serde_json::from_str::<TrainOptions>(&text)
                .with_context(|| format!("{}: not valid training options", path.display()))
                .map_err(|e| Failure::new(exit::BAD_INPUT, e))?
        }
        None => TrainOptions::default(),
    };
    let options = TrainOptions {
        run_id: args.run.or(defaults.run_id),
        encoder: match args.encoder {
            Some(EncoderArg::Hashed) => EncoderKind::Hashed,
            Some(EncoderArg::Minilm) => EncoderKind::Minilm,
            None => defaults.encoder,
        },
        encoder_dir: args.encoder_dir.or(defaults.encoder_dir.clone()),
        epochs: args.epochs.unwrap_or(defaults.epochs),
        seed: args.seed.unwrap_or(defaults.seed),
        hash_bits: args.hash_bits.unwrap_or(defaults.hash_bits),
        batch_size: args.batch_size.unwrap_or(defaults.batch_size),
        measure_weight: args.measure_weight.unwrap_or(defaults.measure_weight),
        perspective: defaults.perspective && !args.no_perspective,
        weight_by_standard_error: defaults.weight_by_standard_error && !args.no_se_weights,
        ..defaults
    };
    let bar = super::fit_progress(out);
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
    let outcome = predict::train_project(&mut project, &options, &mut observer);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = outcome.map_err(failure)?;
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
            scalewright::predict::best_epoch_label(outcome.evaluation.best_epoch),
            outcome.evaluation.train_seconds
        );
        print_evaluation(&outcome.evaluation);
    }
    Ok(())
}

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

pub fn predict_cmd(args: PredictArgs, out: Output) -> Result<(), Failure> {
    let project = Project::open(&args.project)?;
    let model_id = match args.model {
        Some(id) => id,
        None => project.latest_model()?.ok_or_else(|| {
            Failure::new(
                exit::BAD_INPUT,
                anyhow::anyhow!(
                    "project {} has no trained model (run `scalewright train`)",
                    args.project.display()
                ),
            )
        })?,
    };
    let options = PredictOptions {
        encoder_dir: args.encoder_dir,
        severity: args.severity,
        mc_samples: None,
    };
    let summary = match &args.input {
        Some(input) => predict::predict_file(
            &project,
            model_id,
            &PredictFileRequest {
                input: input.clone(),
                text_column: args.text_column,
                id_column: args.id_column,
                out: args.out,
            },
            &options,
        )
        .map_err(failure)?,
        None => {
            predict::write_object_predictions(&project, model_id, &args.out, &options)
                .map_err(failure)?
                .0
        }
    };
    if out.json {
        print_json(&summary, "serialising the summary")?;
    } else {
        out.log(format!(
            "model {}: {} predictions written to {}",
            summary.model_id,
            summary.rows,
            summary.out.display()
        ));
    }
    Ok(())
}

pub fn models_cmd(project: &std::path::Path, out: Output) -> Result<(), Failure> {
    let project = Project::open(project)?;
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
