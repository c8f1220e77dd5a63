//! The typed steps every front end executes: the pipeline file (`batch`) deserialises into a list
//! of [`Step`]s, a command-line command builds one, a workbench job runs one. Each step makes its
//! decisions here once (which description a file is imported with, which run a step works on,
//! which earlier step's model a prediction uses) and answers with a [`StepOutcome`] that the front
//! end words in its own way.
//!
//! A step runs on a project the front end opened as [`Step::access`] says (the front end owns how
//! it waits for another writer), with the [`StepContext`] that carries what earlier steps of the
//! same pipeline made (the run, the model), and reports progress to [`StepObservers`] (argmin's
//! observer split: a fit's iterations, a training's epochs, a report's parts).

use super::{
    category_advice, clean, compare_models, dimensionality_report, export_run, fit_and_flag,
    fit_project, plan_run, plot_run, proposed_description, refit_proposals, write_description,
    write_dimensionality_json, write_report, CategoryAdvice, CategoryRefit, CleaningRound,
    DimensionalityReport, ExportSettings, FitOutcome, FitSettings, ModelComparison, PipelineError,
    PlanSettings, PlotOutcome, PlotRequest, ReportProgress, ReportSummary, RunPlan,
};
use crate::config::{ConfigError, DatasetConfig, Preset};
use crate::export::{ExportError, ExportSummary};
use crate::ingest::facets::FacetsOptions;
use crate::ingest::{IngestError, IngestOptions, Staged};
use crate::measure::{IterationReport, MeasureError};
use crate::predict::{
    EpochReport, PredictError, PredictFileRequest, PredictFileSummary, PredictOptions,
    TrainOptions, TrainOutcome,
};
use crate::progress::{NoObserver, Observer};
use crate::quality::{Flag, FlagRules};
use crate::store::{ImportSummary, Project, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The dataset description a rating file is imported with: the one place that decides how a
/// file is read (the command line's `--preset`/`--config`/`--facets`, a pipeline's `[ingest]`,
/// the workbench's Import form).
#[derive(Debug, Clone)]
pub enum Description {
    /// A built-in description.
    Preset(Preset),
    /// A description in hand.
    Config(Box<DatasetConfig>),
    /// A TOML description file.
    File(PathBuf),
    /// Drafted from the data file's header ([`crate::ingest::draft::draft_config`]).
    Draft,
    /// The file is a Facets specification: it carries its own description and model.
    Facets(FacetsOptions),
}

impl Description {
    /// The description of a rating file `data` (`None` for a Facets specification, which is
    /// read by [`crate::ingest::facets::stage_spec`]).
    pub fn config(&self, data: &Path) -> Result<Option<DatasetConfig>, StepError> {
        Ok(Some(match self {
            Description::Preset(preset) => preset.config(),
            Description::Config(config) => (**config).clone(),
            Description::File(path) => DatasetConfig::from_file(path)?,
            Description::Draft => {
                let toml = crate::ingest::draft::draft_config(data, None)?;
                DatasetConfig::from_toml_str(&toml, "draft from the header")?
            }
            Description::Facets(_) => return Ok(None),
        }))
    }

    /// Reads and validates `data` under this description (nothing is written).
    pub fn stage(&self, data: &Path, options: &IngestOptions) -> Result<Staged, StepError> {
        Ok(match (self, self.config(data)?) {
            (Description::Facets(facets), _) => crate::ingest::facets::stage_spec(data, facets)?,
            (_, Some(config)) => crate::ingest::stage(data, &config, options)?,
            (_, None) => unreachable!("only a Facets specification has no description"),
        })
    }
}

/// What an ingest step does when the file is already in the project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WhenImported {
    /// Refuse ([`StoreError::AlreadyImported`]): the command line's `ingest`.
    #[default]
    Refuse,
    /// Skip the step: a pipeline file re-run on the same project.
    Skip,
}

