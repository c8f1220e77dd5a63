//! False discovery rate control over every test of a diagnosis (Benjamini & Hochberg 1995).

use super::statistics::upper_tail;
use super::{RaterDiagnosis, Statistic};
use crate::measure::statistics::robust_location_scale;

/// The empirical null only ever makes a test more conservative: its centre is never below 0 and
/// its S.D. never below the bootstrap's own (1). Raters' designs differ (a rater of benign
/// comments only has a wider null than most, and honest raters overfit a run that failing raters
/// flattened), and a null sharpened or shifted down on the typical rater would flag the unusual
/// honest ones.
pub const MIN_EMPIRICAL_SCALE: f64 = 1.0;
/// Tests of a statistic needed to estimate its empirical null; with fewer, the bootstrap's
/// null stands.
pub const MIN_EMPIRICAL_NULL_TESTS: usize = 20;

/// Benjamini-Hochberg adjusted `q`-values of `p`-values, in input order: with the `m` values
/// sorted `p_(1) <= ... <= p_(m)`, `q_(i) = min_{k >= i} min(1, m p_(k) / k)`. Rejecting every
/// test with `q <= α` controls the false discovery rate at `α` for independent (or positively
/// dependent) tests.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0_f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64).min(1.0);
        q[i] = running;
    }
    q
}

/// Sets the `q` of every test of every rater; returns the number of raters tested.
///
/// The family is the raters: a rater's `p` is its smallest test `p` Bonferroni-corrected over
/// its tests, `p_j = min(1, T_j min_t p_t)`, and Benjamini-Hochberg runs over the raters, so the
/// false discovery rate is the share of flagged raters who are honest (a failing rater with five
/// significant tests does not loosen the bar for everyone else). A test's `q` is the BH-adjusted
/// value at its own corrected `p`, `min(1, T_j p_t)`: a rater is flagged at level `α` when one
/// of its tests has `q <= α`, and those tests are its findings.
pub(super) fn assign_q(raters: &mut [RaterDiagnosis]) -> usize {
    let corrected = |rater: &RaterDiagnosis, p: f64| (p * rater.tests.len() as f64).min(1.0);
    let mut rater_p: Vec<f64> = raters
        .iter()
        .filter_map(|r| {
            let best = r.tests.iter().map(|t| t.p).min_by(f64::total_cmp)?;
            Some(corrected(r, best))
        })
        .collect();
    let adjusted = benjamini_hochberg(&rater_p);
    let mut steps: Vec<(f64, f64)> = rater_p.drain(..).zip(adjusted).collect();
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    let tested = steps.len();
    for rater in raters.iter_mut() {
        let count = rater.tests.len() as f64;
        for test in &mut rater.tests {
            let x = (test.p * count).min(1.0);
            // The adjusted value of the first rater p at or above x (the BH step function;
            // `q` is monotone in p, so this is its value at x).
            let at = steps.partition_point(|(p, _)| *p < x);
            test.q = steps.get(at).map_or(1.0, |s| s.1).max(x.min(1.0));
        }
    }
    tested
}

/// Re-centres and re-scales every bootstrap `z` on the empirical null of its statistic (Efron
/// 2004, "Large-scale simultaneous hypothesis testing: the choice of a null hypothesis"): the
/// median and robust S.D. (1.4826 MAD) of that statistic's `z` over every rater (at least 0 and
/// 1, see [`MIN_EMPIRICAL_SCALE`]) (over every rater
/// and item for a reversed item). The bootstrap makes each rater's `z` comparable whatever its
/// design; the empirical null absorbs what the run's model gets wrong for every rater alike
/// (failing raters widen the comment measures' errors and flatten the scale for everyone).
/// Then `p` is the normal upper tail, and a rater's reversed-item tests collapse into the one
/// with the smallest `p`, Bonferroni-corrected over its items.
pub(super) fn empirical_null(raters: &mut [RaterDiagnosis]) {
    for &statistic in Statistic::ALL {
        let z: Vec<f64> = raters
            .iter()
            .flat_map(|r| r.tests.iter())
            .filter(|t| t.statistic == statistic)
            .map(|t| t.bootstrap_z)
            .collect();
        let (centre, scale) = match robust_location_scale(&z) {
            Some((c, s)) if z.len() >= MIN_EMPIRICAL_NULL_TESTS => {
                (c.max(0.0), s.max(MIN_EMPIRICAL_SCALE))
            }
            _ => (0.0, 1.0),
        };
        for test in raters
            .iter_mut()
            .flat_map(|r| r.tests.iter_mut())
            .filter(|t| t.statistic == statistic)
        {
            test.z = (test.bootstrap_z - centre) / scale;
            test.p = upper_tail(test.z);
        }
    }
    for rater in raters.iter_mut() {
        let items = rater
            .tests
            .iter()
            .filter(|t| t.statistic == Statistic::ReversedItem)
            .count();
        let best = rater
            .tests
            .iter()
            .filter(|t| t.statistic == Statistic::ReversedItem)
            .min_by(|a, b| a.p.total_cmp(&b.p))
            .cloned();
        let Some(mut best) = best else { continue };
        best.p = (best.p * items as f64).min(1.0);
        let at = rater
            .tests
            .iter()
            .position(|t| t.statistic == Statistic::ReversedItem)
            .unwrap_or(0);
        rater
            .tests
            .retain(|t| t.statistic != Statistic::ReversedItem);
        rater.tests.insert(at.min(rater.tests.len()), best);
    }
}
