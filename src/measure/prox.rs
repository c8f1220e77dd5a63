//! The PROX start of Winsteps' iteration path (Cohen 1979; Wright & Stone 1979 ch. 2; Winsteps
//! manual "Iterations - PROX & JMLE"), generalised to many facets.
//!
//! PROX treats every element's opponents as normally distributed. For element `e` of facet `f`
//! (orientation `s_f`: +1 for the object facet, -1 for the others), let `r_n` be the linear
//! predictor of observation `n` without `e`, `r_n = Σ_{g≠f} s_g m_g`, and `μ_e`, `σ²_e` the mean
//! and (population) variance of `r_n` over `e`'s observations. Then
//!
//! ```text
//! m_e = s_f · ( −μ_e + √(1 + σ²_e / 2.9) · ln(R_e / (M_e − R_e)) )
//! ```
//!
//! with `R_e` the element's score and `M_e` its largest possible score (categories counted from
//! 0). For a person facing items this is Winsteps' `B_n = μ_n + √(1 + σ_n²/2.9) ln(R_n/(N_n−R_n))`,
//! and for an item `D_i = μ_i − √(1 + σ_i²/2.9) ln(R_i/(N_i−R_i))`. `2.9 ≈ 1.7²` rescales the
//! normal ogive to the logistic.
//!
//! Iteration 1 starts from every measure at 0 (so `μ = σ = 0`) and uses every observation,
//! extreme elements included (Winsteps' convergence table counts them as active in PROX
//! iteration 1 only); later iterations use the non-extreme observations and update every element
//! from the previous iteration's values (simultaneously). The centred facets are re-centred
//! after each iteration without moving the others. Iteration stops when the "extreme 5 range"
//! (mean of the top five measures minus mean of the bottom five) of some facet grew by less than
//! 0.5 logits, or after [`PROX_MAX_ITERATIONS`] (Winsteps `MPROX=10`).

use super::design::Design;
use super::extreme::ElementStatus;

/// `1.7² ≈ 2.89`, rounded as Winsteps does: the variance factor that maps the normal ogive onto
/// the logistic (Wright & Stone 1979).
pub const PROX_LOGISTIC_VARIANCE: f64 = 2.9;
/// Winsteps' default `MPROX=10`.
pub const PROX_MAX_ITERATIONS: usize = 10;
/// PROX stops when a facet's extreme-5 range grew by less than this (logits).
pub const PROX_RANGE_INCREASE: f64 = 0.5;
/// How many elements at each end define the "extreme 5 range".
pub const PROX_RANGE_ELEMENTS: usize = 5;

/// `m = s · (−μ + √(1 + σ²/2.9) · ln(R / (M − R)))`: one element's PROX estimate (see the module
/// notes). `None` for an extreme score (`R = 0` or `R = M`).
pub fn prox_measure(sign: f64, mean: f64, variance: f64, score: f64, possible: f64) -> Option<f64> {
    if !(score > 0.0 && score < possible) {
        return None;
    }
    let expansion = (1.0 + variance.max(0.0) / PROX_LOGISTIC_VARIANCE).sqrt();
    Some(sign * (-mean + expansion * (score / (possible - score)).ln()))
}

/// Mean of the top [`PROX_RANGE_ELEMENTS`] values minus mean of the bottom ones: Winsteps'
/// "extreme 5 range" (with fewer than ten values, the top and bottom halves).
pub fn extreme_range(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let k = (sorted.len() / 2).clamp(1, PROX_RANGE_ELEMENTS);
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    mean(&sorted[sorted.len() - k..]) - mean(&sorted[..k])
}

/// What the PROX start did.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxStart {
    /// PROX iterations run.
    pub iterations: usize,
    /// Every iteration's extreme-5 range per facet.
    pub ranges: Vec<Vec<f64>>,
}

