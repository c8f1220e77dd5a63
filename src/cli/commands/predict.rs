//! `scalewright predict`: measures, item probabilities and contributions for texts with a
//! stored model.

use crate::cli::exit::Failure;
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::pipeline::step::{run_on_file, PredictSource, PredictStep, Unobserved};
use scalewright::predict::{PredictFileRequest, PredictOptions};
use std::path::PathBuf;

/// Arguments of `predict`.
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

/// Writes the predictions for the input file (or the project's comments) and says where.
pub fn run(args: PredictArgs, out: Output) -> Result<(), Failure> {
    let step = PredictStep {
        model: args.model,
        source: match args.input {
            Some(input) => PredictSource::File(PredictFileRequest {
                input,
                text_column: args.text_column,
                id_column: args.id_column,
                out: args.out,
            }),
            None => PredictSource::Objects(args.out),
        },
        options: PredictOptions {
            encoder_dir: args.encoder_dir,
            severity: args.severity,
            mc_samples: None,
        },
    };
    let summary = run_on_file(&args.project, &step, &mut Unobserved::default().observers())?;
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
