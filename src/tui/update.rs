//! State transitions: `update(app, action)` changes the state and returns the [`Command`]s the
//! runtime must perform (start a job, write a decision or a rating). It never touches the
//! terminal or the project file itself, so every transition is unit-tested on plain state.

use super::action::{Action, Move, Written};
use super::app::{
    App, DescriptionSource, ExportField, ImportField, Level, Prompt, QueueKind, Tab, QUEUE_LENGTH,
};
use super::jobs::{Description, JobKind, JobMessage, JobRequest};
use crate::export::{ExportKind, ExportRequest, Rescale};
use crate::measure::{FitOptions, Method, ScaleModel};
use crate::pipeline::FitRequest;
use crate::quality::detail::element_detail;
use crate::quality::{queues, Rule};
use crate::store::Decision;
use std::path::PathBuf;

/// A side effect for the runtime.
#[derive(Debug)]
pub enum Command {
    Start(JobRequest),
    /// Stop the running fit or training after its current iteration (epoch).
    CancelJob,
    /// Record `decision` on the raters `labels` of facet `facet` in one transaction.
    Decide {
        facet: String,
        labels: Vec<String>,
        decision: Decision,
        reason: String,
        run_id: Option<i64>,
    },
    /// Write a new description file (never overwriting one).
    WriteDescription {
        path: PathBuf,
        text: String,
    },
    /// Record the reviewer's answer `raw` to `item` for the object labelled `object_label`.
    Rate {
        object: u32,
        object_label: String,
        item: String,
        raw: i64,
    },
}

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
            if let Some(tab) = tab_at_column(column, width) {
                go_to(app, tab, &mut commands);
            }
        }
        Action::Select(movement) => select(app, movement),
        Action::Scroll(delta) => {
            let movement = if delta < 0 { Move::Up } else { Move::Down };
            for _ in 0..delta.unsigned_abs() {
                select(app, movement);
            }
        }
        Action::Confirm => confirm(app, &mut commands),
        Action::Back => back(app),
        Action::Input(c) => input(app, Some(c)),
        Action::DeleteChar => input(app, None),
        Action::Complete => complete(app),
        Action::Search => match app.tab {
            Tab::Raters => app.raters.editing = true,
            Tab::Comments => app.comments.editing = true,
            _ => {}
        },
        Action::NextSort => match app.tab {
            Tab::Raters => {
                app.raters.sort = app.raters.sort.next();
                rebuild_raters(app);
            }
            Tab::Comments => {
                app.comments.sort = app.comments.sort.next();
                rebuild_comments(app);
            }
            _ => {}
        },
        Action::ReverseSort => {
            if app.tab == Tab::Raters {
                app.raters.descending = !app.raters.descending;
                rebuild_raters(app);
            }
        }
        Action::ToggleFlagged => {
            if app.tab == Tab::Raters {
                app.raters.flagged_only = !app.raters.flagged_only;
                rebuild_raters(app);
            }
        }
        Action::Decide(decision) => {
            if let Some(label) = selected_rater_label(app) {
                app.prompt = Some(Prompt::Reason {
                    decision,
                    labels: vec![label],
                    text: String::new(),
                });
            }
        }
        Action::BulkRule => bulk_rule(app),
        Action::Annotate => annotate_selection(app),
        Action::CycleMethod => {
            app.runs.method = match app.runs.method {
                Method::Jmle => Method::Mml,
                Method::Mml => Method::Jmle,
            }
        }
        Action::CycleScale => app.runs.rating_scale = !app.runs.rating_scale,
        Action::Iterations(steps) if app.tab == Tab::Train => {
            let step = super::app::EPOCH_STEP as i64 * steps as i64;
            let value = (app.train.options.epochs as i64 + step).max(1);
            app.train.options.epochs = value as usize;
        }
        Action::TogglePerspective => {
            app.train.options.perspective = !app.train.options.perspective;
        }
        Action::Iterations(steps) => {
            let step = super::app::ITERATION_STEP as i64 * steps as i64;
            let value =
                (app.runs.max_iterations as i64 + step).max(super::app::ITERATION_STEP as i64);
            app.runs.max_iterations = value as usize;
        }
        Action::Execute => execute(app, &mut commands),
        Action::Cycle(step) => cycle(app, step),
        Action::Cancel => {
            // `c` cancels the job of the screen it is pressed on.
            let kind = if app.tab == Tab::Train {
                JobKind::Train
            } else {
                JobKind::Fit
            };
            if app.running(kind) {
                commands.push(Command::CancelJob);
                app.status = Some((Level::Info, format!("cancelling the {}...", kind.name())));
            }
        }
        Action::Mark => mark_run(app, &mut commands),
        Action::Answer(raw) => answer(app, raw, &mut commands),
        Action::NextQueue => {
            let next = match &app.annotate.queue {
                QueueKind::LeastCertain => QueueKind::MostUnexpected,
                QueueKind::MostUnexpected => match flagged_rater(app) {
                    Some((element, label)) => QueueKind::RatedBy { element, label },
                    None => QueueKind::LeastCertain,
                },
                _ => QueueKind::LeastCertain,
            };
            app.annotate.queue = next;
            build_queue(app);
        }
        Action::Skip => {
            let len = app.annotate.entries.len();
            app.annotate.selection.apply(Move::Down, len);
            app.annotate.item = 0;
        }
        Action::Preview => preview(app, &mut commands),
        Action::SaveDraft => save_draft(app, &mut commands),
        Action::Resize => {}
        Action::Job(message) => job_message(app, message, &mut commands),
        Action::Written(written) => written_result(app, written),
    }
    commands
}

/// Starts a job and records it as running.
fn start(app: &mut App, request: JobRequest, commands: &mut Vec<Command>) {
    let kind = request.kind();
    if kind == JobKind::Load && app.running(JobKind::Load) {
        app.reload_pending = true;
        return;
    }
    app.jobs.push(kind);
    commands.push(Command::Start(request));
}

