//! What the diagnosis needs of a run, gathered once: per rater its records (objects rated, in
//! session order) and responses with the linear predictor without the rater, per object its
//! information, per scale the thresholds and their cumulative sums.

use std::collections::HashMap;

use super::RecordOrder;
use crate::data::RatingData;
use crate::measure::model::score_moments;
use crate::measure::{ElementStatus, Fit};

/// Largest share of an object's information one rater is taken to hold in the residual-variance
/// correction `1 / (1 − I_nk / I_n)` (a sole rater would divide by 0).
const MAX_INFORMATION_SHARE: f64 = 0.9;

/// One response of a rater.
#[derive(Debug, Clone, Copy)]
pub(super) struct Response {
    /// Index into the rater's records.
    pub record: u32,
    /// The item (element of the item facet).
    pub item: u32,
    /// Index into [`Design::scales`].
    pub scale: u32,
    /// The observed category (index within the scale).
    pub category: u8,
    /// The linear predictor without the rater's term: `η − t_j`.
    pub rest: f64,
}

/// One record: an object the rater rated.
#[derive(Debug, Clone, Copy)]
pub(super) struct Record {
    /// The object (element of the object facet).
    pub object: u32,
    /// The object's information `Σ W` over all its responses (every rater).
    pub information: f64,
    /// The rater's share of it.
    pub own_information: f64,
    /// The rater's residual sum `Σ (x − E)` on the object.
    pub own_residual: f64,
    /// Variance of the other raters' residual sum on the object, from their residuals:
    /// `Σ_k r²_nk / (1 − I_nk / I_n)` over the other raters `k` (under the model
    /// `E r²_nk = I_nk (1 − I_nk / I_n)` at the estimated measure, so this estimates
    /// `I_n − I_nj`, and more when other raters answer worse than the model).
    pub others_variance: f64,
    /// `B°_n − B_n`: the object's measure shrunk towards the mean by Kelley's formula
    /// `B° = μ + ρ_n (B − μ)`, `ρ_n = σ² / (σ² + SE_n²)` (`σ²` the objects' true variance, observed
    /// variance minus mean error variance): the bootstrap draws from `B°`, the best guess at the
    /// true measure, so that the estimates `B` in a replicate scatter around it as the run's do
    /// around the truth (errors in the predictor attenuate a slope; a bootstrap from `B` itself
    /// would not).
    pub shrinkage: f64,
}

/// One rater of the facet.
#[derive(Debug, Clone)]
pub(super) struct RaterDesign {
    /// The rater, by element index.
    pub element: u32,
    /// Its label.
    pub label: String,
    /// The run's measure (severity).
    pub severity: f64,
    /// The rater's term in the linear predictor (`−severity` for a negative facet).
    pub term: f64,
    /// The rater's information `Σ W`.
    pub information: f64,
    /// Records in session (file) order.
    pub records: Vec<Record>,
    /// Responses grouped by record, records in order.
    pub responses: Vec<Response>,
}

impl RaterDesign {
    /// Reorders the records by their session keys (records without a key keep their data order,
    /// after the keyed ones) and renumbers the responses' records.
    fn put_in_order(&mut self, order: &RecordOrder) {
        let element = self.element;
        let mut keyed: Vec<(u64, usize)> = self
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let key = order.get(&(element, r.object)).copied().unwrap_or(u64::MAX);
                (key, i)
            })
            .collect();
        keyed.sort();
        let mut new_index = vec![0u32; self.records.len()];
        for (new, &(_, old)) in keyed.iter().enumerate() {
            new_index[old] = new as u32;
        }
        self.records = keyed.iter().map(|&(_, old)| self.records[old]).collect();
        for response in &mut self.responses {
            response.record = new_index[response.record as usize];
        }
    }
}

/// One rating scale: thresholds `F_1..F_m` and the cumulative sums `Φ_k = Σ_{h<=k} F_h`.
#[derive(Debug, Clone)]
pub(super) struct Scale {
    pub thresholds: Vec<f64>,
    pub cumulative: Vec<f64>,
}

/// The run as the diagnosis sees it.
#[derive(Debug, Clone)]
pub(super) struct Design {
    /// The rater facet.
    pub facet: usize,
    /// Whether the rater facet enters the linear predictor with `+` (Facets' positive facet).
    pub positive: bool,
    /// Every rater with responses the run measured (not dropped, not extreme).
    pub raters: Vec<RaterDesign>,
    /// The run's scales.
    pub scales: Vec<Scale>,
    /// Per item: the commonest observed category (index within its scale).
    pub modal: Vec<u8>,
    /// Item labels.
    pub item_labels: Vec<String>,
    /// Per object: measure, model S.E. and whether it is measured (for reliability).
    pub objects: Vec<(f64, Option<f64>, bool)>,
    /// Object labels.
    pub object_labels: Vec<String>,
    /// Largest number of categories of any scale.
    pub max_categories: usize,
    /// Every response the run estimated from, by object (for what excluding a rater changes).
    pub by_object: ObjectResponses,
}