/// Import a rating file: stage it under its description, then store it.
#[derive(Debug, Clone)]
pub struct IngestStep {
    /// The rating file (or Facets specification).
    pub data: PathBuf,
    /// How it is read.
    pub description: Description,
    /// Validation options.
    pub options: IngestOptions,
    /// A file already in the project: refuse or skip.
    pub when_imported: WhenImported,
}

/// What a fit step does after storing the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFit {
    /// Nothing: the run is stored (`scalewright fit`).
    Store,
    /// Flag the run's raters with the project's rules (the workbench, a pipeline file).
    Flag,
    /// Iterative cleaning: fit -> flag -> exclude -> refit, at most this many fits.
    Clean {
        /// At most this many fits.
        max_rounds: usize,
    },
}

/// Fit the project with `settings`, then do `then`.
#[derive(Debug, Clone)]
pub struct FitStep {
    /// The fit's settings (the same as `scalewright fit`'s).
    pub settings: FitSettings,
    /// Flag, clean or just store.
    pub then: AfterFit,
}

/// The category advisor on a run (`scalewright categories`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoriesStep {
    /// The run (default: the pipeline's run, else the newest).
    #[serde(skip)]
    pub run: Option<i64>,
    /// Fit every proposal as a run.
    #[serde(default)]
    pub refit: bool,
    /// Write the project's dataset description with the proposed recodes here.
    #[serde(default)]
    pub write_config: Option<PathBuf>,
}

/// What the categories step found and did.
#[derive(Debug, Clone, Serialize)]
pub struct CategoriesSummary {
    /// The run advised on.
    #[serde(skip)]
    pub run_id: i64,
    /// The whole advice (the checks of every scale), for a front end that shows it.
    #[serde(skip)]
    pub advice: CategoryAdvice,
    /// Scales checked.
    pub scales: usize,
    /// Scales with a proposed collapse (by name).
    pub proposals: Vec<String>,
    /// The refits side by side (empty without `refit`).
    pub refits: Vec<CategoryRefit>,
    /// The description written.
    pub config_written: Option<PathBuf>,
}

/// Compare earlier runs with a run as models, with the likelihood-ratio test when they are
/// nested (`[compare] runs = [3]`: a baseline fitted before against the pipeline's run).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareStep {
    /// The earlier runs, compared in this order with the step's run last.
    pub runs: Vec<i64>,
}

/// Writes Table 23 and Yen's Q3 of a run as JSON (the answer of `report --table 23 --json`,
/// `schemas/table23.schema.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionalityStep {
    /// The run (default: the pipeline's run, else the newest).
    #[serde(skip)]
    pub run: Option<i64>,
    /// The JSON file to write.
    pub out: PathBuf,
}

/// Writes a run's HTML report (`scalewright report --html`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportStep {
    /// The run (default: the pipeline's run, else the newest).
    #[serde(skip)]
    pub run: Option<i64>,
    /// The HTML file to write.
    pub html: PathBuf,
}

/// A figure of a run (`scalewright plot`).
#[derive(Debug, Clone)]
pub struct PlotStep {
    /// The run (default: the pipeline's run, else the newest).
    pub run: Option<i64>,
    /// What to draw.
    pub request: PlotRequest,
    /// The file to write (.svg or .png).
    pub out: PathBuf,
}

/// A design plan (D-study) of a run.
#[derive(Debug, Clone)]
pub struct PlanStep {
    /// The run (default: the pipeline's run, else the newest).
    pub run: Option<i64>,
    /// What to plan.
    pub settings: PlanSettings,
}

/// What a prediction step predicts.
#[derive(Debug, Clone)]
pub enum PredictSource {
    /// A file of texts: its columns and the output.
    File(PredictFileRequest),
    /// The project's own comments, written to this file.
    Objects(PathBuf),
}

/// Predict texts with a stored model.
#[derive(Debug, Clone)]
pub struct PredictStep {
    /// The model (default: the one an earlier train step stored, else the newest).
    pub model: Option<i64>,
    /// What to predict.
    pub source: PredictSource,
    /// How to predict.
    pub options: PredictOptions,
}

