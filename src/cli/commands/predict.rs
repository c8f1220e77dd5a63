//! `scalewright predict`: measures, item probabilities and contributions for texts with a
//! stored model.

use crate::cli::exit::{self, Failure};
use crate::cli::output::{print_json, Output};
use clap::Args;
use scalewright::predict::{self, PredictFileRequest, PredictOptions};
use scalewright::store::Project;
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
    let project = Project::open(&args.project)?;
    let model_id = match args.model {
        Some(id) => id,
        None => project.latest_model()?.ok_or_else(|| {
            Failure::msg(
                exit::BAD_INPUT,
                format!(
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
        )?,
        None => predict::write_object_predictions(&project, model_id, &args.out, &options)?.0,
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
