//! `scalewright tui [PROJECT]` and `open` in a terminal: starts the terminal workbench.

use super::Failure;
use std::io::IsTerminal;
use std::path::Path;

/// Reviewer name used when neither `--reviewer` nor `$USER` gives one.
const DEFAULT_REVIEWER: &str = "reviewer";

/// Whether stdout and stdin are a terminal (the workbench needs both).
pub fn is_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// Runs the workbench on `path` until the user quits.
pub fn workbench(path: &Path, reviewer: Option<String>) -> Result<(), Failure> {
    let reviewer = reviewer
        .or_else(|| std::env::var("USER").ok())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REVIEWER.to_string());
    scalewright::tui::run(path, &reviewer)?;
    Ok(())
}
