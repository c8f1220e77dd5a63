//! `scalewright import-run FILE --project P`: stores a finished run that was kept in a side file
//! because the project stayed busy (see docs/cli.md, "Concurrent use").

use super::{Failure, Output};
use clap::Args;
use scalewright::store::Project;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImportRunArgs {
    /// The side file (`PROJECT.pending-run-<time>-<pid>.json`).
    pub file: PathBuf,
    /// The project file.
    #[arg(long, short)]
    pub project: PathBuf,
}

pub fn import_run_cmd(args: ImportRunArgs, out: Output) -> Result<(), Failure> {
    let mut project = Project::open(&args.project)?;
    let run_id = project.import_pending_run(&args.file)?;
    if out.json {
        println!(
            "{}",
            serde_json::json!({ "run_id": run_id, "imported_from": args.file.display().to_string() })
        );
    } else {
        out.log(format!(
            "stored run {run_id} from {} (the side file was removed)",
            args.file.display()
        ));
    }
    Ok(())
}
