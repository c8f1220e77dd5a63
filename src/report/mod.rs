//! The shareable report of one run: a single self-contained HTML file that opens offline in any
//! browser (no CDN, no fetched fonts or scripts), for colleagues who never open a terminal.
//!
//! The report shows what Facets prints for a run, in its words: provenance (data checksums,
//! options, version, time), Table 3 (iterations), Table 5 (the measurable data summary), Table 7
//! for every facet (all rows, sortable by any column with a few lines of inline script, long
//! tables collapsible), Table 8 per rating scale, the rater flags and the decisions in force, the
//! largest terms of the newest bias analysis (Table 13) and the run's figures as inline SVG.
//!
//! This module only *presents*: [`ReportContent`] is gathered by
//! [`crate::pipeline::report`] from the stored run and [`render_html`] turns it into the page.
//! Every number comes from the library's tables; nothing is computed here.

mod html;
mod tables;

pub use html::render_html;

use crate::data::Recode;
use crate::measure::bias::InteractionTable;
use crate::measure::Fit;
use crate::quality::Flag;
use crate::store::{DatasetRecord, DecisionRecord, RunRecord};
use serde::Serialize;

/// How many bias terms the report lists (the largest |t| first), as Facets' Table 13 does with
/// its `Bias=` output limited to the most significant cells.
pub const REPORT_BIAS_TERMS: usize = 25;

/// Tables with more rows than this are collapsed (`<details>`) until the reader opens them.
pub const COLLAPSE_ROWS: usize = 50;

/// Where the run's data and settings came from.
#[derive(Debug, Clone, Serialize)]
pub struct ReportProvenance {
    /// The project file's name.
    pub project: String,
    /// The imported data sets (path, SHA-256, rows, when).
    pub datasets: Vec<DatasetRecord>,
    /// SHA-256 over the dataset descriptions of the project's data sets.
    pub config_sha256: String,
    /// SHA-256 over the observations the run used.
    pub data_sha256: String,
    /// The recode the run applied to the stored categories, if any.
    pub recode: Option<Recode>,
    /// The scalewright version that wrote the report.
    pub scalewright_version: String,
    /// When the report was written (RFC 3339 UTC).
    pub created_at: String,
}

/// One figure of the report: inline SVG, or the reason it could not be drawn for this run and
/// how to make it (e.g. no bias analysis yet).
#[derive(Debug, Clone, Serialize)]
pub struct ReportFigure {
    /// The figure's name (its `plot --what` kind, plus the item where there is one).
    pub name: String,
    /// The heading shown above the figure.
    pub title: String,
    /// The SVG document, or why the figure is missing.
    pub content: FigureContent,
}

/// A figure's content in the report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "value")]
pub enum FigureContent {
    /// The figure as an SVG document.
    Svg(String),
    /// The figure needs something the run does not have; the text says what and how to make it.
    Missing(String),
}

/// The newest bias analysis of the run, as stored by `scalewright bias`.
#[derive(Debug, Clone)]
pub struct BiasSection {
    /// The stored analysis' name (`a x b`).
    pub name: String,
    /// Facets' Table 13 of the analysis.
    pub table: InteractionTable,
}

/// Everything the report shows, gathered from the stored run.
#[derive(Debug, Clone)]
pub struct ReportContent {
    /// Provenance: files, checksums, version, time.
    pub provenance: ReportProvenance,
    /// The run.
    pub run: RunRecord,
    /// The run's tables (3, 5, 7 and 8) and options.
    pub fit: Fit,
    /// The rater flags raised on the run.
    pub flags: Vec<Flag>,
    /// The decisions in force in the project.
    pub decisions: Vec<DecisionRecord>,
    /// The newest bias analysis, if the run has one.
    pub bias: Option<BiasSection>,
    /// The figures, in the order shown.
    pub figures: Vec<ReportFigure>,
}