/// One step of the pipeline, as every front end runs it.
#[derive(Debug, Clone)]
pub enum Step {
    /// Stage and import a rating file.
    Ingest(IngestStep),
    /// Import a file staged before (the workbench's Import screen validates while previewing).
    Import(ImportStep),
    /// Save the project's flag rules.
    FlagRules(FlagRulesStep),
    /// Flag a run's raters.
    Flag(FlagStep),
    /// Fit (then flag or clean).
    Fit(Box<FitStep>),
    /// Export a run.
    Export(Box<ExportSettings>),
    /// The category advisor.
    Categories(CategoriesStep),
    /// Table 23 as JSON.
    Dimensionality(DimensionalityStep),
    /// Train the text predictor on a run.
    Train(Box<TrainOptions>),
    /// Predict a file with a model.
    Predict(Box<PredictStep>),
    /// A design plan.
    Plan(Box<PlanStep>),
    /// Runs compared as models.
    Compare(CompareStep),
    /// A figure.
    Plot(Box<PlotStep>),
    /// The HTML report.
    Report(ReportStep),
}

/// How a step uses the project file, so that a front end opens it accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAccess {
    /// Creates the project when it is missing (an import).
    Create,
    /// Writes to an existing project.
    Write,
    /// Only reads.
    Read,
}

/// What the earlier steps of a pipeline made, for the later ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepContext {
    /// The run the last fit stored.
    pub run: Option<i64>,
    /// The model the last train step stored.
    pub model: Option<i64>,
}

/// Where a step reports progress (and is cancelled: an observer that breaks stops the step).
pub struct StepObservers<'a> {
    /// A fit's iterations (fit, clean, category refits).
    pub fit: &'a mut dyn Observer<IterationReport>,
    /// A training's epochs.
    pub train: &'a mut dyn Observer<EpochReport>,
    /// A report's parts.
    pub report: &'a mut dyn Observer<ReportProgress>,
}

/// Observers that watch nothing and never cancel.
#[derive(Default)]
pub struct Unobserved {
    fit: NoObserver,
    train: NoObserver,
    report: NoObserver,
}

impl Unobserved {
    /// The observers of a step run without progress.
    pub fn observers(&mut self) -> StepObservers<'_> {
        StepObservers {
            fit: &mut self.fit,
            train: &mut self.train,
            report: &mut self.report,
        }
    }
}

/// A fit step's result.
#[derive(Debug, Clone)]
pub struct FitStepOutcome {
    /// The stored run (the last round's when cleaning).
    pub run_id: i64,
    /// Whether that run's fit converged.
    pub converged: bool,
    /// The fit and what it used (`None` after cleaning: the rounds tell).
    pub outcome: Option<Box<FitOutcome>>,
    /// The run's flags (`None` when the step only stored the run).
    pub flags: Option<Vec<Flag>>,
    /// The cleaning rounds (empty unless the step cleaned).
    pub rounds: Vec<CleaningRound>,
    /// The recode the run used (this run only).
    pub recode: Option<crate::data::Recode>,
}

/// What a step did.
#[derive(Debug)]
pub enum StepOutcome {
    /// A file imported (or skipped).
    Ingested(IngestOutcome),
    /// The flag rules were saved.
    FlagRulesSaved,
    /// A run's raters flagged.
    Flagged(FlaggedRun),
    /// A run fitted and stored.
    Fitted(FitStepOutcome),
    /// A file exported.
    Exported(Box<ExportSummary>),
    /// The category advice.
    Categories(CategoriesSummary),
    /// Table 23 written.
    Dimensionality {
        /// The analysis.
        report: Box<DimensionalityReport>,
        /// The file written.
        out: PathBuf,
    },
    /// A model trained.
    Trained(Box<TrainOutcome>),
    /// A file predicted.
    Predicted(PredictFileSummary),
    /// A design plan.
    Planned(Box<RunPlan>),
    /// Runs compared.
    Compared(Box<Compared>),
    /// A figure written.
    Plotted(Box<PlotOutcome>),
    /// A report written.
    Reported(Box<ReportSummary>),
}