/// One PROX iteration over observations `obs` from `measures` (see the module notes); elements
/// with status [`ElementStatus::Measured`] get new values, the rest keep theirs.
fn prox_iteration(
    design: &Design,
    status: &[ElementStatus],
    measures: &[f64],
    obs: &mut dyn Iterator<Item = usize>,
) -> Vec<f64> {
    let data = design.data;
    let n_el = design.n_elements();
    let n_facets = design.n_facets();
    // Per element: count, Σ r, Σ r², score, possible.
    let mut count = vec![0.0; n_el];
    let mut sum = vec![0.0; n_el];
    let mut sum_sq = vec![0.0; n_el];
    let mut score = vec![0.0; n_el];
    let mut possible = vec![0.0; n_el];
    let mut flat = vec![0usize; n_facets];
    for n in obs {
        let mut eta = 0.0;
        for (f, col) in data.elements.iter().enumerate() {
            flat[f] = design.offsets[f] + col[n] as usize;
            eta += design.signs[f] * measures[flat[f]];
        }
        let k = f64::from(design.obs_category[n]);
        let m = design.scales[design.obs_scale[n] as usize].n_thresholds() as f64;
        for (f, &e) in flat.iter().enumerate() {
            let r = eta - design.signs[f] * measures[e];
            count[e] += 1.0;
            sum[e] += r;
            sum_sq[e] += r * r;
            score[e] += k;
            possible[e] += m;
        }
    }
    (0..n_el)
        .map(|e| {
            if status[e] != ElementStatus::Measured || count[e] == 0.0 {
                return measures[e];
            }
            let mean = sum[e] / count[e];
            let variance = sum_sq[e] / count[e] - mean * mean;
            let sign = design.signs[design.facet_of(e)];
            prox_measure(sign, mean, variance, score[e], possible[e]).unwrap_or(measures[e])
        })
        .collect()
}

/// Runs PROX from `measures` (anchored values in place, everything else 0) and leaves its
/// estimates there. `active` are the non-extreme observations; `recentre` re-centres the
/// centred facets (without moving the others) after every iteration.
pub(crate) fn prox_start(
    design: &Design,
    status: &[ElementStatus],
    active: &[u32],
    measures: &mut [f64],
    recentre: &mut dyn FnMut(&mut [f64]),
) -> ProxStart {
    let n_facets = design.n_facets();
    let range_of = |m: &[f64]| -> Vec<f64> {
        (0..n_facets)
            .map(|f| {
                let values: Vec<f64> = (design.offsets[f]..design.offsets[f + 1])
                    .filter(|&e| status[e] == ElementStatus::Measured)
                    .map(|e| m[e])
                    .collect();
                extreme_range(&values)
            })
            .collect()
    };
    let mut ranges = Vec::new();
    let mut iterations = 0;
    for iteration in 1..=PROX_MAX_ITERATIONS {
        let next = if iteration == 1 {
            prox_iteration(design, status, measures, &mut (0..design.data.len()))
        } else {
            prox_iteration(
                design,
                status,
                measures,
                &mut active.iter().map(|&n| n as usize),
            )
        };
        measures.copy_from_slice(&next);
        recentre(measures);
        iterations = iteration;
        let range = range_of(measures);
        let grew_little = ranges.last().is_some_and(|previous: &Vec<f64>| {
            range
                .iter()
                .zip(previous)
                .enumerate()
                .any(|(f, (now, before))| {
                    let measured = (design.offsets[f]..design.offsets[f + 1])
                        .filter(|&e| status[e] == ElementStatus::Measured)
                        .count();
                    measured > 1 && now - before < PROX_RANGE_INCREASE
                })
        });
        ranges.push(range);
        if grew_little {
            break;
        }
    }
    ProxStart { iterations, ranges }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prox_measure_by_hand() {
        // A person with 7 of 14 items right facing items of mean 0: 0 logits whatever σ.
        assert_eq!(prox_measure(1.0, 0.0, 4.0, 7.0, 14.0), Some(0.0));
        // 12 of 14 against items with mean difficulty 0.5 (r = −D, so mean r = −0.5), σ² = 2.9:
        // B = 0.5 + √2 · ln(12/2).
        let b = prox_measure(1.0, -0.5, 2.9, 12.0, 14.0).unwrap();
        assert!((b - (0.5 + 2f64.sqrt() * 6f64.ln())).abs() < 1e-12);
        // An item answered right by 3 of 34 persons of mean 1.0, σ² 0: D = 1 − ln(3/31).
        let d = prox_measure(-1.0, 1.0, 0.0, 3.0, 34.0).unwrap();
        assert!((d - (1.0 - (3.0f64 / 31.0).ln())).abs() < 1e-12);
        assert_eq!(prox_measure(1.0, 0.0, 0.0, 0.0, 14.0), None);
        assert_eq!(prox_measure(1.0, 0.0, 0.0, 14.0, 14.0), None);
    }

    #[test]
    fn extreme_range_uses_five_at_each_end() {
        let v: Vec<f64> = (0..12).map(f64::from).collect();
        // top five 7..11 (mean 9), bottom five 0..4 (mean 2).
        assert_eq!(extreme_range(&v), 7.0);
        assert_eq!(extreme_range(&[1.0, 3.0]), 2.0);
        // Seven values: the top and bottom three.
        assert_eq!(extreme_range(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 4.0);
        assert_eq!(extreme_range(&[2.0]), 0.0);
        assert_eq!(extreme_range(&[]), 0.0);
    }
}
