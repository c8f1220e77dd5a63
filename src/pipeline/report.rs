//! The HTML report of a stored run (`scalewright report --html`, a pipeline's `[report]` step and
//! the workbench's Export screen): gathers the run's tables, flags, decisions, newest bias
//! analysis and figures, renders them with [`crate::report::render_html`] and writes the page
//! whole or not at all.

use super::plot::{PlotError, PlotRequest, RunSource};
use super::{write_whole, PipelineError};
use crate::figures::FigureKind;
use crate::progress::Observer;
use crate::report::{FigureContent, ReportContent, ReportFigure, ReportProvenance};
use crate::store::{now_rfc3339, Project};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How far the report has got: one report per part gathered (the tables, then each figure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportProgress {
    /// The part just finished.
    pub part: String,
    /// Parts finished so far.
    pub done: usize,
    /// Parts in all.
    pub total: usize,
}

/// A written report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    /// The file written.
    pub path: PathBuf,
    /// The run reported.
    pub run_id: i64,
    /// Its size in bytes.
    pub bytes: usize,
    /// Table 7 rows, over all facets.
    pub table7_rows: usize,
    /// Figures drawn inline.
    pub figures: Vec<String>,
    /// Figures left out, each with what is missing and how to make it.
    pub figures_missing: Vec<String>,
    /// Whether a bias analysis (Table 13) is included.
    pub bias: bool,
    /// When the report was written (RFC 3339 UTC).
    pub created_at: String,
}

/// Everything the report of run `run_id` shows, read from the project (figures drawn as SVG).
pub fn report_content(
    project: &Project,
    run_id: i64,
    observer: &mut dyn Observer<ReportProgress>,
) -> Result<ReportContent, PipelineError> {
    let run = project
        .runs()?
        .into_iter()
        .find(|r| r.id == run_id)
        .ok_or_else(|| PipelineError::InvalidSetting(format!("no run {run_id} in the project")))?;
    let source = RunSource::load(project, run_id)?;
    let datasets = project.datasets()?;
    let config_sha256 =
        crate::provenance::descriptions_sha256(datasets.iter().map(|d| d.config_sha256.as_str()));
    let provenance = ReportProvenance {
        project: project
            .path()
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        config_sha256,
        data_sha256: project.run_fingerprint(run_id)?,
        recode: project.run_recode(run_id)?,
        datasets,
        scalewright_version: crate::VERSION.to_string(),
        created_at: now_rfc3339(),
    };
    let flags = project.flags(run_id)?;
    let decisions = project.decisions()?;
    let bias = super::newest_bias(project, run_id)?
        .map(|(name, table)| crate::report::BiasSection { name, table });
    let figures = report_figures(&source, observer)?;
    let fit = source.into_fit();
    Ok(ReportContent {
        provenance,
        run,
        fit,
        flags,
        decisions,
        bias,
        figures,
    })
}

/// Writes the HTML report of run `run_id` to `path` (nothing is left there on failure).
pub fn write_report(
    project: &Project,
    run_id: i64,
    path: &Path,
    observer: &mut dyn Observer<ReportProgress>,
) -> Result<ReportSummary, PipelineError> {
    let content = report_content(project, run_id, observer)?;
    let html = crate::report::render_html(&content);
    write_whole(path, html.as_bytes())?;
    let (figures, figures_missing) = content.figures.iter().fold(
        (Vec::new(), Vec::new()),
        |(mut drawn, mut missing), figure| {
            match &figure.content {
                crate::report::FigureContent::Svg(_) => drawn.push(figure.name.clone()),
                crate::report::FigureContent::Missing(why) => {
                    missing.push(format!("{}: {why}", figure.name))
                }
            }
            (drawn, missing)
        },
    );
    Ok(ReportSummary {
        path: path.to_path_buf(),
        run_id,
        bytes: html.len(),
        table7_rows: content.fit.facets.iter().map(|f| f.elements.len()).sum(),
        figures,
        figures_missing,
        bias: content.bias.is_some(),
        created_at: content.provenance.created_at,
    })
}

