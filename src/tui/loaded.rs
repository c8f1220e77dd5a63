//! The loaded project as the screens show it ([`Loaded`], built from a job's [`Snapshot`]): its
//! rater and comment rows, computed once per load, and the orderings the tables sort them by.

use super::jobs::{RunView, Snapshot};
use crate::data::{ElementIndex, RatingData};
use crate::quality::{FlagLevel, FlagRules, Rule};
use crate::store::{Decision, DecisionRecord, ItemDefinition, ProjectSummary, RunRecord};
use std::collections::HashMap;

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
    /// Lower-case texts, for search.
    pub search_texts: Vec<String>,
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
                    discrimination: estimate.and_then(|s| s.discrimination),
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
