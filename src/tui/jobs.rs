//! Background jobs (gitui's asyncgit pattern): each job runs on its own thread with its own
//! connection to the project and reports through an mpsc channel, every message marked with
//! the job's number ([`JobId`]); long ones (fits, trainings, reports) poll their own cancel flag
//! from the observer, returning `ControlFlow::Break` to stop.
//!
//! The UI thread never waits on a job: it drains the channel between frames.

use crate::export::ExportSummary;
use crate::ingest::preview::ImportPreview;
use crate::ingest::{IngestOptions, Staged};
use crate::measure::IterationReport;
use crate::pipeline::step::{
    AfterFit, FitStep, ImportStep, IngestOutcome, PlanStep, PlotStep, ProjectAccess, ReportStep,
    Step, StepContext, StepObservers, StepOn, StepOutcome,
};
use crate::pipeline::{
    self, ExportSettings, FitSettings, PlanSettings, ReportProgress, ReportSummary, RunComparison,
    RunPlan,
};
use crate::predict::{EpochReport, PredictOptions, TrainOptions, TrainOutcome};
use crate::store::{ImportSummary, Project};
use crate::tui::loaded::{load_view, Loaded};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

/// Rows of a file shown in the import preview.
pub const PREVIEW_ROWS: usize = 12;

/// Which job a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Loading the project view.
    Load,
    /// A fit.
    Fit,
    /// An import preview.
    Preview,
    /// An import.
    Import,
    /// An export.
    Export,
    /// A comparison of two runs.
    Compare,
    /// A training of the text predictor.
    Train,
    /// A model's predictions.
    Predict,
    /// A design plan of a run.
    Plan,
    /// The HTML report of a run.
    Report,
    /// A figure of a run.
    Plot,
}

impl JobKind {
    /// The job's name in status messages.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Load => "loading the project",
            JobKind::Fit => "fit",
            JobKind::Preview => "preview",
            JobKind::Import => "import",
            JobKind::Export => "export",
            JobKind::Compare => "comparison",
            JobKind::Train => "training",
            JobKind::Predict => "predictions",
            JobKind::Plan => "design plan",
            JobKind::Report => "report",
            JobKind::Plot => "figure",
        }
    }
}

/// A job's number, given by [`Jobs::start`] when the job starts: every message of the job
/// carries it ([`JobEvent`]) and every cancel names it, so cancelling one job never stops
/// another (a fit and a training can run at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(u64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "job {}", self.0)
    }
}

/// The jobs running now: the one record of "is a job running" (screens derive their "fitting...",
/// "writing..." lines from it, never from flags of their own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jobs {
    running: Vec<(JobId, JobKind)>,
    started: u64,
}

impl Jobs {
    /// Records a job of `kind` as started and gives it its number.
    pub fn start(&mut self, kind: JobKind) -> JobId {
        self.started += 1;
        let id = JobId(self.started);
        self.running.push((id, kind));
        id
    }

    /// Records job `id` as ended (finished, failed or cancelled).
    pub fn finish(&mut self, id: JobId) {
        self.running.retain(|(running, _)| *running != id);
    }

    /// Whether a job of `kind` is running.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.iter().any(|(_, k)| *k == kind)
    }

    /// The newest running job of `kind` (the one its screen started and may cancel).
    pub fn running_job(&self, kind: JobKind) -> Option<JobId> {
        self.running
            .iter()
            .rev()
            .find(|(_, k)| *k == kind)
            .map(|(id, _)| *id)
    }

    /// Whether no job is running.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// `message` as the running job of its kind would send it, a job of that kind recorded as
    /// started first when none runs (for tests and benchmarks that feed a screen messages
    /// without a runner).
    pub fn event(&mut self, message: JobMessage) -> JobEvent {
        let kind = message.kind();
        let job = self.running_job(kind).unwrap_or_else(|| self.start(kind));
        JobEvent { job, message }
    }

    /// The kinds of the running jobs, in the order they started.
    pub fn kinds(&self) -> impl Iterator<Item = JobKind> + '_ {
        self.running.iter().map(|(_, kind)| *kind)
    }
}

