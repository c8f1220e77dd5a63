//! The workbench's background jobs on the sample project: a cancelled fit stores nothing, a load
//! delivers the whole project, a fit reports every iteration before it is stored.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use scalewright::pipeline::FitSettings;
use scalewright::store::Project;
use scalewright::tui::jobs::{JobId, JobKind, JobMessage, JobRequest, JobRunner, Jobs};
use std::time::{Duration, Instant};

/// Starts `request` on `runner` as a new job of `jobs` (as the workbench does) and returns its
/// number.
fn start(runner: &mut JobRunner, jobs: &mut Jobs, request: JobRequest) -> JobId {
    let job = jobs.start(request.kind());
    runner.start(job, request);
    job
}

/// Collects job `job`'s messages until its last; returns that and the ones before it. Messages
/// of other jobs are kept in `others`.
fn finish_collecting(
    runner: &mut JobRunner,
    job: JobId,
    others: &mut Vec<(JobId, JobMessage)>,
) -> (JobMessage, Vec<JobMessage>) {
    let start = Instant::now();
    let mut before = Vec::new();
    loop {
        for event in runner.drain() {
            if event.job != job {
                others.push((event.job, event.message));
            } else if event.message.finishes().is_some() {
                return (event.message, before);
            } else {
                before.push(event.message);
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Job `job`'s last message and how many came before it (iterations, epochs, parts).
fn finish(runner: &mut JobRunner, job: JobId) -> (JobMessage, usize) {
    let (last, before) = finish_collecting(runner, job, &mut Vec::new());
    (last, before.len())
}

#[test]
fn jobs_load_fit_and_cancel_in_the_background() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::sample_project(dir.path());
    let mut runner = JobRunner::new(&db);
    let mut jobs = Jobs::default();

    // Cancelled before its first iteration ends (the flag is set before the thread looks).
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Fit(FitSettings::default()),
    );
    runner.cancel(job);
    let (message, iterations) = finish(&mut runner, job);
    assert!(
        matches!(message, JobMessage::Cancelled(JobKind::Fit)),
        "{message:?}"
    );
    assert_eq!(iterations, 1);
    assert!(Project::open(&db).unwrap().runs().unwrap().is_empty());

    // A fit to the end: every iteration reported, the run stored and flagged.
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Fit(FitSettings::default()),
    );
    let (message, reported) = finish(&mut runner, job);
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

    let job = start(&mut runner, &mut jobs, JobRequest::Load);
    match finish(&mut runner, job).0 {
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
    let mut jobs = Jobs::default();

    // Cancelled after its first epoch: nothing stored.
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Train(Box::new(TrainOptions {
            epochs: 3,
            ..TrainOptions::default()
        })),
    );
    runner.cancel(job);
    let (message, epochs) = finish(&mut runner, job);
    assert!(
        matches!(message, JobMessage::Cancelled(JobKind::Train)),
        "{message:?}"
    );
    assert_eq!(epochs, 1);
    assert!(Project::open(&db).unwrap().models().unwrap().is_empty());

    // Two epochs to the end: both reported, the model stored with its evaluation.
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Train(Box::new(TrainOptions {
            epochs: 2,
            ..TrainOptions::default()
        })),
    );
    let (message, epochs) = finish(&mut runner, job);
    let JobMessage::Trained(outcome) = message else {
        panic!("{message:?}");
    };
    assert_eq!(epochs, 2);
    assert_eq!(outcome.history.len(), 2);
    let project = Project::open(&db).unwrap();
    assert_eq!(project.latest_model().unwrap(), Some(outcome.model_id));
    assert!(outcome.evaluation.model.rmse < outcome.evaluation.mean.rmse);

    // Its predictions for every comment with a text (the sample's 2,000).
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Predict {
            model_id: outcome.model_id,
        },
    );
    let (message, _) = finish(&mut runner, job);
    let JobMessage::Predicted { model_id, measures } = message else {
        panic!("{message:?}");
    };
    assert_eq!(model_id, outcome.model_id);
    assert_eq!(measures.len(), 2000);
    assert!(measures.iter().all(|(_, m)| m.is_finite()));
}

