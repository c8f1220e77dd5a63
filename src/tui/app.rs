//! The workbench's state: the [`App`] model, the loaded project view ([`Loaded`]) and one state
//! struct per screen. Sorted and filtered row orders are computed here when their inputs change
//! (never per frame), so a frame only formats the rows it shows.

use super::jobs::{JobKind, RunView, Snapshot};
use crate::data::{ElementIndex, FacetRole, RatingData};
use crate::export::ExportKind;
use crate::ingest::preview::ImportPreview;
use crate::measure::{IterationReport, Method};
use crate::pipeline::RunComparison;
use crate::quality::detail::ElementDetail;
use crate::quality::queues::QueueEntry;
use crate::quality::{FlagLevel, FlagRules, Rule};
use crate::store::{
    DatasetRecord, Decision, DecisionRecord, ImportSummary, ItemDefinition, Project,
    ProjectSummary, RunRecord, StoreError,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The screens, in tab order; the number is the key that opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Import,
    Overview,
    Raters,
    Items,
    Comments,
    Wright,
    Runs,
    Train,
    Export,
    Annotate,
}

impl Tab {
    /// The tab bar, in order.
    pub const ALL: [Tab; 10] = [
        Tab::Import,
        Tab::Overview,
        Tab::Raters,
        Tab::Items,
        Tab::Comments,
        Tab::Wright,
        Tab::Runs,
        Tab::Train,
        Tab::Export,
        Tab::Annotate,
    ];

    /// The digit that opens the tab.
    pub fn key(self) -> char {
        match self {
            Tab::Import => '0',
            Tab::Overview => '1',
            Tab::Raters => '2',
            Tab::Items => '3',
            Tab::Comments => '4',
            Tab::Wright => '5',
            Tab::Runs => '6',
            Tab::Train => '7',
            Tab::Export => '8',
            Tab::Annotate => '9',
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::Import => "Import",
            Tab::Overview => "Overview",
            Tab::Raters => "Raters",
            Tab::Items => "Items & scale",
            Tab::Comments => "Comments",
            Tab::Wright => "Wright map",
            Tab::Runs => "Runs",
            Tab::Train => "Train",
            Tab::Export => "Export",
            Tab::Annotate => "Annotate",
        }
    }

