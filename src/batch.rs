//! `scalewright run PIPELINE.toml`: the whole pipeline from one file, for scripts.
//!
//! The file (TOML, validated against `schemas/pipeline.schema.json`) names a project and the
//! steps: ingest a file, fit (or clean iteratively), flag, export, and optionally train the text
//! predictor on the run and predict files with it, plan a rating design from the run (`[plan]`)
//! and compare earlier runs with it as models (`[compare]`), and draw figures of the run
//! (`[[plot]]`). Each step is the same
//! library call the command line and the workbench make; each stores its result before the next
//! starts, so a failure leaves every earlier step's result in the project.

use crate::config::{validate_against, ConfigError, KeyProblem, Preset};
use crate::export::ExportSummary;
use crate::ingest::{self, IngestOptions};
use crate::measure::{IterationReport, Observer};
use crate::pipeline::step::{
    self, AfterFit, Description, FitStep, IngestOutcome, Step, StepContext, StepError,
    StepObservers, StepOn, StepOutcome, WhenImported,
};
pub use crate::pipeline::step::{
    CategoriesStep, CategoriesSummary, CompareStep, DimensionalityStep, ReportStep,
};
use crate::pipeline::{self, CleaningRound, ExportSettings, FitSettings};
use crate::progress::NoObserver;
use crate::quality::FlagRules;
use crate::store::{Project, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The JSON Schema of a pipeline file.
pub const PIPELINE_SCHEMA: &str = include_str!("../schemas/pipeline.schema.json");

/// A pipeline file: the project and the steps to run on it, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// The project file (created by the ingest step when missing).
    pub project: PathBuf,
    /// Import a file first (skipped when the file is already in the project).
    #[serde(default)]
    pub ingest: Option<IngestStep>,
    /// The fit (or each cleaning round's fit): the same settings as `scalewright fit`.
    #[serde(default)]
    pub fit: FitSettings,
    /// Iterative cleaning instead of a single fit.
    #[serde(default)]
    pub clean: Option<CleanStep>,
    /// Flag rules saved as the project's before fitting.
    #[serde(default)]
    pub flag_rules: Option<FlagRules>,
    /// Exports of the pipeline's run (the schema has no `run` key here: the run is always the
    /// one the pipeline fitted).
    #[serde(default)]
    pub export: Vec<ExportSettings>,
    /// Train the text predictor on the run (options as `predict::TrainOptions`; the run is the
    /// pipeline's).
    #[serde(default)]
    pub train: Option<crate::predict::TrainOptions>,
    /// Predict files with the model just trained.
    #[serde(default)]
    pub predict: Vec<PredictStep>,
    /// The category advisor on the pipeline's run.
    #[serde(default)]
    pub categories: Option<CategoriesStep>,
    /// A design plan (D-study) from the pipeline's run.
    #[serde(default)]
    pub plan: Option<crate::pipeline::PlanSettings>,
    /// Compare earlier runs with the pipeline's run as models.
    #[serde(default)]
    pub compare: Option<CompareStep>,
    /// Write the run's dimensionality analysis (Table 23 and Yen's Q3) as JSON.
    #[serde(default)]
    pub dimensionality: Option<DimensionalityStep>,
    /// Write the run's self-contained HTML report (the last step, so it shows what the others
    /// made: flags, the trained model's loss curves).
    #[serde(default)]
    pub report: Option<ReportStep>,
    /// Figures of the run (`[[plot]]`), written after every other step.
    #[serde(default)]
    pub plot: Vec<PlotStep>,
}

