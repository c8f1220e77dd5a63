//! Marginal maximum likelihood estimation (MML; Bock & Aitkin 1981 EM) of the many-facet model
//! `log(P_k/P_{k-1}) = B_n - Σ_f C_{f,j} - D_i - F_{s,k}`.
//!
//! # Model and identification
//!
//! The object measures are random, `B_n ~ N(μ, σ²)`, and are integrated out; every other facet
//! (raters, items, ...) and the thresholds are fixed effects. The frame of reference follows the
//! fit options exactly as for JMLE: by default the object facet floats, so **μ is estimated and
//! every other facet is centred on 0** (the same frame JMLE reports, which makes the two directly
//! comparable). If the object facet is centred instead (another facet named non-centred, or
//! elements anchored), μ is fixed at 0. Anchoring object elements is not possible under MML.
//! Thresholds are centred per scale (rating scale or partial credit, as the options say).
//!
//! Non-object elements with extreme scores are set aside and measured afterwards with the
//! extreme-score adjustment (as in JMLE); objects are never extreme under MML: an all-minimum or
//! all-maximum object has a finite EAP and WLE.
//!
//! # Quadrature
//!
//! Adaptive Gauss-Hermite quadrature (Naylor & Smith 1982; Schilling & Bock 2005): each object
//! gets its own `Q` nodes `θ_q = m_n + √2 s_n x_q` at its posterior mean `m_n` and SD `s_n`
//! (from the previous E-step; at the start from its posterior mode and curvature), with weights
//! `√2 s_n w_q exp(x_q²) φ(θ_q; μ, σ)`. In the MHS design an object has about 34 responses, so
//! its posterior SD (≈0.4 logits) is a fraction of σ (≈2): fixed nodes on [-6σ, 6σ] (as in TAM)
//! would put the posterior on two or three nodes, whereas adaptive nodes integrate it accurately
//! with 7 points (the default; 7 and 21 points agree to 1e-4 in the marginal log-likelihood on
//! Liking for Science, see the tests). The Gauss-Hermite rule itself is computed by Newton
//! iteration on the orthonormal Hermite recurrence ([`gauss_hermite`]).
//!
//! # EM
//!
//! One parallel pass over the objects (CSR lists of their responses) per iteration computes, per
//! object, the log-likelihood of its responses at each node, the posterior over the nodes, and
//! accumulates (i) per fixed-effect element the posterior-expected score residual `Σ_q w_q (x -
//! E_q)` and information `Σ_q w_q W_q` (the exact gradient and diagonal Hessian of the expected
//! complete-data log-likelihood), (ii) per scale the posterior weight of each category at each
//! linear predictor (linearly binned on a 0.05-logit grid), and (iii) the posterior moments of `θ`.
//! The M-step then
//! - updates μ and σ in closed form (`σ² = mean posterior E[(θ-μ)²]`),
//! - takes one Newton (Fisher-scoring) step per element (an ECM step: the element blocks are
//!   separable within a facet), and
//! - maximises the expected complete-data log-likelihood of each scale's thresholds exactly (given
//!   the binned weights) with argmin's L-BFGS (More-Thuente line search) under the sum-to-zero
//!   constraint, jointly with the location of the element that owns the scale (the item under
//!   partial credit).
//!
//! The EM map is accelerated with SQUAREM (Varadhan & Roland 2008).
//!
//! The marginal log-likelihood is reported every iteration ([`IterationReport::log_likelihood`];
//! `max_score_residual` is the largest marginal score residual of an element, i.e. the gradient
//! of the marginal log-likelihood by Fisher's identity). EM stops when the relative change of the
//! marginal log-likelihood and the largest parameter change are both below the [`MmlOptions`]
//! tolerances, or at the iteration cap (reported as non-convergence, not an error).
//!
//! After EM, one more E-step gives the EAP and posterior SD, the observed information of the
//! fixed effects (Louis 1982, diagonal), and Warm's (1989) WLE per object.

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use rayon::prelude::*;

use super::design::{Design, MAX_CATEGORIES};
use super::error::MeasureError;
use super::extreme::{classify_except, estimate_extremes, ElementStatus};
use super::jmle::{centre_facet, Estimates};
use super::model::category_probabilities;
use super::observer::{ElementRef, IterationReport, Observer, ParameterRef};
use super::options::{FitOptions, MmlOptions, ObjectEstimator, UnobservedCategories};
use super::results::MmlSummary;
use crate::progress::Progress;