/// Why a step failed (the steps before it are stored).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A dataset description is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading or validating a file failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The project file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fit, flag, export, plot or report failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// An export failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Training or prediction failed.
    #[error(transparent)]
    Predict(#[from] PredictError),
    /// A prediction step has no model: none named, none trained by an earlier step, none
    /// stored.
    #[error("project {} has no trained model", project.display())]
    NoModel {
        /// The project file.
        project: PathBuf,
    },
}

impl StepError {
    /// Whether the step stopped because its observer asked it to (nothing of it is stored).
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self,
            StepError::Pipeline(PipelineError::Cancelled)
                | StepError::Pipeline(PipelineError::Measure(MeasureError::Cancelled))
                | StepError::Predict(PredictError::Cancelled)
        )
    }
}

/// One kind of step: what it needs of the project and what it answers. A front end that runs
/// one known step (a command) calls this and gets the step's own outcome; a list of steps (a
/// pipeline file) runs through [`Step::run`].
pub trait RunStep {
    /// What the step answers.
    type Outcome;
    /// How the step uses the project.
    const ACCESS: ProjectAccess;
    /// Runs the step on `on.project`; a fit or a training records what it made in
    /// `on.context`.
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<Self::Outcome, StepError>;
}

/// What a step runs on: the project (opened as [`RunStep::ACCESS`] says), what the earlier
/// steps of its pipeline made, and where it reports progress.
pub struct StepOn<'a, 'o> {
    /// The project.
    pub project: &'a mut Project,
    /// What earlier steps made (the run, the model).
    pub context: &'a mut StepContext,
    /// Where the step reports (and is cancelled).
    pub observers: &'a mut StepObservers<'o>,
}

/// Import a file staged before (the workbench's Import screen validates while previewing).
#[derive(Debug, Clone)]
pub struct ImportStep(pub Box<Staged>);

/// Save the project's flag rules.
#[derive(Debug, Clone)]
pub struct FlagRulesStep(pub FlagRules);

/// Flag a run's raters with the project's rules (`scalewright flag`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FlagStep {
    /// The run (default: the pipeline's run, else the newest).
    pub run: Option<i64>,
}

/// What a flag step raised.
#[derive(Debug, Clone)]
pub struct FlaggedRun {
    /// The run flagged.
    pub run_id: i64,
    /// The rules it was flagged by (the project's).
    pub rules: FlagRules,
    /// The flags raised (stored with the run).
    pub flags: Vec<Flag>,
    /// The rater diagnosis behind the diagnosis flags (`None` when the rules disable it).
    pub diagnosis: Option<crate::quality::diagnosis::Diagnosis>,
}

/// What an ingest or import step did.
#[derive(Debug)]
pub enum IngestOutcome {
    /// A file imported.
    Imported {
        /// The file (empty for a file staged before).
        data: PathBuf,
        /// What was stored.
        summary: ImportSummary,
        /// The staging's warnings.
        warnings: Vec<String>,
        /// The model of a Facets specification, stored as the project's.
        model: Option<Box<crate::config::ProjectModel>>,
    },
    /// The file was already in the project ([`WhenImported::Skip`]).
    Skipped {
        /// The file.
        data: PathBuf,
        /// The data set it is.
        dataset_id: i64,
    },
}

impl RunStep for IngestStep {
    type Outcome = IngestOutcome;
    const ACCESS: ProjectAccess = ProjectAccess::Create;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<IngestOutcome, StepError> {
        let staged = self.description.stage(&self.data, &self.options)?;
        match imported(on.project, &staged, self.data.clone()) {
            Err(StepError::Store(StoreError::AlreadyImported { dataset_id, .. }))
                if self.when_imported == WhenImported::Skip =>
            {
                Ok(IngestOutcome::Skipped {
                    data: self.data.clone(),
                    dataset_id,
                })
            }
            other => other,
        }
    }
}

