//! Figures of a stored run (`scalewright plot`, a pipeline's `[[plot]]`, the HTML report and the
//! workbench): [`build_figure`] loads what a kind needs from the project and calls its builder
//! in [`crate::figures`]; [`plot_run`] also renders and writes the file (SVG or PNG by its
//! extension) through a temporary file renamed into place, so nothing is left on error.
//!
//! A kind whose input the run does not have yet (no bias analysis, no trained model, no rater
//! facet...) fails with [`PlotError::MissingPrerequisite`], whose message says how to make it;
//! [`PipelineError::is_missing_prerequisite`] tells it apart from other errors.

use super::{resolve_run, run_data, PipelineError};
use crate::data::{FacetRole, RatingData};
use crate::figures::{self, Figure, FigureError, FigureKind, FigureSize};
use crate::measure::{DimensionalityError, Fit};
use crate::quality::plan::PlanError;
use crate::store::Project;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlotRequest {
    /// The kind of figure.
    pub kind: FigureKind,
    /// `curves`: the item (or scale owner) whose scale is drawn (default: the shared scale, or
    /// the first scale).
    pub item: Option<String>,
    /// `raters`: the facet drawn (default: the first rater facet).
    pub facet: Option<String>,
    /// The size in pixels.
    pub size: FigureSize,
    /// `training`: the model (default: the newest trained model of the run).
    pub model: Option<i64>,
}

impl PlotRequest {
    /// A request for `kind` at the default size.
    pub fn new(kind: FigureKind) -> PlotRequest {
        PlotRequest {
            kind,
            item: None,
            facet: None,
            size: FigureSize::DEFAULT,
            model: None,
        }
    }
}

/// The file formats figures are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureFormat {
    /// SVG (`.svg`).
    Svg,
    /// PNG (`.png`).
    Png,
}

impl FigureFormat {
    /// The format a path's extension names (`.svg` or `.png`, any case).
    pub fn from_path(path: &Path) -> Result<FigureFormat, PlotError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("svg") => Ok(FigureFormat::Svg),
            Some("png") => Ok(FigureFormat::Png),
            _ => Err(PlotError::UnsupportedExtension {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Why a figure could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The run lacks what the figure shows; `how` says how to make it.
    #[error("{what}: {how}")]
    MissingPrerequisite {
        /// The run.
        run_id: i64,
        /// What is missing, naming the run (`no bias analysis in run 3`).
        what: String,
        /// How to make it, in the pipeline's words (`run a bias analysis ... first`).
        how: String,
        /// The step that makes it, when one does (a front end names its own command or key).
        step: Option<MissingStep>,
    },
    /// `--item` names no item or scale of the run.
    #[error("run {run_id} has no item or scale `{item}` (its items are: {items})")]
    UnknownItem {
        /// The run.
        run_id: i64,
        /// The name given.
        item: String,
        /// The run's items, comma-separated.
        items: String,
    },
    /// `--facet` names no facet of the run.
    #[error("run {run_id} has no facet `{facet}` (its facets are: {facets})")]
    UnknownFacet {
        /// The run.
        run_id: i64,
        /// The name given.
        facet: String,
        /// The run's facets, comma-separated.
        facets: String,
    },
    /// `--model` names no trained model of the project.
    #[error("the project has no trained model {model}")]
    UnknownModel {
        /// The id given.
        model: i64,
    },
    /// The output's extension is neither `.svg` nor `.png`.
    #[error("cannot write a figure to {}: the file name must end in .svg or .png", path.display())]
    UnsupportedExtension {
        /// The path given.
        path: PathBuf,
    },
    /// The figure could not be written; nothing was left at the path.
    #[error("cannot write the figure to {}: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The figure could not be built or drawn.
    #[error(transparent)]
    Figure(#[from] FigureError),
}

/// The step that makes a figure's missing prerequisite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissingStep {
    /// A bias analysis between the rater and item facets of the run.
    Bias {
        /// The project file.
        project: PathBuf,
    },
    /// Training a text model on the run.
    Train {
        /// The project file.
        project: PathBuf,
    },
    /// Naming the facet to draw (no facet is the raters' by its role).
    NameFacet,
}

impl PipelineError {
    /// Whether the error is a figure's missing prerequisite (no bias analysis, no trained model,
    /// no rater facet...): the HTML report leaves such a figure out with a note.
    pub fn is_missing_prerequisite(&self) -> bool {
        matches!(
            self,
            PipelineError::Plot(PlotError::MissingPrerequisite { .. })
        )
    }
}

/// A written figure (the `--json` answer of `plot`, `schemas/plot.schema.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlotOutcome {
    /// The run drawn.
    pub run_id: i64,
    /// The kind of figure.
    pub kind: FigureKind,
    /// The file written.
    pub path: PathBuf,
    /// Its format.
    pub format: FigureFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes written.
    pub bytes: usize,
    /// The figure's title.
    pub title: String,
    /// The figure's notes (what was left out, how to read it).
    pub notes: Vec<String>,
}

/// A missing prerequisite: `what` is said of the run (`no bias analysis` becomes `no bias
/// analysis in run 3`).
fn missing(run_id: i64, what: impl Into<String>, how: impl Into<String>) -> PipelineError {
    missing_for(run_id, format!("{} in run {run_id}", what.into()), how)
}

/// A missing prerequisite whose `what` already names the run.
fn missing_for(run_id: i64, what: impl Into<String>, how: impl Into<String>) -> PipelineError {
    PipelineError::Plot(PlotError::MissingPrerequisite {
        run_id,
        what: what.into(),
        how: how.into(),
        step: None,
    })
}

/// A missing prerequisite that `step` makes.
fn missing_step(run_id: i64, what: String, how: &str, step: MissingStep) -> PipelineError {
    PipelineError::Plot(PlotError::MissingPrerequisite {
        run_id,
        what,
        how: how.into(),
        step: Some(step),
    })
}

/// A stored run figures are drawn from: its fit, loaded once, and its observations, loaded the
/// first time a figure needs them (the HTML report draws every figure of a run from one load).
pub struct RunSource<'a> {
    project: &'a Project,
    run_id: i64,
    fit: Fit,
    data: std::cell::OnceCell<Option<RatingData>>,
}

