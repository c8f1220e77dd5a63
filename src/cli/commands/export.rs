//! `scalewright export`: the measures of a run as CSV (with a provenance sidecar), Parquet or
//! JSON.

use crate::cli::exit::Failure;
use crate::cli::output::Output;
use anyhow::Context;
use clap::Args;
use scalewright::export::{ExportKind, Rescale};
use scalewright::pipeline::{self, ExportSettings};
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
    /// What to export: objects, raters, items or joined (onto the original rows).
    #[arg(long, default_value = "objects")]
    what: ExportKind,
    /// The output file: .csv (with a .json provenance sidecar), .parquet or .json.
    #[arg(long, short)]
    out: PathBuf,
    /// Name the columns as the MHS release does (hate_speech_score, std_err, infitms, outfitms,
    /// annotator_severity, annotator_infitms, annotator_outfitms).
    #[arg(long)]
    mhs_columns: bool,
    /// Linear rescaling of the measures to user units: INTERCEPT,SLOPE (a + b * measure, a
    /// non-zero slope).
    #[arg(long, allow_hyphen_values = true)]
    rescale: Option<Rescale>,
    /// With --what joined: the original data file to join the estimates onto.
    #[arg(long)]
    join: Option<PathBuf>,
    /// Objects of an MML run: N plausible values per object (draws from its posterior;
    /// columns pv1..pvN), for secondary analyses of group means and variances.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    plausible_values: Option<u16>,
    /// The seed of the plausible values (the same seed gives the same draws).
    #[arg(long, requires = "plausible_values")]
    seed: Option<u64>,
}

/// Writes the export and prints what was written.
pub fn run(args: ExportArgs, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let settings = ExportSettings {
        what: args.what,
        out: args.out.clone(),
        run: args.run,
        mhs_columns: args.mhs_columns,
        rescale: args.rescale,
        join: args.join.clone(),
        plausible_values: args.plausible_values.map(usize::from),
        plausible_seed: args.seed,
    };
    let summary = pipeline::export_run(&mut project, &settings)?;
    let run_id = summary.provenance.run_id;
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