impl RunStep for ImportStep {
    type Outcome = IngestOutcome;
    const ACCESS: ProjectAccess = ProjectAccess::Create;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<IngestOutcome, StepError> {
        imported(on.project, &self.0, PathBuf::new())
    }
}

impl RunStep for FlagRulesStep {
    type Outcome = ();
    const ACCESS: ProjectAccess = ProjectAccess::Write;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<(), StepError> {
        Ok(on.project.set_flag_rules(&self.0)?)
    }
}

impl RunStep for FlagStep {
    type Outcome = FlaggedRun;
    const ACCESS: ProjectAccess = ProjectAccess::Write;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<FlaggedRun, StepError> {
        let run_id = step_run(on.project, self.run, on.context)?;
        let assessment = super::flag_run(on.project, run_id)?;
        Ok(FlaggedRun {
            run_id,
            rules: on.project.flag_rules()?,
            flags: assessment.flags,
            diagnosis: assessment.diagnosis,
        })
    }
}

impl RunStep for FitStep {
    type Outcome = FitStepOutcome;
    const ACCESS: ProjectAccess = ProjectAccess::Write;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<FitStepOutcome, StepError> {
        let fitted = fit(on.project, self, on.observers.fit)?;
        on.context.run = Some(fitted.run_id);
        Ok(fitted)
    }
}

impl RunStep for ExportSettings {
    type Outcome = ExportSummary;
    const ACCESS: ProjectAccess = ProjectAccess::Write;
    /// Exports the settings' run, else the pipeline's, else the newest.
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<ExportSummary, StepError> {
        let settings = ExportSettings {
            run: self.run.or(on.context.run),
            ..self.clone()
        };
        Ok(export_run(on.project, &settings)?)
    }
}

impl RunStep for CategoriesStep {
    type Outcome = CategoriesSummary;
    const ACCESS: ProjectAccess = ProjectAccess::Write;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<CategoriesSummary, StepError> {
        let run_id = step_run(on.project, self.run, on.context)?;
        categories(on.project, run_id, self, on.observers.fit)
    }
}

impl RunStep for DimensionalityStep {
    type Outcome = DimensionalityReport;
    const ACCESS: ProjectAccess = ProjectAccess::Read;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<DimensionalityReport, StepError> {
        let report =
            dimensionality_report(on.project, step_run(on.project, self.run, on.context)?)?;
        write_dimensionality_json(&report, &self.out)?;
        Ok(report)
    }
}

impl RunStep for TrainOptions {
    type Outcome = TrainOutcome;
    const ACCESS: ProjectAccess = ProjectAccess::Write;
    /// Trains on the options' run, else the pipeline's, else the newest.
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<TrainOutcome, StepError> {
        let options = TrainOptions {
            run_id: self.run_id.or(on.context.run),
            ..self.clone()
        };
        let outcome = crate::predict::train_project(on.project, &options, on.observers.train)?;
        on.context.model = Some(outcome.model_id);
        Ok(outcome)
    }
}

impl RunStep for PredictStep {
    type Outcome = PredictFileSummary;
    const ACCESS: ProjectAccess = ProjectAccess::Read;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<PredictFileSummary, StepError> {
        let model = match self.model.or(on.context.model) {
            Some(model) => model,
            None => on
                .project
                .latest_model()?
                .ok_or_else(|| StepError::NoModel {
                    project: on.project.path().to_path_buf(),
                })?,
        };
        Ok(match &self.source {
            PredictSource::File(request) => {
                crate::predict::predict_file(on.project, model, request, &self.options)?
            }
            PredictSource::Objects(out) => {
                crate::predict::write_object_predictions(on.project, model, out, &self.options)?.0
            }
        })
    }
}