/// The request that (re)loads the project view.
pub fn load(app: &mut App) -> Vec<Command> {
    let mut commands = Vec::new();
    start(app, JobRequest::Load, &mut commands);
    commands
}

fn go_to(app: &mut App, tab: Tab, commands: &mut Vec<Command>) {
    if app.tab == Tab::Annotate && tab != Tab::Annotate && app.data_changed {
        app.data_changed = false;
        start(app, JobRequest::Load, commands);
    }
    app.tab = tab;
    if tab == Tab::Annotate && app.annotate.entries.is_empty() {
        build_queue(app);
    }
}

/// The tab whose title is at column `column` of the tab bar of a terminal `width` columns wide
/// (as [`super::ui`] draws it: each title padded by one space each side, titles separated by a
/// one-column divider).
pub fn tab_at_column(column: u16, width: u16) -> Option<Tab> {
    let compact = super::ui::compact_tabs(width);
    let mut x = 0u16;
    for tab in Tab::ALL {
        let width = super::ui::tab_title(tab, compact).chars().count() as u16 + 2;
        if column >= x && column < x + width {
            return Some(tab);
        }
        x += width + 1;
    }
    None
}

fn select(app: &mut App, movement: Move) {
    match app.tab {
        Tab::Raters => {
            let len = app.raters.order.len();
            app.raters.selection.apply(movement, len);
            refresh_rater_detail(app);
        }
        Tab::Comments => {
            let len = app.comments.order.len();
            app.comments.selection.apply(movement, len);
            refresh_comment_detail(app);
        }
        Tab::Items => {
            let len = app.loaded.as_ref().map_or(0, |l| l.n_items());
            app.items.selection.apply(movement, len);
            app.items.refresh(app.loaded.as_ref());
        }
        Tab::Runs => {
            let len = app.loaded.as_ref().map_or(0, |l| l.runs.len());
            app.runs.selection.apply(movement, len);
        }
        // The Train screen has no list to move in: its form is set with keys.
        Tab::Train => {}
        Tab::Export => {
            let mut s = super::app::Selection {
                index: app.export.field,
            };
            s.apply(movement, ExportField::ALL.len());
            app.export.field = s.index;
        }
        Tab::Import => match movement {
            Move::PageUp | Move::PageDown => {
                let len = app
                    .import
                    .preview
                    .as_ref()
                    .map_or(0, |p| p.report.errors.len() + p.report.warnings.len());
                app.import.problem_selection.apply(movement, len);
            }
            _ => {
                let mut s = super::app::Selection {
                    index: app.import.field,
                };
                s.apply(movement, ImportField::ALL.len());
                app.import.field = s.index;
            }
        },
        Tab::Annotate => match movement {
            Move::Up | Move::Down => {
                let len = app.loaded.as_ref().map_or(0, |l| l.items.len());
                let mut s = super::app::Selection {
                    index: app.annotate.item,
                };
                s.apply(movement, len);
                app.annotate.item = s.index;
            }
            _ => {
                let len = app.annotate.entries.len();
                let movement = match movement {
                    Move::PageUp => Move::Up,
                    Move::PageDown => Move::Down,
                    other => other,
                };
                app.annotate.selection.apply(movement, len);
                app.annotate.item = 0;
            }
        },
        Tab::Overview | Tab::Wright => {}
    }
}

fn rebuild_raters(app: &mut App) {
    if let Some(loaded) = &app.loaded {
        app.raters.rebuild(&loaded.rater_rows);
    }
    refresh_rater_detail(app);
}

fn rebuild_comments(app: &mut App) {
    if let Some(loaded) = &app.loaded {
        app.comments.rebuild(loaded);
    }
    refresh_comment_detail(app);
}

/// Recomputes the selected rater's detail (category use, residuals) from the library.
pub fn refresh_rater_detail(app: &mut App) {
    let detail = app.loaded.as_ref().and_then(|loaded| {
        let row = &loaded.rater_rows[app.raters.selected_row()?];
        let index = loaded.rater_index.as_ref()?;
        Some(element_detail(
            &loaded.data,
            loaded.fit(),
            index,
            row.element,
        ))
    });
    app.raters.detail = detail;
}

/// Recomputes the selected comment's detail (every rating it got).
pub fn refresh_comment_detail(app: &mut App) {
    let detail = app.loaded.as_ref().and_then(|loaded| {
        let row = &loaded.comment_rows[app.comments.selected_row()?];
        Some(element_detail(
            &loaded.data,
            loaded.fit(),
            &loaded.object_index,
            row.element,
        ))
    });
    app.comments.detail = detail;
}

fn selected_rater_label(app: &App) -> Option<String> {
    if app.tab != Tab::Raters {
        return None;
    }
    let loaded = app.loaded.as_ref()?;
    Some(loaded.rater_rows[app.raters.selected_row()?].label.clone())
}

/// The selected rater when flagged, else the first flagged rater in the table's order.
fn flagged_rater(app: &App) -> Option<(u32, String)> {
    let loaded = app.loaded.as_ref()?;
    let rows = &loaded.rater_rows;
    let selected = app
        .raters
        .selected_row()
        .filter(|&i| !rows[i].flags.is_empty());
    let index = selected.or_else(|| {
        app.raters
            .order
            .iter()
            .copied()
            .find(|&i| !rows[i].flags.is_empty())
    })?;
    Some((rows[index].element, rows[index].label.clone()))
}

fn confirm(app: &mut App, commands: &mut Vec<Command>) {
    match app.tab {
        Tab::Raters if app.raters.editing => app.raters.editing = false,
        Tab::Comments if app.comments.editing => app.comments.editing = false,
        Tab::Runs => start_fit(app, commands),
        Tab::Train => start_training(app, commands),
        Tab::Export => match app.export.focused() {
            field if field.is_text() => app.export.editing = !app.export.editing,
            ExportField::What => cycle_export_kind(app, 1),
            ExportField::MhsColumns => app.export.mhs_columns = !app.export.mhs_columns,
            _ => {}
        },
        Tab::Import => match app.import.focused() {
            ImportField::Description => cycle_source(app, 1),
            _ => {
                app.import.editing = !app.import.editing;
                app.import.completions.clear();
            }
        },
        _ => {}
    }
}

