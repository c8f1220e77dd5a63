//! `scalewright import-run FILE --project P`: stores a finished run (or trained model) that was
//! kept in a side file because the project stayed busy (see docs/cli.md, "Concurrent use").

use crate::cli::exit::Failure;
use crate::cli::output::Output;
use clap::Args;
use scalewright::store::{PendingWork, Project};
use std::path::PathBuf;

/// Arguments of `import-run`.
#[derive(Args, Debug)]
pub struct ImportRunArgs {
    /// The side file (`PROJECT.pending-run-<time>-<pid>.json` or `...pending-model-...`).
    pub file: PathBuf,
    /// The project file.
    #[arg(long, short)]
    pub project: PathBuf,
}

/// Stores the side file's run or model in the project and removes the side file.
pub fn run(args: ImportRunArgs, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let stored = project.import_pending(&args.file)?;
    let (what, id) = match stored {
        PendingWork::Run(id) => ("run", id),
        PendingWork::Model(id) => ("model", id),
    };
    if out.json {
        println!(
            "{}",
            serde_json::json!({ "stored": stored, "imported_from": args.file.display().to_string() })
        );
    } else {
        out.log(format!(
            "stored {what} {id} from {} (the side file was removed)",
            args.file.display()
        ));
    }
    Ok(())
}
