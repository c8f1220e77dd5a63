//! The loaded project as the screens show it ([`Loaded`], built from a job's [`Snapshot`]): its
//! rater and comment rows, computed once per load, and the orderings the tables sort them by.
//! The view model owns its types and reads the project through the library only: jobs load it
//! ([`load_view`]) and screens draw it; it knows neither.

use crate::data::{ElementIndex, RatingData};
use crate::measure::wright::{Binning, WrightMap};
use crate::measure::Fit;
use crate::pipeline::PipelineError;
use crate::quality::{Flag, FlagLevel, FlagRules, Rule};
use crate::store::{Decision, DecisionRecord, ItemDefinition, Project, ProjectSummary, RunRecord};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

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
            let stale = crate::provenance::data_fingerprint(&in_force) != record.data_fingerprint;
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

/// One rater's row of the Raters table.
#[derive(Debug, Clone, PartialEq)]
pub struct RaterRow {
    /// The rater's element index in its facet.
    pub element: u32,
    /// The rater's label.
    pub label: String,
    /// The severity measure (logits).
    pub severity: Option<f64>,
    /// Its model standard error.
    pub se: Option<f64>,
    /// Infit mean square.
    pub infit: Option<f64>,
    /// Infit standardized.
    pub infit_zstd: Option<f64>,
    /// Outfit mean square.
    pub outfit: Option<f64>,
    /// Outfit standardized.
    pub outfit_zstd: Option<f64>,
    /// Estimated discrimination (Facets' "Estim. Discrm").
    pub discrimination: Option<f64>,
    /// Ratings the rater gave.
    pub count: usize,
    /// The flag rules that flagged the rater.
    pub flags: Vec<Rule>,
    /// The rater's types in words from the diagnosis ("halo", "reversed on `sentiment`").
    pub types: Vec<String>,
    /// The strongest level among the flags.
    pub level: Option<FlagLevel>,
    /// The decision in force on the rater.
    pub decision: Option<Decision>,
}

/// One comment's row of the Comments table.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentRow {
    /// The comment's object index.
    pub element: u32,
    /// The comment's label.
    pub label: String,
    /// Its measure (logits).
    pub measure: Option<f64>,
    /// Its model standard error.
    pub se: Option<f64>,
    /// Infit mean square.
    pub infit: Option<f64>,
    /// Outfit mean square.
    pub outfit: Option<f64>,
    /// Ratings the comment got.
    pub count: usize,
    /// The estimate's status (extreme, dropped...).
    pub status: &'static str,
    /// The newest text model's predicted measure (once predictions are loaded).
    pub predicted: Option<f64>,
}

/// The project as the screens show it (built from a [`Snapshot`]).
#[derive(Debug)]
pub struct Loaded {
    /// The project's summary.
    pub summary: ProjectSummary,
    /// Every observation.
    pub data: RatingData,
    /// Comment texts by object index.
    pub texts: Vec<Option<String>>,
    /// Every comment's id and text, lower-cased, for the Comments search.
    pub search: SearchIndex,
    /// Every run, newest first.
    pub runs: Vec<RunRecord>,
    /// The newest usable run.
    pub run: Option<RunView>,
    /// Decisions in force on raters of the first rater facet, by label.
    pub decisions: HashMap<String, DecisionRecord>,
    /// The items' definitions.
    pub items: Vec<ItemDefinition>,
    /// The project's flag rules.
    pub flag_rules: FlagRules,
    /// The first rater facet, if the design has one.
    pub rater_facet: Option<usize>,
    /// Observations by rater.
    pub rater_index: Option<ElementIndex>,
    /// Observations by comment.
    pub object_index: ElementIndex,
    /// One row per rater.
    pub rater_rows: Vec<RaterRow>,
    /// One row per comment.
    pub comment_rows: Vec<CommentRow>,
    /// `comment_rows` indexes in each of [`CommentSort::ALL`]'s orders, sorted with the load.
    comment_orders: Vec<Vec<u32>>,
    /// The newest trained text model, and whether its predictions are in `comment_rows`.
    pub latest_model: Option<i64>,
    /// The model whose predictions `comment_rows` hold.
    pub predictions_of: Option<i64>,
}