    /// A three-letter name for narrow terminals.
    pub fn short(self) -> &'static str {
        match self {
            Tab::Import => "Imp",
            Tab::Overview => "Ovw",
            Tab::Raters => "Rat",
            Tab::Items => "Itm",
            Tab::Comments => "Com",
            Tab::Wright => "Map",
            Tab::Runs => "Run",
            Tab::Train => "Trn",
            Tab::Export => "Exp",
            Tab::Annotate => "Ann",
        }
    }

    pub fn from_key(key: char) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == key)
    }

    fn position(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.position() + 1) % Tab::ALL.len()]
    }

    pub fn previous(self) -> Tab {
        Tab::ALL[(self.position() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// How the status line shows a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A selection in a list of `len` rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    pub index: usize,
}

/// Rows a page key moves.
pub const PAGE: usize = 10;

impl Selection {
    /// Moves within `0..len` (stays at 0 for an empty list).
    pub fn apply(&mut self, movement: super::action::Move, len: usize) {
        use super::action::Move;
        let last = len.saturating_sub(1);
        self.index = match movement {
            Move::Up => self.index.saturating_sub(1),
            Move::Down => (self.index + 1).min(last),
            Move::PageUp => self.index.saturating_sub(PAGE),
            Move::PageDown => (self.index + PAGE).min(last),
            Move::First => 0,
            Move::Last => last,
        };
    }

    pub fn clamp(&mut self, len: usize) {
        self.index = self.index.min(len.saturating_sub(1));
    }
}

/// What the project holds, before the background load completes.
#[derive(Debug, Clone, Default)]
pub struct QuickFacts {
    pub datasets: Vec<DatasetRecord>,
    /// (facet name, role, elements)
    pub facets: Vec<(String, FacetRole, usize)>,
}

/// One rater's row of the Raters table.
#[derive(Debug, Clone, PartialEq)]
pub struct RaterRow {
    pub element: u32,
    pub label: String,
    pub severity: Option<f64>,
    pub se: Option<f64>,
    pub infit: Option<f64>,
    pub infit_zstd: Option<f64>,
    pub outfit: Option<f64>,
    pub outfit_zstd: Option<f64>,
    pub count: usize,
    pub flags: Vec<Rule>,
    /// The strongest level among the flags.
    pub level: Option<FlagLevel>,
    pub decision: Option<Decision>,
}

/// One comment's row of the Comments table.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentRow {
    pub element: u32,
    pub label: String,
    pub measure: Option<f64>,
    pub se: Option<f64>,
    pub infit: Option<f64>,
    pub outfit: Option<f64>,
    pub count: usize,
    pub status: &'static str,
    /// The newest text model's predicted measure (once predictions are loaded).
    pub predicted: Option<f64>,
}

/// The project as the screens show it (built from a [`Snapshot`]).
#[derive(Debug)]
pub struct Loaded {
    pub summary: ProjectSummary,
    pub data: RatingData,
    pub texts: Vec<Option<String>>,
    /// Lower-case texts, for search.
    pub search_texts: Vec<String>,
    pub runs: Vec<RunRecord>,
    pub run: Option<RunView>,
    /// Decisions in force on raters of the first rater facet, by label.
    pub decisions: HashMap<String, DecisionRecord>,
    pub items: Vec<ItemDefinition>,
    pub flag_rules: FlagRules,
    pub rater_facet: Option<usize>,
    pub rater_index: Option<ElementIndex>,
    pub object_index: ElementIndex,
    pub rater_rows: Vec<RaterRow>,
    pub comment_rows: Vec<CommentRow>,
    /// The newest trained text model, and whether its predictions are in `comment_rows`.
    pub latest_model: Option<i64>,
    pub predictions_of: Option<i64>,
}

impl Loaded {
    pub fn from_snapshot(snapshot: Snapshot) -> Loaded {
        let Snapshot {
            summary,
            data,
            texts,
            runs,
            run,
            decisions,
            items,
            flag_rules,
            latest_model,
        } = snapshot;
        let rater_facet = data.rater_facets().next();
        let rater_index = rater_facet.map(|f| ElementIndex::new(&data, f));
        let object_index = ElementIndex::new(&data, data.object_facet);
        let rater_name = rater_facet.map(|f| data.facets[f].name.clone());
        let decisions: HashMap<String, DecisionRecord> = decisions
            .into_iter()
            .filter(|d| Some(&d.facet) == rater_name.as_ref())
            .map(|d| (d.label.clone(), d))
            .collect();
        let search_texts = texts
            .iter()
            .map(|t| t.as_deref().unwrap_or("").to_lowercase())
            .collect();
        let mut loaded = Loaded {
            summary,
            data,
            texts,
            search_texts,
            runs,
            run,
            decisions,
            items,
            flag_rules,
            rater_facet,
            rater_index,
            object_index,
            rater_rows: Vec::new(),
            comment_rows: Vec::new(),
            latest_model,
            predictions_of: None,
        };
        loaded.rater_rows = loaded.build_rater_rows();
        loaded.comment_rows = loaded.build_comment_rows();
        loaded
    }

    fn build_rater_rows(&self) -> Vec<RaterRow> {
        let (Some(facet), Some(index)) = (self.rater_facet, &self.rater_index) else {
            return Vec::new();
        };
        let mut flags: HashMap<u32, Vec<(Rule, FlagLevel)>> = HashMap::new();
        if let Some(run) = &self.run {
            for flag in run.flags.iter().filter(|f| f.facet == facet) {
                flags
                    .entry(flag.element)
                    .or_default()
                    .push((flag.rule, flag.level));
            }
        }
        let estimates = self
            .run
            .as_ref()
            .and_then(|r| r.fit.facets.get(facet))
            .map(|f| &f.elements);
        self.data.facets[facet]
            .labels
            .iter()
            .enumerate()
            .map(|(e, label)| {
                let estimate = estimates
                    .and_then(|list| list.get(e))
                    .filter(|s| s.status != crate::measure::ElementStatus::Dropped || s.count > 0);
                let element_flags = flags.remove(&(e as u32)).unwrap_or_default();
                let level = if element_flags.iter().any(|(_, l)| *l == FlagLevel::Exclude) {
                    Some(FlagLevel::Exclude)
                } else if element_flags.is_empty() {
                    None
                } else {
                    Some(FlagLevel::Review)
                };
                RaterRow {
                    element: e as u32,
                    label: label.clone(),
                    severity: estimate.map(|s| s.measure),
                    se: estimate.and_then(|s| s.model_se),
                    infit: estimate.and_then(|s| s.infit),
                    infit_zstd: estimate.and_then(|s| s.infit_zstd),
                    outfit: estimate.and_then(|s| s.outfit),
                    outfit_zstd: estimate.and_then(|s| s.outfit_zstd),
                    count: index.of(e as u32).len(),
                    flags: element_flags.into_iter().map(|(r, _)| r).collect(),
                    level,
                    decision: self.decisions.get(label).map(|d| d.decision),
                }
            })
            .collect()
    }

    fn build_comment_rows(&self) -> Vec<CommentRow> {
        if self.data.facets.is_empty() {
            return Vec::new();
        }
        let estimates = self
            .run
            .as_ref()
            .and_then(|r| r.fit.facets.get(self.data.object_facet))
            .map(|f| &f.elements);
        self.data
            .objects()
            .labels
            .iter()
            .enumerate()
            .map(|(o, label)| {
                let estimate = estimates.and_then(|list| list.get(o));
                CommentRow {
                    element: o as u32,
                    label: label.clone(),
                    measure: estimate
                        .filter(|s| s.status != crate::measure::ElementStatus::Dropped)
                        .map(|s| s.measure),
                    se: estimate.and_then(|s| s.model_se),
                    infit: estimate.and_then(|s| s.infit),
                    outfit: estimate.and_then(|s| s.outfit),
                    count: self.object_index.of(o as u32).len(),
                    status: estimate.map_or("", |s| s.status.as_str()),
                    predicted: None,
                }
            })
            .collect()
    }

    /// Records decisions written to the project in the view (rows and the run's staleness).
    pub fn apply_decisions(&mut self, labels: &[String], decision: Decision, reason: &str) {
        let facet = self
            .rater_facet
            .map(|f| self.data.facets[f].name.clone())
            .unwrap_or_default();
        for label in labels {
            self.decisions.insert(
                label.clone(),
                DecisionRecord {
                    facet: facet.clone(),
                    label: label.clone(),
                    decision,
                    reason: reason.to_string(),
                    source: "tui".into(),
                    decided_at: String::new(),
                },
            );
            if let Some(row) = self.rater_rows.iter_mut().find(|r| &r.label == label) {
                row.decision = Some(decision);
            }
        }
        if let Some(run) = &mut self.run {
            run.stale = true;
        }
    }

    /// Installs model `model_id`'s predicted measures in the comment rows.
    pub fn apply_predictions(&mut self, model_id: i64, measures: &[(u32, f64)]) {
        for row in &mut self.comment_rows {
            row.predicted = None;
        }
        for &(object, measure) in measures {
            if let Some(row) = self.comment_rows.get_mut(object as usize) {
                row.predicted = Some(measure);
            }
        }
        self.predictions_of = Some(model_id);
    }

    /// Items in the data (0 before the first import).
    pub fn n_items(&self) -> usize {
        self.data
            .facets
            .get(self.data.item_facet)
            .map_or(0, |f| f.len())
    }

    pub fn fit(&self) -> Option<&crate::measure::Fit> {
        self.run.as_ref().map(|r| &r.fit)
    }

    pub fn text(&self, object: u32) -> &str {
        self.texts
            .get(object as usize)
            .and_then(|t| t.as_deref())
            .unwrap_or("")
    }
}

/// The Raters table's sort columns, in the order `s` steps through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaterSort {
    Label,
    Severity,
    Se,
    Infit,
    InfitZstd,
    Outfit,
    OutfitZstd,
    Count,
    Flags,
    Decision,
}

