//! `scalewright ingest`: validate a rating file and import it into a project.

use crate::cli::exit::{self, Failure};
use crate::cli::output::{finish, progress_spinner, Output};
use crate::cli::render;
use clap::Args;
use scalewright::config::Preset;
use scalewright::ingest::{self, IngestError, IngestOptions};
use scalewright::pipeline::step::{
    run_on_file, Description, ImportStep, IngestOutcome, StepError, Unobserved,
};
use std::path::PathBuf;

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

/// How the file is read: a Facets specification, the `--config` file, else the `--preset`.
fn description(args: &IngestArgs) -> Result<Description, Failure> {
    match (&args.config, &args.preset) {
        _ if args.facets => Ok(Description::Facets(ingest::facets::FacetsOptions {
            object: args.object.clone(),
        })),
        (Some(path), _) => Ok(Description::File(path.clone())),
        (None, Some(name)) => Ok(Description::Preset(Preset::from_name(name)?)),
        (None, None) => Err(Failure::msg(
            exit::USAGE,
            "give --config FILE or --preset NAME",
        )),
    }
}

/// Validates the file (nothing is written when it is invalid) and imports it.
pub fn run(args: IngestArgs, out: Output) -> Result<(), Failure> {
    let description = description(&args)?;
    let options = IngestOptions {
        max_problems: args.max_problems,
        ..IngestOptions::default()
    };
    let bar = progress_spinner(out);
    if let Some(bar) = &bar {
        bar.set_message(format!("reading and validating {}", args.data.display()));
    }
    let staged = description.stage(&args.data, &options);
    finish(&bar);
    let staged = match staged {
        Ok(staged) => staged,
        Err(StepError::Ingest(IngestError::Invalid(report))) => {
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
    let bar = progress_spinner(out);
    if let Some(bar) = &bar {
        bar.set_message(format!(
            "importing {} responses into {}",
            staged.observations.len(),
            args.project.display()
        ));
    }
    let step = ImportStep(Box::new(staged));
    let imported = run_on_file(&args.project, &step, &mut Unobserved::default().observers());
    finish(&bar);
    let IngestOutcome::Imported { summary, .. } = imported? else {
        unreachable!("an import step refuses a file already imported")
    };
    let staged = &step.0;
    if out.json {
        println!("{}", {
            let mut answer = serde_json::json!({ "imported": true, "summary": summary, "warnings": staged.report.warnings, "warnings_total": staged.report.warnings_total });
            if let Some(model) = &staged.model {
                answer["model"] = serde_json::json!(model);
            }
            answer
        });
    } else if !out.quiet {
        println!("{}", render::import_summary(&summary, &args.project));
    }
    Ok(())
}
