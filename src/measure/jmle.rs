//! Joint maximum likelihood estimation (JMLE, "UCON"; Wright & Masters 1982 ch. 4; Linacre 1989
//! *Many-Facet Rasch Measurement* ch. 6; Facets manual "Estimation considerations").
//!
//! Each iteration is one parallel sweep over the non-extreme observations ([`super::sweep`]):
//! the object facet's elements take their Newton-Raphson steps inside the sweep, and the sweep
//! returns, per element, the expected score `Σ E_n`, the information `Σ W_n` and the first-order
//! effect of the object steps, and per scale threshold the expected count above it. Then every
//! other unanchored parameter takes one clamped Newton-Raphson step (block Gauss-Seidel "objects,
//! then the rest", to first order) and the centred facets are re-centred with the floating facet
//! moving the other way, so that no linear predictor changes.

use super::design::Design;
use super::error::MeasureError;
use super::extreme::{classify, estimate_extremes, ElementStatus};
use super::observer::{ElementRef, IterationReport, Observer, ParameterRef};
use super::options::{FitOptions, JmleUpdate, StartValues, UnobservedCategories};
use super::prox::prox_start;
use super::sweep::{sweep, ElementStep, Layout, SweepInput};
use crate::progress::Progress;

/// The converged (or last) state of the estimation.
pub(crate) struct Estimates {
    pub measures: Vec<f64>,
    pub status: Vec<ElementStatus>,
    pub thresholds: Vec<Vec<f64>>,
    pub scale_anchored: Vec<bool>,
    /// Facets centred on 0 (unanchored and not named non-centred).
    pub centred: Vec<bool>,
    /// The observations used in estimation (no extreme element).
    pub active: Vec<u32>,
    /// Information `Σ W_n` of extreme elements over the responses that measure them.
    pub extreme_information: Vec<f64>,
    pub history: Vec<IterationReport>,
    pub converged: bool,
}

/// Flat offsets of each scale's thresholds (`offsets[s]..offsets[s+1]`).
pub(crate) fn threshold_offsets(design: &Design) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(design.scales.len() + 1);
    let mut total = 0;
    for s in &design.scales {
        offsets.push(total);
        total += s.n_thresholds();
    }
    offsets.push(total);
    offsets
}

/// Starting measures with the anchors in place, which elements are anchored, and which facets
/// are centred (not named non-centred and without anchored elements). Shared by JMLE and MML.
pub(crate) struct AnchoredStart {
    pub measures: Vec<f64>,
    pub anchored: Vec<bool>,
    pub centred: Vec<bool>,
}

pub(crate) fn anchored_start(design: &Design, options: &FitOptions) -> AnchoredStart {
    let n_el = design.n_elements();
    let mut measures = vec![0.0; n_el];
    let mut anchored = vec![false; n_el];
    for a in &options.anchors.elements {
        let e = design.flat(a.facet, a.element);
        anchored[e] = true;
        measures[e] = a.measure;
    }
    let non_centred = options.non_centred_facets(design.data);
    let centred = (0..design.n_facets())
        .map(|f| {
            !non_centred.contains(&f) && !options.anchors.elements.iter().any(|a| a.facet == f)
        })
        .collect();
    AnchoredStart {
        measures,
        anchored,
        centred,
    }
}