mod estep;
mod mstep;

pub use estep::gauss_hermite;
use estep::*;
use mstep::*;

/// Runs MML to convergence (or the iteration cap).
pub(crate) fn estimate(
    design: &Design,
    options: &FitOptions,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<(Estimates, MmlSummary), MeasureError> {
    let mml: MmlOptions = options.mml;
    mml.validate()?;
    let data = design.data;
    let object = data.object_facet;
    let n_el = design.n_elements();
    let n_facets = design.n_facets();
    let n_objects = data.facets[object].len();
    let obj_off = design.offsets[object];
    if options.anchors.elements.iter().any(|a| a.facet == object) {
        return Err(MeasureError::InvalidOption {
            option: "anchors.elements",
            reason: "MML integrates the object measures out; object elements cannot be anchored"
                .into(),
        });
    }
    let super::jmle::AnchoredStart {
        mut measures,
        anchored,
        centred,
    } = super::jmle::anchored_start(design, options);
    let mu_free = !centred[object];
    let status = classify_except(design, &anchored, Some(object));
    let active: Vec<u32> = (0..data.len())
        .filter(|&n| {
            (0..n_facets)
                .all(|f| f == object || status[design.flat(f, data.elements[f][n])].is_active())
        })
        .map(|n| n as u32)
        .collect();
    if active.is_empty() {
        return Err(MeasureError::NoNonExtremeObservations);
    }
    let layout = Layout::new(design, &active, object, n_objects);

    // Thresholds: anchored, or log-odds of adjacent category counts (Andrich 1978), centred.
    let n_scales = design.scales.len();
    let mut counts: Vec<Vec<f64>> = design
        .scales
        .iter()
        .map(|s| vec![0.0; s.n_thresholds() + 1])
        .collect();
    for (s, k) in layout.scale.iter().zip(&layout.category) {
        counts[*s as usize][*k as usize] += 1.0;
    }
    let keep = options.unobserved_categories == UnobservedCategories::Keep;
    let mut thresholds: Vec<Vec<f64>> = Vec::with_capacity(n_scales);
    let mut scale_anchored = vec![false; n_scales];
    for (s, scale) in design.scales.iter().enumerate() {
        let m = scale.n_thresholds();
        if let Some(a) = options
            .anchors
            .scales
            .iter()
            .find(|a| a.element == scale.element)
        {
            if a.thresholds.len() != m {
                return Err(MeasureError::InvalidOption {
                    option: "anchors.scales",
                    reason: format!(
                        "scale {s} has {m} thresholds but {} were anchored",
                        a.thresholds.len()
                    ),
                });
            }
            thresholds.push(a.thresholds.clone());
            scale_anchored[s] = true;
            continue;
        }
        let c = |k: usize| counts[s][k] + 0.5;
        let mut t: Vec<f64> = (1..=m).map(|k| (c(k - 1) / c(k)).ln()).collect();
        let mean = t.iter().sum::<f64>() / m.max(1) as f64;
        t.iter_mut().for_each(|x| *x -= mean);
        thresholds.push(t);
    }

    // Element starting values: log-odds of their scores (PROX-like), then centring.
    let mut observed = vec![0.0; n_el];
    let mut possible = vec![0.0; n_el];
    for (e, (s, k)) in layout.scale.iter().zip(&layout.category).enumerate() {
        let m = design.scales[*s as usize].n_thresholds() as f64;
        for &el in &layout.elements[e * layout.n_other..(e + 1) * layout.n_other] {
            observed[el as usize] += *k as f64;
            possible[el as usize] += m;
        }
    }
    for e in 0..n_el {
        if status[e] == ElementStatus::Measured && !(obj_off..obj_off + n_objects).contains(&e) {
            let f = design.facet_of(e);
            measures[e] =
                design.signs[f] * ((observed[e] + 0.5) / (possible[e] - observed[e] + 0.5)).ln();
        }
    }
    let mut mu = 0.0;
    centre_facets(design, &centred, &status, &mut measures, &mut mu, false);

    // Starting population and node placement: posterior modes under N(0, 2²) (a wide prior),
    // then μ and σ from the modes.
    let mut offsets = layout.offsets(&measures);
    let mut sigma = 2.0;
    let mut posterior: Vec<(f64, f64)> = (0..n_objects)
        .into_par_iter()
        .map(|o| {
            if layout.start[o] == layout.start[o + 1] {
                return (0.0, sigma);
            }
            let (mode, info) = object_newton(
                &layout,
                o,
                &offsets,
                &thresholds,
                0.0,
                Some((0.0, sigma * sigma)),
            );
            (mode, 1.0 / (info + 1.0 / (sigma * sigma)).sqrt())
        })
        .collect();
    {
        let with: Vec<&(f64, f64)> = posterior
            .iter()
            .enumerate()
            .filter(|(o, _)| layout.start[*o] < layout.start[*o + 1])
            .map(|(_, p)| p)
            .collect();
        let n = with.len().max(1) as f64;
        if mu_free {
            mu = with.iter().map(|p| p.0).sum::<f64>() / n;
        }
        let var = with.iter().map(|p| (p.0 - mu).powi(2)).sum::<f64>() / n;
        sigma = var.sqrt().max(0.1);
    }

    let (nodes, gh_weights) = gauss_hermite(mml.quadrature_points);
    let log_weights: Vec<f64> = nodes
        .iter()
        .zip(&gh_weights)
        .map(|(x, w)| w.ln() + x * x)
        .collect();
    let mut bin_offsets = Vec::with_capacity(n_scales + 1);
    let mut total_bins = 0;
    for s in &design.scales {
        bin_offsets.push(total_bins);
        total_bins += N_GRID * (s.n_thresholds() + 1);
    }
    bin_offsets.push(total_bins);
    let any_free_scale = design
        .scales
        .iter()
        .zip(&scale_anchored)
        .any(|(s, a)| !a && (s.n_thresholds() >= 2 || design.scale_facet.is_some()));

    let ctx = EmContext {
        design,
        options,
        layout: &layout,
        status: &status,
        centred: &centred,
        mu_free,
        scale_anchored: &scale_anchored,
        nodes: &nodes,
        log_weights: &log_weights,
        bin_offsets: &bin_offsets,
        any_free_scale,
        keep,
        objects: obj_off..obj_off + n_objects,
    };
    let mut params = Params {
        measures,
        thresholds,
        mu,
        sigma,
    };

    // SQUAREM (Varadhan & Roland 2008, scheme S3) around the EM map F: from p0, p1 = F(p0),
    // p2 = F(p1), r = p1 - p0, v = p2 - p1 - r, α = -|r|/|v| (at most -1), p' = p0 - 2αr + α²v,
    // then one stabilising EM step from p'. If the marginal log-likelihood at p' is below that
    // at p1 the extrapolation is discarded and the cycle continues from p2. Every EM map is one
    // reported iteration. In sparse rater designs plain EM converges slowly along the weakly
    // linked directions of the rater network; the extrapolation removes most of that.
    let conv = options.convergence;
    let mut progress = Progress::new(observer);
    let mut converged = false;
    let mut previous_ll: Option<f64> = None;
    let mut step = |input: &Params,
                    posterior: &mut Vec<(f64, f64)>,
                    progress: &mut Progress<IterationReport>|
     -> Result<(Params, f64, bool), MeasureError> {
        let (output, ll, max_residual, max_residual_element) = em_map(&ctx, input, posterior);
        let (max_change, max_change_parameter) = largest_change(&ctx, input, &output);
        let report = IterationReport {
            iteration: progress.count() + 1,
            max_score_residual: max_residual,
            max_residual_element,
            max_change,
            max_change_parameter,
            log_likelihood: ll,
        };
        progress.report(report)?;
        let relative = previous_ll.map_or(f64::INFINITY, |p| ((ll - p) / ll).abs());
        previous_ll = Some(ll);
        let done = relative <= mml.relative_tolerance && max_change <= mml.max_change;
        Ok((output, ll, done))
    };
    'cycles: while progress.count() < conv.max_iterations {
        let p0 = params;
        let (p1, _, done) = step(&p0, &mut posterior, &mut progress)?;
        if done || progress.count() >= conv.max_iterations {
            converged = done;
            params = p1;
            break 'cycles;
        }
        let (p2, ll1, done) = step(&p1, &mut posterior, &mut progress)?;
        if done || progress.count() >= conv.max_iterations {
            converged = done;
            params = p2;
            break 'cycles;
        }
        let (x0, x1, x2) = (p0.flatten(), p1.flatten(), p2.flatten());
        let (mut rr, mut vv) = (0.0, 0.0);
        for i in 0..x0.len() {
            let r = x1[i] - x0[i];
            let v = x2[i] - 2.0 * x1[i] + x0[i];
            rr += r * r;
            vv += v * v;
        }
        if vv <= 0.0 || !vv.is_finite() {
            params = p2;
            continue;
        }
        let alpha = (-(rr / vv).sqrt()).clamp(-MAX_SQUAREM_STEP, -1.0);
        let extrapolated: Vec<f64> = (0..x0.len())
            .map(|i| {
                let r = x1[i] - x0[i];
                let v = x2[i] - 2.0 * x1[i] + x0[i];
                x0[i] - 2.0 * alpha * r + alpha * alpha * v
            })
            .collect();
        let p_ext = p0.unflatten(&extrapolated);
        let (p3, ll_ext, done) = step(&p_ext, &mut posterior, &mut progress)?;
        if ll_ext >= ll1 {
            params = p3;
            if done {
                converged = true;
                break 'cycles;
            }
        } else {
            params = p2;
        }
    }
    let Params {
        mut measures,
        thresholds,
        mu,
        sigma,
    } = params;

    // Final E-step at the estimates: EAP, posterior SD, marginal log-likelihood and the Louis
    // missing information.
    offsets = layout.offsets(&measures);
    let pass = Pass {
        layout: &layout,
        offsets: &offsets,
        thresholds: &thresholds,
        nodes: &nodes,
        log_weights: &log_weights,
        mu,
        sigma,
        n_el,
        bin_offsets: &bin_offsets,
        bin: false,
        louis: true,
    };
    let acc = pass.run(&mut posterior);
    let eap: Vec<f64> = posterior.iter().map(|p| p.0).collect();
    let posterior_sd: Vec<f64> = posterior.iter().map(|p| p.1).collect();
    let (wle, wle_se): (Vec<Option<f64>>, Vec<Option<f64>>) = (0..n_objects)
        .into_par_iter()
        .map(|o| {
            if layout.start[o] == layout.start[o + 1] {
                return (None, None);
            }
            let (theta, info) = object_newton(&layout, o, &offsets, &thresholds, eap[o], None);
            (Some(theta), (info > 0.0).then(|| 1.0 / info.sqrt()))
        })
        .unzip();
    for o in 0..n_objects {
        measures[obj_off + o] = match mml.object_estimator {
            ObjectEstimator::Eap => eap[o],
            ObjectEstimator::Wle => wle[o].unwrap_or(mu),
        };
        if status[obj_off + o] == ElementStatus::Dropped {
            measures[obj_off + o] = 0.0;
        }
    }
    let marginal_se: Vec<Vec<Option<f64>>> = (0..n_facets)
        .map(|f| {
            (design.offsets[f]..design.offsets[f + 1])
                .map(|e| {
                    let info = acc.information[e] - acc.missing[e];
                    (f != object && status[e] == ElementStatus::Measured && info > 0.0)
                        .then(|| 1.0 / info.sqrt())
                })
                .collect()
        })
        .collect();
    let extreme_information = estimate_extremes(
        design,
        &status,
        &mut measures,
        &thresholds,
        options.extreme_adjustment,
        options.max_step,
    );
    let summary = MmlSummary {
        population_mean: mu,
        population_mean_fixed: !mu_free,
        population_sd: sigma,
        marginal_log_likelihood: acc.log_likelihood,
        quadrature_points: mml.quadrature_points,
        object_estimator: mml.object_estimator,
        eap,
        posterior_sd,
        wle,
        wle_se,
        marginal_se,
    };
    Ok((
        Estimates {
            measures,
            status,
            thresholds,
            scale_anchored,
            centred,
            active,
            extreme_information,
            history: progress.into_history(),
            converged,
        },
        summary,
    ))
}