/// One progress report; `Err(Cancelled)` when the observer asks to stop.
fn part_done(
    observer: &mut dyn Observer<ReportProgress>,
    part: &str,
    done: usize,
    total: usize,
) -> Result<(), PipelineError> {
    let report = ReportProgress {
        part: part.to_string(),
        done,
        total,
    };
    match observer.observe(&report) {
        std::ops::ControlFlow::Continue(()) => Ok(()),
        std::ops::ControlFlow::Break(()) => Err(PipelineError::Cancelled),
    }
}

/// The figures of the report, in the order shown: the Wright map, the object distribution,
/// the rater fit map, the category curves of every rating scale, then those that need more than
/// the fit (the newest bias analysis, the residual contrast, the design plan, the newest trained
/// model's loss curves). Each with its name (the `plot --what` kind, `curves:<scale>` for
/// curves) and caption.
fn report_figure_requests(fit: &crate::measure::Fit) -> Vec<(String, String, PlotRequest)> {
    let mut requests = vec![
        (
            FigureKind::Wright.to_string(),
            "Wright map: every facet on one logit ruler (Facets Table 6)".to_string(),
            PlotRequest::new(FigureKind::Wright),
        ),
        (
            FigureKind::Distribution.to_string(),
            "Object measures with their standard errors, and the test information".to_string(),
            PlotRequest::new(FigureKind::Distribution),
        ),
        (
            FigureKind::Raters.to_string(),
            "Rater fit map: severity against infit mean-square, Linacre's bands shaded".to_string(),
            PlotRequest::new(FigureKind::Raters),
        ),
    ];
    for scale in &fit.scales {
        let item = scale.element.map(|_| scale.label.clone());
        requests.push((
            format!("{}:{}", FigureKind::Curves, scale.label),
            format!(
                "Category probability curves, expected score and observed averages: {}",
                scale.label
            ),
            PlotRequest {
                item,
                ..PlotRequest::new(FigureKind::Curves)
            },
        ));
    }
    for (kind, caption) in [
        (
            FigureKind::Bias,
            "Bias/interaction terms of the newest bias analysis with 95% intervals (Table 13)",
        ),
        (
            FigureKind::Contrast,
            "Item loadings on the first contrast of the residuals (Winsteps Table 23)",
        ),
        (
            FigureKind::Plan,
            "Design plan: forecast object reliability against raters per object",
        ),
        (
            FigureKind::Training,
            "The newest text model's training and validation loss by epoch",
        ),
        (
            FigureKind::Quality,
            "Rater diagnosis: each flagged rater's discrimination against threshold stretch, by type",
        ),
    ] {
        requests.push((
            kind.to_string(),
            caption.to_string(),
            PlotRequest::new(kind),
        ));
    }
    requests
}

/// The run's figures as inline SVG; a figure whose prerequisite the run lacks (no bias analysis,
/// no trained model...) is kept as a note saying what is missing and how to make it. Reports
/// one part per figure after the tables.
fn report_figures(
    source: &RunSource,
    observer: &mut dyn Observer<ReportProgress>,
) -> Result<Vec<ReportFigure>, PipelineError> {
    let requests = report_figure_requests(source.fit());
    let total = requests.len() + 1;
    part_done(observer, "tables", 1, total)?;
    let mut figures = Vec::with_capacity(requests.len());
    for (done, (name, title, request)) in requests.into_iter().enumerate() {
        let content = match source.figure(&request) {
            Ok(figure) => FigureContent::Svg(
                crate::figures::render_svg(&figure, request.size).map_err(PlotError::from)?,
            ),
            Err(e) if e.is_missing_prerequisite() => FigureContent::Missing(e.to_string()),
            Err(e) => return Err(e),
        };
        part_done(observer, &name, done + 2, total)?;
        figures.push(ReportFigure {
            name,
            title,
            content,
        });
    }
    Ok(figures)
}