#[test]
fn a_design_plan_is_computed_in_the_background() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    let mut runner = JobRunner::new(&db);
    let mut jobs = Jobs::default();
    let settings = scalewright::pipeline::PlanSettings {
        raters_per_object: vec![2, 4],
        target_reliability: Some(0.9),
        ..Default::default()
    };
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Plan {
            run: 1,
            settings: settings.clone(),
        },
    );
    match finish(&mut runner, job).0 {
        JobMessage::Planned(plan) => {
            let project = Project::open(&db).unwrap();
            let direct = scalewright::pipeline::plan_run(&project, Some(1), &settings).unwrap();
            assert_eq!(*plan, direct);
            assert_eq!(plan.plan.designs.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    // A run that does not exist fails the job with the store's message.
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Plan { run: 99, settings },
    );
    match finish(&mut runner, job).0 {
        JobMessage::Failed { kind, message } => {
            assert_eq!(kind, JobKind::Plan);
            assert!(message.contains("99"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// A report job's last message and the parts it reported before it.
fn finish_report(
    runner: &mut JobRunner,
    job: JobId,
) -> (JobMessage, Vec<scalewright::pipeline::ReportProgress>) {
    let (last, before) = finish_collecting(runner, job, &mut Vec::new());
    let parts = before
        .into_iter()
        .map(|message| match message {
            JobMessage::ReportPart(part) => part,
            other => panic!("{other:?}"),
        })
        .collect();
    (last, parts)
}

#[test]
fn the_html_report_is_written_in_the_background_and_can_be_cancelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    let mut runner = JobRunner::new(&db);
    let mut jobs = Jobs::default();
    let path = dir.path().join("run1.html");

    // Cancelled at its first part: nothing written.
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Report {
            run: 1,
            path: path.clone(),
        },
    );
    runner.cancel(job);
    let (message, parts) = finish_report(&mut runner, job);
    assert!(
        matches!(message, JobMessage::Cancelled(JobKind::Report)),
        "{message:?}"
    );
    assert_eq!(parts.len(), 1);
    assert!(!path.exists());

    // To the end: every part reported in order, the page written.
    let job = start(
        &mut runner,
        &mut jobs,
        JobRequest::Report {
            run: 1,
            path: path.clone(),
        },
    );
    let (message, parts) = finish_report(&mut runner, job);
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

/// A fit and a training run at once, each a job of its own: cancelling the training stops the
/// training only (the fit goes on reporting iterations), then cancelling the fit stops the fit;
/// neither stores anything.
#[test]
fn a_fit_and_a_training_run_together_and_each_cancel_stops_its_own_job() {
    use scalewright::predict::TrainOptions;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    let runs_before = Project::open(&db).unwrap().runs().unwrap().len();
    let mut runner = JobRunner::new(&db);
    let mut jobs = Jobs::default();

    // Neither ends by itself while the test runs: the training has no early stop within reach
    // and the fit's convergence criteria cannot be met.
    let training = start(
        &mut runner,
        &mut jobs,
        JobRequest::Train(Box::new(TrainOptions {
            epochs: 10_000,
            patience: 10_000,
            ..TrainOptions::default()
        })),
    );
    let fit = start(
        &mut runner,
        &mut jobs,
        JobRequest::Fit(FitSettings {
            max_residual: Some(1e-12),
            max_change: Some(1e-12),
            max_iterations: 100_000,
            ..FitSettings::default()
        }),
    );
    assert_ne!(training, fit);

    // Both under way: an epoch of the training and an iteration of the fit.
    let (mut epochs, mut iterations) = (0, 0);
    let start_time = Instant::now();
    while epochs == 0 || iterations == 0 {
        for event in runner.drain() {
            assert!(event.message.finishes().is_none(), "{event:?}");
            match (event.job, &event.message) {
                (job, JobMessage::Epoch(_)) if job == training => epochs += 1,
                (job, JobMessage::Progress(_)) if job == fit => iterations += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!(start_time.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Cancelling the training ends the training, cancelled; the fit was not asked to stop.
    runner.cancel(training);
    let mut fit_messages = Vec::new();
    let (last, _) = finish_collecting(&mut runner, training, &mut fit_messages);
    assert!(
        matches!(last, JobMessage::Cancelled(JobKind::Train)),
        "{last:?}"
    );
    assert!(
        fit_messages
            .iter()
            .all(|(job, m)| *job == fit && matches!(m, JobMessage::Progress(_))),
        "{fit_messages:?}"
    );
    // The fit still runs: more iterations arrive after the training ended.
    let mut after = 0;
    let start_time = Instant::now();
    while after < 3 {
        for event in runner.drain() {
            assert_eq!(event.job, fit);
            assert!(
                matches!(event.message, JobMessage::Progress(_)),
                "{event:?}"
            );
            after += 1;
        }
        assert!(start_time.elapsed() < Duration::from_secs(300), "no answer");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Cancelling the fit ends it, cancelled.
    runner.cancel(fit);
    let (last, _) = finish(&mut runner, fit);
    assert!(
        matches!(last, JobMessage::Cancelled(JobKind::Fit)),
        "{last:?}"
    );
    // Cancelling a job that has ended changes nothing.
    runner.cancel(training);
    let project = Project::open(&db).unwrap();
    assert_eq!(project.runs().unwrap().len(), runs_before);
    assert!(project.models().unwrap().is_empty());
}
