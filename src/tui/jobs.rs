//! Background jobs (gitui's asyncgit pattern): each job runs on its own thread with its own
//! connection to the project, reports through an mpsc channel, and long ones (fits) poll a
//! cancel flag from the fit observer, returning `ControlFlow::Break` to stop.
//!
//! The UI thread never waits on a job: it drains the channel between frames.

use crate::config::DatasetConfig;
use crate::data::RatingData;
use crate::export::ExportSummary;
use crate::ingest::preview::ImportPreview;
use crate::ingest::{IngestOptions, Staged};
use crate::measure::wright::{Binning, WrightMap};
use crate::measure::{Fit, IterationReport, MeasureError};
use crate::pipeline::{
    self, ExportSettings, FitSettings, PipelineError, PlanSettings, ReportProgress, ReportSummary,
    RunComparison, RunPlan,
};
use crate::predict::{EpochReport, PredictError, PredictOptions, TrainOptions, TrainOutcome};
use crate::quality::{Flag, FlagRules};
use crate::store::{
    DecisionRecord, ImportSummary, ItemDefinition, Project, ProjectSummary, RunRecord,
};
use crate::tui::loaded::Loaded;
use std::cell::RefCell;
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

/// The jobs running now: the one record of "is a job running" (screens derive their "fitting...",
/// "writing..." lines from it, never from flags of their own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jobs {
    running: Vec<JobKind>,
}

impl Jobs {
    /// Records a job of `kind` as started.
    pub fn start(&mut self, kind: JobKind) {
        self.running.push(kind);
    }

    /// Records one job of `kind` as ended (finished, failed or cancelled).
    pub fn finish(&mut self, kind: JobKind) {
        if let Some(i) = self.running.iter().position(|k| *k == kind) {
            self.running.remove(i);
        }
    }

    /// Whether a job of `kind` is running.
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.contains(&kind)
    }

    /// Whether no job is running.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The running jobs, in the order they started.
    pub fn kinds(&self) -> &[JobKind] {
        &self.running
    }
}