impl<'a> RunSource<'a> {
    /// Loads run `run_id`'s fit.
    pub fn load(project: &'a Project, run_id: i64) -> Result<RunSource<'a>, PipelineError> {
        Ok(RunSource {
            project,
            run_id,
            fit: project.load_fit(run_id)?,
            data: std::cell::OnceCell::new(),
        })
    }

    /// The run's fit.
    pub fn fit(&self) -> &Fit {
        &self.fit
    }

    /// The run's fit, the source done with.
    pub fn into_fit(self) -> Fit {
        self.fit
    }

    /// The run's observations when they are still in force (else `None`: figures are drawn
    /// without observed values).
    fn data(&self) -> Result<Option<&RatingData>, PipelineError> {
        if self.data.get().is_none() {
            let data = data_if_current(self.project, self.run_id)?;
            let _ = self.data.set(data);
        }
        Ok(self.data.get().and_then(Option::as_ref))
    }

    /// The figure `request` asks for.
    pub fn figure(&self, request: &PlotRequest) -> Result<Figure, PipelineError> {
        build_figure_of(self, request)
    }
}

/// The figure `request` asks for, from run `run_id` of `project`.
pub fn build_figure(
    project: &Project,
    run_id: i64,
    request: &PlotRequest,
) -> Result<Figure, PipelineError> {
    RunSource::load(project, run_id)?.figure(request)
}

fn build_figure_of(source: &RunSource, request: &PlotRequest) -> Result<Figure, PipelineError> {
    let (project, run_id, fit) = (source.project, source.run_id, &source.fit);
    request.size.validate().map_err(PlotError::from)?;
    let mut figure = match request.kind {
        FigureKind::Wright => figures::wright::wright_figure(fit, request.size)
            .ok_or_else(|| missing(run_id, "no element with a measure", "fit the data first"))?,
        FigureKind::Raters => raters(project, run_id, fit, request)?,
        FigureKind::Distribution => {
            figures::distribution::distribution_figure(fit).ok_or_else(|| {
                missing(
                    run_id,
                    "no object facet with measures",
                    "fit a design with an object facet first",
                )
            })?
        }
        FigureKind::Curves => curves(run_id, fit, source.data()?, request)?,
        FigureKind::Bias => bias(project, run_id, request.size)?,
        FigureKind::Training => training(project, run_id, request)?,
        FigureKind::Contrast => contrast(run_id, fit, source.data()?)?,
        FigureKind::Plan => plan(project, run_id)?,
        FigureKind::Quality => figures::quality::quality_figure(&project.flags(run_id)?)
            .ok_or_else(|| {
                missing(
                    run_id,
                    "no rater flagged by the diagnosis",
                    "flag the run's raters first (a run without diagnosis flags has nothing to show)",
                )
            })?,
    };
    let subtitle = format!("run {run_id}");
    figure.subtitle = Some(match figure.subtitle.take() {
        Some(more) => format!("{subtitle}, {more}"),
        None => subtitle,
    });
    Ok(figure)
}

/// Builds, renders and writes the figure `request` asks for to `out` (SVG or PNG by the
/// extension), through a temporary file renamed into place.
pub fn plot_run(
    project: &Project,
    run_id: i64,
    request: &PlotRequest,
    out: &Path,
) -> Result<PlotOutcome, PipelineError> {
    let format = FigureFormat::from_path(out)?;
    let figure = build_figure(project, run_id, request)?;
    let bytes = write_figure(&figure, request.size, format, out)?;
    Ok(PlotOutcome {
        run_id,
        kind: request.kind,
        path: out.to_path_buf(),
        format,
        width: request.size.width,
        height: request.size.height,
        bytes,
        title: figure.title,
        notes: figure.notes,
    })
}

/// [`plot_run`] on the given run or the newest.
pub fn plot(
    project: &Project,
    run: Option<i64>,
    request: &PlotRequest,
    out: &Path,
) -> Result<PlotOutcome, PipelineError> {
    let run_id = resolve_run(project, run)?;
    plot_run(project, run_id, request, out)
}

/// Renders `figure` in `format` and writes it to `path` through `<path>.partial` renamed into
/// place; returns the bytes written. Nothing is left at the path on error.
pub fn write_figure(
    figure: &Figure,
    size: FigureSize,
    format: FigureFormat,
    path: &Path,
) -> Result<usize, PipelineError> {
    let body = match format {
        FigureFormat::Svg => figures::render_svg(figure, size)
            .map_err(PlotError::from)?
            .into_bytes(),
        FigureFormat::Png => figures::render_png(figure, size).map_err(PlotError::from)?,
    };
    crate::export::write_whole(path, &body).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(body.len())
}

/// The facet named `name` (or the first of `role` when `None`).
fn facet_index(
    fit: &Fit,
    run_id: i64,
    name: Option<&str>,
    role: FacetRole,
) -> Result<Option<usize>, PipelineError> {
    match name {
        Some(name) => fit
            .facets
            .iter()
            .position(|f| f.name == name)
            .map(Some)
            .ok_or_else(|| {
                PlotError::UnknownFacet {
                    run_id,
                    facet: name.to_string(),
                    facets: fit
                        .facets
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
                .into()
            }),
        None => Ok(fit.facets.iter().position(|f| f.role == role)),
    }
}

fn raters(
    project: &Project,
    run_id: i64,
    fit: &Fit,
    request: &PlotRequest,
) -> Result<Figure, PipelineError> {
    let facet =
        facet_index(fit, run_id, request.facet.as_deref(), FacetRole::Rater)?.ok_or_else(|| {
            missing_step(
                run_id,
                format!("no rater facet in run {run_id}"),
                "name the facet to draw",
                MissingStep::NameFacet,
            )
        })?;
    let rules = project.flag_rules()?;
    let flags = project.flags(run_id)?;
    let excluded: Vec<u32> = project
        .excluded_elements()?
        .into_iter()
        .filter(|(f, _)| *f == facet)
        .map(|(_, e)| e)
        .collect();
    let mut figure = figures::raters::raters_figure(fit, facet, &rules, &flags, &excluded);
    if flags.is_empty() {
        figure.notes.push(format!(
            "no flags raised on run {run_id} (flag the run's raters to mark them)"
        ));
    }
    Ok(figure)
}

/// The observations of the run when they are still in force (else `None`: the curves are drawn
/// without observed averages).
fn data_if_current(project: &Project, run_id: i64) -> Result<Option<RatingData>, PipelineError> {
    match run_data(project, run_id) {
        Ok(data) => Ok(Some(data)),
        Err(PipelineError::StaleRun { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn curves(
    run_id: i64,
    fit: &Fit,
    data: Option<&RatingData>,
    request: &PlotRequest,
) -> Result<Figure, PipelineError> {
    use figures::curves::{curves_figure, CurveSelection};
    let item_facet = fit.facets.iter().position(|f| f.role == FacetRole::Item);
    let selection = match request.item.as_deref() {
        Some(name) => {
            let scale = fit.scales.iter().position(|s| s.label == name);
            let item = item_facet.and_then(|f| {
                fit.facets[f]
                    .elements
                    .iter()
                    .position(|e| e.label == name)
                    .map(|e| (f, e as u32))
            });
            if scale.is_none() && item.is_none() {
                let mut names: Vec<&str> = item_facet
                    .map(|f| {
                        fit.facets[f]
                            .elements
                            .iter()
                            .map(|e| e.label.as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                for s in &fit.scales {
                    if !names.contains(&s.label.as_str()) {
                        names.push(&s.label);
                    }
                }
                return Err(PlotError::UnknownItem {
                    run_id,
                    item: name.to_string(),
                    items: names.join(", "),
                }
                .into());
            }
            CurveSelection { scale, item }
        }
        None => CurveSelection {
            scale: None,
            item: None,
        },
    };
    let figure = curves_figure(fit, data, &selection).ok_or_else(|| {
        missing(
            run_id,
            "no rating scale with thresholds",
            "fit data with at least two categories first",
        )
    })?;
    Ok(figure)
}

fn bias(project: &Project, run_id: i64, size: FigureSize) -> Result<Figure, PipelineError> {
    let (_, table) = super::newest_bias(project, run_id)?.ok_or_else(|| {
        missing_step(
            run_id,
            format!("no bias analysis in run {run_id}"),
            "analyse the bias between rater and item first",
            MissingStep::Bias {
                project: project.path().to_path_buf(),
            },
        )
    })?;
    Ok(figures::bias::bias_figure(&table, size))
}

fn training(
    project: &Project,
    run_id: i64,
    request: &PlotRequest,
) -> Result<Figure, PipelineError> {
    let record = match request.model {
        Some(id) => project
            .model(id)?
            .filter(|m| m.status == crate::store::ModelStatus::Trained)
            .ok_or(PlotError::UnknownModel { model: id })?,
        None => project
            .models()?
            .into_iter()
            .rev()
            .find(|m| m.run_id == run_id && m.status == crate::store::ModelStatus::Trained)
            .ok_or_else(|| {
                missing_step(
                    run_id,
                    format!("no trained model for run {run_id}"),
                    "train a text model on the run first",
                    MissingStep::Train {
                        project: project.path().to_path_buf(),
                    },
                )
            })?,
    };
    let history: Vec<crate::predict::EpochReport> = record
        .metrics
        .get("history")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| crate::store::StoreError::Corrupt {
            path: project.path().to_path_buf(),
            message: format!("model {} history: {e}", record.id),
        })?
        .unwrap_or_default();
    figures::training::training_figure(record.id, &record.encoder, &history).ok_or_else(|| {
        missing(
            run_id,
            format!("model {} has no training history", record.id),
            "train a model again to record its epochs",
        )
    })
}

/// The first residual contrast, from the run's fit and observations as already loaded (`None`:
/// the observations in force are no longer the run's).
fn contrast(run_id: i64, fit: &Fit, data: Option<&RatingData>) -> Result<Figure, PipelineError> {
    let Some(data) = data else {
        return Err(missing_for(
            run_id,
            format!(
                "run {run_id} was fitted on other observations than those in force now (decisions changed since)"
            ),
            "fit again to draw its residual contrast",
        ));
    };
    let table = match crate::measure::dimensionality(fit, data) {
        Ok(table) => table,
        Err(DimensionalityError::TooFewItems { items }) => {
            return Err(missing(
                run_id,
                format!("no residual contrast ({items} item(s) with responses used)"),
                "a contrast needs a design with at least two items",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    figures::contrast::contrast_figure(fit, &table).ok_or_else(|| {
        missing(
            run_id,
            "no residual contrast",
            "a contrast needs a design with at least two items",
        )
    })
}

fn plan(project: &Project, run_id: i64) -> Result<Figure, PipelineError> {
    let settings = super::PlanSettings {
        raters_per_object: (1..=12).collect(),
        ..Default::default()
    };
    match super::plan_run(project, Some(run_id), &settings) {
        Ok(planned) => Ok(figures::plan::plan_figure(&planned.plan)),
        Err(PipelineError::Plan(PlanError::NoRaterFacet)) => Err(missing(
            run_id,
            "no rater facet",
            "a design plan needs a design with raters",
        )),
        Err(PipelineError::Plan(e @ (PlanError::Empty(_) | PlanError::ScaleFacet(_)))) => {
            Err(missing(run_id, "no design plan", e.to_string()))
        }
        Err(e) => Err(e),
    }
}