impl RaterSort {
    pub const ALL: [RaterSort; 10] = [
        RaterSort::Label,
        RaterSort::Severity,
        RaterSort::Se,
        RaterSort::Infit,
        RaterSort::InfitZstd,
        RaterSort::Outfit,
        RaterSort::OutfitZstd,
        RaterSort::Count,
        RaterSort::Flags,
        RaterSort::Decision,
    ];

    pub fn title(self) -> &'static str {
        match self {
            RaterSort::Label => "Rater",
            RaterSort::Severity => "Severity",
            RaterSort::Se => "S.E.",
            RaterSort::Infit => "Infit",
            RaterSort::InfitZstd => "ZStd",
            RaterSort::Outfit => "Outfit",
            RaterSort::OutfitZstd => "ZStd ",
            RaterSort::Count => "Count",
            RaterSort::Flags => "Flags",
            RaterSort::Decision => "Decision",
        }
    }

    pub fn next(self) -> RaterSort {
        let i = RaterSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        RaterSort::ALL[(i + 1) % RaterSort::ALL.len()]
    }
}

/// The Raters screen.
#[derive(Debug, Clone, PartialEq)]
pub struct RatersState {
    pub sort: RaterSort,
    pub descending: bool,
    pub filter: String,
    pub editing: bool,
    pub flagged_only: bool,
    /// Indexes into `Loaded::rater_rows`, sorted and filtered.
    pub order: Vec<usize>,
    pub selection: Selection,
    pub detail: Option<ElementDetail>,
}