impl JobMessage {
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

/// The description a preview reads a file with.
#[derive(Debug, Clone)]
pub enum Description {
    /// A description in hand (a preset).
    Config(Box<DatasetConfig>),
    /// A TOML description file.
    File(PathBuf),
    /// Drafted from the data file's header ([`crate::ingest::draft::draft_config`]).
    Draft,
}

/// The newest run as the screens need it.
#[derive(Debug)]
pub struct RunView {
    /// The run's record.
    pub record: RunRecord,
    /// Its fit.
    pub fit: Fit,
    /// The flags raised on it.
    pub flags: Vec<Flag>,
    /// The observations in force differ from the ones the run used (decisions or annotations
    /// since): flags and queues still refer to the run; fit again to update.
    pub stale: bool,
    /// Unexpected ratings per comment (for the Annotate queue), computed with the load.
    pub unexpected: crate::quality::queues::UnexpectedCounts,
    /// Linacre's category guidelines and the collapse proposals per scale (for the Items &
    /// scale screen), computed with the load; `None` when the run is stale (or the advice
    /// cannot be computed).
    pub categories: Option<crate::pipeline::CategoryAdvice>,
    /// Table 23 and Yen's Q3 of the run (for the Overview), computed with the load; `None` when
    /// the run is stale (its observations are no longer those in force), the error's message
    /// when the run cannot be analysed (fewer than two items).
    pub dimensionality: Option<Result<crate::measure::Dimensionality, String>>,
    /// Table 6 of the run, built with the load (its labels copied once, off the UI thread) and
    /// binned again in place by the Wright map screen when the screen's height changes (one
    /// pass over the elements); `None` when no element has a measure.
    pub wright: Option<RefCell<WrightMap>>,
}

/// Everything the screens read, loaded off the UI thread.
#[derive(Debug)]
pub struct Snapshot {
    /// The project's summary (data sets, facets, connectedness).
    pub summary: ProjectSummary,
    /// Every observation, excluded raters' included (their detail stays visible).
    pub data: RatingData,
    /// Comment texts by object index.
    pub texts: Vec<Option<String>>,
    /// Every run, newest first.
    pub runs: Vec<RunRecord>,
    /// The newest usable run.
    pub run: Option<RunView>,
    /// The decisions in force.
    pub decisions: Vec<DecisionRecord>,
    /// The items' definitions (categories, reversal).
    pub items: Vec<ItemDefinition>,
    /// The project's flag rules.
    pub flag_rules: FlagRules,
    /// The newest trained text model.
    pub latest_model: Option<i64>,
}

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

/// Loads the project at `path` as the screens show it: [`load_snapshot`], then the rows,
/// indexes, sort orders and search index of [`Loaded::from_snapshot`], all off the UI thread
/// (installing the result is a move).
pub fn load_view(path: &Path) -> Result<Loaded, PipelineError> {
    Ok(Loaded::from_snapshot(load_snapshot(path)?))
}

/// The rows the run's Wright map is first binned into (a 60-line terminal's map); the screen
/// bins it again for its own height.
const WRIGHT_ROWS_AT_LOAD: usize = 57;

/// Loads a [`Snapshot`] of the project at `path`.
pub fn load_snapshot(path: &Path) -> Result<Snapshot, PipelineError> {
    let project = Project::open(path)?;
    let data = project.ratings()?;
    let texts = project.texts()?;
    let summary = crate::store::summarize(
        &data,
        project.path().display().to_string(),
        project.schema_version()?,
        project.datasets()?,
        texts.iter().filter(|t| t.is_some()).count(),
    );
    let runs = project.runs()?;
    let run = match runs.iter().find(|r| r.status.has_estimates()) {
        None => None,
        Some(record) => {
            let fit = project.load_fit(record.id)?;
            let flags = project.flags(record.id)?;
            let in_force = project.ratings_for_run(record.id)?;
            let stale = crate::store::data_fingerprint(&in_force) != record.data_fingerprint;
            let dimensionality = (!stale).then(|| {
                crate::measure::dimensionality(&fit, &in_force).map_err(|e| e.to_string())
            });
            drop(in_force);
            let unexpected = crate::quality::queues::unexpected_counts(&data, &fit);
            // An auxiliary view: a run it cannot be computed for still loads.
            let categories = if stale {
                None
            } else {
                crate::pipeline::category_advice(&project, record.id).ok()
            };
            let wright = WrightMap::new(&fit, Binning::Rows(WRIGHT_ROWS_AT_LOAD)).map(RefCell::new);
            Some(RunView {
                wright,
                record: record.clone(),
                fit,
                flags,
                stale,
                unexpected,
                categories,
                dimensionality,
            })
        }
    };
    Ok(Snapshot {
        summary,
        data,
        texts,
        runs,
        run,
        decisions: project.decisions()?,
        items: project.item_definitions()?,
        flag_rules: project.flag_rules()?,
        latest_model: project.latest_model()?,
    })
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
    sender: Sender<JobMessage>,
    receiver: Receiver<JobMessage>,
    cancel: Arc<AtomicBool>,
}

impl JobRunner {
    /// A runner for jobs on the project at `path`.
    pub fn new(path: &Path) -> JobRunner {
        let (sender, receiver) = channel();
        JobRunner {
            path: path.to_path_buf(),
            sender,
            receiver,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Runs `request` on a new thread.
    pub fn start(&mut self, request: JobRequest) {
        let kind = request.kind();
        if matches!(kind, JobKind::Fit | JobKind::Train | JobKind::Report) {
            self.cancel = Arc::new(AtomicBool::new(false));
        }
        let cancel = Arc::clone(&self.cancel);
        let sender = self.sender.clone();
        let path = self.path.clone();
        let spawned = std::thread::Builder::new()
            .name(JOB_THREAD.into())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_job(&path, request, &cancel, &sender)
                }));
                let message = match outcome {
                    Ok(Ok(message)) => message,
                    Ok(Err(message)) => JobMessage::Failed { kind, message },
                    Err(payload) => JobMessage::Failed {
                        kind,
                        message: format!("internal error: {}", panic_text(payload.as_ref())),
                    },
                };
                // The UI may have quit; nothing to report to then.
                let _ = sender.send(message);
            });
        if let Err(e) = spawned {
            let _ = self.sender.send(JobMessage::Failed {
                kind,
                message: format!("cannot start a thread: {e}"),
            });
        }
    }

    /// Asks the running fit (training, report) to stop after its current iteration (epoch,
    /// part).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Messages that arrived since the last call, without waiting.
    pub fn drain(&self) -> Vec<JobMessage> {
        self.receiver.try_iter().collect()
    }
}

