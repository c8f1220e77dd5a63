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
//! # Driver and steps
//!
//! [`estimate`] sets the problem up (the active observations, the starting thresholds,
//! element measures and population, the quadrature rule: [`EmContext`]) and hands an
//! [`MmlSolver`] to the iteration driver shared with JMLE ([`driver::run`]), which owns the
//! iteration loop and its cap, the reports to the observer, cancellation and whether the run
//! converged. One iteration ([`MmlSolver::next_iter`]) is one EM map ([`em_map`]: the E-step
//! pass, then the M-step of the population, the elements and the thresholds); SQUAREM is the
//! solver's state machine ([`Phase`]): two EM maps, the extrapolation, and the stabilising map
//! that is kept only if it does not lower the marginal log-likelihood. After the driver,
//! [`final_e_step`] gives the object measures and the marginal S.E.s, and [`driver::finish`]
//! measures the extreme elements.
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
use super::driver::{self, Frame, Iterate, Solution, Solver};
use super::error::MeasureError;
use super::extreme::{classify_except, ElementStatus};
use super::jmle::{anchored_start, centre_facet, scale_anchor, AnchoredStart, Estimates};
use super::model::category_probabilities;
use super::observer::{ElementRef, IterationReport, Observer, ParameterRef};
use super::options::{FitOptions, MmlOptions, ObjectEstimator, UnobservedCategories};
use super::results::MmlSummary;

mod em;
mod estep;
mod mstep;
mod solver;

use em::*;
pub use estep::gauss_hermite;
use estep::*;
use mstep::*;
use solver::*;

/// Runs MML to convergence (or the iteration cap).
pub(crate) fn estimate(
    design: &Design,
    options: &FitOptions,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<(Estimates, MmlSummary), MeasureError> {
    let mml: MmlOptions = options.mml;
    mml.validate()?;
    let object = design.data.object_facet;
    if options.anchors.elements.iter().any(|a| a.facet == object) {
        return Err(MeasureError::InvalidOption {
            option: "anchors.elements",
            reason: "MML integrates the object measures out; object elements cannot be anchored"
                .into(),
        });
    }
    let AnchoredStart {
        mut measures,
        anchored,
        centred,
    } = anchored_start(design, options);
    let mu_free = !centred[object];
    let status = classify_except(design, &anchored, Some(object));
    let active = active_observations(design, &status);
    if active.is_empty() {
        return Err(MeasureError::NoNonExtremeObservations);
    }
    let layout = Layout::new(design, &active, object, design.data.facets[object].len());
    let (thresholds, scale_anchored) = start_thresholds(design, options, &layout)?;
    let frame = Frame {
        status,
        scale_anchored,
        centred,
        active,
    };
    start_measures(design, &layout, &frame.status, &mut measures);
    let mut mu = 0.0;
    centre_facets(
        design,
        &frame.centred,
        &frame.status,
        &mut measures,
        &mut mu,
        false,
    );
    let (posterior, sigma) = start_population(&layout, &measures, &thresholds, mu_free, &mut mu);
    let ctx = EmContext::new(design, options, &layout, &frame, mu_free);
    let params = Params {
        measures,
        thresholds,
        mu,
        sigma,
    };
    let mut solver = MmlSolver {
        ctx,
        run: EmRun {
            posterior,
            previous_ll: None,
        },
        params,
        phase: Phase::First,
    };
    let outcome = driver::run(&mut solver, options.convergence.max_iterations, observer)?;
    let MmlSolver {
        ctx, run, params, ..
    } = solver;
    let (solution, summary) = final_e_step(&ctx, params, run.posterior);
    Ok((
        driver::finish(design, options, frame, solution, outcome),
        summary,
    ))
}

/// The observations used in estimation: those whose every non-object element is active
/// (objects are never extreme under MML).
fn active_observations(design: &Design, status: &[ElementStatus]) -> Vec<u32> {
    let data = design.data;
    let object = data.object_facet;
    (0..data.len())
        .filter(|&n| {
            (0..design.n_facets())
                .all(|f| f == object || status[design.flat(f, data.elements[f][n])].is_active())
        })
        .map(|n| n as u32)
        .collect()
}

/// Starting thresholds: anchored, or the log-odds of adjacent category counts
/// `ln((C_{k-1} + ½) / (C_k + ½))` (Andrich 1978), centred. Also which scales are anchored.
fn start_thresholds(
    design: &Design,
    options: &FitOptions,
    layout: &Layout,
) -> Result<(Vec<Vec<f64>>, Vec<bool>), MeasureError> {
    let n_scales = design.scales.len();
    let mut counts: Vec<Vec<f64>> = design
        .scales
        .iter()
        .map(|s| vec![0.0; s.n_thresholds() + 1])
        .collect();
    for (s, k) in layout.scale.iter().zip(&layout.category) {
        counts[*s as usize][*k as usize] += 1.0;
    }
    let mut thresholds: Vec<Vec<f64>> = Vec::with_capacity(n_scales);
    let mut scale_anchored = vec![false; n_scales];
    for (s, scale) in design.scales.iter().enumerate() {
        let m = scale.n_thresholds();
        if let Some(anchor) = scale_anchor(design, options, s)? {
            thresholds.push(anchor.clone());
            scale_anchored[s] = true;
            continue;
        }
        let c = |k: usize| counts[s][k] + 0.5;
        let mut t: Vec<f64> = (1..=m).map(|k| (c(k - 1) / c(k)).ln()).collect();
        let mean = t.iter().sum::<f64>() / m.max(1) as f64;
        t.iter_mut().for_each(|x| *x -= mean);
        thresholds.push(t);
    }
    Ok((thresholds, scale_anchored))
}

/// Starting measures of the measured non-object elements: the log-odds of their scores,
/// `s_f · ln((S + ½) / (M - S + ½))` (PROX-like).
fn start_measures(
    design: &Design,
    layout: &Layout,
    status: &[ElementStatus],
    measures: &mut [f64],
) {
    let n_el = design.n_elements();
    let object = design.data.object_facet;
    let objects = design.offsets[object]..design.offsets[object + 1];
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
        if status[e] == ElementStatus::Measured && !objects.contains(&e) {
            let f = design.facet_of(e);
            measures[e] =
                design.signs[f] * ((observed[e] + 0.5) / (possible[e] - observed[e] + 0.5)).ln();
        }
    }
}

