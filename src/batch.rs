//! `scalewright run PIPELINE.toml`: the whole pipeline from one file, for scripts.
//!
//! The file (TOML, validated against `schemas/pipeline.schema.json`) names a project and the
//! steps: ingest a file, fit (or clean iteratively), flag, export, and optionally train the text
//! predictor on the run and predict files with it, plan a rating design from the run (`[plan]`)
//! and compare earlier runs with it as models (`[compare]`), and draw figures of the run
//! (`[[plot]]`). Each step is the same
//! library call the command line and the workbench make; each stores its result before the next
//! starts, so a failure leaves every earlier step's result in the project.

use crate::config::{validate_against, ConfigError, DatasetConfig, KeyProblem, Preset};
use crate::export::ExportSummary;
use crate::ingest::{self, IngestOptions};
use crate::measure::{IterationReport, Observer};
use crate::pipeline::{self, CleaningRound, ExportSettings, FitSettings};
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

/// The category advisor on the pipeline's run (`scalewright categories`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoriesStep {
    /// Fit every proposal as a run.
    #[serde(default)]
    pub refit: bool,
    /// Write the project's dataset description with the proposed recodes here.
    #[serde(default)]
    pub write_config: Option<PathBuf>,
}

/// What the categories step found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategoriesSummary {
    /// Scales checked.
    pub scales: usize,
    /// Scales with a proposed collapse (by name).
    pub proposals: Vec<String>,
    /// The refits side by side (empty without `refit`).
    pub refits: Vec<pipeline::CategoryRefit>,
    /// The description written.
    pub config_written: Option<PathBuf>,
}

/// Compare earlier runs with the pipeline's run (`[compare] runs = [3]`): a baseline fitted
/// before (e.g. partial credit by MML) against the model the pipeline fits (e.g. a rating
/// scale), with the likelihood-ratio test when they are nested.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareStep {
    /// The earlier runs, compared in this order with the pipeline's run last.
    pub runs: Vec<i64>,
}

/// Writes Table 23 and Yen's Q3 of the pipeline's run as JSON (the answer of
/// `report --table 23 --json`, `schemas/table23.schema.json`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionalityStep {
    /// The JSON file to write.
    pub out: PathBuf,
}