impl Default for RatersState {
    fn default() -> Self {
        RatersState {
            sort: RaterSort::Label,
            descending: false,
            filter: String::new(),
            editing: false,
            flagged_only: false,
            order: Vec::new(),
            selection: Selection::default(),
            detail: None,
        }
    }
}

fn compare_option(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    // Rows without a value sort last in ascending order.
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Labels that are whole numbers sort numerically, others as text.
fn compare_labels(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

impl RatersState {
    /// Recomputes the sorted, filtered order of `rows` and keeps the selection in range.
    pub fn rebuild(&mut self, rows: &[RaterRow]) {
        let needle = self.filter.trim().to_lowercase();
        let mut order: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let row = &rows[i];
                (!self.flagged_only || !row.flags.is_empty())
                    && (needle.is_empty()
                        || row.label.to_lowercase().contains(&needle)
                        || row.flags.iter().any(|f| f.name().contains(&needle)))
            })
            .collect();
        let key = self.sort;
        let descending = self.descending;
        // Rows without a value (no fit, extreme raters without fit statistics) stay last in
        // either direction.
        let by = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) if descending => y.total_cmp(&x),
            _ => compare_option(x, y),
        };
        let directed = |o: std::cmp::Ordering| if descending { o.reverse() } else { o };
        order.sort_by(|&a, &b| {
            let (x, y) = (&rows[a], &rows[b]);
            let ordering = match key {
                RaterSort::Label => directed(compare_labels(&x.label, &y.label)),
                RaterSort::Severity => by(x.severity, y.severity),
                RaterSort::Se => by(x.se, y.se),
                RaterSort::Infit => by(x.infit, y.infit),
                RaterSort::InfitZstd => by(x.infit_zstd, y.infit_zstd),
                RaterSort::Outfit => by(x.outfit, y.outfit),
                RaterSort::OutfitZstd => by(x.outfit_zstd, y.outfit_zstd),
                RaterSort::Count => directed(x.count.cmp(&y.count)),
                RaterSort::Flags => directed(x.flags.len().cmp(&y.flags.len())),
                RaterSort::Decision => {
                    directed(decision_rank(x.decision).cmp(&decision_rank(y.decision)))
                }
            };
            ordering.then_with(|| compare_labels(&x.label, &y.label))
        });
        self.order = order;
        self.selection.clamp(self.order.len());
    }

    /// The selected row's index into `Loaded::rater_rows`.
    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.selection.index).copied()
    }
}

fn decision_rank(d: Option<Decision>) -> u8 {
    match d {
        None => 0,
        Some(Decision::Undecided) => 1,
        Some(Decision::Keep) => 2,
        Some(Decision::Exclude) => 3,
    }
}

/// The Items & scale screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemsState {
    pub selection: Selection,
    /// The selected item's scale: its index in the fit's scales.
    pub scale: Option<usize>,
    /// Its category probability curves `P_k(η)` (from the library), for the chart.
    pub curves: Vec<Vec<(f64, f64)>>,
}

/// Points per category probability curve.
pub const CURVE_POINTS: usize = 121;
/// Logits shown beyond the outermost thresholds in the curves chart.
pub const CURVE_MARGIN: f64 = 3.0;

impl ItemsState {
    /// The scale of the selected item and its curves, from the loaded fit.
    pub fn refresh(&mut self, loaded: Option<&Loaded>) {
        self.scale = None;
        self.curves.clear();
        let Some(fit) = loaded.and_then(|l| l.fit()) else {
            return;
        };
        let item = self.selection.index as u32;
        let scale = match fit.scale_facet {
            Some(_) => fit.scales.iter().position(|s| s.element == Some(item)),
            None => (!fit.scales.is_empty()).then_some(0),
        };
        let Some(s) = scale else {
            return;
        };
        let thresholds = fit.scales[s].thresholds();
        let lowest = thresholds.iter().copied().fold(0.0, f64::min);
        let highest = thresholds.iter().copied().fold(0.0, f64::max);
        self.curves = fit.scales[s].category_curves(
            lowest - CURVE_MARGIN,
            highest + CURVE_MARGIN,
            CURVE_POINTS,
        );
        self.scale = Some(s);
    }
}