/// Starting population and node placement: each object's posterior mode and SD under
/// `N(0, 2²)` (a wide prior), then `μ` (when free) and `σ` from the modes. Returns the
/// placements and `σ`.
fn start_population(
    layout: &Layout,
    measures: &[f64],
    thresholds: &[Vec<f64>],
    mu_free: bool,
    mu: &mut f64,
) -> (Vec<(f64, f64)>, f64) {
    let offsets = layout.offsets(measures);
    let n_objects = layout.start.len() - 1;
    let sigma = START_SIGMA;
    let posterior: Vec<(f64, f64)> = (0..n_objects)
        .into_par_iter()
        .map(|o| {
            if layout.start[o] == layout.start[o + 1] {
                return (0.0, sigma);
            }
            let (mode, info) = object_newton(
                layout,
                o,
                &offsets,
                thresholds,
                0.0,
                Some((0.0, sigma * sigma)),
            );
            (mode, 1.0 / (info + 1.0 / (sigma * sigma)).sqrt())
        })
        .collect();
    let with: Vec<&(f64, f64)> = posterior
        .iter()
        .enumerate()
        .filter(|(o, _)| layout.start[*o] < layout.start[*o + 1])
        .map(|(_, p)| p)
        .collect();
    let n = with.len().max(1) as f64;
    if mu_free {
        *mu = with.iter().map(|p| p.0).sum::<f64>() / n;
    }
    let var = with.iter().map(|p| (p.0 - *mu).powi(2)).sum::<f64>() / n;
    (posterior, var.sqrt().max(MIN_START_SIGMA))
}

/// The SD of the wide prior under which the starting posterior modes are found.
const START_SIGMA: f64 = 2.0;
/// The smallest starting population SD.
const MIN_START_SIGMA: f64 = 0.1;

/// The final E-step at the estimates: EAP, posterior SD, the marginal log-likelihood and the
/// Louis (1982) missing information, Warm's WLE per object; the object measures are the
/// options' [`ObjectEstimator`].
fn final_e_step(
    ctx: &EmContext,
    params: Params,
    mut posterior: Vec<(f64, f64)>,
) -> (Solution, MmlSummary) {
    let Params {
        mut measures,
        thresholds,
        mu,
        sigma,
    } = params;
    let layout = ctx.layout;
    let offsets = layout.offsets(&measures);
    let pass = Pass {
        layout,
        offsets: &offsets,
        thresholds: &thresholds,
        nodes: &ctx.nodes,
        log_weights: &ctx.log_weights,
        mu,
        sigma,
        n_el: ctx.design.n_elements(),
        bin_offsets: &ctx.bin_offsets,
        bin: false,
        louis: true,
    };
    let acc = pass.run(&mut posterior);
    let eap: Vec<f64> = posterior.iter().map(|p| p.0).collect();
    let posterior_sd: Vec<f64> = posterior.iter().map(|p| p.1).collect();
    let (wle, wle_se): (Vec<Option<f64>>, Vec<Option<f64>>) = (0..eap.len())
        .into_par_iter()
        .map(|o| {
            if layout.start[o] == layout.start[o + 1] {
                return (None, None);
            }
            let (theta, info) = object_newton(layout, o, &offsets, &thresholds, eap[o], None);
            (Some(theta), (info > 0.0).then(|| 1.0 / info.sqrt()))
        })
        .unzip();
    let mml = ctx.options.mml;
    for o in 0..eap.len() {
        let e = ctx.objects.start + o;
        measures[e] = match mml.object_estimator {
            ObjectEstimator::Eap => eap[o],
            ObjectEstimator::Wle => wle[o].unwrap_or(mu),
        };
        if ctx.status[e] == ElementStatus::Dropped {
            measures[e] = 0.0;
        }
    }
    let summary = MmlSummary {
        population_mean: mu,
        population_mean_fixed: !ctx.mu_free,
        population_sd: sigma,
        marginal_log_likelihood: acc.log_likelihood,
        quadrature_points: mml.quadrature_points,
        object_estimator: mml.object_estimator,
        eap,
        posterior_sd,
        wle,
        wle_se,
        marginal_se: marginal_se(ctx, &acc),
    };
    let solution = Solution {
        measures,
        thresholds,
    };
    (solution, summary)
}