/// Writes the pipeline run's HTML report (`scalewright report --html`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportStep {
    /// The HTML file to write.
    pub html: PathBuf,
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
    /// The ingest step failed.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// The project file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fit, flag or export step failed.
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    /// An export step failed.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// The train or a predict step failed.
    #[error(transparent)]
    Predict(#[from] crate::predict::PredictError),
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

/// Runs every step of `spec`. `log` receives one line per step (for stderr).
pub fn run(
    spec: &PipelineSpec,
    observer: &mut dyn Observer<IterationReport>,
    log: &mut dyn FnMut(String),
) -> Result<BatchReport, BatchError> {
    let mut report = BatchReport {
        project: spec.project.clone(),
        ..Default::default()
    };
    if let Some(step) = &spec.ingest {
        let staged = if step.facets {
            ingest::facets::stage_spec(
                &step.data,
                &ingest::facets::FacetsOptions {
                    object: step.object.clone(),
                },
            )?
        } else {
            let config = match (&step.preset, &step.config) {
                (Some(name), _) => Preset::from_name(name)?.config(),
                (None, Some(path)) => DatasetConfig::from_file(path)?,
                (None, None) => {
                    return Err(BatchError::Invalid {
                        path: spec.project.clone(),
                        problems: vec![KeyProblem {
                            key: "ingest".into(),
                            message: "give `preset`, `config` or `facets = true`".into(),
                        }],
                    })
                }
            };
            ingest::stage(&step.data, &config, &IngestOptions::default())?
        };
        let mut project = Project::create_or_open(&spec.project)?;
        match project.import(&staged) {
            Ok(summary) => {
                log(format!(
                    "ingest: {} responses from {}",
                    summary.observations_added,
                    step.data.display()
                ));
                report.imported_dataset = Some(summary.dataset_id);
            }
            Err(StoreError::AlreadyImported { dataset_id, .. }) => {
                log(format!(
                    "ingest: {} is already dataset {dataset_id}; skipped",
                    step.data.display()
                ));
                report.ingest_skipped = true;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut project = Project::open(&spec.project)?;
    if let Some(rules) = &spec.flag_rules {
        project.set_flag_rules(rules)?;
    }
    let mut settings = spec.fit.clone();
    if settings.note.is_empty() {
        settings.note = "scalewright run".into();
    }
    let request = settings.request(&project)?;
    let run_id = match &spec.clean {
        Some(clean) => {
            let rounds = pipeline::clean(&mut project, &request, clean.max_rounds, observer)?;
            for r in &rounds {
                log(format!(
                    "clean: round {} (run {}) excluded {} rater(s)",
                    r.round,
                    r.run_id,
                    r.excluded.len()
                ));
            }
            let last = rounds.last().map(|r| (r.run_id, r.converged));
            report.cleaning = rounds;
            last
        }
        None => {
            let fitted = pipeline::fit_and_flag(&mut project, &request, observer)?;
            let outcome = &fitted.outcome;
            log(format!(
                "fit: run {} ({} iterations)",
                outcome.run_id,
                outcome.fit.iterations()
            ));
            log(format!(
                "flag: {} flag(s) on run {}",
                fitted.flags.len(),
                outcome.run_id
            ));
            report.flags = fitted.flags.len();
            Some((outcome.run_id, outcome.fit.converged))
        }
    };
    if let Some((run_id, converged)) = run_id {
        report.run_id = Some(run_id);
        report.converged = Some(converged);
        if spec.clean.is_some() {
            // The last round's flags are stored (and were used to exclude).
            let flags = project.flags(run_id)?;
            log(format!("flag: {} flag(s) on run {run_id}", flags.len()));
            report.flags = flags.len();
        }
        for step in &spec.export {
            let summary = pipeline::export_run(
                &mut project,
                &ExportSettings {
                    run: Some(run_id),
                    ..step.clone()
                },
            )?;
            log(format!(
                "export: {} ({} rows)",
                summary.path.display(),
                summary.rows
            ));
            report.exports.push(summary);
        }
        if let Some(step) = &spec.categories {
            report.categories = Some(categories_step(&mut project, run_id, step, observer, log)?);
        }
        if let Some(step) = &spec.dimensionality {
            let table = pipeline::dimensionality_report(&project, run_id)?;
            pipeline::write_dimensionality_json(&table, &step.out)?;
            log(format!(
                "dimensionality: {} (1st contrast {:.2} eigenvalue units, {} locally dependent pair(s))",
                step.out.display(),
                table.table.first_contrast().map_or(0.0, |c| c.eigenvalue),
                table.table.marked_pairs().count()
            ));
            report.dimensionality = Some(step.out.clone());
        }
        if let Some(options) = &spec.train {
            let options = crate::predict::TrainOptions {
                run_id: Some(run_id),
                ..options.clone()
            };
            let outcome = crate::predict::train_project(
                &mut project,
                &options,
                &mut crate::progress::NoObserver,
            )?;
            let e = &outcome.evaluation;
            log(format!(
                "train: model {} on run {run_id} (held-out RMSE {:.3}, ridge {:.3}, r {:.3})",
                outcome.model_id, e.model.rmse, e.ridge.rmse, e.model.pearson
            ));
            report.model_id = Some(outcome.model_id);
            for step in &spec.predict {
                let summary = crate::predict::predict_file(
                    &project,
                    outcome.model_id,
                    &crate::predict::PredictFileRequest {
                        input: step.input.clone(),
                        text_column: step.text_column.clone(),
                        id_column: step.id_column.clone(),
                        out: step.out.clone(),
                    },
                    &crate::predict::PredictOptions::default(),
                )?;
                log(format!(
                    "predict: {} ({} rows)",
                    summary.out.display(),
                    summary.rows
                ));
                report.predictions.push(summary);
            }
        }
        if let Some(settings) = &spec.plan {
            let planned = pipeline::plan_run(&project, Some(run_id), settings)?;
            let p = &planned.plan;
            log(format!(
                "plan: run {run_id}, {}{}",
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
            ));
            report.plan = Some(planned);
        }
        if let Some(step) = &spec.compare {
            let runs: Vec<i64> = step
                .runs
                .iter()
                .copied()
                .filter(|r| *r != run_id)
                .chain([run_id])
                .collect();
            let comparison = pipeline::compare_models(&project, &runs)?;
            log(format!(
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
            ));
            report.comparison = Some(comparison);
        }
        for step in &spec.plot {
            let outcome = pipeline::plot_run(&project, run_id, &step.request(), &step.out)?;
            log(format!(
                "plot: {} ({} of run {run_id}, {} bytes)",
                outcome.path.display(),
                outcome.kind,
                outcome.bytes
            ));
            report.plots.push(outcome);
        }
        if let Some(step) = &spec.report {
            let written = pipeline::write_report(
                &project,
                run_id,
                &step.html,
                &mut crate::progress::NoObserver,
            )?;
            log(format!(
                "report: {} ({:.1} MB, {} figure(s){})",
                written.path.display(),
                written.bytes as f64 / 1e6,
                written.figures.len(),
                if written.figures_missing.is_empty() {
                    String::new()
                } else {
                    format!("; not drawn: {}", written.figures_missing.join("; "))
                }
            ));
            report.report = Some(written);
        }
    }
    Ok(report)
}

/// The categories step: the advice on `run_id`, the description (before any refit, so a bad
/// path stores nothing), then the refits.
fn categories_step(
    project: &mut Project,
    run_id: i64,
    step: &CategoriesStep,
    observer: &mut dyn Observer<IterationReport>,
    log: &mut dyn FnMut(String),
) -> Result<CategoriesSummary, BatchError> {
    let advice = pipeline::category_advice(project, run_id)?;
    let proposals: Vec<String> = advice.proposals().map(|s| s.scale.clone()).collect();
    log(format!(
        "categories: {} of {} scale(s) with a proposed collapse on run {run_id}{}",
        proposals.len(),
        advice.scales.len(),
        if proposals.is_empty() {
            String::new()
        } else {
            format!(" ({})", proposals.join(", "))
        }
    ));
    let mut summary = CategoriesSummary {
        scales: advice.scales.len(),
        proposals,
        ..Default::default()
    };
    if let Some(path) = &step.write_config {
        let config = pipeline::proposed_description(project, &advice)?;
        pipeline::write_description(path, &config)?;
        log(format!("categories: wrote {}", path.display()));
        summary.config_written = Some(path.clone());
    }
    if step.refit {
        summary.refits = pipeline::refit_proposals(project, &advice, observer)?;
        for r in summary.refits.iter().skip(1) {
            log(format!(
                "categories: run {} fits {} ({} disordered scale(s), object reliability {:.3})",
                r.run_id,
                r.label,
                r.disordered_scales.len(),
                r.object_reliability
            ));
        }
    }
    Ok(summary)
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
