//! The terminal workbench: review raters, items and comments, run fits with live progress,
//! annotate comments, import and export, on a ratatui + crossterm interface.
//!
//! Structured the way ratatui's component template and gitui are:
//!
//! - [`screens`]: one module per screen holding its state, its handling of actions and job
//!   messages, and its drawing, behind the [`screen::Screen`] trait;
//! - [`app`]: the [`app::App`] model: the global state (tab, help, prompts, the job registry,
//!   the status line, the loaded project view) and the screens' states, dispatching to the shown
//!   screen;
//! - [`tab`], [`state`], [`loaded`]: the tabs, the state the screens share, the project view;
//! - [`action`]: everything that can happen (keys, job messages, write results) and the
//!   [`action::Command`]s for side effects;
//! - [`event`]: crossterm events to actions through one keymap table (which the help lists);
//! - [`update`]: the global state transitions, handing the rest to the shown screen;
//! - [`jobs`]: background threads with progress messages and cancellation, and the registry of
//!   running jobs ([`jobs::Jobs`]);
//! - [`ui`]: the frame (tab bar, status line, prompts, help); [`widgets`]: shared widgets;
//! - [`theme`], [`terminal`]: colours (`NO_COLOR`), terminal setup and restore (also on panic).
//!
//! The workbench calls the same library functions as the command line and does no statistics.
//! Decisions and ratings are written to the project at once, each in one transaction.

#![warn(missing_docs)]

pub mod action;
pub mod app;
pub mod event;
pub mod jobs;
pub mod loaded;
pub mod screen;
pub mod screens;
pub mod state;
pub mod tab;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod update;
pub mod widgets;

use action::{Action, Command, Written};
use app::App;
use jobs::JobRunner;
use std::path::Path;
use std::time::Duration;

/// Why the workbench stopped.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The project could not be opened or read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The terminal could not be set up or drawn on.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// How long the event loop waits for input before drawing job progress again.
const TICK: Duration = Duration::from_millis(100);

/// How long a write of the UI thread waits for another writer before it fails with a message
/// (jobs wait as long as the command line does, showing that they wait).
const UI_WAIT: Duration = Duration::from_secs(5);

/// The source recorded with the workbench's decisions.
pub const DECISION_SOURCE: &str = "tui";

/// Opens the workbench on the project at `path` in the terminal until the user quits. The
/// reviewer's name labels their ratings (as a rater of the project).
pub fn run(path: &Path, reviewer: &str) -> Result<(), TuiError> {
    let mut app = App::open(path, reviewer)?;
    let mut project = crate::store::Project::open(path)?;
    // The UI thread's own writes (decisions, ratings) wait briefly: the screen must not freeze.
    project.set_wait_limit(UI_WAIT);
    let mut runner = JobRunner::new(path);
    let theme = theme::Theme::from_env();
    let mut terminal = terminal::init()?;
    let result = (|| -> Result<(), TuiError> {
        let commands = update::load(&mut app);
        perform(&mut app, &mut project, &mut runner, commands);
        while !app.quit {
            terminal.draw(|frame| ui::draw(frame, &app, theme))?;
            if ratatui::crossterm::event::poll(TICK)? {
                let event = ratatui::crossterm::event::read()?;
                let width = terminal.size()?.width;
                if let Some(action) = event::map_event(&app, &event, width) {
                    dispatch(&mut app, &mut project, &mut runner, action);
                }
            }
            for event in runner.drain() {
                dispatch(&mut app, &mut project, &mut runner, Action::Job(event));
            }
        }
        Ok(())
    })();
    terminal::restore();
    result
}

/// Applies an action and performs the commands it produced.
pub fn dispatch(
    app: &mut App,
    project: &mut crate::store::Project,
    runner: &mut JobRunner,
    action: Action,
) {
    let commands = update::update(app, action);
    perform(app, project, runner, commands);
}

/// Performs commands: starts jobs, writes decisions and ratings (each in one transaction) and
/// feeds the results back as actions.
pub fn perform(
    app: &mut App,
    project: &mut crate::store::Project,
    runner: &mut JobRunner,
    commands: Vec<Command>,
) {
    for command in commands {
        let follow_up = match command {
            Command::Start { job, request } => {
                runner.start(job, request);
                None
            }
            Command::CancelJob(job) => {
                runner.cancel(job);
                None
            }
            Command::Decide {
                facet,
                labels,
                decision,
                reason,
                run_id,
            } => {
                let result = project
                    .decide_many(&facet, &labels, decision, &reason, DECISION_SOURCE, run_id)
                    .map_err(|e| e.to_string());
                Some(Action::Written(Written::Decisions {
                    labels,
                    decision,
                    reason,
                    result,
                }))
            }
            Command::WriteDescription { path, text } => {
                let result = write_new_file(&path, &text);
                Some(Action::Written(Written::Description { path, result }))
            }
            Command::Rate {
                object,
                object_label,
                item,
                raw,
            } => {
                let result = project
                    .record_rating(&app.reviewer, &object_label, &item, raw)
                    .map_err(|e| e.to_string());
                Some(Action::Written(Written::Rating {
                    object,
                    item,
                    result,
                }))
            }
        };
        if let Some(action) = follow_up {
            dispatch(app, project, runner, action);
        }
    }
}

/// Writes `text` to a file that must not exist yet.
fn write_new_file(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            format!(
                "cannot create {} (it must not exist yet): {e}",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("writing {}: {e}", path.display()))
}