fn back(app: &mut App) {
    match app.tab {
        Tab::Raters if app.raters.editing || !app.raters.filter.is_empty() => {
            app.raters.editing = false;
            app.raters.filter.clear();
            rebuild_raters(app);
        }
        Tab::Comments if app.comments.editing || !app.comments.search.is_empty() => {
            app.comments.editing = false;
            app.comments.search.clear();
            rebuild_comments(app);
        }
        Tab::Export => app.export.editing = false,
        Tab::Import => {
            app.import.editing = false;
            app.import.completions.clear();
        }
        _ => {}
    }
}

/// Types `c` (or deletes with `None`) in the text being edited.
fn input(app: &mut App, c: Option<char>) {
    fn edit(text: &mut String, c: Option<char>) {
        match c {
            Some(c) => text.push(c),
            None => {
                text.pop();
            }
        }
    }
    match app.tab {
        Tab::Raters if app.raters.editing => {
            edit(&mut app.raters.filter, c);
            rebuild_raters(app);
        }
        Tab::Comments if app.comments.editing => {
            edit(&mut app.comments.search, c);
            rebuild_comments(app);
        }
        Tab::Export if app.export.editing => match app.export.focused() {
            ExportField::Out => edit(&mut app.export.out, c),
            ExportField::Rescale => edit(&mut app.export.rescale, c),
            ExportField::Join => edit(&mut app.export.join, c),
            _ => {}
        },
        Tab::Import if app.import.editing => {
            match app.import.focused() {
                ImportField::Data => edit(&mut app.import.data, c),
                ImportField::ConfigFile => edit(&mut app.import.config, c),
                ImportField::Description => {}
            }
            app.import.completions.clear();
        }
        _ => {}
    }
}

/// Completes the path being edited on the Import screen: the unique completion, or the longest
/// common prefix of several (listed under the field).
fn complete(app: &mut App) {
    if app.tab != Tab::Import {
        return;
    }
    let field = match app.import.focused() {
        ImportField::Data => &mut app.import.data,
        ImportField::ConfigFile => &mut app.import.config,
        ImportField::Description => return,
    };
    let (completed, candidates) = complete_path(field);
    *field = completed;
    app.import.completions = candidates;
}