/// The Comments table's sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentSort {
    Label,
    MeasureDescending,
    SeDescending,
}

impl CommentSort {
    pub fn next(self) -> CommentSort {
        match self {
            CommentSort::Label => CommentSort::MeasureDescending,
            CommentSort::MeasureDescending => CommentSort::SeDescending,
            CommentSort::SeDescending => CommentSort::Label,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            CommentSort::Label => "id",
            CommentSort::MeasureDescending => "measure (highest first)",
            CommentSort::SeDescending => "S.E. (largest first)",
        }
    }
}

/// The Comments screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentsState {
    pub search: String,
    pub editing: bool,
    pub sort: CommentSort,
    pub order: Vec<usize>,
    pub selection: Selection,
    pub detail: Option<ElementDetail>,
}

impl Default for CommentsState {
    fn default() -> Self {
        CommentsState {
            search: String::new(),
            editing: false,
            sort: CommentSort::Label,
            order: Vec::new(),
            selection: Selection::default(),
            detail: None,
        }
    }
}

impl CommentsState {
    /// Recomputes the order: comments whose id or text contains the search text.
    pub fn rebuild(&mut self, loaded: &Loaded) {
        let needle = self.search.trim().to_lowercase();
        let rows = &loaded.comment_rows;
        let mut order: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                needle.is_empty()
                    || rows[i].label.to_lowercase().contains(&needle)
                    || loaded.search_texts[i].contains(&needle)
            })
            .collect();
        match self.sort {
            CommentSort::Label => {
                order.sort_by(|&a, &b| compare_labels(&rows[a].label, &rows[b].label))
            }
            CommentSort::MeasureDescending => {
                order.sort_by(|&a, &b| compare_option(rows[b].measure, rows[a].measure))
            }
            CommentSort::SeDescending => {
                order.sort_by(|&a, &b| compare_option(rows[b].se, rows[a].se))
            }
        }
        self.order = order;
        self.selection.clamp(self.order.len());
    }

    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.selection.index).copied()
    }
}

/// The fit form and the runs list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsState {
    pub method: Method,
    pub rating_scale: bool,
    pub max_iterations: usize,
    /// Iterations of the fit running now (or the last one started here).
    pub progress: Vec<IterationReport>,
    pub running: bool,
    pub selection: Selection,
    pub marked: Vec<i64>,
    pub comparison: Option<RunComparison>,
}

/// Step of the iteration cap in the form.
pub const ITERATION_STEP: usize = 50;

impl Default for RunsState {
    fn default() -> Self {
        RunsState {
            method: Method::Jmle,
            rating_scale: false,
            max_iterations: crate::measure::Convergence::default().max_iterations,
            progress: Vec::new(),
            running: false,
            selection: Selection::default(),
            marked: Vec::new(),
            comparison: None,
        }
    }
}

/// The Train screen: the predictor's form, the live epochs and the held-out evaluation.
#[derive(Debug, Clone, Default)]
pub struct TrainState {
    /// The options the form edits (the rest keep their defaults).
    pub options: crate::predict::TrainOptions,
    /// Epochs of the training running now (or the last one started here).
    pub progress: Vec<crate::predict::EpochReport>,
    pub running: bool,
    /// The last finished training's model and evaluation.
    pub outcome: Option<Box<crate::predict::TrainOutcome>>,
}

/// Step of the epoch cap in the form.
pub const EPOCH_STEP: usize = 5;

/// The Export form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportField {
    What,
    Out,
    MhsColumns,
    Rescale,
    Join,
}

impl ExportField {
    pub const ALL: [ExportField; 5] = [
        ExportField::What,
        ExportField::Out,
        ExportField::MhsColumns,
        ExportField::Rescale,
        ExportField::Join,
    ];

    pub fn is_text(self) -> bool {
        matches!(
            self,
            ExportField::Out | ExportField::Rescale | ExportField::Join
        )
    }
}

