//! State transitions: `update(app, action)` changes the state and returns the [`Command`]s the
//! runtime must perform (start a job, write a decision or a rating). It never touches the
//! terminal or the project file itself, so every transition is unit-tested on plain state.
//!
//! Global actions (quit, help, screens, prompts, job and write results) are handled here; the
//! rest go to the shown screen ([`super::screen::Screen::handle`]).

use super::action::{Action, Command, Move, Written};
use super::app::App;
use super::jobs::{JobEvent, JobKind, JobMessage, JobRequest};
use super::loaded::Loaded;
use super::state::{Level, Prompt};
use super::tab::Tab;
use crate::store::Decision;

/// Applies `action` to `app`; returns what the runtime must do.
pub fn update(app: &mut App, action: Action) -> Vec<Command> {
    let mut commands = Vec::new();
    if app.help && !matches!(action, Action::Job(_) | Action::Written(_) | Action::Resize) {
        app.help = false;
        if matches!(action, Action::ToggleHelp | Action::Back) {
            return commands;
        }
    }
    if app.prompt.is_some() && !matches!(action, Action::Job(_) | Action::Written(_)) {
        prompt(app, action, &mut commands);
        return commands;
    }
    match action {
        Action::Quit => app.quit = true,
        Action::ToggleHelp => app.help = !app.help,
        Action::GoTo(tab) => go_to(app, tab, &mut commands),
        Action::NextTab => go_to(app, app.tab.next(), &mut commands),
        Action::PreviousTab => go_to(app, app.tab.previous(), &mut commands),
        Action::ClickTab { column, width } => {
            if let Some(tab) = super::ui::tab_at_column(column, width) {
                go_to(app, tab, &mut commands);
            }
        }
        Action::Scroll(delta) => {
            let movement = if delta < 0 { Move::Up } else { Move::Down };
            for _ in 0..delta.unsigned_abs() {
                app.handle_on_screen(&Action::Select(movement), &mut commands);
            }
        }
        Action::Resize => {}
        Action::Job(event) => job_message(app, event, &mut commands),
        Action::Written(written) => written_result(app, written, &mut commands),
        action => app.handle_on_screen(&action, &mut commands),
    }
    commands
}

/// The request that (re)loads the project view.
pub fn load(app: &mut App) -> Vec<Command> {
    let mut commands = Vec::new();
    app.context(&mut commands).start(JobRequest::Load);
    commands
}

fn go_to(app: &mut App, tab: Tab, commands: &mut Vec<Command>) {
    if app.tab != tab {
        app.with_screen(app.tab, commands, |screen, ctx| screen.on_leave(ctx));
    }
    app.tab = tab;
    app.with_screen(tab, commands, |screen, ctx| screen.on_enter(ctx));
}

fn prompt(app: &mut App, action: Action, commands: &mut Vec<Command>) {
    let Some(current) = app.prompt.take() else {
        return;
    };
    match (current, action) {
        (_, Action::Back) => {}
        (
            Prompt::Reason {
                decision,
                labels,
                mut text,
            },
            action,
        ) => match action {
            Action::Input(c) => {
                text.push(c);
                app.prompt = Some(Prompt::Reason {
                    decision,
                    labels,
                    text,
                });
            }
            Action::DeleteChar => {
                text.pop();
                app.prompt = Some(Prompt::Reason {
                    decision,
                    labels,
                    text,
                });
            }
            Action::Confirm if text.trim().is_empty() => {
                app.status = Some((Level::Warning, "a decision needs a reason".into()));
                app.prompt = Some(Prompt::Reason {
                    decision,
                    labels,
                    text,
                });
            }
            Action::Confirm => {
                let loaded = app.loaded.as_ref();
                let facet = loaded
                    .and_then(|l| l.rater_facet.map(|f| l.data.facets[f].name.clone()))
                    .unwrap_or_default();
                let run_id = loaded.and_then(|l| l.run.as_ref().map(|r| r.record.id));
                commands.push(Command::Decide {
                    facet,
                    labels,
                    decision,
                    reason: text.trim().to_string(),
                    run_id,
                });
            }
            _ => {
                app.prompt = Some(Prompt::Reason {
                    decision,
                    labels,
                    text,
                })
            }
        },
        (
            Prompt::SaveFigure {
                run,
                request,
                mut path,
            },
            action,
        ) => match action {
            Action::Input(c) => {
                path.push(c);
                app.prompt = Some(Prompt::SaveFigure { run, request, path });
            }
            Action::DeleteChar => {
                path.pop();
                app.prompt = Some(Prompt::SaveFigure { run, request, path });
            }
            Action::Confirm => {
                match crate::pipeline::FigureFormat::from_path(std::path::Path::new(path.trim())) {
                    Ok(_) => app.context(commands).start(JobRequest::Plot {
                        run,
                        request: Box::new(request),
                        path: std::path::PathBuf::from(path.trim()),
                    }),
                    Err(e) => {
                        app.status = Some((Level::Warning, e.to_string()));
                        app.prompt = Some(Prompt::SaveFigure { run, request, path });
                    }
                }
            }
            _ => app.prompt = Some(Prompt::SaveFigure { run, request, path }),
        },
        (
            Prompt::Rules {
                rules,
                mut selection,
            },
            action,
        ) => match action {
            Action::Select(movement) => {
                selection.apply(movement, rules.len());
                app.prompt = Some(Prompt::Rules { rules, selection });
            }
            Action::Confirm => {
                if let Some((rule, labels)) = rules.get(selection.index) {
                    let run = app
                        .loaded
                        .as_ref()
                        .and_then(|l| l.run.as_ref().map(|r| r.record.id))
                        .unwrap_or(0);
                    app.prompt = Some(Prompt::Reason {
                        decision: Decision::Exclude,
                        labels: labels.clone(),
                        text: format!("flagged by rule {} in run {run}", rule.name()),
                    });
                }
            }
            _ => app.prompt = Some(Prompt::Rules { rules, selection }),
        },
    }
}