/// Completes `input` against the file system: returns the completed text and, when several
/// entries match, their names (directories end with `/`).
pub fn complete_path(input: &str) -> (String, Vec<String>) {
    let (dir, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let read_from = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(read_from) else {
        return (input.to_string(), Vec::new());
    };
    let mut matches: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    matches.sort();
    match matches.len() {
        0 => (input.to_string(), Vec::new()),
        1 => (format!("{dir}{}", matches[0]), Vec::new()),
        _ => {
            let common = matches.iter().skip(1).fold(matches[0].clone(), |acc, m| {
                acc.chars()
                    .zip(m.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            (format!("{dir}{common}"), matches)
        }
    }
}

fn cycle_export_kind(app: &mut App, step: i32) {
    const KINDS: [ExportKind; 4] = [
        ExportKind::Objects,
        ExportKind::Raters,
        ExportKind::Items,
        ExportKind::Joined,
    ];
    let i = KINDS
        .iter()
        .position(|k| *k == app.export.what)
        .unwrap_or(0) as i32;
    app.export.what = KINDS[(i + step).rem_euclid(KINDS.len() as i32) as usize];
}

fn cycle_source(app: &mut App, step: i32) {
    let all = DescriptionSource::ALL;
    let i = all
        .iter()
        .position(|s| *s == app.import.source)
        .unwrap_or(0) as i32;
    app.import.source = all[(i + step).rem_euclid(all.len() as i32) as usize];
    app.import.preview = None;
}

/// Left/right on a form field.
pub fn cycle(app: &mut App, step: i32) {
    match app.tab {
        Tab::Export => match app.export.focused() {
            ExportField::What => cycle_export_kind(app, step),
            ExportField::MhsColumns => app.export.mhs_columns = !app.export.mhs_columns,
            _ => {}
        },
        Tab::Import if app.import.focused() == ImportField::Description => cycle_source(app, step),
        Tab::Runs => {
            app.runs.method = match app.runs.method {
                Method::Jmle => Method::Mml,
                Method::Mml => Method::Jmle,
            }
        }
        _ => {}
    }
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

/// Opens the rule picker: every rule with the raters it flags that are not excluded yet.
fn bulk_rule(app: &mut App) {
    if app.tab != Tab::Raters {
        return;
    }
    let Some(loaded) = &app.loaded else {
        return;
    };
    let mut rules: Vec<(Rule, Vec<String>)> = Vec::new();
    for rule in Rule::ALL {
        let labels: Vec<String> = loaded
            .rater_rows
            .iter()
            .filter(|r| r.flags.contains(&rule) && r.decision != Some(Decision::Exclude))
            .map(|r| r.label.clone())
            .collect();
        if !labels.is_empty() {
            rules.push((rule, labels));
        }
    }
    if rules.is_empty() {
        app.status = Some((
            Level::Info,
            "no flagged rater left to exclude (fit and flag first)".into(),
        ));
        return;
    }
    app.prompt = Some(Prompt::Rules {
        rules,
        selection: Default::default(),
    });
}

/// `a`: annotate the comments of the selected rater (Raters) or the selected comment.
fn annotate_selection(app: &mut App) {
    let queue = match app.tab {
        Tab::Raters => app.loaded.as_ref().and_then(|l| {
            let row = &l.rater_rows[app.raters.selected_row()?];
            Some(QueueKind::RatedBy {
                element: row.element,
                label: row.label.clone(),
            })
        }),
        Tab::Comments => app.loaded.as_ref().and_then(|l| {
            Some(QueueKind::Single {
                object: l.comment_rows[app.comments.selected_row()?].element,
            })
        }),
        _ => None,
    };
    if let Some(queue) = queue {
        app.annotate.queue = queue;
        build_queue(app);
        app.tab = Tab::Annotate;
    }
}

/// Fills the Annotate screen's queue from the library's queue functions.
pub fn build_queue(app: &mut App) {
    let Some(loaded) = &app.loaded else {
        app.annotate.entries.clear();
        return;
    };
    let skip = &app.annotate.rated;
    let fit = loaded.fit();
    let entries = match (&app.annotate.queue, &loaded.run) {
        (QueueKind::LeastCertain, Some(run)) => {
            queues::least_certain(&loaded.data, &run.fit, skip, QUEUE_LENGTH)
        }
        (QueueKind::MostUnexpected, Some(run)) => {
            queues::most_unexpected_from(&loaded.data, &run.unexpected, skip, QUEUE_LENGTH)
        }
        (QueueKind::RatedBy { element, .. }, _) => match &loaded.rater_index {
            Some(index) => queues::rated_by(&loaded.data, fit, index, *element, skip, QUEUE_LENGTH),
            None => Vec::new(),
        },
        (QueueKind::Single { object }, _) => vec![queues::QueueEntry {
            object: *object,
            label: loaded.data.objects().labels[*object as usize].clone(),
            value: 0.0,
        }],
        (_, None) => {
            app.status = Some((
                Level::Info,
                "this queue needs a fit: start one on the Runs screen (6)".into(),
            ));
            Vec::new()
        }
    };
    app.annotate.entries = entries;
    app.annotate.selection = Default::default();
    app.annotate.item = 0;
}

fn answer(app: &mut App, raw: i64, commands: &mut Vec<Command>) {
    let Some(loaded) = &app.loaded else {
        return;
    };
    let Some(entry) = app.annotate.current() else {
        app.status = Some((Level::Info, "the queue is empty".into()));
        return;
    };
    let Some(item) = loaded.items.get(app.annotate.item) else {
        return;
    };
    if !item.config.categories.contains(&raw) {
        app.status = Some((
            Level::Warning,
            format!(
                "{raw} is not a category of {} ({})",
                item.name,
                item.config
                    .categories
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        return;
    }
    commands.push(Command::Rate {
        object: entry.object,
        object_label: entry.label.clone(),
        item: item.name.clone(),
        raw,
    });
}

fn start_fit(app: &mut App, commands: &mut Vec<Command>) {
    if app.running(JobKind::Fit) {
        app.status = Some((Level::Warning, "a fit is already running".into()));
        return;
    }
    let mut options = FitOptions {
        method: app.runs.method,
        ..Default::default()
    };
    if app.runs.rating_scale {
        options.scale_model = ScaleModel::RatingScale;
    }
    options.convergence.max_iterations = app.runs.max_iterations;
    let request = FitRequest {
        options,
        allow_disconnected: false,
        note: "workbench".into(),
    };
    app.runs.progress.clear();
    app.runs.running = true;
    app.status = Some((Level::Info, "fitting...".into()));
    start(app, JobRequest::Fit(request), commands);
}

fn start_training(app: &mut App, commands: &mut Vec<Command>) {
    if app.running(JobKind::Train) {
        app.status = Some((Level::Warning, "a training is already running".into()));
        return;
    }
    if app.loaded.as_ref().is_none_or(|l| l.run.is_none()) {
        app.status = Some((
            Level::Warning,
            "fit a run first (6): the predictor learns its measures".into(),
        ));
        return;
    }
    app.train.progress.clear();
    app.train.running = true;
    app.status = Some((Level::Info, "training...".into()));
    start(
        app,
        JobRequest::Train(Box::new(app.train.options.clone())),
        commands,
    );
}

/// Starts loading the newest model's predictions when the view lacks them.
fn request_predictions(app: &mut App, commands: &mut Vec<Command>) {
    let wanted = app
        .loaded
        .as_ref()
        .and_then(|l| l.latest_model.filter(|m| l.predictions_of != Some(*m)));
    if let Some(model_id) = wanted {
        if !app.running(JobKind::Predict) {
            start(app, JobRequest::Predict { model_id }, commands);
        }
    }
}

fn mark_run(app: &mut App, commands: &mut Vec<Command>) {
    let Some(id) = app
        .loaded
        .as_ref()
        .and_then(|l| l.runs.get(app.runs.selection.index))
        .map(|r| r.id)
    else {
        return;
    };
    if let Some(i) = app.runs.marked.iter().position(|m| *m == id) {
        app.runs.marked.remove(i);
    } else {
        app.runs.marked.push(id);
        if app.runs.marked.len() > 2 {
            app.runs.marked.remove(0);
        }
    }
    app.runs.comparison = None;
    if let [first, second] = app.runs.marked[..] {
        start(
            app,
            JobRequest::Compare {
                first: first.min(second),
                second: first.max(second),
            },
            commands,
        );
    }
}

fn preview(app: &mut App, commands: &mut Vec<Command>) {
    if app.tab != Tab::Import {
        return;
    }
    let data = app.import.data.trim();
    if data.is_empty() {
        app.status = Some((Level::Warning, "type the data file's path first".into()));
        return;
    }
    let description = match app.import.source {
        DescriptionSource::Preset(preset) => Description::Config(Box::new(preset.config())),
        DescriptionSource::ConfigFile => {
            if app.import.config.trim().is_empty() {
                app.status = Some((Level::Warning, "type the description file's path".into()));
                return;
            }
            Description::File(PathBuf::from(app.import.config.trim()))
        }
        DescriptionSource::Draft => Description::Draft,
    };
    app.import.preview = None;
    app.import.result = None;
    app.import.running = true;
    app.import.problem_selection = Default::default();
    let path = PathBuf::from(data);
    start(app, JobRequest::Preview { path, description }, commands);
}

/// The file a drafted description is saved to: the data file with the extension `.toml`.
pub fn draft_path(data: &str) -> PathBuf {
    PathBuf::from(data.trim()).with_extension("toml")
}

fn save_draft(app: &mut App, commands: &mut Vec<Command>) {
    if app.tab != Tab::Import {
        return;
    }
    match (&app.import.source, &app.import.config_toml) {
        (DescriptionSource::Draft, Some(text)) => commands.push(Command::WriteDescription {
            path: draft_path(&app.import.data),
            text: text.clone(),
        }),
        _ => {
            app.status = Some((
                Level::Info,
                "choose \"draft from the header\" and preview (p) first".into(),
            ))
        }
    }
}

fn execute(app: &mut App, commands: &mut Vec<Command>) {
    match app.tab {
        Tab::Import => {
            let staged = app.import.preview.as_mut().and_then(|p| p.staged.take());
            match staged {
                Some(staged) => {
                    app.import.running = true;
                    start(app, JobRequest::Import(staged), commands);
                }
                None => {
                    app.status = Some((
                        Level::Warning,
                        "preview a valid file first (p); a file with errors cannot be imported"
                            .into(),
                    ))
                }
            }
        }
        Tab::Export => match export_request(app) {
            Ok(request) => {
                app.export.running = true;
                app.export.result = None;
                start(app, JobRequest::Export(request), commands);
            }
            Err(message) => app.export.result = Some((Level::Error, message)),
        },
        _ => {}
    }
}

/// The export the form describes, or what is missing.
pub fn export_request(app: &App) -> Result<ExportRequest, String> {
    let run_id = app
        .loaded
        .as_ref()
        .and_then(|l| l.run.as_ref())
        .map(|r| r.record.id)
        .ok_or("no run to export: fit first (Runs, 6)")?;
    let out = app.export.out.trim();
    if out.is_empty() {
        return Err("give the output file".into());
    }
    let rescale = match app.export.rescale.trim() {
        "" => None,
        text => {
            let parts: Vec<Option<f64>> = text
                .split(',')
                .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect();
            match parts[..] {
                [Some(intercept), Some(slope)] => Some(Rescale { intercept, slope }),
                _ => return Err(format!("rescale takes A,B (e.g. 50,10); got `{text}`")),
            }
        }
    };
    let join = app.export.join.trim();
    if app.export.what == ExportKind::Joined && join.is_empty() {
        return Err("a joined export needs the original data file (Join)".into());
    }
    Ok(ExportRequest {
        run_id,
        kind: app.export.what,
        path: PathBuf::from(out),
        rescale,
        mhs_columns: app.export.mhs_columns,
        join_source: (!join.is_empty()).then(|| PathBuf::from(join)),
    })
}

fn finish(app: &mut App, kind: JobKind) {
    if let Some(i) = app.jobs.iter().position(|k| *k == kind) {
        app.jobs.remove(i);
    }
}

fn job_message(app: &mut App, message: JobMessage, commands: &mut Vec<Command>) {
    match message {
        JobMessage::Loaded(snapshot) => {
            finish(app, JobKind::Load);
            app.install(*snapshot);
            refresh_rater_detail(app);
            refresh_comment_detail(app);
            if app.tab == Tab::Annotate {
                build_queue(app);
            }
            request_predictions(app, commands);
            if app.reload_pending {
                app.reload_pending = false;
                start(app, JobRequest::Load, commands);
            }
        }
        JobMessage::Progress(report) => app.runs.progress.push(report),
        JobMessage::FitDone {
            run_id,
            converged,
            iterations,
            flags,
        } => {
            finish(app, JobKind::Fit);
            app.runs.running = false;
            app.status = Some((
                if converged {
                    Level::Info
                } else {
                    Level::Warning
                },
                format!(
                    "run {run_id} {} after {iterations} iterations; {flags} flags raised",
                    if converged {
                        "converged"
                    } else {
                        "did not converge"
                    }
                ),
            ));
            app.annotate.entries.clear();
            start(app, JobRequest::Load, commands);
        }
        JobMessage::Previewed {
            preview,
            config_toml,
        } => {
            finish(app, JobKind::Preview);
            app.import.running = false;
            let errors = preview.report.errors_total;
            app.import.result = Some(if errors > 0 {
                (
                    Level::Error,
                    format!("{errors} error(s): fix the file or the description"),
                )
            } else {
                (
                    Level::Info,
                    format!(
                        "valid: {} rows, {} warning(s); press i to import",
                        preview.staged.as_ref().map_or(0, |s| s.rows),
                        preview.report.warnings_total
                    ),
                )
            });
            app.import.preview = Some(preview);
            app.import.config_toml = Some(config_toml);
        }
        JobMessage::Imported(summary) => {
            finish(app, JobKind::Import);
            app.import.running = false;
            app.import.result = Some((
                Level::Info,
                format!(
                    "imported {} responses from {} rows (dataset {})",
                    summary.observations_added, summary.rows, summary.dataset_id
                ),
            ));
            app.status = app.import.result.clone();
            app.import.imported = Some(summary);
            start(app, JobRequest::Load, commands);
        }
        JobMessage::Exported(summary) => {
            finish(app, JobKind::Export);
            app.export.running = false;
            app.export.result = Some((
                Level::Info,
                format!(
                    "wrote {} rows, {} columns to {}",
                    summary.rows,
                    summary.columns.len(),
                    summary.path.display()
                ),
            ));
            app.status = app.export.result.clone();
        }
        JobMessage::Compared(comparison) => {
            finish(app, JobKind::Compare);
            app.runs.comparison = Some(comparison);
        }
        JobMessage::Epoch(report) => app.train.progress.push(report),
        JobMessage::Trained(outcome) => {
            finish(app, JobKind::Train);
            app.train.running = false;
            let e = &outcome.evaluation;
            app.status = Some((
                Level::Info,
                format!(
                    "model {} stored: held-out RMSE {:.3} (ridge {:.3}), r {:.3}",
                    outcome.model_id, e.model.rmse, e.ridge.rmse, e.model.pearson
                ),
            ));
            if let Some(loaded) = app.loaded.as_mut() {
                loaded.latest_model = Some(outcome.model_id);
            }
            app.train.outcome = Some(outcome);
            request_predictions(app, commands);
        }
        JobMessage::Predicted { model_id, measures } => {
            finish(app, JobKind::Predict);
            if let Some(loaded) = app.loaded.as_mut() {
                loaded.apply_predictions(model_id, &measures);
            }
        }
        JobMessage::Cancelled(kind) => {
            finish(app, kind);
            match kind {
                JobKind::Fit => app.runs.running = false,
                JobKind::Train => app.train.running = false,
                _ => {}
            }
            app.status = Some((Level::Warning, format!("{} cancelled", kind.name())));
        }
        JobMessage::Waiting { kind, message } => {
            app.status = Some((Level::Warning, format!("{}: {message}", kind.name())));
        }
        JobMessage::Failed { kind, message } => {
            finish(app, kind);
            match kind {
                JobKind::Fit => app.runs.running = false,
                JobKind::Train => app.train.running = false,
                JobKind::Preview | JobKind::Import => {
                    app.import.running = false;
                    app.import.result = Some((Level::Error, message.clone()));
                }
                JobKind::Export => {
                    app.export.running = false;
                    app.export.result = Some((Level::Error, message.clone()));
                }
                _ => {}
            }
            app.status = Some((Level::Error, format!("{} failed: {message}", kind.name())));
        }
    }
}

fn written_result(app: &mut App, written: Written) {
    match written {
        Written::Decisions {
            labels,
            decision,
            reason,
            result,
        } => match result {
            Ok(n) => {
                if let Some(loaded) = &mut app.loaded {
                    loaded.apply_decisions(&labels, decision, &reason);
                    app.raters.rebuild(&loaded.rater_rows);
                }
                let who = match labels.as_slice() {
                    [one] => format!("rater {one}"),
                    _ => format!("{n} raters"),
                };
                app.status = Some((
                    Level::Info,
                    format!(
                        "{who}: {} ({reason}); fit again to apply",
                        decision.as_str()
                    ),
                ));
            }
            Err(message) => app.status = Some((Level::Error, message)),
        },
        Written::Rating {
            object,
            item,
            result,
        } => match result {
            Ok(recorded) => {
                app.annotate
                    .answers
                    .insert((object, recorded.item), recorded.raw);
                app.annotate.rated.insert(object);
                app.data_changed = true;
                if let Some(run) = app.loaded.as_mut().and_then(|l| l.run.as_mut()) {
                    run.stale = true;
                }
                let n_items = app.loaded.as_ref().map_or(0, |l| l.items.len());
                let label = app
                    .annotate
                    .current()
                    .map(|e| e.label.clone())
                    .unwrap_or_default();
                app.status = Some((
                    Level::Info,
                    format!("saved: comment {label}, {item} = {}", recorded.raw),
                ));
                if app.annotate.item + 1 < n_items {
                    app.annotate.item += 1;
                } else {
                    let len = app.annotate.entries.len();
                    if app.annotate.selection.index + 1 < len {
                        app.annotate.selection.index += 1;
                    }
                    app.annotate.item = 0;
                }
            }
            Err(message) => app.status = Some((Level::Error, message)),
        },
        Written::Description { path, result } => match result {
            Ok(()) => {
                app.status = Some((
                    Level::Info,
                    format!(
                        "saved the draft to {}: edit it, then choose \"description file\"",
                        path.display()
                    ),
                ));
                app.import.config = path.display().to_string();
            }
            Err(message) => app.status = Some((Level::Error, message)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::FlagLevel;
    use crate::tui::app::{RaterRow, RaterSort};
    use std::path::Path;

    fn row(label: &str, infit: Option<f64>, flags: Vec<Rule>) -> RaterRow {
        RaterRow {
            element: label.parse().unwrap_or(0),
            label: label.into(),
            severity: infit.map(|v| -v),
            se: Some(0.3),
            infit,
            infit_zstd: None,
            outfit: infit,
            outfit_zstd: None,
            count: 10,
            level: (!flags.is_empty()).then_some(FlagLevel::Review),
            flags,
            decision: None,
        }
    }

    fn app() -> App {
        App::new(Path::new("p.db"), "lead")
    }

    #[test]
    fn tabs_cycle_and_digits_name_them() {
        let mut app = app();
        assert_eq!(app.tab, Tab::Overview);
        update(&mut app, Action::NextTab);
        assert_eq!(app.tab, Tab::Raters);
        update(&mut app, Action::GoTo(Tab::Import));
        update(&mut app, Action::PreviousTab);
        assert_eq!(app.tab, Tab::Annotate);
        assert_eq!(Tab::from_key('6'), Some(Tab::Runs));
        assert_eq!(Tab::from_key('7'), Some(Tab::Train));
        // Columns of the tab bar map back to the tabs drawn there.
        for width in [80, 200] {
            let compact = super::super::ui::compact_tabs(width);
            assert_eq!(tab_at_column(0, width), Some(Tab::Import));
            let second = super::super::ui::tab_title(Tab::Import, compact)
                .chars()
                .count() as u16
                + 3;
            assert_eq!(tab_at_column(second, width), Some(Tab::Overview));
        }
        assert!(super::super::ui::compact_tabs(80));
        assert!(!super::super::ui::compact_tabs(140));
    }

    #[test]
    fn sorting_and_filtering_raters_rebuilds_the_order() {
        let rows = vec![
            row("10", Some(1.4), vec![]),
            row("2", Some(2.6), vec![Rule::Distorting]),
            row("33", None, vec![]),
            row("4", Some(0.4), vec![Rule::Muted]),
        ];
        let mut state = super::super::app::RatersState::default();
        state.rebuild(&rows);
        // Numeric labels sort as numbers.
        assert_eq!(state.order, vec![1, 3, 0, 2]);
        state.sort = RaterSort::Infit;
        state.rebuild(&rows);
        assert_eq!(state.order, vec![3, 0, 1, 2], "missing values last");
        state.descending = true;
        state.rebuild(&rows);
        assert_eq!(
            state.order,
            vec![1, 0, 3, 2],
            "reversed: missing still last"
        );
        state.flagged_only = true;
        state.rebuild(&rows);
        assert_eq!(state.order, vec![1, 3]);
        state.flagged_only = false;
        state.filter = "3".into();
        state.selection.index = 3;
        state.rebuild(&rows);
        assert_eq!(state.order, vec![2]);
        assert_eq!(state.selection.index, 0, "selection clamped");
        state.filter = "mute".into();
        state.rebuild(&rows);
        assert_eq!(state.order, vec![3], "filter matches rule names");
    }

    #[test]
    fn a_decision_asks_for_a_reason_then_becomes_a_command() {
        let mut app = app();
        app.tab = Tab::Raters;
        // Without a loaded project there is no rater to decide on.
        update(&mut app, Action::Decide(Decision::Exclude));
        assert!(app.prompt.is_none());
        app.prompt = Some(Prompt::Reason {
            decision: Decision::Exclude,
            labels: vec!["2".into()],
            text: String::new(),
        });
        let none = update(&mut app, Action::Confirm);
        assert!(none.is_empty(), "an empty reason is refused");
        assert!(app.prompt.is_some());
        for c in "random".chars() {
            update(&mut app, Action::Input(c));
        }
        update(&mut app, Action::DeleteChar);
        let commands = update(&mut app, Action::Confirm);
        match &commands[..] {
            [Command::Decide {
                labels,
                decision,
                reason,
                ..
            }] => {
                assert_eq!(labels, &vec!["2".to_string()]);
                assert_eq!(*decision, Decision::Exclude);
                assert_eq!(reason, "rando");
            }
            other => panic!("{other:?}"),
        }
        assert!(app.prompt.is_none());
        // Esc closes a prompt without a command.
        app.prompt = Some(Prompt::Reason {
            decision: Decision::Keep,
            labels: vec!["2".into()],
            text: "x".into(),
        });
        assert!(update(&mut app, Action::Back).is_empty());
        assert!(app.prompt.is_none());
    }

    fn epoch(epoch: usize, valid_loss: f64) -> crate::predict::EpochReport {
        crate::predict::EpochReport {
            epoch,
            epochs: 10,
            train_loss: 2.0 / epoch as f64,
            valid_loss,
            valid_rmse: 0.6,
            valid_pearson: 0.9,
            elapsed_seconds: epoch as f64,
            best_epoch: epoch,
            improved: true,
        }
    }

    #[test]
    fn training_form_jobs_and_predictions() {
        let mut app = app();
        update(&mut app, Action::GoTo(Tab::Train));
        // The form: epochs in steps of 5 (never below 1), perspective on and off.
        update(&mut app, Action::Iterations(1));
        assert_eq!(app.train.options.epochs, 15);
        for _ in 0..5 {
            update(&mut app, Action::Iterations(-1));
        }
        assert_eq!(app.train.options.epochs, 1);
        update(&mut app, Action::TogglePerspective);
        assert!(!app.train.options.perspective);
        // Without a fitted run there is nothing to learn from: no job, a warning.
        let commands = update(&mut app, Action::Confirm);
        assert!(commands.is_empty());
        assert!(!app.train.running);
        assert_eq!(app.status.as_ref().map(|s| s.0), Some(Level::Warning));

        // Epochs arrive while it runs; cancelling asks the runner to stop; the cancelled
        // message ends the job.
        app.train.running = true;
        app.jobs.push(JobKind::Train);
        update(&mut app, Action::Job(JobMessage::Epoch(epoch(1, 1.5))));
        update(&mut app, Action::Job(JobMessage::Epoch(epoch(2, 1.2))));
        assert_eq!(app.train.progress.len(), 2);
        assert!(matches!(
            update(&mut app, Action::Cancel)[..],
            [Command::CancelJob]
        ));
        update(&mut app, Action::Job(JobMessage::Cancelled(JobKind::Train)));
        assert!(!app.train.running);
        assert!(!app.running(JobKind::Train));
        // Not on the Train screen, `c` cancels a fit, not the training.
        app.jobs.push(JobKind::Train);
        update(&mut app, Action::GoTo(Tab::Runs));
        assert!(update(&mut app, Action::Cancel).is_empty());
    }

    #[test]
    fn fit_jobs_report_progress_and_reload_when_done() {
        let mut app = app();
        app.tab = Tab::Runs;
        update(&mut app, Action::CycleMethod);
        update(&mut app, Action::Iterations(-1));
        assert_eq!(app.runs.method, Method::Mml);
        assert_eq!(app.runs.max_iterations, 450);
        let commands = update(&mut app, Action::Confirm);
        match &commands[..] {
            [Command::Start(JobRequest::Fit(request))] => {
                assert_eq!(request.options.method, Method::Mml);
                assert_eq!(request.options.convergence.max_iterations, 450);
            }
            other => panic!("{other:?}"),
        }
        assert!(app.running(JobKind::Fit));
        // A second start while running is refused.
        assert!(update(&mut app, Action::Confirm).is_empty());
        let report = crate::measure::IterationReport {
            iteration: 1,
            max_score_residual: 3.0,
            max_residual_element: None,
            max_change: 0.5,
            max_change_parameter: None,
            log_likelihood: -10.0,
        };
        update(&mut app, Action::Job(JobMessage::Progress(report.clone())));
        assert_eq!(app.runs.progress, vec![report]);
        assert!(matches!(
            update(&mut app, Action::Cancel)[..],
            [Command::CancelJob]
        ));
        let commands = update(
            &mut app,
            Action::Job(JobMessage::FitDone {
                run_id: 3,
                converged: true,
                iterations: 12,
                flags: 4,
            }),
        );
        assert!(!app.running(JobKind::Fit));
        assert!(matches!(commands[..], [Command::Start(JobRequest::Load)]));
        assert!(app.running(JobKind::Load));
        // A second reload while one runs is queued, not started.
        let again = update(
            &mut app,
            Action::Job(JobMessage::FitDone {
                run_id: 4,
                converged: false,
                iterations: 450,
                flags: 0,
            }),
        );
        assert!(again.is_empty());
        assert!(app.reload_pending);
        assert_eq!(app.status.as_ref().map(|s| s.0), Some(Level::Warning));
    }

    #[test]
    fn export_form_validates_before_starting() {
        let mut app = app();
        app.tab = Tab::Export;
        assert!(export_request(&app).unwrap_err().contains("fit first"));
        // Field navigation and cycling.
        update(&mut app, Action::Select(Move::Down));
        assert_eq!(app.export.focused(), ExportField::Out);
        update(&mut app, Action::Confirm);
        assert!(app.export.editing);
        assert!(app.editing_text());
        for _ in 0..app.export.out.len() {
            update(&mut app, Action::DeleteChar);
        }
        for c in "out.parquet".chars() {
            update(&mut app, Action::Input(c));
        }
        update(&mut app, Action::Back);
        assert_eq!(app.export.out, "out.parquet");
        update(&mut app, Action::Select(Move::First));
        cycle(&mut app, -1);
        assert_eq!(app.export.what, ExportKind::Joined);
    }

    #[test]
    fn path_completion_completes_unique_names_and_lists_several() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ratings.csv"), "").unwrap();
        std::fs::write(dir.path().join("raters.txt"), "").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let base = format!("{}/", dir.path().display());
        let (text, list) = complete_path(&format!("{base}rat"));
        assert_eq!(text, format!("{base}rat"));
        assert_eq!(list, vec!["raters.txt", "ratings.csv"]);
        let (text, list) = complete_path(&format!("{base}rati"));
        assert_eq!(text, format!("{base}ratings.csv"));
        assert!(list.is_empty());
        let (text, _) = complete_path(&format!("{base}s"));
        assert_eq!(text, format!("{base}sub/"));
    }

    #[test]
    fn a_drafted_description_is_saved_beside_the_data_then_offered() {
        let mut app = app();
        app.tab = Tab::Import;
        app.import.data = "data/ratings.csv".into();
        // Nothing drafted yet.
        assert!(update(&mut app, Action::SaveDraft).is_empty());
        app.import.source = DescriptionSource::Draft;
        app.import.config_toml = Some("object = \"c\"\n".into());
        match &update(&mut app, Action::SaveDraft)[..] {
            [Command::WriteDescription { path, text }] => {
                assert_eq!(path, &PathBuf::from("data/ratings.toml"));
                assert_eq!(text, "object = \"c\"\n");
            }
            other => panic!("{other:?}"),
        }
        update(
            &mut app,
            Action::Written(Written::Description {
                path: PathBuf::from("data/ratings.toml"),
                result: Ok(()),
            }),
        );
        assert_eq!(app.import.config, "data/ratings.toml");
        // The preview of a new source starts over.
        update(&mut app, Action::Select(Move::Down));
        assert_eq!(app.import.focused(), ImportField::Description);
        update(&mut app, Action::Cycle(-1));
        assert_eq!(app.import.source, DescriptionSource::ConfigFile);
        let commands = update(&mut app, Action::Preview);
        assert!(matches!(
            &commands[..],
            [Command::Start(JobRequest::Preview {
                description: Description::File(_),
                ..
            })]
        ));
        assert!(app.import.running);
    }

    #[test]
    fn selections_stay_in_range() {
        let mut s = crate::tui::app::Selection::default();
        s.apply(Move::Up, 5);
        assert_eq!(s.index, 0);
        s.apply(Move::PageDown, 25);
        assert_eq!(s.index, crate::tui::app::PAGE);
        s.apply(Move::Last, 25);
        assert_eq!(s.index, 24);
        s.apply(Move::Down, 25);
        assert_eq!(s.index, 24);
        s.clamp(3);
        assert_eq!(s.index, 2);
        s.apply(Move::Last, 0);
        assert_eq!(s.index, 0);
    }

    #[test]
    fn failed_and_finished_jobs_clear_their_screens() {
        let mut app = app();
        app.tab = Tab::Import;
        app.import.data = "x.csv".into();
        update(&mut app, Action::Preview);
        assert!(app.running(JobKind::Preview));
        update(
            &mut app,
            Action::Job(JobMessage::Failed {
                kind: JobKind::Preview,
                message: "cannot read x.csv".into(),
            }),
        );
        assert!(!app.running(JobKind::Preview));
        assert!(!app.import.running);
        assert_eq!(
            app.import.result,
            Some((Level::Error, "cannot read x.csv".into()))
        );
        // Importing needs a valid preview.
        assert!(update(&mut app, Action::Execute).is_empty());
        assert_eq!(app.status.as_ref().map(|s| s.0), Some(Level::Warning));
        let summary = crate::store::ImportSummary {
            dataset_id: 1,
            source_path: "x.csv".into(),
            sha256: String::new(),
            rows: 10,
            observations_added: 100,
            already_present: 0,
            duplicates_in_file: 0,
            new_elements: Vec::new(),
            warnings: 0,
        };
        app.jobs.push(JobKind::Import);
        let commands = update(&mut app, Action::Job(JobMessage::Imported(summary)));
        assert!(!app.running(JobKind::Import));
        assert!(matches!(commands[..], [Command::Start(JobRequest::Load)]));
        assert_eq!(
            app.import.result,
            Some((
                Level::Info,
                "imported 100 responses from 10 rows (dataset 1)".into()
            ))
        );
    }

    #[test]
    fn help_closes_on_the_next_key() {
        let mut app = app();
        update(&mut app, Action::ToggleHelp);
        assert!(app.help);
        update(&mut app, Action::Back);
        assert!(!app.help);
        assert_eq!(app.tab, Tab::Overview);
        update(&mut app, Action::ToggleHelp);
        update(&mut app, Action::GoTo(Tab::Runs));
        assert!(!app.help);
        assert_eq!(app.tab, Tab::Runs, "the key still acts");
    }
}