/// The responses of every object (compressed rows: `start[o]..start[o + 1]`).
#[derive(Debug, Clone, Default)]
pub(super) struct ObjectResponses {
    pub start: Vec<usize>,
    /// `(η, scale, category, rater element)`.
    pub responses: Vec<(f64, u32, u8, u32)>,
}

impl ObjectResponses {
    /// The responses of object `object`.
    pub fn of(&self, object: u32) -> &[(f64, u32, u8, u32)] {
        let o = object as usize;
        match (self.start.get(o), self.start.get(o + 1)) {
            (Some(&a), Some(&b)) => &self.responses[a..b],
            _ => &[],
        }
    }
}

impl Design {
    /// Gathers the design of facet `facet`; each rater's records in `order` (else in data
    /// order).
    pub fn build(
        data: &RatingData,
        fit: &Fit,
        facet: usize,
        order: Option<&RecordOrder>,
    ) -> Design {
        let scales: Vec<Scale> = fit.scales.iter().map(Scale::of).collect();
        let max_categories = scales.iter().map(|s| s.cumulative.len()).max().unwrap_or(1);
        let raters_fit = &fit.facets[facet];
        let positive = raters_fit.positive;
        let n_objects = data.facets[data.object_facet].len();
        let n_items = data.facets[data.item_facet].len();
        let mut object_information = vec![0.0; n_objects];
        let mut category_counts: Vec<Vec<usize>> = vec![vec![0; max_categories]; n_items];
        let mut raters: Vec<RaterDesign> = raters_fit
            .elements
            .iter()
            .enumerate()
            .map(|(e, stats)| RaterDesign {
                element: e as u32,
                label: stats.label.clone(),
                severity: stats.measure,
                term: if positive {
                    stats.measure
                } else {
                    -stats.measure
                },
                information: 0.0,
                records: Vec::new(),
                responses: Vec::new(),
            })
            .collect();
        let mut record_of: Vec<HashMap<u32, u32>> = vec![HashMap::new(); raters.len()];
        let mut scratch = vec![0.0; max_categories];
        let mut object_rows: Vec<(u32, (f64, u32, u8, u32))> = Vec::new();
        for n in 0..data.len() {
            // Responses the run did not estimate from (an extreme object or rater) say nothing
            // about the rater beyond agreeing with everyone.
            let Some(location) = fit.locate(data, n).filter(|l| l.used) else {
                continue;
            };
            let object = data.elements[data.object_facet][n];
            let item = data.elements[data.item_facet][n];
            let rater = data.elements[facet][n] as usize;
            let scale = match fit.scale_facet {
                Some(f) => data.elements[f][n] as usize,
                None => 0,
            };
            let Some(scale_def) = scales.get(scale) else {
                continue;
            };
            let object_status = fit.facets[data.object_facet]
                .elements
                .get(object as usize)
                .map(|e| e.status);
            if object_status == Some(ElementStatus::Dropped) {
                continue;
            }
            let moments = score_moments(
                location.eta,
                &scale_def.thresholds,
                &mut scratch[..scale_def.cumulative.len()],
            );
            object_information[object as usize] += moments.variance;
            object_rows.push((
                object,
                (
                    location.eta,
                    scale as u32,
                    location.category as u8,
                    rater as u32,
                ),
            ));
            if let Some(counts) = category_counts.get_mut(item as usize) {
                counts[location.category] += 1;
            }
            let Some(design) = raters.get_mut(rater) else {
                continue;
            };
            if fit.facets[facet].elements[rater].status != ElementStatus::Measured {
                continue;
            }
            let next = design.records.len() as u32;
            let record = *record_of[rater].entry(object).or_insert(next);
            if record == next {
                design.records.push(Record {
                    object,
                    information: 0.0,
                    own_information: 0.0,
                    own_residual: 0.0,
                    others_variance: 0.0,
                    shrinkage: 0.0,
                });
            }
            let r = &mut design.records[record as usize];
            r.own_information += moments.variance;
            r.own_residual += location.category as f64 - moments.expected;
            design.information += moments.variance;
            design.responses.push(Response {
                record,
                item,
                scale: scale as u32,
                category: location.category as u8,
                rest: location.eta - design.term,
            });
        }
        finish_records(
            &mut raters,
            &object_information,
            fit,
            data.object_facet,
            order,
        );
        raters.retain(|r| !r.responses.is_empty());
        let modal = category_counts.iter().map(|c| commonest(c)).collect();
        let by_object = ObjectResponses::from_rows(object_rows, n_objects);
        let objects = fit.facets[data.object_facet]
            .elements
            .iter()
            .map(|e| (e.measure, e.model_se, e.status == ElementStatus::Measured))
            .collect();
        Design {
            facet,
            positive,
            raters,
            scales,
            modal,
            item_labels: data.facets[data.item_facet].labels.clone(),
            objects,
            object_labels: data.facets[data.object_facet].labels.clone(),
            max_categories,
            by_object,
        }
    }