/// Starts loading the newest model's predictions when the view lacks them.
fn request_predictions(app: &mut App, commands: &mut Vec<Command>) {
    let wanted = app
        .loaded
        .as_ref()
        .and_then(|l| l.latest_model.filter(|m| l.predictions_of != Some(*m)));
    if let Some(model_id) = wanted {
        if !app.jobs.is_running(JobKind::Predict) {
            app.context(commands)
                .start(JobRequest::Predict { model_id });
        }
    }
}

/// Updates `app` with `message` as the running job of its kind sent it ([`Jobs::event`]:
/// tests and benchmarks feed the screens messages without a runner).
///
/// [`Jobs::event`]: super::jobs::Jobs::event
pub fn deliver(app: &mut App, message: JobMessage) -> Vec<Command> {
    let event = app.jobs.event(message);
    update(app, Action::Job(event))
}

/// A job reported: the registry ends the job, the app installs loads and predictions, and every
/// screen hears the message.
fn job_message(app: &mut App, event: JobEvent, commands: &mut Vec<Command>) {
    let JobEvent { job, message } = event;
    if message.finishes().is_some() {
        app.jobs.finish(job);
    }
    match message {
        JobMessage::Loaded(loaded) => {
            install(app, *loaded, commands);
            request_predictions(app, commands);
            if app.reload_pending {
                app.reload_pending = false;
                app.context(commands).start(JobRequest::Load);
            }
        }
        JobMessage::Predicted { model_id, measures } => {
            if let Some(loaded) = app.loaded.as_mut() {
                loaded.apply_predictions(model_id, &measures);
            }
        }
        message => {
            app.for_each_screen(commands, |screen, ctx| screen.on_job_message(&message, ctx));
            match message {
                JobMessage::Trained(outcome) => {
                    if let Some(loaded) = app.loaded.as_mut() {
                        loaded.latest_model = Some(outcome.model_id);
                    }
                    request_predictions(app, commands);
                }
                JobMessage::Plotted(outcome) => {
                    app.status = Some((
                        Level::Info,
                        format!(
                            "saved the {} figure of run {} to {} ({} x {} px, {:.0} kB)",
                            outcome.kind,
                            outcome.run_id,
                            outcome.path.display(),
                            outcome.width,
                            outcome.height,
                            outcome.bytes as f64 / 1e3
                        ),
                    ));
                }
                JobMessage::Cancelled(kind) => {
                    app.status = Some((Level::Warning, format!("{} cancelled", kind.name())));
                }
                JobMessage::Waiting { kind, message } => {
                    app.status = Some((Level::Warning, format!("{}: {message}", kind.name())));
                }
                JobMessage::Failed { kind, message } => {
                    app.status = Some((Level::Error, format!("{} failed: {message}", kind.name())));
                }
                _ => {}
            }
        }
    }
}

/// Installs a loaded project view, keeping each screen's sort, filter and selection.
fn install(app: &mut App, loaded: Loaded, commands: &mut Vec<Command>) {
    app.quick.datasets = loaded.summary.datasets.clone();
    app.quick.facets = loaded
        .summary
        .facets
        .iter()
        .map(|f| (f.name.clone(), f.role, f.elements))
        .collect();
    app.loaded = Some(loaded);
    app.for_each_screen(commands, |screen, ctx| screen.on_loaded(ctx));
}

/// A write the runtime performed: the app records it in the project view (or reports the
/// failure), then every screen hears it.
fn written_result(app: &mut App, written: Written, commands: &mut Vec<Command>) {
    let failure = match &written {
        Written::Decisions { result, .. } => result.as_ref().err(),
        Written::Rating { result, .. } => result.as_ref().err(),
        Written::Description { result, .. } => result.as_ref().err(),
    };
    if let Some(message) = failure {
        app.status = Some((Level::Error, message.clone()));
        return;
    }
    match &written {
        Written::Decisions {
            labels,
            decision,
            reason,
            result,
        } => {
            if let Some(loaded) = &mut app.loaded {
                loaded.apply_decisions(labels, *decision, reason);
            }
            let who = match labels.as_slice() {
                [one] => format!("rater {one}"),
                _ => format!("{} raters", result.as_ref().map_or(0, |n| *n)),
            };
            app.status = Some((
                Level::Info,
                format!(
                    "{who}: {} ({reason}); fit again to apply",
                    decision.as_str()
                ),
            ));
        }
        Written::Rating { .. } => {
            app.data_changed = true;
            if let Some(run) = app.loaded.as_mut().and_then(|l| l.run.as_mut()) {
                run.stale = true;
            }
        }
        Written::Description { .. } => {}
    }
    app.for_each_screen(commands, |screen, ctx| screen.on_written(&written, ctx));
}

#[cfg(test)]
mod tests;