/// A message of job `job`, as the runner hands it to the UI thread.
#[derive(Debug)]
pub struct JobEvent {
    /// The job it is from.
    pub job: JobId,
    /// What the job reports.
    pub message: JobMessage,
}

impl JobMessage {
    /// The kind of job that sends this message.
    pub fn kind(&self) -> JobKind {
        match self {
            JobMessage::Progress(_) => JobKind::Fit,
            JobMessage::Epoch(_) => JobKind::Train,
            JobMessage::ReportPart(_) => JobKind::Report,
            JobMessage::Waiting { kind, .. } => *kind,
            last => last.finishes().unwrap_or(JobKind::Load),
        }
    }

    /// The job this message ends, if it is a job's last message.
    pub fn finishes(&self) -> Option<JobKind> {
        match self {
            JobMessage::Loaded(_) => Some(JobKind::Load),
            JobMessage::Progress(_)
            | JobMessage::Epoch(_)
            | JobMessage::ReportPart(_)
            | JobMessage::Waiting { .. } => None,
            JobMessage::FitDone { .. } => Some(JobKind::Fit),
            JobMessage::Previewed { .. } => Some(JobKind::Preview),
            JobMessage::Imported(_) => Some(JobKind::Import),
            JobMessage::Exported(_) => Some(JobKind::Export),
            JobMessage::Compared(_) => Some(JobKind::Compare),
            JobMessage::Trained(_) => Some(JobKind::Train),
            JobMessage::Predicted { .. } => Some(JobKind::Predict),
            JobMessage::Planned(_) => Some(JobKind::Plan),
            JobMessage::Reported(_) => Some(JobKind::Report),
            JobMessage::Plotted(_) => Some(JobKind::Plot),
            JobMessage::Cancelled(kind) | JobMessage::Failed { kind, .. } => Some(*kind),
        }
    }
}

/// Work for a background thread.
#[derive(Debug)]
pub enum JobRequest {
    /// Read everything the screens show (observations, texts, the newest run, flags...).
    Load,
    /// Fit and store a run, then flag its raters with the project's rules.
    Fit(FitSettings),
    /// Read the first rows of a file under a description and validate the file.
    Preview {
        /// The data file.
        path: PathBuf,
        /// The description to read it with.
        description: Description,
    },
    /// Import a validated, staged file.
    Import(Box<Staged>),
    /// Write an export.
    Export(ExportSettings),
    /// Compare two runs.
    Compare {
        /// The older run's id.
        first: i64,
        /// The newer run's id.
        second: i64,
    },
    /// Train and store a text model on a run's measures (cancellable after any epoch).
    Train(Box<TrainOptions>),
    /// The point predictions of stored model `model_id` for the project's comments.
    Predict {
        /// The stored model.
        model_id: i64,
    },
    /// A design plan (D-study) of a run.
    Plan {
        /// The run.
        run: i64,
        /// What to plan.
        settings: PlanSettings,
    },
    /// Draw a figure of a run and write it (SVG or PNG by the file's extension).
    Plot {
        /// The run.
        run: i64,
        /// What to draw.
        request: Box<crate::pipeline::PlotRequest>,
        /// The file.
        path: PathBuf,
    },
    /// Write the HTML report of a run (cancellable between its parts).
    Report {
        /// The run.
        run: i64,
        /// The HTML file.
        path: PathBuf,
    },
}

impl JobRequest {
    /// Which job this request starts.
    pub fn kind(&self) -> JobKind {
        match self {
            JobRequest::Load => JobKind::Load,
            JobRequest::Fit(_) => JobKind::Fit,
            JobRequest::Preview { .. } => JobKind::Preview,
            JobRequest::Import(_) => JobKind::Import,
            JobRequest::Export(_) => JobKind::Export,
            JobRequest::Compare { .. } => JobKind::Compare,
            JobRequest::Train(_) => JobKind::Train,
            JobRequest::Predict { .. } => JobKind::Predict,
            JobRequest::Plan { .. } => JobKind::Plan,
            JobRequest::Report { .. } => JobKind::Report,
            JobRequest::Plot { .. } => JobKind::Plot,
        }
    }
}