/// Runs JMLE to convergence (or the iteration cap).
pub(crate) fn estimate(
    design: &Design,
    options: &FitOptions,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<Estimates, MeasureError> {
    let data = design.data;
    let n_el = design.n_elements();
    let n_facets = design.n_facets();
    let AnchoredStart {
        mut measures,
        anchored,
        centred,
    } = anchored_start(design, options);
    let status = classify(design, &anchored);
    let active: Vec<u32> = (0..data.len())
        .filter(|&n| (0..n_facets).all(|f| status[design.flat(f, data.elements[f][n])].is_active()))
        .map(|n| n as u32)
        .collect();
    if active.is_empty() {
        return Err(MeasureError::NoNonExtremeObservations);
    }
    let thr_offsets = threshold_offsets(design);
    let n_thr = *thr_offsets.last().unwrap_or(&0);

    // Sufficient statistics of the active data: element scores (category units), their maxima,
    // and per threshold the count of responses at or above the category.
    let mut observed = vec![0.0; n_el];
    let mut possible = vec![0.0; n_el];
    let mut threshold_observed = vec![0.0; n_thr];
    let mut category_count = vec![0.0; n_thr + design.scales.len()];
    for &n in &active {
        let n = n as usize;
        let s = design.obs_scale[n] as usize;
        let k = design.obs_category[n] as usize;
        let m = design.scales[s].n_thresholds();
        for (f, col) in data.elements.iter().enumerate() {
            let e = design.offsets[f] + col[n] as usize;
            observed[e] += k as f64;
            possible[e] += m as f64;
        }
        for h in 1..=k {
            threshold_observed[thr_offsets[s] + h - 1] += 1.0;
        }
        category_count[thr_offsets[s] + s + k] += 1.0;
    }
    if options.unobserved_categories == UnobservedCategories::Keep {
        for (s, scale) in design.scales.iter().enumerate() {
            for (c, &seen) in scale.observed.iter().enumerate() {
                if !seen && c > 0 && c < scale.n_thresholds() {
                    for h in 1..=c {
                        threshold_observed[thr_offsets[s] + h - 1] += options.keep_pseudo_count;
                    }
                    category_count[thr_offsets[s] + s + c] += options.keep_pseudo_count;
                }
            }
        }
    }

    // Starting values: log-odds of each element's score (a PROX-like start), thresholds from the
    // log-ratios of adjacent category counts (Andrich 1978), then centring.
    // Winsteps' path starts from PROX (below) and Winsteps' threshold start; Facets' path from
    // PROX with every threshold at 0 (Facets manual: "Initial estimates are obtained using the
    // PROX (normal approximation) algorithm"; its Table 3 opens with PROX iterations).
    let winsteps = options.update == JmleUpdate::Winsteps;
    let facets = options.update == JmleUpdate::Facets;
    let log_odds_start = (options.start_values == StartValues::LogOdds && !facets) || winsteps;
    for e in 0..n_el {
        if log_odds_start && status[e] == ElementStatus::Measured {
            let f = design.facet_of(e);
            // Non-extreme, so 0 < observed < possible and the log-odds are finite.
            measures[e] = design.signs[f] * (observed[e] / (possible[e] - observed[e])).ln();
        }
    }
    let mut thresholds: Vec<Vec<f64>> = design
        .scales
        .iter()
        .map(|s| vec![0.0; s.n_thresholds()])
        .collect();
    let mut scale_anchored = vec![false; design.scales.len()];
    for (s, scale) in design.scales.iter().enumerate() {
        if let Some(a) = options
            .anchors
            .scales
            .iter()
            .find(|a| a.element == scale.element)
        {
            if a.thresholds.len() != scale.n_thresholds() {
                return Err(MeasureError::InvalidOption {
                    option: "anchors.scales",
                    reason: format!(
                        "scale {s} has {} thresholds but {} were anchored",
                        scale.n_thresholds(),
                        a.thresholds.len()
                    ),
                });
            }
            thresholds[s].clone_from(&a.thresholds);
            scale_anchored[s] = true;
            continue;
        }
        let count = |k: usize| category_count[thr_offsets[s] + s + k];
        for k in (1..=scale.n_thresholds()).filter(|_| log_odds_start) {
            // Winsteps' start: log(C_{k-1} / C_k), half a response where a count is 0.
            let (below, at) = (count(k - 1), count(k));
            thresholds[s][k - 1] = if below > 0.0 && at > 0.0 {
                (below / at).ln()
            } else {
                ((below + 0.5) / (at + 0.5)).ln()
            };
        }
        centre(&mut thresholds[s]);
    }
    if winsteps || facets {
        for (m, s) in measures.iter_mut().zip(&status) {
            if *s == ElementStatus::Measured {
                *m = 0.0;
            }
        }
        prox_start(design, &status, &active, &mut measures, &mut |m| {
            centre_facets_invariant(design, &centred, None, &status, m)
        });
    }
    centre_facets_invariant(design, &centred, None, &status, &mut measures);

    let conv = options.convergence;
    let mut progress = Progress::new(observer);
    let mut converged = false;
    let mut old_measures = measures.clone();
    let mut old_thresholds = thresholds.clone();
    let mut cov_offsets = Vec::with_capacity(design.scales.len() + 1);
    let mut total = 0;
    for scale in &design.scales {
        cov_offsets.push(total);
        total += scale.n_thresholds() * scale.n_thresholds();
    }
    cov_offsets.push(total);
    let inner = data.object_facet;
    let layout = Layout::new(design, &active, inner);
    debug_assert_eq!(layout.len(), active.len());
    let mut inner_step = vec![0.0; data.facets[inner].len()];
    let non_centred = options.non_centred_facets(data);
    let floating = (0..n_facets).find(|&f| {
        non_centred.contains(&f) && !options.anchors.elements.iter().any(|a| a.facet == f)
    });
    // Facets' path: every step from the start-of-iteration sums (no Gauss-Seidel correction, no
    // joint partial-credit step, no extrapolation) and plain re-centring.
    let jacobi = matches!(options.update, JmleUpdate::Facets | JmleUpdate::Winsteps);
    let mut last_change = f64::INFINITY;
    let correction = if jacobi { 0.0 } else { 1.0 };
    // Facets moves its elements half a curve-fitting step ([`ElementStep::HalfOgive`]).
    let element_step = if facets {
        ElementStep::HalfOgive
    } else {
        ElementStep::Newton
    };
    let mut previous_step = vec![0.0; n_el];
    let mut before_steps = vec![0.0; n_el];
    for iteration in 1..=conv.max_iterations {
        old_measures.copy_from_slice(&measures);
        for (o, t) in old_thresholds.iter_mut().zip(&thresholds) {
            o.copy_from_slice(t);
        }
        // One sweep: the inner facet's steps are taken inside it (Gauss-Seidel to first order),
        // the other facets and the thresholds step from its corrected sums.
        let sums = sweep(
            &layout,
            &SweepInput {
                measures: &measures,
                thresholds: &thresholds,
                thr_offsets: &thr_offsets,
                cov_offsets: &cov_offsets,
                signs: &design.signs,
                status: &status,
                observed: &observed,
                inner_offset: design.offsets[inner],
                max_step: options.max_step,
                element_step,
            },
            &mut inner_step,
        );
        let log_likelihood = sums.log_likelihood;
        // The convergence residuals are those at the start of the iteration.
        let mut max_residual: f64 = 0.0;
        let mut max_residual_element = None;
        for e in 0..n_el {
            if status[e] != ElementStatus::Measured {
                continue;
            }
            let residual = (observed[e] - sums.expected[e]).abs();
            if residual > max_residual {
                let f = design.facet_of(e);
                max_residual = residual;
                max_residual_element = Some(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                });
            }
        }
        // Winsteps (`CONVERGE=Either`) decides at the start of an iteration, before any step:
        // the residuals at the current estimates, or the previous iteration's change.
        if winsteps
            && iteration > 1
            && (max_residual <= conv.max_score_residual || last_change <= conv.max_change)
        {
            converged = true;
            break;
        }
        for (j, step) in inner_step.iter().enumerate() {
            measures[design.offsets[inner] + j] += step;
        }
        before_steps.copy_from_slice(&measures);
        // Partial credit: each scale element and its own thresholds take one joint Newton step
        // (their information is strongly coupled on skewed items).
        let mut joint = vec![false; design.scales.len()];
        if let Some(sf) = design.scale_facet.filter(|&sf| sf != inner && !jacobi) {
            for (s, thr) in thresholds.iter_mut().enumerate() {
                let e = design.offsets[sf] + s;
                let m = thr.len();
                if scale_anchored[s]
                    || m == 0
                    || status[e] != ElementStatus::Measured
                    || sums.variance[e] <= 0.0
                {
                    continue;
                }
                let sign = design.signs[sf];
                let off = thr_offsets[s];
                let g_m = sign * (observed[e] - sums.expected[e] - sums.shift[e]);
                let g: Vec<f64> = (0..m)
                    .map(|h| {
                        sums.threshold_expected[off + h] + sums.threshold_shift[off + h]
                            - threshold_observed[off + h]
                    })
                    .collect();
                let cross: Vec<f64> = (0..m)
                    .map(|h| -sign * sums.threshold_cross[off + h])
                    .collect();
                let cov = &sums.threshold_covariance[cov_offsets[s]..cov_offsets[s + 1]];
                if let Some((mut d_m, mut step)) =
                    joint_newton_step(sums.variance[e], &cross, cov, g_m, &g)
                {
                    let largest = step.iter().fold(d_m.abs(), |a, d| a.max(d.abs()));
                    if largest > options.max_step {
                        let k = options.max_step / largest;
                        d_m *= k;
                        step.iter_mut().for_each(|d| *d *= k);
                    }
                    measures[e] += d_m;
                    thr.iter_mut().zip(&step).for_each(|(t, d)| *t += d);
                    centre(thr);
                    joint[s] = true;
                }
            }
        }
        let joint_element = |e: usize| {
            design.scale_facet.is_some_and(|sf| {
                e >= design.offsets[sf]
                    && e < design.offsets[sf + 1]
                    && joint[e - design.offsets[sf]]
            })
        };
        // Other facets: Δ = sign · (S - Σ E - Σ W δη) / Σ W, clamped.
        for f in (0..n_facets).filter(|&f| f != inner) {
            for e in design.offsets[f]..design.offsets[f + 1] {
                if status[e] == ElementStatus::Measured
                    && sums.variance[e] > 0.0
                    && !joint_element(e)
                {
                    let residual = observed[e] - sums.expected[e] - correction * sums.shift[e];
                    measures[e] += element_step.step(
                        design.signs[f],
                        residual,
                        sums.variance[e],
                        options.max_step,
                    );
                }
            }
        }
        // Aitken-style extrapolation of the non-object facets: when an element's step shrinks
        // geometrically (same sign, ratio r < 1, as on items whose residual is fed back through
        // the objects), jump by the rest of the series, Δ·r/(1-r) with r capped at .8. It
        // changes the path only; the stopping rules still test the actual residuals and changes.
        for f in (0..n_facets).filter(|&f| f != inner && !jacobi) {
            for e in design.offsets[f]..design.offsets[f + 1] {
                let raw = measures[e] - before_steps[e];
                let prev = previous_step[e];
                previous_step[e] = raw;
                if raw * prev > 0.0 {
                    let r = raw / prev;
                    if r < 1.0 {
                        let r = r.min(0.8);
                        measures[e] +=
                            (raw * r / (1.0 - r)).clamp(-options.max_step, options.max_step);
                    }
                }
            }
        }
        // Thresholds: Newton step δ = A⁻¹ g under Σ δ = 0, with g_k = Σ (Q_k - [x >= k])
        // (corrected for the inner facet's steps) and A = Σ Cov([X>=j],[X>=k]).
        for (s, thr) in thresholds.iter_mut().enumerate() {
            let m = thr.len();
            if scale_anchored[s] || m == 0 || joint[s] {
                continue;
            }
            if jacobi {
                let off = thr_offsets[s];
                let counts = &category_count[off + s..off + s + m + 1];
                let responses: f64 = counts.iter().sum();
                let expected_above = |h: usize| match h {
                    0 => responses,
                    h if h > m => 0.0,
                    h => sums.threshold_expected[off + h - 1],
                };
                let expected_counts: Vec<f64> = (0..=m)
                    .map(|k| expected_above(k) - expected_above(k + 1))
                    .collect();
                for (h, t) in thr.iter_mut().enumerate() {
                    *t += andrich_threshold_step(
                        counts[h],
                        counts[h + 1],
                        expected_counts[h],
                        expected_counts[h + 1],
                    )
                    .clamp(-options.max_step, options.max_step);
                }
                centre(thr);
                continue;
            }
            let g: Vec<f64> = (0..m)
                .map(|h| {
                    let t = thr_offsets[s] + h;
                    sums.threshold_expected[t] + correction * sums.threshold_shift[t]
                        - threshold_observed[t]
                })
                .collect();
            let cov = &sums.threshold_covariance[cov_offsets[s]..cov_offsets[s + 1]];
            if let Some(mut step) = constrained_newton_step(cov, &g) {
                let largest = step.iter().fold(0.0_f64, |a, d| a.max(d.abs()));
                if largest > options.max_step {
                    step.iter_mut()
                        .for_each(|d| *d *= options.max_step / largest);
                }
                thr.iter_mut().zip(&step).for_each(|(t, d)| *t += d);
                centre(thr);
            }
        }
        let moves_with_centring = if jacobi { None } else { floating };
        centre_facets_invariant(
            design,
            &centred,
            moves_with_centring,
            &status,
            &mut measures,
        );
        let mut max_change: f64 = 0.0;
        let mut max_change_parameter = None;
        for e in 0..n_el {
            let change = (measures[e] - old_measures[e]).abs();
            if change > max_change {
                max_change = change;
                let f = design.facet_of(e);
                max_change_parameter = Some(ParameterRef::Element(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                }));
            }
        }
        // Facets' `Convergence = .5, .01, 0, 0` tests the elements' changes only (its fourth
        // value, the threshold change, is ignored at 0); the accelerated path tests both.
        for (s, (new, old)) in thresholds
            .iter()
            .zip(&old_thresholds)
            .enumerate()
            .filter(|_| !jacobi)
        {
            for (h, (a, b)) in new.iter().zip(old).enumerate() {
                if (a - b).abs() > max_change {
                    max_change = (a - b).abs();
                    max_change_parameter = Some(ParameterRef::Threshold {
                        scale: s,
                        threshold: h + 1,
                    });
                }
            }
        }
        let report = IterationReport {
            iteration,
            max_score_residual: max_residual,
            max_residual_element,
            max_change,
            max_change_parameter,
            log_likelihood,
        };
        progress.report(report)?;
        if !winsteps && max_residual <= conv.max_score_residual && max_change <= conv.max_change {
            converged = true;
            break;
        }
        last_change = max_change;
    }

    if options.bias_correction {
        apply_bias_correction(
            design,
            &status,
            &active,
            &mut measures,
            &mut thresholds,
            &scale_anchored,
        );
    }
    let extreme_information = estimate_extremes(
        design,
        &status,
        &mut measures,
        &thresholds,
        options.extreme_adjustment,
        options.max_step,
    );
    Ok(Estimates {
        measures,
        status,
        thresholds,
        scale_anchored,
        centred,
        active,
        extreme_information,
        history: progress.into_history(),
        converged,
    })
}