/// Largest SQUAREM step length `|α|`.
const MAX_SQUAREM_STEP: f64 = 50.0;

/// The parameters EM iterates on.
#[derive(Clone)]
struct Params {
    /// Flat element measures (objects unused: 0).
    measures: Vec<f64>,
    thresholds: Vec<Vec<f64>>,
    mu: f64,
    sigma: f64,
}

impl Params {
    /// Measures, thresholds, μ and ln σ in one vector (for SQUAREM).
    fn flatten(&self) -> Vec<f64> {
        let mut v = self.measures.clone();
        for t in &self.thresholds {
            v.extend_from_slice(t);
        }
        v.push(self.mu);
        v.push(self.sigma.ln());
        v
    }

    fn unflatten(&self, v: &[f64]) -> Params {
        let n = self.measures.len();
        let mut i = n;
        let thresholds = self
            .thresholds
            .iter()
            .map(|t| {
                let out = v[i..i + t.len()].to_vec();
                i += t.len();
                out
            })
            .collect();
        Params {
            measures: v[..n].to_vec(),
            thresholds,
            mu: v[i],
            sigma: v[i + 1].exp(),
        }
    }
}

/// What the EM map needs besides the parameters.
struct EmContext<'a> {
    design: &'a Design<'a>,
    options: &'a FitOptions,
    layout: &'a Layout,
    status: &'a [ElementStatus],
    centred: &'a [bool],
    mu_free: bool,
    scale_anchored: &'a [bool],
    nodes: &'a [f64],
    log_weights: &'a [f64],
    bin_offsets: &'a [usize],
    any_free_scale: bool,
    keep: bool,
    /// Flat indices of the object facet.
    objects: std::ops::Range<usize>,
}