impl RunStep for PlanStep {
    type Outcome = RunPlan;
    const ACCESS: ProjectAccess = ProjectAccess::Read;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<RunPlan, StepError> {
        let run_id = step_run(on.project, self.run, on.context)?;
        Ok(plan_run(on.project, Some(run_id), &self.settings)?)
    }
}

/// What a compare step compared.
#[derive(Debug)]
pub struct Compared {
    /// The runs, in the order compared (the step's run last).
    pub runs: Vec<i64>,
    /// The comparison.
    pub comparison: ModelComparison,
}

impl RunStep for CompareStep {
    type Outcome = Compared;
    const ACCESS: ProjectAccess = ProjectAccess::Read;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<Compared, StepError> {
        let run_id = step_run(on.project, None, on.context)?;
        let runs: Vec<i64> = self
            .runs
            .iter()
            .copied()
            .filter(|r| *r != run_id)
            .chain([run_id])
            .collect();
        let comparison = compare_models(on.project, &runs)?;
        Ok(Compared { runs, comparison })
    }
}

impl RunStep for PlotStep {
    type Outcome = PlotOutcome;
    const ACCESS: ProjectAccess = ProjectAccess::Read;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<PlotOutcome, StepError> {
        let run_id = step_run(on.project, self.run, on.context)?;
        Ok(plot_run(on.project, run_id, &self.request, &self.out)?)
    }
}

impl RunStep for ReportStep {
    type Outcome = ReportSummary;
    const ACCESS: ProjectAccess = ProjectAccess::Read;
    fn run(&self, on: &mut StepOn<'_, '_>) -> Result<ReportSummary, StepError> {
        let run_id = step_run(on.project, self.run, on.context)?;
        Ok(write_report(
            on.project,
            run_id,
            &self.html,
            on.observers.report,
        )?)
    }
}

/// The run a step works on: its own, else the pipeline's (the last fit), else the newest.
fn step_run(
    project: &Project,
    given: Option<i64>,
    context: &StepContext,
) -> Result<i64, StepError> {
    Ok(super::resolve_run(project, given.or(context.run))?)
}

impl Step {
    /// How the step uses the project.
    pub fn access(&self) -> ProjectAccess {
        match self {
            Step::Ingest(_) => IngestStep::ACCESS,
            Step::Import(_) => ImportStep::ACCESS,
            Step::FlagRules(_) => FlagRulesStep::ACCESS,
            Step::Flag(_) => FlagStep::ACCESS,
            Step::Fit(_) => FitStep::ACCESS,
            Step::Export(_) => ExportSettings::ACCESS,
            Step::Categories(_) => CategoriesStep::ACCESS,
            Step::Dimensionality(_) => DimensionalityStep::ACCESS,
            Step::Train(_) => TrainOptions::ACCESS,
            Step::Predict(_) => PredictStep::ACCESS,
            Step::Plan(_) => PlanStep::ACCESS,
            Step::Compare(_) => CompareStep::ACCESS,
            Step::Plot(_) => PlotStep::ACCESS,
            Step::Report(_) => ReportStep::ACCESS,
        }
    }

    /// Runs the step on `on.project`; a fit or a training records what it made in
    /// `on.context`.
    pub fn run(&self, on: &mut StepOn<'_, '_>) -> Result<StepOutcome, StepError> {
        Ok(match self {
            Step::Ingest(step) => StepOutcome::Ingested(step.run(on)?),
            Step::Import(step) => StepOutcome::Ingested(step.run(on)?),
            Step::FlagRules(step) => {
                step.run(on)?;
                StepOutcome::FlagRulesSaved
            }
            Step::Flag(step) => StepOutcome::Flagged(step.run(on)?),
            Step::Fit(step) => StepOutcome::Fitted(step.run(on)?),
            Step::Export(step) => StepOutcome::Exported(Box::new(step.run(on)?)),
            Step::Categories(step) => StepOutcome::Categories(step.run(on)?),
            Step::Dimensionality(step) => StepOutcome::Dimensionality {
                report: Box::new(step.run(on)?),
                out: step.out.clone(),
            },
            Step::Train(step) => StepOutcome::Trained(Box::new(step.run(on)?)),
            Step::Predict(step) => StepOutcome::Predicted(step.run(on)?),
            Step::Plan(step) => StepOutcome::Planned(Box::new(step.run(on)?)),
            Step::Compare(step) => StepOutcome::Compared(Box::new(step.run(on)?)),
            Step::Plot(step) => StepOutcome::Plotted(Box::new(step.run(on)?)),
            Step::Report(step) => StepOutcome::Reported(Box::new(step.run(on)?)),
        })
    }
}

