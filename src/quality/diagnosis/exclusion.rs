//! What excluding a rater would change, without a refit: each object the rater rated is
//! re-measured from the other raters' responses with everything else held at the run's values.
//!
//! An object `n` solves `Σ_all (x − E) = 0` at the run's measure `B_n`; without the rater it
//! solves `Σ_others (x − E(B'_n)) = 0`, by Newton-Raphson from `B_n` (the first step is
//! `−r_nj / (I_n − I_nj)`, `r_nj` the rater's residual sum on `n`, `I` information; a few more
//! follow the curvature, as the run's own estimation would), and its model S.E. becomes
//! `1 / √Σ_others W(B'_n)`. Object separation reliability is
//! `R = (SD² − MSE) / SD²` over the measured objects (Wright & Masters 1982, ch. 5; Facets
//! Table 7's "Model Reliability"), recomputed with the changed objects.

use serde::{Deserialize, Serialize};

use super::design::{Design, RaterDesign, Record};
use crate::measure::model::score_moments;

/// Newton-Raphson iterations of an object's re-measurement at most.
const MAX_ITERATIONS: usize = 30;
/// Converged when the measure moves less than this (logits).
const CONVERGED_CHANGE: f64 = 1e-6;
/// Largest step of one iteration (logits).
const MAX_STEP: f64 = 1.0;

/// Information left below which an object has no other rater.
const MIN_REMAINING_INFORMATION: f64 = 1e-6;
/// Largest one-step shift reported (logits): beyond it the object is near extreme without the
/// rater and a step overshoots.
const MAX_SHIFT: f64 = 5.0;

/// What excluding one rater would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExclusionEffect {
    /// Objects the rater rated that other raters rated too.
    pub objects: usize,
    /// Objects no other rater rated, or only with extreme scores (they would lose their
    /// measure).
    pub left_unrated: usize,
    /// Mean |shift| of those objects' measures (logits).
    pub mean_absolute_shift: f64,
    /// The largest shift (signed).
    pub largest_shift: f64,
    /// The object with the largest shift.
    pub largest_shift_object: Option<String>,
    /// Per object the rater rated (other raters too): its element index and one-step shift.
    pub shifts: Vec<(u32, f64)>,
    /// Object reliability now.
    pub reliability_before: f64,
    /// Object reliability without the rater.
    pub reliability_after: f64,
}

/// Sums behind object separation reliability.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reliability {
    n: f64,
    sum: f64,
    sum2: f64,
    error2: f64,
}

impl Reliability {
    /// Of the run's measured objects with an S.E. (`None` without two of them).
    pub fn of(design: &Design) -> Option<Reliability> {
        let mut r = Reliability {
            n: 0.0,
            sum: 0.0,
            sum2: 0.0,
            error2: 0.0,
        };
        for &(measure, se, measured) in &design.objects {
            if let (true, Some(se)) = (measured, se) {
                r.add(measure, se * se, 1.0);
            }
        }
        (r.n >= 2.0).then_some(r)
    }

    fn add(&mut self, measure: f64, error2: f64, weight: f64) {
        self.n += weight;
        self.sum += weight * measure;
        self.sum2 += weight * measure * measure;
        self.error2 += weight * error2;
    }

    /// `(SD² − MSE) / SD²`, 0 when the spread is all error.
    pub fn value(&self) -> f64 {
        if self.n < 2.0 {
            return 0.0;
        }
        let mean = self.sum / self.n;
        let variance = self.sum2 / self.n - mean * mean;
        if variance <= 0.0 {
            return 0.0;
        }
        ((variance - self.error2 / self.n) / variance).max(0.0)
    }
}

/// The one-step effect of excluding `rater`.
pub(super) fn effect(
    design: &Design,
    rater: &RaterDesign,
    before: &Reliability,
) -> ExclusionEffect {
    let mut after = *before;
    let mut shifts = Vec::new();
    let mut left_unrated = 0;
    for record in &rater.records {
        let (measure, se, measured) = design.objects[record.object as usize];
        let remaining = record.information - record.own_information;
        let counted = measured && se.is_some();
        let error2 = se.map_or(0.0, |s| s * s);
        if remaining <= MIN_REMAINING_INFORMATION {
            left_unrated += 1;
            if counted {
                after.add(measure, error2, -1.0);
            }
            continue;
        }
        let Some((shift, information)) = remeasure(design, rater, record) else {
            // The other raters' responses are all extreme: no finite measure.
            left_unrated += 1;
            if counted {
                after.add(measure, error2, -1.0);
            }
            continue;
        };
        shifts.push((record.object, shift));
        if counted {
            after.add(measure, error2, -1.0);
            after.add(measure + shift, 1.0 / information, 1.0);
        }
    }
    let largest = shifts
        .iter()
        .copied()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    ExclusionEffect {
        objects: shifts.len(),
        left_unrated,
        mean_absolute_shift: if shifts.is_empty() {
            0.0
        } else {
            shifts.iter().map(|s| s.1.abs()).sum::<f64>() / shifts.len() as f64
        },
        largest_shift: largest.map_or(0.0, |s| s.1),
        largest_shift_object: largest.map(|s| {
            design
                .object_labels
                .get(s.0 as usize)
                .cloned()
                .unwrap_or_else(|| s.0.to_string())
        }),
        shifts,
        reliability_before: before.value(),
        reliability_after: after.value(),
    }
}

/// The object's shift and information from the other raters' responses (`None` when their
/// scores are extreme: all in the bottom or all in the top category).
fn remeasure(design: &Design, rater: &RaterDesign, record: &Record) -> Option<(f64, f64)> {
    let others: Vec<&(f64, u32, u8, u32)> = design
        .by_object
        .of(record.object)
        .iter()
        .filter(|r| r.3 != rater.element)
        .collect();
    let top = |r: &(f64, u32, u8, u32)| design.scales[r.1 as usize].thresholds.len() as u8;
    if others.is_empty() || others.iter().all(|r| r.2 == 0) || others.iter().all(|r| r.2 == top(r))
    {
        return None;
    }
    let mut scratch = vec![0.0; design.max_categories];
    let mut shift = 0.0;
    for _ in 0..MAX_ITERATIONS {
        let (mut residual, mut information) = (0.0, 0.0);
        for &&(eta, scale, category, _) in &others {
            let scale = &design.scales[scale as usize];
            let m = score_moments(
                eta + shift,
                &scale.thresholds,
                &mut scratch[..scale.cumulative.len()],
            );
            residual += f64::from(category) - m.expected;
            information += m.variance;
        }
        if information <= MIN_REMAINING_INFORMATION {
            return None;
        }
        let step = (residual / information).clamp(-MAX_STEP, MAX_STEP);
        shift = (shift + step).clamp(-MAX_SHIFT, MAX_SHIFT);
        if step.abs() < CONVERGED_CHANGE {
            return Some((shift, information));
        }
    }
    None
}