/// Largest absolute change of any parameter between two parameter sets, and which.
fn largest_change(ctx: &EmContext, a: &Params, b: &Params) -> (f64, Option<ParameterRef>) {
    let design = ctx.design;
    let mut best = ((b.mu - a.mu).abs().max((b.sigma - a.sigma).abs()), None);
    for (e, (x, y)) in a.measures.iter().zip(&b.measures).enumerate() {
        if (y - x).abs() > best.0 {
            let f = design.facet_of(e);
            best = (
                (y - x).abs(),
                Some(ParameterRef::Element(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                })),
            );
        }
    }
    for (s, (ta, tb)) in a.thresholds.iter().zip(&b.thresholds).enumerate() {
        for (h, (x, y)) in ta.iter().zip(tb).enumerate() {
            if (y - x).abs() > best.0 {
                best = (
                    (y - x).abs(),
                    Some(ParameterRef::Threshold {
                        scale: s,
                        threshold: h + 1,
                    }),
                );
            }
        }
    }
    best
}

/// One EM iteration from `p`: E-step (updating the node placement in `posterior`) and M-step.
/// Returns the new parameters, the marginal log-likelihood at `p`, and the largest marginal
/// score residual of an element with the element.
fn em_map(
    ctx: &EmContext,
    p: &Params,
    posterior: &mut [(f64, f64)],
) -> (Params, f64, f64, Option<ElementRef>) {
    let design = ctx.design;
    let options = ctx.options;
    let n_el = design.n_elements();
    let offsets = ctx.layout.offsets(&p.measures);
    let pass = Pass {
        layout: ctx.layout,
        offsets: &offsets,
        thresholds: &p.thresholds,
        nodes: ctx.nodes,
        log_weights: ctx.log_weights,
        mu: p.mu,
        sigma: p.sigma,
        n_el,
        bin_offsets: ctx.bin_offsets,
        bin: ctx.any_free_scale,
        louis: false,
    };
    let acc = pass.run(posterior);

    // Marginal score residuals (the gradient of the marginal log-likelihood).
    let mut max_residual: f64 = 0.0;
    let mut max_residual_element = None;
    for (e, st) in ctx.status.iter().enumerate() {
        if *st == ElementStatus::Measured && acc.information[e] > 0.0 {
            let r = acc.residual[e].abs();
            if r > max_residual {
                let f = design.facet_of(e);
                max_residual = r;
                max_residual_element = Some(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                });
            }
        }
    }

    // M-step: μ and σ in closed form, one Newton step per element, thresholds by L-BFGS.
    let n_obj = acc.objects.max(1.0);
    let mut mu = if ctx.mu_free { acc.theta / n_obj } else { 0.0 };
    let sigma = (acc.theta2 / n_obj - 2.0 * mu * acc.theta / n_obj + mu * mu)
        .max(1e-8)
        .sqrt();
    let mut measures = p.measures.clone();
    // The element that owns each scale, when its location is estimated with the thresholds.
    let owner: Vec<Option<usize>> = (0..design.scales.len())
        .map(|s| {
            let f = design.scale_facet?;
            let e = design.flat(f, s as u32);
            (f != design.data.object_facet
                && ctx.status[e] == ElementStatus::Measured
                && !ctx.scale_anchored[s])
                .then_some(e)
        })
        .collect();
    let mut joint = vec![false; n_el];
    owner.iter().flatten().for_each(|&e| joint[e] = true);
    for e in 0..n_el {
        if ctx.status[e] == ElementStatus::Measured
            && !ctx.objects.contains(&e)
            && !joint[e]
            && acc.information[e] > 0.0
        {
            let f = design.facet_of(e);
            measures[e] += (design.signs[f] * acc.residual[e] / acc.information[e])
                .clamp(-options.max_step, options.max_step);
        }
    }
    let mut thresholds = p.thresholds.clone();
    if ctx.any_free_scale {
        let new: Vec<Option<(f64, Vec<f64>)>> = (0..design.scales.len())
            .into_par_iter()
            .map(|s| {
                let m = design.scales[s].n_thresholds();
                let location = owner[s].is_some();
                if ctx.scale_anchored[s] || (m < 2 && !location) {
                    return None;
                }
                let stride = m + 1;
                let bins = &acc.bins[ctx.bin_offsets[s]..ctx.bin_offsets[s + 1]];
                let mut etas = Vec::new();
                let mut weights = Vec::new();
                let mut busiest = (0usize, 0.0);
                for g in 0..N_GRID {
                    let w = &bins[g * stride..(g + 1) * stride];
                    let t: f64 = w.iter().sum();
                    if t > 0.0 {
                        if t > busiest.1 {
                            busiest = (etas.len(), t);
                        }
                        etas.push(-GRID_HALF_WIDTH + g as f64 * GRID_STEP);
                        weights.extend_from_slice(w);
                    }
                }
                if etas.is_empty() {
                    return None;
                }
                if ctx.keep {
                    // Unobserved intermediate categories: a pseudo-count at the busiest linear
                    // predictor keeps their thresholds finite.
                    for (c, &seen) in design.scales[s].observed.iter().enumerate() {
                        if !seen && c > 0 && c < m {
                            weights[busiest.0 * stride + c] += options.keep_pseudo_count;
                        }
                    }
                }
                let total: f64 = weights.iter().sum();
                let problem = ThresholdProblem {
                    m,
                    location,
                    etas,
                    weights,
                    total,
                };
                threshold_m_step(problem, &p.thresholds[s])
            })
            .collect();
        for (s, t) in new.into_iter().enumerate() {
            if let Some((delta, t)) = t {
                thresholds[s] = t;
                if let Some(e) = owner[s] {
                    let f = design.facet_of(e);
                    measures[e] -= design.signs[f] * delta;
                }
            }
        }
    }
    let shift = centre_facets(
        design,
        ctx.centred,
        ctx.status,
        &mut measures,
        &mut mu,
        ctx.mu_free,
    );
    for q in posterior.iter_mut() {
        q.0 += shift;
    }
    (
        Params {
            measures,
            thresholds,
            mu,
            sigma,
        },
        acc.log_likelihood,
        max_residual,
        max_residual_element,
    )
}

/// Centres every centred non-object facet on the mean of its measured elements. With `μ`
/// free, the shift is moved into `μ` so that every linear predictor (and the likelihood) is
/// unchanged; returns that change of `μ`.
fn centre_facets(
    design: &Design,
    centred: &[bool],
    status: &[ElementStatus],
    measures: &mut [f64],
    mu: &mut f64,
    compensate: bool,
) -> f64 {
    let object = design.data.object_facet;
    let mut shift = 0.0;
    for (f, &is_centred) in centred.iter().enumerate() {
        if !is_centred || f == object {
            continue;
        }
        let Some(mean) = centre_facet(design, f, status, measures) else {
            continue;
        };
        // η changed by -sign·mean for every response of the facet.
        if compensate {
            shift += design.signs[f] * mean;
        }
    }
    *mu += shift;
    shift
}

#[cfg(test)]
mod tests;