pub use crate::pipeline::step::Description;

/// What a job reports.
#[derive(Debug)]
pub enum JobMessage {
    /// The project view, its rows, orders and search index built off the UI thread.
    Loaded(Box<Loaded>),
    /// One fit iteration.
    Progress(IterationReport),
    /// A fit stored and flagged.
    FitDone {
        /// The stored run's id.
        run_id: i64,
        /// Whether the fit converged.
        converged: bool,
        /// Iterations used.
        iterations: usize,
        /// Flags raised.
        flags: usize,
    },
    /// A file previewed.
    Previewed {
        /// The columns, first rows and validation report.
        preview: Box<ImportPreview>,
        /// The description used, as TOML.
        config_toml: String,
    },
    /// A file imported.
    Imported(ImportSummary),
    /// An export written.
    Exported(Box<ExportSummary>),
    /// Two runs compared.
    Compared(RunComparison),
    /// One training epoch.
    Epoch(EpochReport),
    /// A model trained and stored.
    Trained(Box<TrainOutcome>),
    /// Model `model_id`'s predicted measure per comment (object idx).
    Predicted {
        /// The model.
        model_id: i64,
        /// (object index, predicted measure) per comment.
        measures: Vec<(u32, f64)>,
    },
    /// A design plan computed.
    Planned(Box<RunPlan>),
    /// One part of a report gathered (the tables, a figure).
    ReportPart(ReportProgress),
    /// A report written.
    Reported(Box<ReportSummary>),
    /// A figure written.
    Plotted(Box<crate::pipeline::PlotOutcome>),
    /// A job stopped on request (nothing stored).
    Cancelled(JobKind),
    /// The job waits for the project: another process (a script, another workbench) is writing.
    Waiting {
        /// The job.
        kind: JobKind,
        /// What it waits for.
        message: String,
    },
    /// A job failed.
    Failed {
        /// The job.
        kind: JobKind,
        /// What went wrong.
        message: String,
    },
}

/// The name of job threads (the panic hook leaves the terminal alone for them: their panics are
/// caught and reported as failed jobs).
pub const JOB_THREAD: &str = "scalewright-job";

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a job panicked".into())
}

/// Starts jobs and hands their messages to the UI thread.
pub struct JobRunner {
    path: PathBuf,
    sender: Sender<JobEvent>,
    receiver: Receiver<JobEvent>,
    /// The cancel flag of each job started and not yet ended.
    cancels: HashMap<JobId, Arc<AtomicBool>>,
}

/// Where a job's thread sends its messages: the runner's channel, each message marked with the
/// job's number.
#[derive(Clone)]
struct JobChannel {
    job: JobId,
    sender: Sender<JobEvent>,
}

impl JobChannel {
    /// Sends `message` (the UI may have quit: nothing to report to then).
    fn send(&self, message: JobMessage) {
        let _ = self.sender.send(JobEvent {
            job: self.job,
            message,
        });
    }
}

impl JobRunner {
    /// A runner for jobs on the project at `path`.
    pub fn new(path: &Path) -> JobRunner {
        let (sender, receiver) = channel();
        JobRunner {
            path: path.to_path_buf(),
            sender,
            receiver,
            cancels: HashMap::new(),
        }
    }

