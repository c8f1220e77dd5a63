//! `scalewright init-config`: draft a dataset description, or print a built-in preset.

use crate::cli::exit::{self, Failure};
use crate::cli::output::Output;
use anyhow::Context;
use clap::Args;
use scalewright::config::Preset;
use scalewright::ingest;
use std::path::PathBuf;

/// Arguments of `init-config`.
#[derive(Args, Debug)]
pub struct InitConfigArgs {
    /// The rating file whose header to read.
    #[arg(required_unless_present = "preset")]
    data: Option<PathBuf>,
    /// Print a built-in preset instead (mhs or mhs-collapsed).
    #[arg(long, conflicts_with = "data")]
    preset: Option<String>,
    /// Write the draft here instead of stdout (never overwrites).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// Prints (or writes, never overwriting) the drafted or preset description.
pub fn run(args: InitConfigArgs, out: Output) -> Result<(), Failure> {
    let text = match (&args.data, &args.preset) {
        (_, Some(name)) => Preset::from_name(name)?.toml().to_string(),
        (Some(data), None) => ingest::draft::draft_config(data, None)?,
        (None, None) => {
            return Err(Failure::msg(
                exit::USAGE,
                "give a data file or --preset NAME",
            ))
        }
    };
    match args.out {
        Some(path) => {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .with_context(|| {
                    format!("cannot create {} (it must not exist yet)", path.display())
                })?;
            file.write_all(text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            out.log(format!("wrote {}", path.display()));
        }
        None if out.json => println!("{}", serde_json::json!({ "config_toml": text })),
        None => print!("{text}"),
    }
    Ok(())
}