impl Loaded {
    /// The view of a freshly loaded snapshot, its rows built.
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
        let search = SearchIndex::new(&data.objects().labels, &texts);
        let mut loaded = Loaded {
            summary,
            data,
            texts,
            search,
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
            comment_orders: Vec::new(),
            latest_model,
            predictions_of: None,
        };
        loaded.rater_rows = loaded.build_rater_rows();
        loaded.comment_rows = loaded.build_comment_rows();
        loaded.comment_orders = CommentSort::ALL
            .iter()
            .map(|sort| sort.sorted(&loaded.comment_rows))
            .collect();
        loaded
    }

    /// `comment_rows` indexes in `sort`'s order.
    pub fn comment_order(&self, sort: CommentSort) -> &[u32] {
        CommentSort::ALL
            .iter()
            .position(|&s| s == sort)
            .and_then(|i| self.comment_orders.get(i))
            .map_or(&[], Vec::as_slice)
    }

    fn build_rater_rows(&self) -> Vec<RaterRow> {
        let (Some(facet), Some(index)) = (self.rater_facet, &self.rater_index) else {
            return Vec::new();
        };
        let mut flags: HashMap<u32, Vec<(Rule, FlagLevel)>> = HashMap::new();
        let mut types: HashMap<u32, Vec<String>> = HashMap::new();
        if let Some(run) = &self.run {
            for flag in run.flags.iter().filter(|f| f.facet == facet) {
                flags
                    .entry(flag.element)
                    .or_default()
                    .push((flag.rule, flag.level));
                if let Some(words) = &flag.rater_type {
                    types.entry(flag.element).or_default().push(words.clone());
                }
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
                    discrimination: estimate.and_then(|s| s.discrimination),
                    count: index.of(e as u32).len(),
                    flags: element_flags.into_iter().map(|(r, _)| r).collect(),
                    types: types.remove(&(e as u32)).unwrap_or_default(),
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

    /// The newest run's fit.
    pub fn fit(&self) -> Option<&crate::measure::Fit> {
        self.run.as_ref().map(|r| &r.fit)
    }

    /// The text of comment (object) `object`, empty when it has none.
    pub fn text(&self, object: u32) -> &str {
        self.texts
            .get(object as usize)
            .and_then(|t| t.as_deref())
            .unwrap_or("")
    }
}

/// Every comment's id and text, lower-cased, in one buffer, for substring search by the
/// Comments screen: one SIMD scan of the buffer per keystroke (`memchr::memmem`) instead of one
/// search per comment.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Per comment: its lower-case label, [`SEARCH_SEPARATOR`], its lower-case text (empty
    /// without one), [`SEARCH_SEPARATOR`].
    buffer: Vec<u8>,
    /// Comment `i`'s part of `buffer` is `starts[i]..starts[i + 1]`.
    starts: Vec<usize>,
}

/// Ends a label and a text in [`SearchIndex`]'s buffer, so that no match spans two of them (a
/// needle holding it matches nothing).
pub const SEARCH_SEPARATOR: u8 = 0;

impl SearchIndex {
    /// The index of comments with these labels and texts (by object index).
    pub fn new(labels: &[String], texts: &[Option<String>]) -> SearchIndex {
        let total: usize = labels.iter().map(|l| l.len() + 2).sum::<usize>()
            + texts.iter().flatten().map(String::len).sum::<usize>();
        let mut buffer = Vec::with_capacity(total);
        let mut starts = Vec::with_capacity(labels.len() + 1);
        for (i, label) in labels.iter().enumerate() {
            starts.push(buffer.len());
            buffer.extend_from_slice(label.to_lowercase().as_bytes());
            buffer.push(SEARCH_SEPARATOR);
            if let Some(text) = texts.get(i).and_then(|t| t.as_deref()) {
                buffer.extend_from_slice(text.to_lowercase().as_bytes());
            }
            buffer.push(SEARCH_SEPARATOR);
        }
        starts.push(buffer.len());
        SearchIndex { buffer, starts }
    }

    /// Per comment: whether its label or its text contains `needle` (already lower-case).
    pub fn matches(&self, needle: &str) -> Vec<bool> {
        let n = self.starts.len().saturating_sub(1);
        if needle.is_empty() {
            return vec![true; n];
        }
        let mut found = vec![false; n];
        if needle.as_bytes().contains(&SEARCH_SEPARATOR) {
            return found;
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let (mut from, mut comment) = (0, 0);
        while let Some(at) = finder.find(&self.buffer[from..]) {
            let hit = from + at;
            // The comment whose part holds the hit: the last start at or before it.
            comment += self.starts[comment + 1..].partition_point(|&s| s <= hit);
            found[comment] = true;
            // The rest of this comment cannot add anything.
            from = self.starts[comment + 1];
        }
        found
    }
}

/// The Comments table's sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentSort {
    /// By id.
    Label,
    /// By measure, highest first.
    MeasureDescending,
    /// By S.E., largest first.
    SeDescending,
}

impl CommentSort {
    /// Every order, as [`Loaded::comment_order`] keeps them.
    pub const ALL: [CommentSort; 3] = [
        CommentSort::Label,
        CommentSort::MeasureDescending,
        CommentSort::SeDescending,
    ];

    /// Indexes into `rows` in this order (a stable sort: ties keep element order).
    pub fn sorted(self, rows: &[CommentRow]) -> Vec<u32> {
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        let row = |i: &u32| &rows[*i as usize];
        match self {
            CommentSort::Label => {
                order.sort_by(|a, b| compare_labels(&row(a).label, &row(b).label))
            }
            CommentSort::MeasureDescending => {
                order.sort_by(|a, b| compare_option(row(b).measure, row(a).measure))
            }
            CommentSort::SeDescending => order.sort_by(|a, b| compare_option(row(b).se, row(a).se)),
        }
        order
    }

    /// The order `s` sorts by next.
    pub fn next(self) -> CommentSort {
        match self {
            CommentSort::Label => CommentSort::MeasureDescending,
            CommentSort::MeasureDescending => CommentSort::SeDescending,
            CommentSort::SeDescending => CommentSort::Label,
        }
    }

    /// The order's name in the table's title.
    pub fn title(self) -> &'static str {
        match self {
            CommentSort::Label => "id",
            CommentSort::MeasureDescending => "measure (highest first)",
            CommentSort::SeDescending => "S.E. (largest first)",
        }
    }
}