/// A figure of the pipeline's run (`scalewright plot`): `what` and `out` (.svg or .png), and the
/// options of the kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotStep {
    /// The kind of figure.
    pub what: crate::figures::FigureKind,
    /// The file to write (.svg or .png).
    pub out: PathBuf,
    /// `curves`: the item (or scale) drawn.
    #[serde(default)]
    pub item: Option<String>,
    /// `raters`: the facet drawn.
    #[serde(default)]
    pub facet: Option<String>,
    /// `training`: the model drawn.
    #[serde(default)]
    pub model: Option<i64>,
    /// Width in pixels.
    #[serde(default = "default_plot_width")]
    pub width: u32,
    /// Height in pixels.
    #[serde(default = "default_plot_height")]
    pub height: u32,
}

fn default_plot_width() -> u32 {
    crate::figures::FigureSize::DEFAULT.width
}

fn default_plot_height() -> u32 {
    crate::figures::FigureSize::DEFAULT.height
}

impl PlotStep {
    /// The request of the step.
    pub fn request(&self) -> pipeline::PlotRequest {
        pipeline::PlotRequest {
            kind: self.what,
            item: self.item.clone(),
            facet: self.facet.clone(),
            size: crate::figures::FigureSize {
                width: self.width,
                height: self.height,
            },
            model: self.model,
        }
    }
}

/// Predict a file of texts with the model the train step stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictStep {
    /// CSV/TSV/Parquet with a text column.
    pub input: PathBuf,
    /// The predictions file (.csv or .parquet).
    pub out: PathBuf,
    /// The column holding the texts (default `text`).
    #[serde(default = "default_text_column")]
    pub text_column: String,
    /// A column copied to the output to identify each row.
    #[serde(default)]
    pub id_column: Option<String>,
}

fn default_text_column() -> String {
    "text".into()
}

/// Import a rating file with a preset or a description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestStep {
    /// The rating file (CSV, TSV or Parquet), or with `facets` a Facets specification file.
    pub data: PathBuf,
    /// A built-in description (`mhs`, `mhs-collapsed`).
    pub preset: Option<String>,
    /// A dataset description (TOML).
    pub config: Option<PathBuf>,
    /// `data` is a Facets specification (`ingest --facets`): its model becomes the project's.
    #[serde(default)]
    pub facets: bool,
    /// With `facets`: the object facet, by number or label (`ingest --object`).
    #[serde(default)]
    pub object: Option<String>,
}

/// Iterative cleaning: fit -> flag -> exclude -> refit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanStep {
    /// At most this many fits.
    #[serde(default = "default_rounds")]
    pub max_rounds: usize,
}

fn default_rounds() -> usize {
    5
}

/// Why a pipeline stopped (the steps before it are stored).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The pipeline file cannot be read.
    #[error("cannot read pipeline {}: {source}", path.display())]
    Io {
        /// The pipeline file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The pipeline file is not valid (each problem names its key).
    #[error("{}: {}", path.display(), problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The pipeline file.
        path: PathBuf,
        /// Every problem found, by key.
        problems: Vec<KeyProblem>,
    },
    /// The dataset description of the ingest step is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The project file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A step failed.
    #[error(transparent)]
    Step(#[from] StepError),
}

/// What a pipeline did, step by step.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchReport {
    /// The project the pipeline ran on.
    pub project: PathBuf,
    /// The dataset imported (None: no ingest step, or the file was already in the project).
    pub imported_dataset: Option<i64>,
    /// The ingest step's file was already in the project.
    pub ingest_skipped: bool,
    /// The cleaning rounds (empty without a clean step).
    pub cleaning: Vec<CleaningRound>,
    /// The run the later steps used (the last fit).
    pub run_id: Option<i64>,
    /// Whether that run converged.
    pub converged: Option<bool>,
    /// Flags raised on that run.
    pub flags: usize,
    /// The files exported.
    pub exports: Vec<ExportSummary>,
    /// The text predictor trained on the run.
    pub model_id: Option<i64>,
    /// The prediction files written.
    pub predictions: Vec<crate::predict::PredictFileSummary>,
    /// The categories step's result.
    pub categories: Option<CategoriesSummary>,
    /// The design plan from the run (a `[plan]` step).
    pub plan: Option<crate::pipeline::RunPlan>,
    /// The comparison of the earlier runs with the run (a `[compare]` step).
    pub comparison: Option<crate::pipeline::ModelComparison>,
    /// The dimensionality file written.
    pub dimensionality: Option<PathBuf>,
    /// The HTML report written (a `[report]` step).
    pub report: Option<crate::pipeline::ReportSummary>,
    /// The figures written (`[[plot]]` steps).
    pub plots: Vec<pipeline::PlotOutcome>,
}

