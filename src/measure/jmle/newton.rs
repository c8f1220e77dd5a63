//! The numerical steps of a JMLE iteration: the joint (constrained) Newton-Raphson step of a
//! scale's thresholds, Andrich's threshold update, centring, and Wright & Douglas's bias
//! correction.

use super::*;

/// Gauss-Jordan elimination with partial pivoting of the `n × (n + 1)` augmented matrix `a`
/// (row-major): leaves it diagonal, so `x_i = a[i][n] / a[i][i]`. `None` when singular.
fn eliminate(a: &mut [f64], n: usize) -> Option<()> {
    let w = n + 1;
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&x, &y| a[x * w + col].abs().total_cmp(&a[y * w + col].abs()))?;
        if a[pivot * w + col].abs() < f64::EPSILON {
            return None;
        }
        if pivot != col {
            for c in 0..w {
                a.swap(pivot * w + c, col * w + c);
            }
        }
        for row in 0..n {
            if row != col {
                let factor = a[row * w + col] / a[col * w + col];
                if factor != 0.0 {
                    for c in col..w {
                        a[row * w + c] -= factor * a[col * w + c];
                    }
                }
            }
        }
    }
    Some(())
}

/// Solves the bordered system `[A 1; 1ᵀ 0] [δ; λ] = [g; 0]` (Newton step for the thresholds of
/// one scale under the sum-to-zero constraint). `upper` holds the upper triangle of the
/// symmetric `m × m` matrix `A` row-major. Gaussian elimination with partial pivoting; `None`
/// when singular.
pub(super) fn constrained_newton_step(upper: &[f64], g: &[f64]) -> Option<Vec<f64>> {
    let m = g.len();
    let n = m + 1;
    let mut a = vec![0.0; n * (n + 1)];
    let w = n + 1;
    for j in 0..m {
        for k in j..m {
            let v = upper[j * m + k];
            a[j * w + k] = v;
            a[k * w + j] = v;
        }
        a[j * w + m] = 1.0;
        a[m * w + j] = 1.0;
        a[j * w + n] = g[j];
    }
    eliminate(&mut a, n)?;
    Some((0..m).map(|j| a[j * w + n] / a[j * w + j]).collect())
}

/// Joint Newton step of one element and the thresholds of its own scale: solves
/// `[w cᵀ 0; c A 1; 0 1ᵀ 0] [Δ; δ; λ] = [g_m; g; 0]` (`A` given by its upper triangle, row-major
/// `m × m`; the last row keeps `Σ δ = 0`). `None` when singular.
pub(super) fn joint_newton_step(
    w: f64,
    cross: &[f64],
    upper: &[f64],
    g_m: f64,
    g: &[f64],
) -> Option<(f64, Vec<f64>)> {
    let m = g.len();
    let n = m + 2;
    let width = n + 1;
    let mut a = vec![0.0; n * width];
    a[0] = w;
    a[n] = g_m;
    for j in 0..m {
        let r = j + 1;
        a[1 + j] = cross[j];
        a[r * width] = cross[j];
        for k in j..m {
            let v = upper[j * m + k];
            a[r * width + 1 + k] = v;
            a[(k + 1) * width + 1 + j] = v;
        }
        a[r * width + m + 1] = 1.0;
        a[(m + 1) * width + r] = 1.0;
        a[r * width + n] = g[j];
    }
    eliminate(&mut a, n)?;
    let x = |i: usize| a[i * width + n] / a[i * width + i];
    Some((x(0), (1..=m).map(x).collect()))
}

/// Subtracts the mean so the values sum to zero (thresholds of a scale; Andrich 1978).
pub(super) fn centre(values: &mut [f64]) {
    if values.is_empty() {
        return;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    values.iter_mut().for_each(|v| *v -= mean);
}

/// Subtracts the mean of facet `f`'s measured elements from them; returns that mean (`None`
/// when the facet has no measured element).
pub(crate) fn centre_facet(
    design: &Design,
    f: usize,
    status: &[ElementStatus],
    measures: &mut [f64],
) -> Option<f64> {
    let range = design.offsets[f]..design.offsets[f + 1];
    let (sum, count) = range
        .clone()
        .filter(|&e| status[e] == ElementStatus::Measured)
        .fold((0.0, 0usize), |(s, c), e| (s + measures[e], c + 1));
    if count == 0 {
        return None;
    }
    let mean = sum / count as f64;
    for e in range.filter(|&e| status[e] == ElementStatus::Measured) {
        measures[e] -= mean;
    }
    Some(mean)
}

/// Centres every centred facet and moves the floating facet (if any) the other way, so that
/// every linear predictor `η` stays unchanged: centring is then a pure choice of origin and does
/// not disturb the iteration.
pub(super) fn centre_facets_invariant(
    design: &Design,
    centred: &[bool],
    floating: Option<usize>,
    status: &[ElementStatus],
    measures: &mut [f64],
) {
    for (f, &is_centred) in centred.iter().enumerate() {
        if !is_centred {
            continue;
        }
        let Some(mean) = centre_facet(design, f, status, measures) else {
            continue;
        };
        if let Some(g) = floating.filter(|&g| g != f) {
            let shift = design.signs[f] * design.signs[g] * mean;
            for e in (design.offsets[g]..design.offsets[g + 1])
                .filter(|&e| status[e] == ElementStatus::Measured)
            {
                measures[e] += shift;
            }
        }
    }
}

/// The Rasch-Andrich threshold update of Facets' and Winsteps' curve-fitting iteration
/// (Winsteps manual "Iterations - PROX & JMLE"): with `log(P_k / P_{k-1}) = η - F_k`, the ratio
/// of adjacent category counts moves as `exp(-F_k)`, so
/// `F_k' = F_k + ln(E_k / E_{k-1}) - ln(C_k / C_{k-1})`, `C` the observed and `E` the expected
/// counts of categories `k-1` and `k`. At its fixed point every category's expected count equals
/// its observed count (the likelihood equations of the thresholds).
pub(super) fn andrich_threshold_step(
    observed_below: f64,
    observed_at: f64,
    expected_below: f64,
    expected_at: f64,
) -> f64 {
    if observed_below <= 0.0 || observed_at <= 0.0 || expected_below <= 0.0 || expected_at <= 0.0 {
        return 0.0;
    }
    (expected_at / expected_below).ln() - (observed_at / observed_below).ln()
}

/// Wright & Douglas (1977) JMLE bias correction: measured (unanchored) measures and unanchored
/// thresholds are multiplied by `(L-1)/L`, `L` the mean number of non-extreme responses per
/// object (the test length in the two-facet case).
pub(super) fn apply_bias_correction(
    design: &Design,
    status: &[ElementStatus],
    active: &[u32],
    measures: &mut [f64],
    thresholds: &mut [Vec<f64>],
    scale_anchored: &[bool],
) {
    let object = design.data.object_facet;
    let n_objects = (design.offsets[object]..design.offsets[object + 1])
        .filter(|&e| status[e] == ElementStatus::Measured)
        .count();
    if n_objects == 0 {
        return;
    }
    let length = active.len() as f64 / n_objects as f64;
    if length <= 1.0 {
        return;
    }
    let factor = (length - 1.0) / length;
    for (m, st) in measures.iter_mut().zip(status) {
        if *st == ElementStatus::Measured {
            *m *= factor;
        }
    }
    for (thr, &anchored) in thresholds.iter_mut().zip(scale_anchored) {
        if !anchored {
            thr.iter_mut().for_each(|t| *t *= factor);
        }
    }
}