/// Stores a staged file.
fn imported(
    project: &mut Project,
    staged: &Staged,
    data: PathBuf,
) -> Result<IngestOutcome, StepError> {
    let summary = project.import(staged)?;
    Ok(IngestOutcome::Imported {
        data,
        summary,
        warnings: staged
            .report
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect(),
        model: staged.model.clone().map(Box::new),
    })
}

/// Fits (then flags or cleans) as `step` says.
fn fit(
    project: &mut Project,
    step: &FitStep,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<FitStepOutcome, StepError> {
    let request = step.settings.request(project)?;
    let recode = request.recode.clone();
    Ok(match step.then {
        AfterFit::Store => {
            let outcome = fit_project(project, &request, observer)?;
            FitStepOutcome {
                run_id: outcome.run_id,
                converged: outcome.fit.converged,
                outcome: Some(Box::new(outcome)),
                flags: None,
                rounds: Vec::new(),
                recode,
            }
        }
        AfterFit::Flag => {
            let fitted = fit_and_flag(project, &request, observer)?;
            FitStepOutcome {
                run_id: fitted.outcome.run_id,
                converged: fitted.outcome.fit.converged,
                outcome: Some(Box::new(fitted.outcome)),
                flags: Some(fitted.flags),
                rounds: Vec::new(),
                recode,
            }
        }
        AfterFit::Clean { max_rounds } => {
            let rounds = clean(project, &request, max_rounds, observer)?;
            let last = rounds.last().ok_or(PipelineError::NoData)?;
            // The last round's flags are stored (and were used to exclude).
            FitStepOutcome {
                run_id: last.run_id,
                converged: last.converged,
                outcome: None,
                flags: Some(project.flags(last.run_id)?),
                rounds,
                recode,
            }
        }
    })
}

/// The categories step: the advice on `run_id`, the description (before any refit, so a bad
/// path stores nothing), then the refits.
fn categories(
    project: &mut Project,
    run_id: i64,
    step: &CategoriesStep,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<CategoriesSummary, StepError> {
    let advice = category_advice(project, run_id)?;
    let config_written = match &step.write_config {
        Some(path) => {
            let config = proposed_description(project, &advice)?;
            write_description(path, &config)?;
            Some(path.clone())
        }
        None => None,
    };
    let refits = if step.refit {
        refit_proposals(project, &advice, observer)?
    } else {
        Vec::new()
    };
    Ok(CategoriesSummary {
        run_id,
        scales: advice.scales.len(),
        proposals: advice.proposals().map(|s| s.scale.clone()).collect(),
        refits,
        config_written,
        advice,
    })
}

/// Opens the project at `path` as a step with `access` needs (created when an import needs it).
pub fn open_project(path: &Path, access: ProjectAccess) -> Result<Project, StoreError> {
    match access {
        ProjectAccess::Create => Project::create_or_open(path),
        ProjectAccess::Write | ProjectAccess::Read => Project::open(path),
    }
}

/// Runs one step on the project at `path`, on its own (a command): opened as the step needs,
/// with no earlier steps.
pub fn run_on_file<S: RunStep>(
    path: &Path,
    step: &S,
    observers: &mut StepObservers<'_>,
) -> Result<S::Outcome, StepError> {
    let mut project = open_project(path, S::ACCESS)?;
    step.run(&mut StepOn {
        project: &mut project,
        context: &mut StepContext::default(),
        observers,
    })
}
