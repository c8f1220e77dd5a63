//! Unit tests of the state transitions, on plain state (no terminal, no project file).

use super::*;
use crate::export::ExportKind;
use crate::measure::Method;
use crate::tui::jobs::Description;
use crate::tui::screens::export::{export_request, ExportField};
use crate::tui::screens::import::{DescriptionSource, ImportField};
use crate::tui::state::{QueueKind, Selection, PAGE};
use crate::tui::ui::{compact_tabs, tab_at_column, tab_title};
use std::path::{Path, PathBuf};

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
        let compact = compact_tabs(width);
        assert_eq!(tab_at_column(0, width), Some(Tab::Import));
        let second = tab_title(Tab::Import, compact).chars().count() as u16 + 3;
        assert_eq!(tab_at_column(second, width), Some(Tab::Overview));
    }
    assert!(compact_tabs(80));
    assert!(!compact_tabs(140));
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
    assert!(!app.jobs.is_running(JobKind::Train));
    assert_eq!(app.status.as_ref().map(|s| s.0), Some(Level::Warning));

    // Epochs arrive while it runs; cancelling asks the runner to stop; the cancelled
    // message ends the job.
    app.jobs.start(JobKind::Train);
    deliver(&mut app, JobMessage::Epoch(epoch(1, 1.5)));
    deliver(&mut app, JobMessage::Epoch(epoch(2, 1.2)));
    assert_eq!(app.train.progress.len(), 2);
    let training = app.jobs.running_job(JobKind::Train);
    assert!(matches!(
        update(&mut app, Action::Cancel)[..],
        [Command::CancelJob(job)] if Some(job) == training
    ));
    deliver(&mut app, JobMessage::Cancelled(JobKind::Train));
    assert!(!app.running(JobKind::Train));
    // Not on the Train screen, `c` cancels a fit, not the training.
    app.jobs.start(JobKind::Train);
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
        [Command::Start {
            request: JobRequest::Fit(request),
            ..
        }] => {
            assert_eq!(request.method, Method::Mml);
            assert_eq!(request.max_iterations, 450);
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
    deliver(&mut app, JobMessage::Progress(report.clone()));
    assert_eq!(app.runs.progress, vec![report]);
    assert!(matches!(
        update(&mut app, Action::Cancel)[..],
        [Command::CancelJob(_)]
    ));
    let commands = deliver(
        &mut app,
        JobMessage::FitDone {
            run_id: 3,
            converged: true,
            iterations: 12,
            flags: 4,
        },
    );
    assert!(!app.running(JobKind::Fit));
    assert!(matches!(
        commands[..],
        [Command::Start {
            request: JobRequest::Load,
            ..
        }]
    ));
    assert!(app.running(JobKind::Load));
    // A second reload while one runs is queued, not started.
    let again = deliver(
        &mut app,
        JobMessage::FitDone {
            run_id: 4,
            converged: false,
            iterations: 450,
            flags: 0,
        },
    );
    assert!(again.is_empty());
    assert!(app.reload_pending);
    assert_eq!(app.status.as_ref().map(|s| s.0), Some(Level::Warning));
}

#[test]
fn export_form_validates_before_starting() {
    let mut app = app();
    app.tab = Tab::Export;
    assert!(export_request(&app.export, app.loaded.as_ref())
        .unwrap_err()
        .contains("fit first"));
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
    // Backwards from objects wraps to the last kind, the Winsteps file.
    update(&mut app, Action::Cycle(-1));
    assert_eq!(app.export.what, ExportKind::Winsteps);
    update(&mut app, Action::Cycle(-1));
    assert_eq!(app.export.what, ExportKind::Facets);
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
        [Command::Start {
            request: JobRequest::Preview {
                description: Description::File(_),
                ..
            },
            ..
        }]
    ));
    assert!(app.running(JobKind::Preview));
}

#[test]
fn selections_stay_in_range() {
    let mut s = Selection::default();
    s.apply(Move::Up, 5);
    assert_eq!(s.index, 0);
    s.apply(Move::PageDown, 25);
    assert_eq!(s.index, PAGE);
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
    deliver(
        &mut app,
        JobMessage::Failed {
            kind: JobKind::Preview,
            message: "cannot read x.csv".into(),
        },
    );
    assert!(!app.running(JobKind::Preview));
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
    app.jobs.start(JobKind::Import);
    let commands = deliver(&mut app, JobMessage::Imported(summary));
    assert!(!app.running(JobKind::Import));
    assert!(matches!(
        commands[..],
        [Command::Start {
            request: JobRequest::Load,
            ..
        }]
    ));
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

#[test]
fn the_annotate_queues_cycle_through_the_app() {
    let mut app = app();
    update(&mut app, Action::GoTo(Tab::Annotate));
    assert_eq!(app.annotate.queue, QueueKind::LeastCertain);
    update(&mut app, Action::NextQueue);
    assert_eq!(app.annotate.queue, QueueKind::MostUnexpected);
    // The next queue is a flagged rater's comments, which the Raters screen knows; with no
    // project loaded there is none, so the cycle starts over.
    update(&mut app, Action::NextQueue);
    assert_eq!(app.annotate.queue, QueueKind::LeastCertain);
    assert_eq!(app.tab, Tab::Annotate);
}

#[test]
fn the_job_registry_counts_each_job_and_messages_end_theirs() {
    let mut jobs = crate::tui::jobs::Jobs::default();
    let first = jobs.start(JobKind::Load);
    let second = jobs.start(JobKind::Load);
    assert_ne!(first, second, "every job has its own number");
    assert_eq!(jobs.running_job(JobKind::Load), Some(second), "the newest");
    jobs.finish(first);
    assert!(jobs.is_running(JobKind::Load), "one load still runs");
    assert_eq!(jobs.running_job(JobKind::Load), Some(second));
    let fit = jobs.start(JobKind::Fit);
    jobs.finish(second);
    assert_eq!(jobs.kinds().collect::<Vec<_>>(), vec![JobKind::Fit]);
    jobs.finish(second);
    assert_eq!(
        jobs.running_job(JobKind::Fit),
        Some(fit),
        "ending a job that is not running changes nothing"
    );
    jobs.finish(fit);
    assert!(jobs.is_empty());
    let failed = JobMessage::Failed {
        kind: JobKind::Export,
        message: "disk full".into(),
    };
    assert_eq!(failed.finishes(), Some(JobKind::Export));
    assert_eq!(
        JobMessage::Cancelled(JobKind::Train).finishes(),
        Some(JobKind::Train)
    );
    let epoch = JobMessage::Epoch(epoch(1, 1.0));
    assert_eq!(epoch.finishes(), None, "an epoch does not end the training");
}