/// The marginal S.E. of every measured non-object element: `1 / √(I - I_missing)`, the
/// observed information by Louis (1982), diagonal.
fn marginal_se(ctx: &EmContext, acc: &Acc) -> Vec<Vec<Option<f64>>> {
    let design = ctx.design;
    let object = design.data.object_facet;
    (0..design.n_facets())
        .map(|f| {
            (design.offsets[f]..design.offsets[f + 1])
                .map(|e| {
                    let info = acc.information[e] - acc.missing[e];
                    (f != object && ctx.status[e] == ElementStatus::Measured && info > 0.0)
                        .then(|| 1.0 / info.sqrt())
                })
                .collect()
        })
        .collect()
}

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

    /// The parameters `v` holds, laid out as [`Params::flatten`] lays them out (`σ = e^{v_last}`).
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
    /// The Gauss-Hermite nodes `x_q`.
    nodes: Vec<f64>,
    /// `ln w_q + x_q²` of the Gauss-Hermite rule.
    log_weights: Vec<f64>,
    /// Per scale, the offset of its binned category weights in [`Acc::bins`].
    bin_offsets: Vec<usize>,
    /// Some scale has thresholds (or an owner's location) to estimate.
    any_free_scale: bool,
    keep: bool,
    /// Flat indices of the object facet.
    objects: std::ops::Range<usize>,
    /// Per scale, the element that owns it when its location is estimated with the
    /// thresholds (the item under partial credit).
    owner: Vec<Option<usize>>,
}

impl<'a> EmContext<'a> {
    /// The quadrature rule, the bins of each scale, and which scales and owners are free.
    fn new(
        design: &'a Design<'a>,
        options: &'a FitOptions,
        layout: &'a Layout,
        frame: &'a Frame,
        mu_free: bool,
    ) -> Self {
        let (nodes, gh_weights) = gauss_hermite(options.mml.quadrature_points);
        let log_weights: Vec<f64> = nodes
            .iter()
            .zip(&gh_weights)
            .map(|(x, w)| w.ln() + x * x)
            .collect();
        let mut bin_offsets = Vec::with_capacity(design.scales.len() + 1);
        let mut total_bins = 0;
        for s in &design.scales {
            bin_offsets.push(total_bins);
            total_bins += N_GRID * (s.n_thresholds() + 1);
        }
        bin_offsets.push(total_bins);
        let any_free_scale = design
            .scales
            .iter()
            .zip(&frame.scale_anchored)
            .any(|(s, a)| !a && (s.n_thresholds() >= 2 || design.scale_facet.is_some()));
        let object = design.data.object_facet;
        EmContext {
            design,
            options,
            layout,
            status: &frame.status,
            centred: &frame.centred,
            mu_free,
            scale_anchored: &frame.scale_anchored,
            nodes,
            log_weights,
            bin_offsets,
            any_free_scale,
            keep: options.unobserved_categories == UnobservedCategories::Keep,
            objects: design.offsets[object]..design.offsets[object + 1],
            owner: scale_owners(design, &frame.status, &frame.scale_anchored),
        }
    }
}

/// The element that owns each scale, when its location is estimated with the thresholds: a
/// measured, non-object element of the scale facet whose scale is not anchored.
fn scale_owners(
    design: &Design,
    status: &[ElementStatus],
    scale_anchored: &[bool],
) -> Vec<Option<usize>> {
    (0..design.scales.len())
        .map(|s| {
            let f = design.scale_facet?;
            let e = design.flat(f, s as u32);
            (f != design.data.object_facet
                && status[e] == ElementStatus::Measured
                && !scale_anchored[s])
                .then_some(e)
        })
        .collect()
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