/// An observer for a long job (a fit's iterations, a training's epochs): sends each report to
/// the UI as `message(report)` and stops the job once the cancel flag is set.
fn forward<'a, R: Clone + 'a>(
    sender: &'a Sender<JobMessage>,
    cancel: &'a AtomicBool,
    message: fn(R) -> JobMessage,
) -> impl FnMut(&R) -> ControlFlow<()> + 'a {
    move |report: &R| {
        let _ = sender.send(message(report.clone()));
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
    sender: &Sender<JobMessage>,
    create: bool,
) -> Result<Project, String> {
    let mut project = if create {
        Project::create_or_open(path)
    } else {
        Project::open(path)
    }
    .map_err(|e| e.to_string())?;
    let sender = std::sync::Mutex::new(sender.clone());
    project.on_wait(Arc::new(move |notice: &crate::store::wait::WaitNotice| {
        if let Ok(sender) = sender.lock() {
            let _ = sender.send(JobMessage::Waiting {
                kind,
                message: notice.to_string(),
            });
        }
    }));
    Ok(project)
}

fn run_job(
    path: &Path,
    request: JobRequest,
    cancel: &AtomicBool,
    sender: &Sender<JobMessage>,
) -> Result<JobMessage, String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    match request {
        JobRequest::Load => load_view(path)
            .map(|view| JobMessage::Loaded(Box::new(view)))
            .map_err(|e| text(&e)),
        JobRequest::Fit(settings) => {
            let mut project = open_for_writing(path, JobKind::Fit, sender, false)?;
            let request = settings.request(&project).map_err(|e| text(&e))?;
            let mut observer = forward(sender, cancel, JobMessage::Progress);
            match pipeline::fit_and_flag(&mut project, &request, &mut observer) {
                Ok(fitted) => Ok(JobMessage::FitDone {
                    run_id: fitted.outcome.run_id,
                    converged: fitted.outcome.fit.converged,
                    iterations: fitted.outcome.fit.iterations(),
                    flags: fitted.flags.len(),
                }),
                Err(PipelineError::Measure(MeasureError::Cancelled)) => {
                    Ok(JobMessage::Cancelled(JobKind::Fit))
                }
                Err(e) => Err(text(&e)),
            }
        }
        JobRequest::Preview {
            path: data,
            description,
        } => {
            let config = match description {
                Description::Config(config) => *config,
                Description::File(file) => DatasetConfig::from_file(&file).map_err(|e| text(&e))?,
                Description::Draft => {
                    let toml =
                        crate::ingest::draft::draft_config(&data, None).map_err(|e| text(&e))?;
                    DatasetConfig::from_toml_str(&toml, "draft from the header")
                        .map_err(|e| text(&e))?
                }
            };
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
        JobRequest::Import(staged) => {
            let mut project = open_for_writing(path, JobKind::Import, sender, true)?;
            project
                .import(&staged)
                .map(JobMessage::Imported)
                .map_err(|e| text(&e))
        }
        JobRequest::Export(settings) => {
            let mut project = open_for_writing(path, JobKind::Export, sender, false)?;
            pipeline::export_run(&mut project, &settings)
                .map(|s| JobMessage::Exported(Box::new(s)))
                .map_err(|e| text(&e))
        }
        JobRequest::Compare { first, second } => {
            let project = Project::open(path).map_err(|e| text(&e))?;
            pipeline::compare_runs(&project, first, second)
                .map(JobMessage::Compared)
                .map_err(|e| text(&e))
        }
        JobRequest::Train(options) => {
            let mut project = open_for_writing(path, JobKind::Train, sender, false)?;
            let mut observer = forward(sender, cancel, JobMessage::Epoch);
            match crate::predict::train_project(&mut project, &options, &mut observer) {
                Ok(outcome) => Ok(JobMessage::Trained(Box::new(outcome))),
                Err(PredictError::Cancelled) => Ok(JobMessage::Cancelled(JobKind::Train)),
                Err(e) => Err(text(&e)),
            }
        }
        JobRequest::Plan { run, settings } => {
            let project = Project::open(path).map_err(|e| text(&e))?;
            pipeline::plan_run(&project, Some(run), &settings)
                .map(|p| JobMessage::Planned(Box::new(p)))
                .map_err(|e| text(&e))
        }
        JobRequest::Plot {
            run,
            request,
            path: out,
        } => {
            let project = Project::open(path).map_err(|e| text(&e))?;
            pipeline::plot_run(&project, run, &request, &out)
                .map(|outcome| JobMessage::Plotted(Box::new(outcome)))
                .map_err(|e| text(&e))
        }
        JobRequest::Report { run, path: out } => {
            let project = Project::open(path).map_err(|e| text(&e))?;
            let mut observer = forward(sender, cancel, JobMessage::ReportPart);
            match pipeline::write_report(&project, run, &out, &mut observer) {
                Ok(summary) => Ok(JobMessage::Reported(Box::new(summary))),
                Err(PipelineError::Cancelled) => Ok(JobMessage::Cancelled(JobKind::Report)),
                Err(e) => Err(text(&e)),
            }
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
    }
}