/// The Export screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportState {
    pub what: ExportKind,
    pub out: String,
    pub mhs_columns: bool,
    /// `A,B` for `A + B x measure`, or empty.
    pub rescale: String,
    pub join: String,
    pub field: usize,
    pub editing: bool,
    pub running: bool,
    /// The last export's outcome, in words.
    pub result: Option<(Level, String)>,
}

impl Default for ExportState {
    fn default() -> Self {
        ExportState {
            what: ExportKind::Objects,
            out: "targets.csv".into(),
            mhs_columns: false,
            rescale: String::new(),
            join: String::new(),
            field: 0,
            editing: false,
            running: false,
            result: None,
        }
    }
}

impl ExportState {
    pub fn focused(&self) -> ExportField {
        ExportField::ALL[self.field.min(ExportField::ALL.len() - 1)]
    }
}

/// Where the Import screen's description comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionSource {
    Preset(crate::config::Preset),
    ConfigFile,
    Draft,
}

impl DescriptionSource {
    pub const ALL: [DescriptionSource; 4] = [
        DescriptionSource::Preset(crate::config::Preset::Mhs),
        DescriptionSource::Preset(crate::config::Preset::MhsCollapsed),
        DescriptionSource::ConfigFile,
        DescriptionSource::Draft,
    ];

    pub fn title(self) -> String {
        match self {
            DescriptionSource::Preset(p) => format!("preset {}", p.name()),
            DescriptionSource::ConfigFile => "description file".into(),
            DescriptionSource::Draft => "draft from the header".into(),
        }
    }
}

/// The Import form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportField {
    Data,
    Description,
    ConfigFile,
}

impl ImportField {
    pub const ALL: [ImportField; 3] = [
        ImportField::Data,
        ImportField::Description,
        ImportField::ConfigFile,
    ];
}

/// The Import screen.
#[derive(Debug, Clone)]
pub struct ImportState {
    pub data: String,
    pub source: DescriptionSource,
    pub config: String,
    pub field: usize,
    pub editing: bool,
    /// Completions of the data path offered by the last Tab.
    pub completions: Vec<String>,
    pub preview: Option<Box<ImportPreview>>,
    /// The description the preview used, as TOML (shown for drafts).
    pub config_toml: Option<String>,
    pub running: bool,
    pub result: Option<(Level, String)>,
    pub imported: Option<ImportSummary>,
    pub problem_selection: Selection,
}

impl Default for ImportState {
    fn default() -> Self {
        ImportState {
            data: String::new(),
            source: DescriptionSource::ALL[0],
            config: String::new(),
            field: 0,
            editing: false,
            completions: Vec::new(),
            preview: None,
            config_toml: None,
            running: false,
            result: None,
            imported: None,
            problem_selection: Selection::default(),
        }
    }
}

impl ImportState {
    pub fn focused(&self) -> ImportField {
        ImportField::ALL[self.field.min(ImportField::ALL.len() - 1)]
    }
}

/// Which comments the Annotate screen offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueKind {
    /// Largest S.E. first.
    LeastCertain,
    /// Most unexpected ratings first.
    MostUnexpected,
    /// The comments a rater rated (adjudication).
    RatedBy { element: u32, label: String },
    /// One comment chosen on the Comments screen.
    Single { object: u32 },
}

impl QueueKind {
    pub fn title(&self) -> String {
        match self {
            QueueKind::LeastCertain => "least certain (largest S.E.)".into(),
            QueueKind::MostUnexpected => "most unexpected ratings".into(),
            QueueKind::RatedBy { label, .. } => format!("rated by {label}"),
            QueueKind::Single { .. } => "chosen comment".into(),
        }
    }
}

/// Comments a queue lists at most.
pub const QUEUE_LENGTH: usize = 200;

/// The Annotate screen.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotateState {
    pub queue: QueueKind,
    pub entries: Vec<QueueEntry>,
    pub selection: Selection,
    /// The item being answered (index into `Loaded::items`).
    pub item: usize,
    /// This session's answers: (object, item idx) -> raw code.
    pub answers: HashMap<(u32, u32), i64>,
    /// Objects the reviewer has rated (before this session and in it).
    pub rated: HashSet<u32>,
}

impl Default for AnnotateState {
    fn default() -> Self {
        AnnotateState {
            queue: QueueKind::LeastCertain,
            entries: Vec::new(),
            selection: Selection::default(),
            item: 0,
            answers: HashMap::new(),
            rated: HashSet::new(),
        }
    }
}

