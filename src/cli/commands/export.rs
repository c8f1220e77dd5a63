//! `scalewright export`: the measures of a run as CSV (with a provenance sidecar), Parquet or
//! JSON.

use crate::cli::args::WhatArg;
use crate::cli::exit::{self, Failure};
use crate::cli::output::{newest_run, Output};
use anyhow::Context;
use clap::Args;
use scalewright::export::{self, ExportRequest, Rescale};
use scalewright::store::Project;
use std::path::PathBuf;

/// Arguments of `export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The project file.
    #[arg(long, short)]
    project: PathBuf,
    /// The run (default: the newest).
    #[arg(long)]
    run: Option<i64>,
    /// What to export.
    #[arg(long, value_enum, default_value_t = WhatArg::Objects)]
    what: WhatArg,
    /// The output file: .csv (with a .json provenance sidecar), .parquet or .json.
    #[arg(long, short)]
    out: PathBuf,
    /// Name the columns as the MHS release does (hate_speech_score, std_err, infitms, outfitms,
    /// annotator_severity, annotator_infitms, annotator_outfitms).
    #[arg(long)]
    mhs_columns: bool,
    /// Linear rescaling of the measures to user units: INTERCEPT,SLOPE (a + b * measure).
    #[arg(long, allow_hyphen_values = true)]
    rescale: Option<String>,
    /// With --what joined: the original data file to join the estimates onto.
    #[arg(long)]
    join: Option<PathBuf>,
}

/// Parses `--rescale INTERCEPT,SLOPE` (finite numbers, a non-zero slope).
pub fn parse_rescale(text: &str) -> Result<Rescale, Failure> {
    let parts: Vec<Option<f64>> = text.split(',').map(|p| p.trim().parse().ok()).collect();
    match parts.as_slice() {
        [Some(a), Some(b)] if a.is_finite() && b.is_finite() && *b != 0.0 => Ok(Rescale {
            intercept: *a,
            slope: *b,
        }),
        _ => Err(Failure::msg(
            exit::USAGE,
            format!(
                "--rescale takes INTERCEPT,SLOPE with a non-zero slope, e.g. 50,10; got `{text}`"
            ),
        )),
    }
}

/// Writes the export and prints what was written.
pub fn run(args: ExportArgs, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let run_id = newest_run(&project, args.run, &args.project)?;
    let rescale = args.rescale.as_deref().map(parse_rescale).transpose()?;
    let request = ExportRequest {
        run_id,
        kind: args.what.into(),
        path: args.out.clone(),
        rescale,
        mhs_columns: args.mhs_columns,
        join_source: args.join.clone(),
    };
    let summary = export::export(&mut project, &request)?;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&summary).context("serialising the export summary")?
        );
    } else if !out.quiet {
        println!(
            "wrote {} ({} rows, {} columns) from run {run_id}{}",
            summary.path.display(),
            summary.rows,
            summary.columns.len(),
            summary
                .sidecar
                .as_ref()
                .map(|s| format!("; provenance in {}", s.display()))
                .unwrap_or_default()
        );
    }
    Ok(())
}
