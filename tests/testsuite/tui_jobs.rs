//! The workbench's background jobs on the sample project: a cancelled fit stores nothing, a load
//! delivers the whole project, a fit reports every iteration before it is stored.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use scalewright::pipeline::FitSettings;
use scalewright::store::Project;
use scalewright::tui::jobs::{JobKind, JobMessage, JobRequest, JobRunner};
use std::time::{Duration, Instant};

/// Collects messages until one that is not a fit iteration arrives; returns it and the
/// iterations seen.
fn finish(runner: &JobRunner) -> (JobMessage, usize) {
    let start = Instant::now();
    let mut iterations = 0;
    loop {
        for message in runner.drain() {
            match message {
                JobMessage::Progress(_) => iterations += 1,
                other => return (other, iterations),
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn jobs_load_fit_and_cancel_in_the_background() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::sample_project(dir.path());
    let mut runner = JobRunner::new(&db);

    // Cancelled before its first iteration ends (the flag is set before the thread looks).
    runner.start(JobRequest::Fit(FitSettings::default()));
    runner.cancel();
    let (message, iterations) = finish(&runner);
    assert!(
        matches!(message, JobMessage::Cancelled(JobKind::Fit)),
        "{message:?}"
    );
    assert_eq!(iterations, 1);
    assert!(Project::open(&db).unwrap().runs().unwrap().is_empty());

    // A fit to the end: every iteration reported, the run stored and flagged.
    runner.start(JobRequest::Fit(FitSettings::default()));
    let (message, reported) = finish(&runner);
    match message {
        JobMessage::FitDone {
            run_id,
            converged,
            iterations,
            flags,
        } => {
            assert!(converged);
            assert_eq!(reported, iterations);
            let project = Project::open(&db).unwrap();
            assert_eq!(project.runs().unwrap()[0].id, run_id);
            assert_eq!(project.flags(run_id).unwrap().len(), flags);
        }
        other => panic!("{other:?}"),
    }

    runner.start(JobRequest::Load);
    match finish(&runner).0 {
        JobMessage::Loaded(snapshot) => {
            assert_eq!(snapshot.data.len(), 77_310);
            assert_eq!(snapshot.summary.observations, 77_310);
            let run = snapshot.run.expect("the run");
            assert!(!run.stale);
            assert_eq!(run.unexpected.count.len(), 2000);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn training_reports_epochs_stores_a_model_and_predicts_every_comment() {
    use scalewright::predict::TrainOptions;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    let mut runner = JobRunner::new(&db);

    // Cancelled after its first epoch: nothing stored.
    runner.start(JobRequest::Train(Box::new(TrainOptions {
        epochs: 3,
        ..TrainOptions::default()
    })));
    runner.cancel();
    let (message, epochs) = finish_training(&runner);
    assert!(
        matches!(message, JobMessage::Cancelled(JobKind::Train)),
        "{message:?}"
    );
    assert_eq!(epochs, 1);
    assert!(Project::open(&db).unwrap().models().unwrap().is_empty());

    // Two epochs to the end: both reported, the model stored with its evaluation.
    runner.start(JobRequest::Train(Box::new(TrainOptions {
        epochs: 2,
        ..TrainOptions::default()
    })));
    let (message, epochs) = finish_training(&runner);
    let JobMessage::Trained(outcome) = message else {
        panic!("{message:?}");
    };
    assert_eq!(epochs, 2);
    assert_eq!(outcome.history.len(), 2);
    let project = Project::open(&db).unwrap();
    assert_eq!(project.latest_model().unwrap(), Some(outcome.model_id));
    assert!(outcome.evaluation.model.rmse < outcome.evaluation.mean.rmse);

    // Its predictions for every comment with a text (the sample's 2,000).
    runner.start(JobRequest::Predict {
        model_id: outcome.model_id,
    });
    let (message, _) = finish_training(&runner);
    let JobMessage::Predicted { model_id, measures } = message else {
        panic!("{message:?}");
    };
    assert_eq!(model_id, outcome.model_id);
    assert_eq!(measures.len(), 2000);
    assert!(measures.iter().all(|(_, m)| m.is_finite()));
}

/// Collects messages until one that is not a training epoch arrives.
fn finish_training(runner: &JobRunner) -> (JobMessage, usize) {
    let start = Instant::now();
    let mut epochs = 0;
    loop {
        for message in runner.drain() {
            match message {
                JobMessage::Epoch(_) => epochs += 1,
                other => return (other, epochs),
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_design_plan_is_computed_in_the_background() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    let mut runner = JobRunner::new(&db);
    let settings = scalewright::pipeline::PlanSettings {
        raters_per_object: vec![2, 4],
        target_reliability: Some(0.9),
        ..Default::default()
    };
    runner.start(JobRequest::Plan {
        run: 1,
        settings: settings.clone(),
    });
    match finish(&runner).0 {
        JobMessage::Planned(plan) => {
            let project = Project::open(&db).unwrap();
            let direct = scalewright::pipeline::plan_run(&project, Some(1), &settings).unwrap();
            assert_eq!(*plan, direct);
            assert_eq!(plan.plan.designs.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    // A run that does not exist fails the job with the store's message.
    runner.start(JobRequest::Plan { run: 99, settings });
    match finish(&runner).0 {
        JobMessage::Failed { kind, message } => {
            assert_eq!(kind, JobKind::Plan);
            assert!(message.contains("99"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// Collects a report job's messages until its last one; returns it and the parts reported.
fn finish_report(runner: &JobRunner) -> (JobMessage, Vec<scalewright::pipeline::ReportProgress>) {
    let start = Instant::now();
    let mut parts = Vec::new();
    loop {
        for message in runner.drain() {
            match message {
                JobMessage::ReportPart(part) => parts.push(part),
                other => return (other, parts),
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_html_report_is_written_in_the_background_and_can_be_cancelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    let mut runner = JobRunner::new(&db);
    let path = dir.path().join("run1.html");

    // Cancelled at its first part: nothing written.
    runner.start(JobRequest::Report {
        run: 1,
        path: path.clone(),
    });
    runner.cancel();
    let (message, parts) = finish_report(&runner);
    assert!(
        matches!(message, JobMessage::Cancelled(JobKind::Report)),
        "{message:?}"
    );
    assert_eq!(parts.len(), 1);
    assert!(!path.exists());

    // To the end: every part reported in order, the page written.
    runner.start(JobRequest::Report {
        run: 1,
        path: path.clone(),
    });
    let (message, parts) = finish_report(&runner);
    match message {
        JobMessage::Reported(summary) => {
            assert_eq!(summary.path, path);
            assert_eq!(
                summary.bytes as u64,
                std::fs::metadata(&path).unwrap().len()
            );
            let total = parts[0].total;
            assert_eq!(parts.len(), total);
            assert!(parts.iter().enumerate().all(|(i, p)| p.done == i + 1));
            assert_eq!(parts[0].part, "tables");
        }
        other => panic!("{other:?}"),
    }
}
