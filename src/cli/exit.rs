//! Exit codes (documented in README.md and docs/cli.md) and the mapping of errors to them.

use scalewright::batch::BatchError;
use scalewright::config::ConfigError;
use scalewright::export::ExportError;
use scalewright::figures::FigureError;
use scalewright::ingest::IngestError;
use scalewright::measure::{DimensionalityError, MeasureError};
use scalewright::options::OptionError;
use scalewright::pipeline::step::StepError;
use scalewright::pipeline::{PipelineError, PlotError};
use scalewright::predict::PredictError;
use scalewright::store::StoreError;

/// Success.
pub const SUCCESS: u8 = 0;
/// An unexpected failure: I/O, the project file, a bug.
pub const FAILURE: u8 = 1;
/// The command line itself is wrong (clap's own code).
pub const USAGE: u8 = 2;
/// The input data or a description is invalid; nothing was written.
pub const BAD_INPUT: u8 = 3;
/// The input does not fit the project (already imported, different facets, conflicting
/// responses); nothing was written.
pub const PROJECT_CONFLICT: u8 = 4;
/// The fit stopped at its iteration cap before meeting the convergence criteria (the run is
/// stored, marked not converged).
pub const NOT_CONVERGED: u8 = 5;
/// The rating network is disconnected and the fit was refused.
pub const DISCONNECTED: u8 = 6;

/// An error with the exit code it maps to.
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// What went wrong (printed on stderr, and as `error` with `--json`).
    pub error: anyhow::Error,
    /// The command already printed its JSON answer (e.g. a validation report).
    pub json_printed: bool,
}

impl Failure {
    /// A failure with its exit code (nothing printed yet).
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code,
            error: error.into(),
            json_printed: false,
        }
    }

    /// A failure whose message is `message` (nothing printed yet).
    pub fn msg(code: u8, message: impl std::fmt::Display) -> Self {
        Failure::new(code, anyhow::anyhow!("{message}"))
    }

    /// The same failure, marked as having printed its JSON answer when `printed`.
    pub fn json_printed(mut self, printed: bool) -> Self {
        self.json_printed = printed;
        self
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error: anyhow::Error = e.into();
        let code = exit_code_for(&error);
        Failure {
            code,
            error,
            json_printed: false,
        }
    }
}

/// The exit code of an error: that of the first library error in its chain, else [`FAILURE`].
/// Each library error type maps in one function below, following the errors it wraps, so the
/// same error gets the same code whichever step or front end raised it.
pub fn exit_code_for(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        let code = if let Some(e) = cause.downcast_ref::<IngestError>() {
            ingest_code(e)
        } else if let Some(e) = cause.downcast_ref::<PipelineError>() {
            pipeline_code(e)
        } else if let Some(e) = cause.downcast_ref::<ExportError>() {
            export_code(e)
        } else if let Some(e) = cause.downcast_ref::<BatchError>() {
            batch_code(e)
        } else if let Some(e) = cause.downcast_ref::<StepError>() {
            step_code(e)
        } else if cause.downcast_ref::<ConfigError>().is_some() {
            BAD_INPUT
        } else if cause.downcast_ref::<OptionError>().is_some() {
            USAGE
        } else if let Some(e) = cause.downcast_ref::<PredictError>() {
            predict_code(e)
        } else if let Some(e) = cause.downcast_ref::<StoreError>() {
            store_code(e)
        } else if let Some(e) = cause.downcast_ref::<FigureError>() {
            figure_code(e)
        } else {
            continue;
        };
        return code;
    }
    FAILURE
}

/// Reading and validating a data file.
fn ingest_code(e: &IngestError) -> u8 {
    match e {
        IngestError::Invalid(_)
        | IngestError::Config(_)
        | IngestError::Read { .. }
        | IngestError::UnknownObjectFacet { .. } => BAD_INPUT,
        IngestError::Io { .. } => FAILURE,
        IngestError::Facets(_) => BAD_INPUT,
    }
}

/// The project file: a missing project, run, element or model, or a file that is not a project,
/// is bad input (3); a busy project or input that does not fit it is a project conflict (4).
fn store_code(e: &StoreError) -> u8 {
    match e {
        StoreError::AlreadyImported { .. }
        | StoreError::Incompatible { .. }
        | StoreError::Conflicts { .. } => PROJECT_CONFLICT,
        e if e.is_busy() => PROJECT_CONFLICT,
        e if e.is_not_found() => BAD_INPUT,
        StoreError::NotAProject { .. }
        | StoreError::PendingFile { .. }
        | StoreError::InvalidRating { .. }
        | StoreError::RunRecode { .. } => BAD_INPUT,
        _ => FAILURE,
    }
}