/// Solves the bordered system `[A 1; 1ᵀ 0] [δ; λ] = [g; 0]` (Newton step for the thresholds of
/// one scale under the sum-to-zero constraint). `upper` holds the upper triangle of the
/// symmetric `m × m` matrix `A` row-major. Gaussian elimination with partial pivoting; `None`
/// when singular.
fn constrained_newton_step(upper: &[f64], g: &[f64]) -> Option<Vec<f64>> {
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
    Some((0..m).map(|j| a[j * w + n] / a[j * w + j]).collect())
}

/// Joint Newton step of one element and the thresholds of its own scale: solves
/// `[w cᵀ 0; c A 1; 0 1ᵀ 0] [Δ; δ; λ] = [g_m; g; 0]` (`A` given by its upper triangle, row-major
/// `m × m`; the last row keeps `Σ δ = 0`). `None` when singular.
fn joint_newton_step(
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
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| {
            a[x * width + col]
                .abs()
                .total_cmp(&a[y * width + col].abs())
        })?;
        if a[pivot * width + col].abs() < f64::EPSILON {
            return None;
        }
        if pivot != col {
            for c in 0..width {
                a.swap(pivot * width + c, col * width + c);
            }
        }
        for row in 0..n {
            if row != col {
                let factor = a[row * width + col] / a[col * width + col];
                if factor != 0.0 {
                    for c in col..width {
                        a[row * width + c] -= factor * a[col * width + c];
                    }
                }
            }
        }
    }
    let x = |i: usize| a[i * width + n] / a[i * width + i];
    Some((x(0), (1..=m).map(x).collect()))
}

/// Subtracts the mean so the values sum to zero (thresholds of a scale; Andrich 1978).
fn centre(values: &mut [f64]) {
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
fn centre_facets_invariant(
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
fn andrich_threshold_step(
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
fn apply_bias_correction(
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