/// Orders optional values; rows without a value sort last in ascending order.
pub fn compare_option(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Labels that are whole numbers sort numerically, others as text.
pub fn compare_labels(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        let labels = ["c10", "C2", "x7", "c30"].map(String::from);
        let texts = [
            Some("Vermin and VERMIN again".to_string()),
            None,
            Some("nothing here".to_string()),
            Some("the vermin".to_string()),
        ];
        SearchIndex::new(&labels, &texts)
    }

    #[test]
    fn a_search_finds_each_comment_whose_label_or_text_holds_the_needle_once() {
        let index = index();
        assert_eq!(index.matches("vermin"), [true, false, false, true]);
        // Labels are searched lower-cased too.
        assert_eq!(index.matches("c"), [true, true, false, true]);
        assert_eq!(index.matches("x7"), [false, false, true, false]);
        assert_eq!(index.matches("here"), [false, false, true, false]);
        assert_eq!(index.matches(""), [true; 4]);
        assert_eq!(index.matches("absent"), [false; 4]);
    }

    #[test]
    fn no_match_spans_a_label_and_its_text_or_two_comments() {
        let index = index();
        // "c10" + "vermin": the label's end and the text's start.
        assert_eq!(index.matches("0v"), [false; 4]);
        // One comment's text end and the next one's label.
        assert_eq!(index.matches("againc2"), [false; 4]);
        assert_eq!(index.matches("\0"), [false; 4]);
    }
}