/// A step over a project.
fn pipeline_code(e: &PipelineError) -> u8 {
    match e {
        PipelineError::Disconnected(_) => DISCONNECTED,
        PipelineError::AnchorFile { .. }
        | PipelineError::NoData
        | PipelineError::StaleRun { .. }
        | PipelineError::NoRaterFacet
        | PipelineError::UnknownTerm(_)
        | PipelineError::NoRuns { .. }
        | PipelineError::InvalidSetting(_)
        | PipelineError::Recode(_)
        | PipelineError::Diagnosis(_) => BAD_INPUT,
        PipelineError::Measure(MeasureError::InvalidOption { .. }) => BAD_INPUT,
        PipelineError::Measure(_) => FAILURE,
        PipelineError::Dimensionality(DimensionalityError::TooFewItems { .. }) => BAD_INPUT,
        PipelineError::Dimensionality(_) => FAILURE,
        PipelineError::Store(e) => store_code(e),
        PipelineError::Export(e) => export_code(e),
        PipelineError::WriteFile { .. } => FAILURE,
        PipelineError::Plan(scalewright::quality::plan::PlanError::Refit(_)) => FAILURE,
        PipelineError::Plan(_) => BAD_INPUT,
        PipelineError::Cancelled => FAILURE,
        PipelineError::Plot(e) => plot_code(e),
    }
}

/// A figure: a missing prerequisite (no bias analysis, no trained model...) or an unknown item,
/// facet or model is bad input (3); a wrong extension, size or kind is a usage error (2); an
/// unwritable path or a drawing failure is a failure (1).
fn plot_code(e: &PlotError) -> u8 {
    match e {
        PlotError::MissingPrerequisite { .. }
        | PlotError::UnknownItem { .. }
        | PlotError::UnknownFacet { .. }
        | PlotError::UnknownModel { .. } => BAD_INPUT,
        PlotError::UnsupportedExtension { .. } => USAGE,
        PlotError::Figure(e) => figure_code(e),
        PlotError::Write { .. } => FAILURE,
    }
}

/// Drawing a figure: a size or kind out of range is a usage error (2).
fn figure_code(e: &FigureError) -> u8 {
    match e {
        FigureError::Size { .. } | FigureError::UnknownKind { .. } => USAGE,
        FigureError::Empty(_) | FigureError::Drawing(_) => FAILURE,
    }
}

/// Writing an export.
fn export_code(e: &ExportError) -> u8 {
    match e {
        ExportError::Format(_)
        | ExportError::NoJoinSource
        | ExportError::PlausibleValuesNeedMml { .. }
        | ExportError::Join { .. }
        | ExportError::PlausibleValues(_) => BAD_INPUT,
        ExportError::NotATable(_) => USAGE,
        ExportError::Store(e) => store_code(e),
        ExportError::Write { .. } => FAILURE,
    }
}

/// A pipeline file's step: the code of the step's own error.
fn batch_code(e: &BatchError) -> u8 {
    match e {
        BatchError::Invalid { .. } | BatchError::Io { .. } | BatchError::Config(_) => BAD_INPUT,
        BatchError::Store(e) => store_code(e),
        BatchError::Step(e) => step_code(e),
    }
}

/// A step (of a command, a pipeline file): the code of the error it wraps.
fn step_code(e: &StepError) -> u8 {
    match e {
        StepError::Config(_) => BAD_INPUT,
        StepError::Ingest(e) => ingest_code(e),
        StepError::Store(e) => store_code(e),
        StepError::Pipeline(e) => pipeline_code(e),
        StepError::Export(e) => export_code(e),
        StepError::Predict(e) => predict_code(e),
        StepError::NoModel { .. } => BAD_INPUT,
    }
}

/// The exit code of a predictor error.
fn predict_code(e: &PredictError) -> u8 {
    use PredictError as E;
    match e {
        E::InvalidOption { .. }
        | E::NoRun
        | E::TooFewComments { .. }
        | E::NoSuchModel { .. }
        | E::NoWeights { .. }
        | E::Encoder { .. }
        | E::Input { .. } => BAD_INPUT,
        E::Store(e) => store_code(e),
        _ => FAILURE,
    }
}