    /// The label of item `item`.
    pub fn item_label(&self, item: u32) -> String {
        self.item_labels
            .get(item as usize)
            .cloned()
            .unwrap_or_else(|| item.to_string())
    }
}

/// Completes every rater's records once all responses are in: the objects' information, the other
/// raters' residual variance (see [`Record::others_variance`]) and the regressed measures, then
/// the session order.
fn finish_records(
    raters: &mut [RaterDesign],
    object_information: &[f64],
    fit: &Fit,
    object_facet: usize,
    order: Option<&RecordOrder>,
) {
    let n_objects = object_information.len();
    let scaled_square = |record: &Record, information: f64| {
        let share = (record.own_information / information).min(MAX_INFORMATION_SHARE);
        record.own_residual * record.own_residual / (1.0 - share)
    };
    let mut residual_squares = vec![0.0; n_objects];
    for design in raters.iter() {
        for record in &design.records {
            let information = object_information[record.object as usize];
            if information > 0.0 {
                residual_squares[record.object as usize] += scaled_square(record, information);
            }
        }
    }
    let shrink = Shrinkage::of(fit, object_facet);
    for design in raters.iter_mut() {
        for record in &mut design.records {
            let o = record.object as usize;
            record.shrinkage = shrink.shift(&fit.facets[object_facet].elements[o]);
            record.information = object_information[o];
            if record.information > 0.0 {
                record.others_variance =
                    (residual_squares[o] - scaled_square(record, record.information)).max(0.0);
            }
        }
        if let Some(order) = order {
            design.put_in_order(order);
        }
        design.responses.sort_by_key(|r| r.record);
    }
}

/// The commonest category of one item's counts (the lowest among ties).
fn commonest(counts: &[usize]) -> u8 {
    counts
        .iter()
        .enumerate()
        .max_by_key(|(k, c)| (**c, std::cmp::Reverse(*k)))
        .map_or(0, |(k, _)| k as u8)
}

impl Scale {
    /// A fitted scale's thresholds and their cumulative sums.
    fn of(scale: &crate::measure::ScaleStatistics) -> Scale {
        let thresholds = scale.thresholds();
        let mut cumulative = vec![0.0];
        for f in &thresholds {
            cumulative.push(cumulative.last().copied().unwrap_or(0.0) + f);
        }
        Scale {
            thresholds,
            cumulative,
        }
    }
}

impl ObjectResponses {
    /// From `(object, response)` rows in any order.
    fn from_rows(mut rows: Vec<(u32, (f64, u32, u8, u32))>, n_objects: usize) -> ObjectResponses {
        rows.sort_by_key(|r| r.0);
        let mut by_object = ObjectResponses {
            start: vec![0; n_objects + 1],
            responses: Vec::with_capacity(rows.len()),
        };
        for (object, row) in rows {
            by_object.start[object as usize + 1] += 1;
            by_object.responses.push(row);
        }
        for o in 0..n_objects {
            by_object.start[o + 1] += by_object.start[o];
        }
        by_object
    }
}

/// Kelley's regressed estimates of the object measures (see [`Record::shrinkage`]).
struct Shrinkage {
    mean: f64,
    true_variance: f64,
}

impl Shrinkage {
    fn of(fit: &Fit, object_facet: usize) -> Shrinkage {
        let measured: Vec<(f64, f64)> = fit.facets[object_facet]
            .elements
            .iter()
            .filter(|e| e.status == ElementStatus::Measured)
            .filter_map(|e| Some((e.measure, e.model_se?)))
            .collect();
        let n = measured.len().max(1) as f64;
        let mean = measured.iter().map(|m| m.0).sum::<f64>() / n;
        let variance = measured.iter().map(|m| (m.0 - mean).powi(2)).sum::<f64>() / n;
        let error = measured.iter().map(|m| m.1 * m.1).sum::<f64>() / n;
        Shrinkage {
            mean,
            true_variance: (variance - error).max(0.0),
        }
    }

    /// `B° − B` of one object (0 without an S.E. or a true spread).
    fn shift(&self, object: &crate::measure::ElementStatistics) -> f64 {
        match object.model_se {
            Some(se) if self.true_variance > 0.0 => {
                let rho = self.true_variance / (self.true_variance + se * se);
                (rho - 1.0) * (object.measure - self.mean)
            }
            _ => 0.0,
        }
    }
}
