//! `scalewright export`: the measures of a run as CSV (with a provenance sidecar), Parquet or
//! JSON.

use crate::cli::exit::Failure;
use crate::cli::output::Output;
use anyhow::Context;
use clap::Args;
use scalewright::export::winsteps::WinstepsFold;
use scalewright::export::{ExportFormat, ExportKind, Rescale};
use scalewright::measure::plausible::PlausibleDraws;
use scalewright::pipeline::step::{run_on_file, Unobserved};
use scalewright::pipeline::ExportSettings;
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
    /// What to export: objects, raters, items, joined (onto the original rows), facets (a
    /// Facets specification with the data inline) or winsteps (a Winsteps control and data
    /// file; see docs/facets.md).
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
    #[arg(long, value_name = "N")]
    plausible_values: Option<PlausibleDraws>,
    /// The seed of the plausible values (the same seed gives the same draws).
    #[arg(long, requires = "plausible_values")]
    seed: Option<u64>,
    /// With --what facets: write the run's measures (non-object facets) and rating-scale
    /// thresholds as anchors (`,A`).
    #[arg(long)]
    anchors: bool,
    /// With --what winsteps: fold the rater facets into the persons (one record per object x
    /// raters, default) or the items (one item per raters x item).
    #[arg(long, value_name = "persons|items")]
    fold: Option<WinstepsFold>,
}

/// Writes the export and prints what was written.
pub fn run(args: ExportArgs, out: Output) -> Result<(), Failure> {
    let settings = ExportSettings {
        what: args.what,
        out: args.out.clone(),
        run: args.run,
        mhs_columns: args.mhs_columns,
        rescale: args.rescale,
        join: args.join.clone(),
        plausible_values: args.plausible_values,
        plausible_seed: args.seed,
        anchors: args.anchors,
        fold: args.fold,
    };
    let summary = run_on_file(
        &args.project,
        &settings,
        &mut Unobserved::default().observers(),
    )?;
    let run_id = summary.provenance.run_id;
    if out.json {
        println!(
            "{}",
            serde_json::to_string(&summary).context("serialising the export summary")?
        );
    } else if !out.quiet && summary.format == ExportFormat::Text {
        println!(
            "wrote {} ({}: {} observations{})",
            summary.path.display(),
            summary.provenance.what,
            summary.rows,
            if summary.provenance.anchors > 0 {
                format!(
                    ", {} anchored values from run {run_id}",
                    summary.provenance.anchors
                )
            } else {
                String::new()
            }
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