impl PipelineSpec {
    /// Reads and validates a pipeline file; relative paths become relative to its folder.
    pub fn from_file(path: &Path) -> Result<PipelineSpec, BatchError> {
        let text = std::fs::read_to_string(path).map_err(|source| BatchError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |problems| BatchError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        let value: toml::Value = toml::from_str(&text).map_err(|e| {
            invalid(vec![KeyProblem {
                key: "(toml)".into(),
                message: e.to_string().trim().replace('\n', " "),
            }])
        })?;
        let json = serde_json::to_value(&value).map_err(|e| {
            invalid(vec![KeyProblem {
                key: "(toml)".into(),
                message: e.to_string(),
            }])
        })?;
        if let Some(problem) = ingest_description_problem(&json) {
            return Err(invalid(vec![problem]));
        }
        let problems = validate_against(PIPELINE_SCHEMA, &json);
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        let mut spec: PipelineSpec = serde_json::from_value(json.clone()).map_err(|e| {
            invalid(vec![KeyProblem {
                key: failing_section(&json),
                message: e.to_string(),
            }])
        })?;
        if let Some(rules) = &spec.flag_rules {
            rules.validate().map_err(|e| {
                invalid(vec![KeyProblem {
                    key: format!("flag_rules.{}", e.field),
                    message: e.reason.clone(),
                }])
            })?;
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut spec.project);
        if let Some(step) = &mut spec.ingest {
            resolve(&mut step.data);
            if let Some(c) = &mut step.config {
                resolve(c);
            }
        }
        if let Some(anchors) = &mut spec.fit.anchor_file {
            resolve(anchors);
        }
        if let Some(crate::pipeline::RecodeSetting::File(recode)) = &mut spec.fit.recode {
            resolve(recode);
        }
        if let Some(path) = spec
            .categories
            .as_mut()
            .and_then(|c| c.write_config.as_mut())
        {
            resolve(path);
        }
        for e in &mut spec.export {
            resolve(&mut e.out);
            if let Some(j) = &mut e.join {
                resolve(j);
            }
        }
        if let Some(train) = &mut spec.train {
            if let Some(dir) = &mut train.encoder_dir {
                resolve(dir);
            }
            train.validate().map_err(|e| {
                let key = match &e {
                    crate::predict::PredictError::InvalidOption { field, .. } => {
                        format!("train.{field}")
                    }
                    _ => "train".into(),
                };
                invalid(vec![KeyProblem {
                    key,
                    message: e.to_string(),
                }])
            })?;
        }
        for p in &mut spec.predict {
            resolve(&mut p.input);
            resolve(&mut p.out);
        }
        if let Some(plan) = &spec.plan {
            crate::quality::plan::check_settings(&plan.raters_per_object, plan.target_reliability)
                .map_err(|e| {
                    invalid(vec![KeyProblem {
                        key: match e {
                            crate::quality::plan::PlanError::Target(_) => {
                                "plan.target_reliability".into()
                            }
                            _ => "plan.raters_per_object".into(),
                        },
                        message: e.to_string(),
                    }])
                })?;
        }
        if let Some(step) = &mut spec.dimensionality {
            resolve(&mut step.out);
        }
        for (i, step) in spec.plot.iter_mut().enumerate() {
            resolve(&mut step.out);
            step.request().size.validate().map_err(|e| {
                invalid(vec![KeyProblem {
                    key: format!("plot[{i}].width/height"),
                    message: e.to_string(),
                }])
            })?;
        }
        if let Some(step) = &mut spec.report {
            resolve(&mut step.html);
        }
        if !spec.predict.is_empty() && spec.train.is_none() {
            return Err(invalid(vec![KeyProblem {
                key: "predict".into(),
                message: "needs a `train` step (the model it predicts with)".into(),
            }]));
        }
        Ok(spec)
    }
}

/// An `[ingest]` step names its description one way: `preset`, `config` or `facets = true` (a
/// Facets specification carries its own), exactly one, and `object` only with `facets` (said
/// plainly, before the schema's `oneOf` would say it obscurely).
fn ingest_description_problem(json: &serde_json::Value) -> Option<KeyProblem> {
    let ingest = json.get("ingest")?.as_object()?;
    let facets = ingest.get("facets").and_then(|v| v.as_bool()) == Some(true);
    let given = ["preset", "config"]
        .iter()
        .filter(|k| ingest.contains_key(**k))
        .count()
        + usize::from(facets);
    if ingest.contains_key("object") && !facets {
        return Some(KeyProblem {
            key: "ingest.object".into(),
            message: "names the object facet of a Facets specification: only with `facets = true`"
                .into(),
        });
    }
    (given != 1).then(|| KeyProblem {
        key: "ingest".into(),
        message: format!(
            "give the description as `preset` (mhs or mhs-collapsed), as `config` (a TOML file) or say `facets = true` (the file is a Facets specification), {}",
            if given > 1 { "only one of them" } else { "one of them" }
        ),
    })
}

/// The section of a pipeline file whose values the library refused (`fit`, `export[1]`...),
/// found by deserialising each on its own; `(top level)` when none alone fails.
fn failing_section(json: &serde_json::Value) -> String {
    fn fails<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> bool {
        serde_json::from_value::<T>(value.clone()).is_err()
    }
    if json.get("fit").is_some_and(fails::<FitSettings>) {
        return "fit".into();
    }
    if let Some(steps) = json.get("export").and_then(|e| e.as_array()) {
        if let Some(i) = steps.iter().position(fails::<ExportSettings>) {
            return format!("export[{i}]");
        }
    }
    "(top level)".into()
}

impl IngestStep {
    /// The typed step: the description named one way (checked by [`PipelineSpec::from_file`]);
    /// a file already in the project is skipped, so a pipeline can be re-run.
    fn step(&self, path: &Path) -> Result<step::IngestStep, BatchError> {
        let description = match (&self.preset, &self.config) {
            _ if self.facets => Description::Facets(ingest::facets::FacetsOptions {
                object: self.object.clone(),
            }),
            (Some(name), _) => Description::Preset(Preset::from_name(name)?),
            (None, Some(path)) => Description::File(path.clone()),
            (None, None) => {
                return Err(BatchError::Invalid {
                    path: path.to_path_buf(),
                    problems: vec![KeyProblem {
                        key: "ingest".into(),
                        message: "give `preset`, `config` or `facets = true`".into(),
                    }],
                })
            }
        };
        Ok(step::IngestStep {
            data: self.data.clone(),
            description,
            options: IngestOptions::default(),
            when_imported: WhenImported::Skip,
        })
    }
}

impl PipelineSpec {
    /// The file's steps in the order they run: ingest, flag rules, the fit (flagged, or
    /// cleaned), exports, categories, dimensionality, train and predict, plan, compare, plots,
    /// the report. Every step after the fit works on the fit's run.
    pub fn steps(&self) -> Result<Vec<Step>, BatchError> {
        let mut steps = Vec::new();
        if let Some(ingest) = &self.ingest {
            steps.push(Step::Ingest(ingest.step(&self.project)?));
        }
        if let Some(rules) = &self.flag_rules {
            steps.push(Step::FlagRules(step::FlagRulesStep(rules.clone())));
        }
        let mut settings = self.fit.clone();
        if settings.note.is_empty() {
            settings.note = "scalewright run".into();
        }
        let then = match &self.clean {
            Some(clean) => AfterFit::Clean {
                max_rounds: clean.max_rounds,
            },
            None => AfterFit::Flag,
        };
        steps.push(Step::Fit(Box::new(FitStep { settings, then })));
        for export in &self.export {
            steps.push(Step::Export(Box::new(ExportSettings {
                run: None,
                ..export.clone()
            })));
        }
        if let Some(categories) = &self.categories {
            steps.push(Step::Categories(categories.clone()));
        }
        if let Some(dimensionality) = &self.dimensionality {
            steps.push(Step::Dimensionality(dimensionality.clone()));
        }
        if let Some(options) = &self.train {
            steps.push(Step::Train(Box::new(crate::predict::TrainOptions {
                run_id: None,
                ..options.clone()
            })));
            for predict in &self.predict {
                steps.push(Step::Predict(Box::new(step::PredictStep {
                    model: None,
                    source: step::PredictSource::File(crate::predict::PredictFileRequest {
                        input: predict.input.clone(),
                        text_column: predict.text_column.clone(),
                        id_column: predict.id_column.clone(),
                        out: predict.out.clone(),
                    }),
                    options: crate::predict::PredictOptions::default(),
                })));
            }
        }
        if let Some(settings) = &self.plan {
            steps.push(Step::Plan(Box::new(step::PlanStep {
                run: None,
                settings: settings.clone(),
            })));
        }
        if let Some(compare) = &self.compare {
            steps.push(Step::Compare(compare.clone()));
        }
        for plot in &self.plot {
            steps.push(Step::Plot(Box::new(step::PlotStep {
                run: None,
                request: plot.request(),
                out: plot.out.clone(),
            })));
        }
        if let Some(report) = &self.report {
            steps.push(Step::Report(report.clone()));
        }
        Ok(steps)
    }
}

/// Runs every step of `spec` in order, each stored before the next starts. `log` receives one
/// line per step (for stderr).
pub fn run(
    spec: &PipelineSpec,
    observer: &mut dyn Observer<IterationReport>,
    log: &mut dyn FnMut(String),
) -> Result<BatchReport, BatchError> {
    let mut report = BatchReport {
        project: spec.project.clone(),
        ..Default::default()
    };
    let (mut training, mut reporting) = (NoObserver, NoObserver);
    let mut observers = StepObservers {
        fit: observer,
        train: &mut training,
        report: &mut reporting,
    };
    let mut context = StepContext::default();
    let mut project: Option<Project> = None;
    for step in spec.steps()? {
        let mut open = match project.take() {
            Some(open) => open,
            None => step::open_project(&spec.project, step.access())?,
        };
        let outcome = step.run(&mut StepOn {
            project: &mut open,
            context: &mut context,
            observers: &mut observers,
        })?;
        project = Some(open);
        for line in log_lines(&outcome) {
            log(line);
        }
        report.record(outcome);
    }
    Ok(report)
}

impl BatchReport {
    /// Keeps what a step did.
    fn record(&mut self, outcome: StepOutcome) {
        match outcome {
            StepOutcome::Ingested(IngestOutcome::Imported { summary, .. }) => {
                self.imported_dataset = Some(summary.dataset_id)
            }
            StepOutcome::Ingested(IngestOutcome::Skipped { .. }) => self.ingest_skipped = true,
            StepOutcome::FlagRulesSaved => {}
            StepOutcome::Flagged(flagged) => self.flags = flagged.flags.len(),
            StepOutcome::Fitted(fitted) => {
                self.run_id = Some(fitted.run_id);
                self.converged = Some(fitted.converged);
                self.flags = fitted.flags.map_or(0, |f| f.len());
                self.cleaning = fitted.rounds;
            }
            StepOutcome::Exported(summary) => self.exports.push(*summary),
            StepOutcome::Categories(summary) => self.categories = Some(summary),
            StepOutcome::Dimensionality { out, .. } => self.dimensionality = Some(out),
            StepOutcome::Trained(outcome) => self.model_id = Some(outcome.model_id),
            StepOutcome::Predicted(summary) => self.predictions.push(summary),
            StepOutcome::Planned(plan) => self.plan = Some(*plan),
            StepOutcome::Compared(compared) => self.comparison = Some(compared.comparison),
            StepOutcome::Plotted(outcome) => self.plots.push(*outcome),
            StepOutcome::Reported(summary) => self.report = Some(*summary),
        }
    }
}

/// The log lines of a step (`scalewright run` writes them to stderr).
fn log_lines(outcome: &StepOutcome) -> Vec<String> {
    match outcome {
        StepOutcome::Ingested(IngestOutcome::Imported { data, summary, .. }) => vec![format!(
            "ingest: {} responses from {}",
            summary.observations_added,
            data.display()
        )],
        StepOutcome::Ingested(IngestOutcome::Skipped { data, dataset_id }) => vec![format!(
            "ingest: {} is already dataset {dataset_id}; skipped",
            data.display()
        )],
        StepOutcome::FlagRulesSaved => Vec::new(),
        StepOutcome::Flagged(flagged) => vec![format!(
            "flag: {} flag(s) on run {}",
            flagged.flags.len(),
            flagged.run_id
        )],
        StepOutcome::Fitted(fitted) => fit_lines(fitted),
        StepOutcome::Exported(summary) => vec![format!(
            "export: {} ({} rows)",
            summary.path.display(),
            summary.rows
        )],
        StepOutcome::Categories(summary) => categories_lines(summary),
        StepOutcome::Dimensionality { report, out } => vec![format!(
            "dimensionality: {} (1st contrast {:.2} eigenvalue units, {} locally dependent pair(s))",
            out.display(),
            report.table.first_contrast().map_or(0.0, |c| c.eigenvalue),
            report.table.marked_pairs().count()
        )],
        StepOutcome::Trained(outcome) => {
            let e = &outcome.evaluation;
            vec![format!(
                "train: model {} on run {} (held-out RMSE {:.3}, ridge {:.3}, r {:.3})",
                outcome.model_id, outcome.run_id, e.model.rmse, e.ridge.rmse, e.model.pearson
            )]
        }
        StepOutcome::Predicted(summary) => vec![format!(
            "predict: {} ({} rows)",
            summary.out.display(),
            summary.rows
        )],
        StepOutcome::Planned(planned) => vec![plan_line(planned)],
        StepOutcome::Compared(compared) => {
            vec![compare_line(&compared.runs, &compared.comparison)]
        }
        StepOutcome::Plotted(outcome) => vec![format!(
            "plot: {} ({} of run {}, {} bytes)",
            outcome.path.display(),
            outcome.kind,
            outcome.run_id,
            outcome.bytes
        )],
        StepOutcome::Reported(written) => vec![format!(
            "report: {} ({:.1} MB, {} figure(s){})",
            written.path.display(),
            written.bytes as f64 / 1e6,
            written.figures.len(),
            if written.figures_missing.is_empty() {
                String::new()
            } else {
                format!("; not drawn: {}", written.figures_missing.join("; "))
            }
        )],
    }
}

/// A fit's lines: the cleaning rounds or the fit, then the run's flags.
fn fit_lines(fitted: &step::FitStepOutcome) -> Vec<String> {
    let mut lines: Vec<String> = fitted
        .rounds
        .iter()
        .map(|r| {
            format!(
                "clean: round {} (run {}) excluded {} rater(s)",
                r.round,
                r.run_id,
                r.excluded.len()
            )
        })
        .collect();
    if let Some(outcome) = &fitted.outcome {
        lines.push(format!(
            "fit: run {} ({} iterations)",
            outcome.run_id,
            outcome.fit.iterations()
        ));
    }
    if let Some(flags) = &fitted.flags {
        lines.push(format!(
            "flag: {} flag(s) on run {}",
            flags.len(),
            fitted.run_id
        ));
    }
    lines
}

/// The categories step's lines: the advice, the description written, the refits.
fn categories_lines(summary: &CategoriesSummary) -> Vec<String> {
    let mut lines = vec![format!(
        "categories: {} of {} scale(s) with a proposed collapse on run {}{}",
        summary.proposals.len(),
        summary.scales,
        summary.run_id,
        if summary.proposals.is_empty() {
            String::new()
        } else {
            format!(" ({})", summary.proposals.join(", "))
        }
    )];
    if let Some(path) = &summary.config_written {
        lines.push(format!("categories: wrote {}", path.display()));
    }
    for r in summary.refits.iter().skip(1) {
        lines.push(format!(
            "categories: run {} fits {} ({} disordered scale(s), object reliability {:.3})",
            r.run_id,
            r.label,
            r.disordered_scales.len(),
            r.object_reliability
        ));
    }
    lines
}

/// The plan step's line: each design's reliability and the raters a target needs.
fn plan_line(planned: &crate::pipeline::RunPlan) -> String {
    let p = &planned.plan;
    format!(
        "plan: run {}, {}{}",
        planned.run,
        p.designs
            .iter()
            .map(|d| format!(
                "{} raters: reliability {:.3}",
                d.raters_per_object, d.reliability
            ))
            .collect::<Vec<_>>()
            .join(", "),
        match (p.target_reliability, p.needed_for_target) {
            (Some(t), Some(r)) => format!("; {r} raters per object reach {t}"),
            (Some(t), None) => format!("; {t} is not reached"),
            _ => String::new(),
        }
    )
}

/// The compare step's line: the runs, their AIC and the likelihood-ratio test.
fn compare_line(runs: &[i64], comparison: &crate::pipeline::ModelComparison) -> String {
    format!(
        "compare: runs {} (AIC {}){}",
        runs.iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        comparison
            .runs
            .iter()
            .map(|r| format!("{:.1}", r.aic))
            .collect::<Vec<_>>()
            .join(", "),
        comparison.lr_test.map_or(String::new(), |t| format!(
            "; likelihood ratio {:.2} on {} d.f., p = {:.4}",
            t.chi_square, t.df, t.p
        ))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::{JmleUpdate, Method};

    fn pipeline(text: &str) -> Result<PipelineSpec, BatchError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, format!("project = \"x.db\"\n{text}\n")).unwrap();
        PipelineSpec::from_file(&path)
    }

    #[test]
    fn fit_and_export_settings_are_the_library_s_and_bad_values_name_their_section() {
        let spec = pipeline("[fit]\nupdate = \"winsteps\"\nmethod = \"mml\"").unwrap();
        assert_eq!(spec.fit.update, JmleUpdate::Winsteps);
        assert_eq!(spec.fit.method, Method::Mml);
        assert_eq!(spec.fit.options().convergence.max_change, 0.005);

        let message = pipeline("[fit]\nupdate = \"ucon\"")
            .unwrap_err()
            .to_string();
        assert!(message.contains("fit: "), "{message}");
        assert!(
            message.contains(&"ucon".parse::<JmleUpdate>().unwrap_err().to_string()),
            "{message}"
        );
        let message = pipeline("[[export]]\nwhat = \"objects\"\nout = \"o.csv\"\n[[export]]\nwhat = \"raters\"\nout = \"r.csv\"\nrescale = [50, 0]")
            .unwrap_err()
            .to_string();
        assert!(message.contains("export[1]: "), "{message}");
        assert!(
            message.contains(
                &"50,0"
                    .parse::<crate::export::Rescale>()
                    .unwrap_err()
                    .to_string()
            ),
            "{message}"
        );
    }
}