impl AnnotateState {
    pub fn current(&self) -> Option<&QueueEntry> {
        self.entries.get(self.selection.index)
    }
}

/// A modal dialog over the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// The reason for a decision on `labels`.
    Reason {
        decision: Decision,
        labels: Vec<String>,
        text: String,
    },
    /// Which flag rule to apply in bulk: (rule, raters it flags).
    Rules {
        rules: Vec<(Rule, Vec<String>)>,
        selection: Selection,
    },
}

/// The whole state of the workbench.
#[derive(Debug)]
pub struct App {
    pub path: PathBuf,
    /// The reviewer's name: their decisions' source and their rater label when annotating.
    pub reviewer: String,
    pub tab: Tab,
    pub help: bool,
    pub quit: bool,
    pub status: Option<(Level, String)>,
    pub quick: QuickFacts,
    pub loaded: Option<Loaded>,
    /// Jobs running now.
    pub jobs: Vec<JobKind>,
    /// A reload was asked for while one was running.
    pub reload_pending: bool,
    /// Ratings were added since the last load (reloaded when leaving the Annotate screen).
    pub data_changed: bool,
    pub prompt: Option<Prompt>,
    pub import: ImportState,
    pub raters: RatersState,
    pub items: ItemsState,
    pub comments: CommentsState,
    pub runs: RunsState,
    pub train: TrainState,
    pub export: ExportState,
    pub annotate: AnnotateState,
}

impl App {
    /// A workbench on `path` with nothing loaded yet.
    pub fn new(path: &Path, reviewer: &str) -> App {
        App {
            path: path.to_path_buf(),
            reviewer: reviewer.to_string(),
            tab: Tab::Overview,
            help: false,
            quit: false,
            status: None,
            quick: QuickFacts::default(),
            loaded: None,
            jobs: Vec::new(),
            reload_pending: false,
            data_changed: false,
            prompt: None,
            import: ImportState::default(),
            raters: RatersState::default(),
            items: ItemsState::default(),
            comments: CommentsState::default(),
            runs: RunsState::default(),
            train: TrainState::default(),
            export: ExportState::default(),
            annotate: AnnotateState::default(),
        }
    }

    /// Opens the project (created when missing) and reads what the first frame shows: the data
    /// sets and the facets' sizes. Everything else loads in the background
    /// ([`super::jobs::JobRequest::Load`]).
    pub fn open(path: &Path, reviewer: &str) -> Result<App, StoreError> {
        let project = Project::create_or_open(path)?;
        let mut app = App::new(path, reviewer);
        app.quick = QuickFacts {
            datasets: project.datasets()?,
            facets: project
                .facets()?
                .into_iter()
                .map(|f| {
                    let n = f.len();
                    (f.name, f.role, n)
                })
                .collect(),
        };
        if app.quick.datasets.is_empty() {
            app.tab = Tab::Import;
        }
        Ok(app)
    }

    /// Whether a key goes into a text field rather than the keymap.
    pub fn editing_text(&self) -> bool {
        matches!(self.prompt, Some(Prompt::Reason { .. }))
            || (self.tab == Tab::Raters && self.raters.editing)
            || (self.tab == Tab::Comments && self.comments.editing)
            || (self.tab == Tab::Export && self.export.editing)
            || (self.tab == Tab::Import && self.import.editing)
    }

    /// The project's file name, as the screens show it.
    pub fn project_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        )
    }

    pub fn running(&self, kind: JobKind) -> bool {
        self.jobs.contains(&kind)
    }

    /// Installs a loaded snapshot, keeping each screen's sort, filter and selection.
    pub fn install(&mut self, snapshot: Snapshot) {
        let loaded = Loaded::from_snapshot(snapshot);
        self.quick.datasets = loaded.summary.datasets.clone();
        self.quick.facets = loaded
            .summary
            .facets
            .iter()
            .map(|f| (f.name.clone(), f.role, f.elements))
            .collect();
        self.raters.rebuild(&loaded.rater_rows);
        self.comments.rebuild(&loaded);
        self.runs.selection.clamp(loaded.runs.len());
        self.items.selection.clamp(loaded.n_items());
        self.items.refresh(Some(&loaded));
        if let Some(facet) = loaded.rater_facet {
            self.annotate.rated =
                crate::quality::queues::objects_rated_by(&loaded.data, facet, &self.reviewer);
        }
        self.loaded = Some(loaded);
    }
}
