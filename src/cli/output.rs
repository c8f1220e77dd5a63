//! Output helpers shared by every command: the `--json`/`--quiet` settings, JSON printing, the
//! progress spinner and the choice of a run.

use super::exit::Failure;
use anyhow::Context;
use scalewright::store::Project;

/// Output settings shared by every command.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Print machine-readable JSON on stdout.
    pub json: bool,
    /// Print nothing but errors.
    pub quiet: bool,
}

impl Output {
    /// A log line on stderr (suppressed by --quiet).
    pub fn log(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }
}

/// Prints `value` as pretty JSON on stdout (the `--json` answer of a command); `what` names it
/// in the error.
pub fn print_json(value: &impl serde::Serialize, what: &str) -> anyhow::Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).with_context(|| what.to_string())?
    );
    Ok(())
}

/// A progress spinner on stderr for long work (only when stderr is a terminal and not --quiet).
pub fn progress_spinner(out: Output) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if out.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// Clears the spinner, if any, when the work it showed is done.
pub fn finish(bar: &Option<indicatif::ProgressBar>) {
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

/// The run a command works on: `run` when given, else the project's newest run (bad input when
/// the project has none, or the given run does not exist).
pub fn newest_run(project: &Project, run: Option<i64>) -> Result<i64, Failure> {
    Ok(scalewright::pipeline::resolve_run(project, run)?)
}

/// The observer of a fit on the command line: each iteration's largest score residual and
/// change on the spinner, if there is one (the command line never cancels).
pub fn show_iterations(
    bar: &Option<indicatif::ProgressBar>,
) -> impl FnMut(&scalewright::measure::IterationReport) -> std::ops::ControlFlow<()> + '_ {
    move |r| {
        if let Some(bar) = bar {
            bar.set_message(format!(
                "iteration {}: max score residual {:.3}, max change {:.4} logits",
                r.iteration, r.max_score_residual, r.max_change
            ));
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// Runs a fitting step on the project at `project` with its iterations on a spinner (fit,
/// clean): the one place a command wires a fit's progress.
pub fn run_fitting_step<S: scalewright::pipeline::step::RunStep>(
    project: &std::path::Path,
    step: &S,
    out: Output,
) -> Result<S::Outcome, scalewright::pipeline::step::StepError> {
    use scalewright::pipeline::step::{run_on_file, StepObservers, Unobserved};
    let bar = progress_spinner(out);
    let mut observer = show_iterations(&bar);
    let mut unobserved = Unobserved::default();
    let outcome = run_on_file(
        project,
        step,
        &mut StepObservers {
            fit: &mut observer,
            ..unobserved.observers()
        },
    );
    finish(&bar);
    outcome
}