    /// Runs `request` as job `job` (numbered by [`Jobs::start`]) on a new thread.
    pub fn start(&mut self, job: JobId, request: JobRequest) {
        let kind = request.kind();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancels.insert(job, Arc::clone(&cancel));
        let channel = JobChannel {
            job,
            sender: self.sender.clone(),
        };
        let path = self.path.clone();
        let thread_channel = channel.clone();
        let spawned = std::thread::Builder::new()
            .name(JOB_THREAD.into())
            .spawn(move || {
                let channel = thread_channel;
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_job(&path, request, &cancel, &channel)
                }));
                channel.send(match outcome {
                    Ok(Ok(message)) => message,
                    Ok(Err(message)) => JobMessage::Failed { kind, message },
                    Err(payload) => JobMessage::Failed {
                        kind,
                        message: format!("internal error: {}", panic_text(payload.as_ref())),
                    },
                });
            });
        if let Err(e) = spawned {
            channel.send(JobMessage::Failed {
                kind,
                message: format!("cannot start a thread: {e}"),
            });
        }
    }

    /// Asks job `job` to stop after its current iteration (epoch, part); other jobs go on. A
    /// job that has ended, or that cannot stop part-way (an import, an export), is not affected.
    pub fn cancel(&self, job: JobId) {
        if let Some(flag) = self.cancels.get(&job) {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Messages that arrived since the last call, without waiting; a job's last message also
    /// drops its cancel flag.
    pub fn drain(&mut self) -> Vec<JobEvent> {
        let events: Vec<JobEvent> = self.receiver.try_iter().collect();
        for event in &events {
            if event.message.finishes().is_some() {
                self.cancels.remove(&event.job);
            }
        }
        events
    }
}

/// An observer for a long job (a fit's iterations, a training's epochs): sends each report to
/// the UI as `message(report)` and stops the job once its cancel flag is set.
fn forward<'a, R: Clone + 'a>(
    channel: &'a JobChannel,
    cancel: &'a AtomicBool,
    message: fn(R) -> JobMessage,
) -> impl FnMut(&R) -> ControlFlow<()> + 'a {
    move |report: &R| {
        channel.send(message(report.clone()));
        if cancel.load(Ordering::Relaxed) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// Opens the project for a job that writes, telling the UI when the job waits for another
/// writer instead of failing.
fn open_for_writing(
    path: &Path,
    kind: JobKind,
    channel: &JobChannel,
    create: bool,
) -> Result<Project, String> {
    let mut project = if create {
        Project::create_or_open(path)
    } else {
        Project::open(path)
    }
    .map_err(|e| e.to_string())?;
    let channel = std::sync::Mutex::new(channel.clone());
    project.on_wait(Arc::new(move |notice: &crate::store::wait::WaitNotice| {
        if let Ok(channel) = channel.lock() {
            channel.send(JobMessage::Waiting {
                kind,
                message: notice.to_string(),
            });
        }
    }));
    Ok(project)
}

/// The pipeline step a request runs (`None`: a read of the project for a screen, not a step).
fn step_of(request: &JobRequest) -> Option<Step> {
    Some(match request {
        JobRequest::Fit(settings) => Step::Fit(Box::new(FitStep {
            settings: settings.clone(),
            then: AfterFit::Flag,
        })),
        JobRequest::Import(staged) => Step::Import(ImportStep(staged.clone())),
        JobRequest::Export(settings) => Step::Export(Box::new(settings.clone())),
        JobRequest::Train(options) => Step::Train(options.clone()),
        JobRequest::Plan { run, settings } => Step::Plan(Box::new(PlanStep {
            run: Some(*run),
            settings: settings.clone(),
        })),
        JobRequest::Plot { run, request, path } => Step::Plot(Box::new(PlotStep {
            run: Some(*run),
            request: (**request).clone(),
            out: path.clone(),
        })),
        JobRequest::Report { run, path } => Step::Report(ReportStep {
            run: Some(*run),
            html: path.clone(),
        }),
        JobRequest::Load
        | JobRequest::Preview { .. }
        | JobRequest::Compare { .. }
        | JobRequest::Predict { .. } => return None,
    })
}

/// Runs a pipeline step as job `kind`: opens the project as the step needs (a writer waits for
/// another with a notice), forwards the step's progress and stops it when cancelled.
fn run_step(
    path: &Path,
    kind: JobKind,
    step: &Step,
    cancel: &AtomicBool,
    channel: &JobChannel,
) -> Result<JobMessage, String> {
    let mut project = match step.access() {
        ProjectAccess::Create => open_for_writing(path, kind, channel, true)?,
        ProjectAccess::Write => open_for_writing(path, kind, channel, false)?,
        ProjectAccess::Read => Project::open(path).map_err(|e| e.to_string())?,
    };
    let mut fit = forward(channel, cancel, JobMessage::Progress);
    let mut train = forward(channel, cancel, JobMessage::Epoch);
    let mut report = forward(channel, cancel, JobMessage::ReportPart);
    let mut observers = StepObservers {
        fit: &mut fit,
        train: &mut train,
        report: &mut report,
    };
    let mut on = StepOn {
        project: &mut project,
        context: &mut StepContext::default(),
        observers: &mut observers,
    };
    match step.run(&mut on) {
        Ok(outcome) => Ok(step_message(outcome)),
        Err(e) if e.is_cancelled() => Ok(JobMessage::Cancelled(kind)),
        Err(e) => Err(e.to_string()),
    }
}

/// The message a finished step sends the screens.
fn step_message(outcome: StepOutcome) -> JobMessage {
    match outcome {
        StepOutcome::Fitted(fitted) => JobMessage::FitDone {
            run_id: fitted.run_id,
            converged: fitted.converged,
            iterations: fitted.outcome.as_ref().map_or(0, |o| o.fit.iterations()),
            flags: fitted.flags.map_or(0, |f| f.len()),
        },
        StepOutcome::Ingested(IngestOutcome::Imported { summary, .. }) => {
            JobMessage::Imported(summary)
        }
        StepOutcome::Exported(summary) => JobMessage::Exported(summary),
        StepOutcome::Trained(outcome) => JobMessage::Trained(outcome),
        StepOutcome::Planned(plan) => JobMessage::Planned(plan),
        StepOutcome::Plotted(outcome) => JobMessage::Plotted(outcome),
        StepOutcome::Reported(summary) => JobMessage::Reported(summary),
        other => unreachable!("the workbench starts no such step: {other:?}"),
    }
}

fn run_job(
    path: &Path,
    request: JobRequest,
    cancel: &AtomicBool,
    channel: &JobChannel,
) -> Result<JobMessage, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    if let Some(step) = step_of(&request) {
        return run_step(path, request.kind(), &step, cancel, channel);
    }
    match request {
        JobRequest::Load => load_view(path)
            .map(|view| JobMessage::Loaded(Box::new(view)))
            .map_err(|e| text(&e)),
        JobRequest::Preview {
            path: data,
            description,
        } => {
            let config = description
                .config(&data)
                .map_err(|e| text(&e))?
                .ok_or("a Facets specification has no preview: import it with `ingest --facets`")?;
            let preview = crate::ingest::preview::preview(
                &data,
                &config,
                PREVIEW_ROWS,
                &IngestOptions::default(),
            )
            .map_err(|e| text(&e))?;
            Ok(JobMessage::Previewed {
                preview: Box::new(preview),
                config_toml: config.to_toml(),
            })
        }
        JobRequest::Compare { first, second } => {
            let project = Project::open(path).map_err(|e| text(&e))?;
            pipeline::compare_runs(&project, first, second)
                .map(JobMessage::Compared)
                .map_err(|e| text(&e))
        }
        JobRequest::Predict { model_id } => {
            let project = Project::open(path).map_err(|e| text(&e))?;
            // The point predictions only: the Comments screen shows no uncertainty.
            let options = PredictOptions {
                mc_samples: Some(0),
                ..PredictOptions::default()
            };
            crate::predict::predict_objects(&project, model_id, &options)
                .map(|list| JobMessage::Predicted {
                    model_id,
                    measures: list
                        .into_iter()
                        .map(|p| (p.object, p.prediction.measure))
                        .collect(),
                })
                .map_err(|e| text(&e))
        }
        JobRequest::Fit(_)
        | JobRequest::Import(_)
        | JobRequest::Export(_)
        | JobRequest::Train(_)
        | JobRequest::Plan { .. }
        | JobRequest::Plot { .. }
        | JobRequest::Report { .. } => unreachable!("a step request runs as a step above"),
    }
}
