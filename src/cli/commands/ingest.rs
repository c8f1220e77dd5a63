//! `scalewright ingest`: validate a rating file and import it into a project.

use crate::cli::exit::{self, Failure};
use crate::cli::output::{finish, progress_spinner, Output};
use crate::cli::render;
use clap::Args;
use scalewright::config::{DatasetConfig, Preset};
use scalewright::ingest::{self, IngestError, IngestOptions};
use scalewright::store::Project;
use std::path::{Path, PathBuf};

/// Arguments of `ingest`.
#[derive(Args, Debug)]
pub struct IngestArgs {
    /// The rating file (CSV, TSV or Parquet), or with --facets a Facets specification file.
    data: PathBuf,
    /// A dataset description (TOML).
    #[arg(
        long,
        short,
        conflicts_with_all = ["preset", "facets"],
        required_unless_present_any = ["preset", "facets"]
    )]
    config: Option<PathBuf>,
    /// A built-in description: mhs or mhs-collapsed.
    #[arg(long, conflicts_with = "facets")]
    preset: Option<String>,
    /// The file is a Facets (or Minifac) specification with its data inline or in a
    /// `Data file=`; its model (orientation, centring, anchors, scales, stopping rules) becomes
    /// the project's (docs/facets.md). The project must be new.
    #[arg(long)]
    facets: bool,
    /// With --facets: the object facet, by number or label (default: the first positively
    /// oriented non-centred facet, else the first positive one).
    #[arg(long, requires = "facets", value_name = "FACET")]
    object: Option<String>,
    /// The project file (created if missing).
    #[arg(long, short)]
    project: PathBuf,
    /// How many problems of each kind to list.
    #[arg(long, default_value_t = ingest::DEFAULT_MAX_PROBLEMS)]
    max_problems: usize,
}

/// The dataset description: the `--config` file, else the `--preset`.
fn load_config(config: Option<&Path>, preset: Option<&str>) -> Result<DatasetConfig, Failure> {
    match (config, preset) {
        (Some(path), _) => Ok(DatasetConfig::from_file(path)?),
        (None, Some(name)) => Ok(Preset::from_name(name)?.config()),
        (None, None) => Err(Failure::msg(
            exit::USAGE,
            "give --config FILE or --preset NAME",
        )),
    }
}

/// Validates the file (nothing is written when it is invalid) and imports it.
pub fn run(args: IngestArgs, out: Output) -> Result<(), Failure> {
    let config = if args.facets {
        None
    } else {
        Some(load_config(args.config.as_deref(), args.preset.as_deref())?)
    };
    let options = IngestOptions {
        max_problems: args.max_problems,
        ..IngestOptions::default()
    };
    let bar = progress_spinner(out);
    if let Some(bar) = &bar {
        bar.set_message(format!("reading and validating {}", args.data.display()));
    }
    let staged = match &config {
        Some(config) => ingest::stage(&args.data, config, &options),
        None => ingest::facets::stage_spec(
            &args.data,
            &ingest::facets::FacetsOptions {
                object: args.object.clone(),
            },
        ),
    };
    finish(&bar);
    let staged = match staged {
        Ok(staged) => staged,
        Err(IngestError::Invalid(report)) => {
            if out.json {
                println!(
                    "{}",
                    serde_json::json!({ "imported": false, "validation": report })
                );
            }
            return Err(Failure::msg(exit::BAD_INPUT, report).json_printed(out.json));
        }
        Err(e) => return Err(e.into()),
    };
    for warning in &staged.report.warnings {
        out.log(warning.to_string());
    }
    let mut project = Project::create_or_open(&args.project)?;
    let bar = progress_spinner(out);
    if let Some(bar) = &bar {
        bar.set_message(format!(
            "importing {} responses into {}",
            staged.observations.len(),
            args.project.display()
        ));
    }
    let summary = project.import(&staged);
    finish(&bar);
    let summary = summary?;
    if out.json {
        println!("{}", {
            let mut answer = serde_json::json!({ "imported": true, "summary": summary, "warnings": staged.report.warnings, "warnings_total": staged.report.warnings_total });
            if let Some(model) = &staged.model {
                answer["model"] = serde_json::json!(model);
            }
            answer
        });
    } else if !out.quiet {
        println!("{}", render::import_summary(&summary, project.path()));
    }
    Ok(())
}
