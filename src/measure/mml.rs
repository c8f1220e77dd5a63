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

/// Physicists' Gauss-Hermite rule: nodes `x_q` (ascending) and weights `w_q` with
/// `∫ f(x) e^{-x²} dx ≈ Σ w_q f(x_q)`, exact for polynomials of degree `2n - 1`.
///
/// Newton iteration on the orthonormal Hermite recurrence with the classical initial guesses
/// (Press et al., *Numerical Recipes* 3rd ed. §4.6, `gauher`).
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(n >= 1, "a quadrature rule needs at least one point");
    const PIM4: f64 = 0.751_125_544_464_942_5; // π^(-1/4)
    let nf = n as f64;
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let mut z = 0.0_f64;
    for i in 0..n.div_ceil(2) {
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * x[0],
            3 => 1.91 * z - 0.91 * x[1],
            _ => 2.0 * z - x[i - 2],
        };
        let mut pp = 1.0;
        for _ in 0..100 {
            let mut p1 = PIM4;
            let mut p2 = 0.0;
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / (jf + 1.0)).sqrt() * p2 - (jf / (jf + 1.0)).sqrt() * p3;
            }
            pp = (2.0 * nf).sqrt() * p2;
            let z1 = z;
            z = z1 - p1 / pp;
            if (z - z1).abs() <= 1e-15 * z.abs().max(1.0) {
                break;
            }
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = 2.0 / (pp * pp);
        w[n - 1 - i] = w[i];
    }
    x.reverse();
    w.reverse();
    (x, w)
}

/// Half-width (logits) and spacing of the grid on which the posterior category weights of each
/// scale are binned for the threshold M-step.
const GRID_HALF_WIDTH: f64 = 30.0;
const GRID_STEP: f64 = 0.05;
/// Iteration cap and gradient tolerance of the threshold L-BFGS.
const THRESHOLD_MAX_ITERS: u64 = 100;
const THRESHOLD_GRAD_TOLERANCE: f64 = 1e-10;
/// Smallest posterior SD used to place the nodes.
const MIN_NODE_SD: f64 = 1e-3;
/// Responses multiplied between logarithms in the E-step.
const LOG_BLOCK: usize = 8;
/// Largest number of node placements per object and E-step.
const MAX_REPLACEMENTS: usize = 6;
/// Newton iterations and tolerance of the starting posterior modes and of the WLE.
const OBJECT_NEWTON_ITERATIONS: usize = 100;
const OBJECT_NEWTON_TOLERANCE: f64 = 1e-8;

/// Number of grid points (`2 · 30 / 0.05 + 1`).
const N_GRID: usize = 1201;

/// Responses grouped by object (CSR): `start[o]..start[o+1]` index the entry arrays.
struct Layout {
    start: Vec<usize>,
    scale: Vec<u32>,
    category: Vec<u8>,
    /// Flat indices of the non-object elements of each entry (`n_other` per entry).
    elements: Vec<u32>,
    n_other: usize,
    /// Sign of each non-object facet in `η`, in the order of `elements`.
    other_signs: Vec<f64>,
}

impl Layout {
    fn new(design: &Design, active: &[u32], object: usize, n_objects: usize) -> Self {
        let data = design.data;
        let others: Vec<usize> = (0..design.n_facets()).filter(|&f| f != object).collect();
        let mut start = vec![0usize; n_objects + 1];
        for &n in active {
            start[data.elements[object][n as usize] as usize + 1] += 1;
        }
        for o in 0..n_objects {
            start[o + 1] += start[o];
        }
        let total = active.len();
        let mut fill = start.clone();
        let mut order = vec![0u32; total];
        for &n in active {
            let o = data.elements[object][n as usize] as usize;
            order[fill[o]] = n;
            fill[o] += 1;
        }
        let n_other = others.len();
        let mut elements = Vec::with_capacity(total * n_other);
        let mut scale = Vec::with_capacity(total);
        let mut category = Vec::with_capacity(total);
        for &n in &order {
            let n = n as usize;
            scale.push(design.obs_scale[n]);
            category.push(design.obs_category[n]);
            for &f in &others {
                elements.push(design.flat(f, data.elements[f][n]) as u32);
            }
        }
        Layout {
            start,
            scale,
            category,
            elements,
            n_other,
            other_signs: others.iter().map(|&f| design.signs[f]).collect(),
        }
    }

    /// The non-object part of `η` of every entry.
    fn offsets(&self, measures: &[f64]) -> Vec<f64> {
        self.elements
            .par_chunks(self.n_other.max(1))
            .map(|els| {
                els.iter()
                    .zip(&self.other_signs)
                    .map(|(&e, s)| s * measures[e as usize])
                    .sum()
            })
            .collect()
    }
}

/// Sums of one E-step pass.
struct Acc {
    /// Per flat element: `Σ_q w_q (x - E_q)` and `Σ_q w_q W_q` over its responses.
    residual: Vec<f64>,
    information: Vec<f64>,
    /// Per element: the missing information `Σ_n Var_post(score)` (final pass only).
    missing: Vec<f64>,
    /// Binned posterior category weights per scale (`bin_offsets`).
    bins: Vec<f64>,
    log_likelihood: f64,
    /// Σ E[θ], Σ E[θ²] over objects with responses, and their count.
    theta: f64,
    theta2: f64,
    objects: f64,
}

impl Acc {
    fn zeros(n_el: usize, n_bins: usize, louis: bool) -> Self {
        Acc {
            residual: vec![0.0; n_el],
            information: vec![0.0; n_el],
            missing: vec![0.0; if louis { n_el } else { 0 }],
            bins: vec![0.0; n_bins],
            log_likelihood: 0.0,
            theta: 0.0,
            theta2: 0.0,
            objects: 0.0,
        }
    }

    fn merge(mut self, o: Acc) -> Self {
        let add = |a: &mut Vec<f64>, b: &Vec<f64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.residual, &o.residual);
        add(&mut self.information, &o.information);
        add(&mut self.missing, &o.missing);
        add(&mut self.bins, &o.bins);
        self.log_likelihood += o.log_likelihood;
        self.theta += o.theta;
        self.theta2 += o.theta2;
        self.objects += o.objects;
        self
    }
}

/// Everything the E-step needs that does not change within a pass.
struct Pass<'a> {
    layout: &'a Layout,
    offsets: &'a [f64],
    thresholds: &'a [Vec<f64>],
    nodes: &'a [f64],
    /// `ln w_q + x_q²` of the Gauss-Hermite rule.
    log_weights: &'a [f64],
    mu: f64,
    sigma: f64,
    n_el: usize,
    bin_offsets: &'a [usize],
    /// Accumulate the binned category weights (skipped in the final pass).
    bin: bool,
    /// Accumulate the Louis missing information (final pass).
    louis: bool,
}

/// The E-step's objects are summed in this many fixed chunks (independent of the thread count,
/// so the sums are bit-identical on any machine).
const E_STEP_CHUNKS: usize = 64;

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

impl Pass<'_> {
    /// Runs the E-step over all objects; `posterior[o]` holds (mean, SD) of the node placement
    /// on entry and the new posterior mean and SD on exit.
    fn run(&self, posterior: &mut [(f64, f64)]) -> Acc {
        let n_bins = if self.bin {
            *self.bin_offsets.last().unwrap_or(&0)
        } else {
            0
        };
        // Deterministic whatever the thread count: the objects fall into E_STEP_CHUNKS fixed
        // chunks, each summed in object order, and the chunk sums are added in chunk order (a
        // rayon fold/reduce would group them by how the work was split between threads).
        let chunk = posterior.len().div_ceil(E_STEP_CHUNKS).max(1);
        let mut total = Acc::zeros(self.n_el, n_bins, self.louis);
        // Chunks computed at once: bounds the memory of the partial sums on many threads.
        let wave = rayon::current_num_threads().max(1) * 2;
        let mut chunks: Vec<(usize, &mut [(f64, f64)])> =
            posterior.chunks_mut(chunk).enumerate().collect();
        while !chunks.is_empty() {
            let rest = chunks.split_off(wave.min(chunks.len()));
            let sums: Vec<Acc> = chunks
                .into_par_iter()
                .map(|(c, slots)| {
                    let mut acc = Acc::zeros(self.n_el, n_bins, self.louis);
                    let mut probs = Vec::new();
                    let mut scores: Vec<(u32, Vec<f64>)> = Vec::new();
                    for (i, slot) in slots.iter_mut().enumerate() {
                        let o = c * chunk + i;
                        self.object(o, slot, &mut acc, &mut probs, &mut scores);
                    }
                    acc
                })
                .collect();
            for acc in sums {
                total = total.merge(acc);
            }
            chunks = rest;
        }
        total
    }

    fn object(
        &self,
        o: usize,
        slot: &mut (f64, f64),
        acc: &mut Acc,
        probs: &mut Vec<f64>,
        scores: &mut Vec<(u32, Vec<f64>)>,
    ) {
        let lay = self.layout;
        let range = lay.start[o]..lay.start[o + 1];
        if range.is_empty() {
            *slot = (self.mu, self.sigma);
            return;
        }
        let q_n = self.nodes.len();
        let (mut m, mut s) = (slot.0, slot.1.max(MIN_NODE_SD));
        let mut theta = [0.0; 128];
        let mut logp = [0.0; 128];
        let mut w = [0.0; 128];
        let len = range.len();
        let (mut largest, mut total);
        // The nodes sit at the previous posterior; if the posterior has moved by more than a
        // quarter of its SD (or its SD changed by half), the object is redone with the nodes at
        // the new posterior. Without this, objects with very many responses (a reference set
        // rated by hundreds of raters, posterior SD ~0.02) can move only a few SDs per EM
        // iteration, which caps EM at a constant, slow rate.
        let mut attempt = 0;
        loop {
            let scale_factor = std::f64::consts::SQRT_2 * s;
            for q in 0..q_n {
                let t = m + scale_factor * self.nodes[q];
                theta[q] = t;
                let z = (t - self.mu) / self.sigma;
                logp[q] = self.log_weights[q] + scale_factor.ln()
                    - 0.5 * z * z
                    - LN_SQRT_2PI
                    - self.sigma.ln();
            }
            // Category probabilities of every response at every node (entry-major,
            // MAX_CATEGORIES stride) and the log-likelihood per node, multiplied up in blocks of
            // LOG_BLOCK responses between logarithms (each factor is at least 1e-30, so a block
            // cannot underflow).
            probs.clear();
            probs.resize(len * q_n * MAX_CATEGORIES, 0.0);
            let mut product = [1.0; 128];
            for (j, e) in range.clone().enumerate() {
                let thr = &self.thresholds[lay.scale[e] as usize];
                let k = lay.category[e] as usize;
                let c = self.offsets[e];
                for q in 0..q_n {
                    let base = (j * q_n + q) * MAX_CATEGORIES;
                    let p = &mut probs[base..base + thr.len() + 1];
                    category_probabilities(theta[q] + c, thr, p);
                    product[q] *= p[k].max(1e-30);
                }
                if (j + 1) % LOG_BLOCK == 0 || j + 1 == len {
                    for q in 0..q_n {
                        logp[q] += product[q].ln();
                        product[q] = 1.0;
                    }
                }
            }
            largest = logp[..q_n].iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            total = 0.0;
            for q in 0..q_n {
                w[q] = (logp[q] - largest).exp();
                total += w[q];
            }
            let (mut mean, mut second) = (0.0, 0.0);
            for q in 0..q_n {
                mean += w[q] * theta[q] / total;
                second += w[q] * theta[q] * theta[q] / total;
            }
            let sd = (second - mean * mean).max(0.0).sqrt().max(MIN_NODE_SD);
            attempt += 1;
            let placed = (mean - m).abs() <= 0.25 * s && sd > 0.5 * s && sd < 1.5 * s;
            if placed || attempt >= MAX_REPLACEMENTS {
                break;
            }
            // Widen to the distance moved, so that a posterior stuck at the edge node is reached.
            s = sd.max((mean - m).abs());
            m = mean;
        }
        acc.log_likelihood += largest + total.ln();
        let (mut mean, mut second) = (0.0, 0.0);
        for q in 0..q_n {
            w[q] /= total;
            mean += w[q] * theta[q];
            second += w[q] * theta[q] * theta[q];
        }
        let var = (second - mean * mean).max(0.0);
        *slot = (mean, var.sqrt());
        acc.theta += mean;
        acc.theta2 += second;
        acc.objects += 1.0;

        if self.louis {
            scores.clear();
        }
        let mut r_q = [0.0; 128];
        for (j, e) in range.enumerate() {
            let s_idx = lay.scale[e] as usize;
            let m_thr = self.thresholds[s_idx].len();
            let k = lay.category[e] as usize;
            let (mut r, mut v) = (0.0, 0.0);
            for q in 0..q_n {
                let base = (j * q_n + q) * MAX_CATEGORIES;
                let p = &probs[base..base + m_thr + 1];
                let mut ex = 0.0;
                let mut ex2 = 0.0;
                for (h, ph) in p.iter().enumerate().skip(1) {
                    let hf = h as f64;
                    ex += hf * ph;
                    ex2 += hf * hf * ph;
                }
                r_q[q] = k as f64 - ex;
                r += w[q] * r_q[q];
                v += w[q] * (ex2 - ex * ex);
                if self.bin {
                    let eta = theta[q] + self.offsets[e];
                    let pos = ((eta + GRID_HALF_WIDTH) * (1.0 / GRID_STEP))
                        .clamp(0.0, (N_GRID - 1) as f64);
                    let g = (pos.floor() as usize).min(N_GRID - 2);
                    let frac = pos - g as f64;
                    let stride = m_thr + 1;
                    let b = self.bin_offsets[s_idx] + g * stride + k;
                    acc.bins[b] += w[q] * (1.0 - frac);
                    acc.bins[b + stride] += w[q] * frac;
                }
            }
            for &el in &lay.elements[e * lay.n_other..(e + 1) * lay.n_other] {
                acc.residual[el as usize] += r;
                acc.information[el as usize] += v;
                if self.louis {
                    match scores.iter_mut().find(|(x, _)| *x == el) {
                        Some((_, sc)) => sc.iter_mut().zip(&r_q).for_each(|(a, b)| *a += b),
                        None => scores.push((el, r_q[..q_n].to_vec())),
                    }
                }
            }
        }
        if self.louis {
            for (el, sc) in scores.iter() {
                let mean: f64 = sc.iter().zip(&w).map(|(a, b)| a * b).sum();
                let sq: f64 = sc.iter().zip(&w).map(|(a, b)| a * a * b).sum();
                acc.missing[*el as usize] += (sq - mean * mean).max(0.0);
            }
        }
    }
}

/// The expected complete-data log-likelihood of one scale from binned weights, as an argmin
/// problem (negated and divided by the total weight). The parameters are an optional location
/// shift `δ` of the scale's owning element (the item under partial credit: the linear predictor
/// becomes `η - δ`) followed by the free thresholds `u` (`F = (u_1..u_{m-1}, -Σu)`).
///
/// Estimating the item difficulty jointly with its thresholds matters when a top category is
/// rare (MHS `genocide`, `violence`): the sum-to-zero constraint then ties the location to the
/// top threshold, and alternating single-block updates creep along that ridge for dozens of EM
/// iterations.
struct ThresholdProblem {
    m: usize,
    location: bool,
    etas: Vec<f64>,
    /// `m + 1` category weights per point.
    weights: Vec<f64>,
    total: f64,
}

impl ThresholdProblem {
    /// `(δ, F)` from the parameter vector.
    fn split(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let (delta, u) = if self.location {
            (x[0], &x[1..])
        } else {
            (0.0, x)
        };
        let mut f = u.to_vec();
        f.push(-u.iter().sum::<f64>());
        (delta, f)
    }
}

impl CostFunction for ThresholdProblem {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let (delta, f) = self.split(x);
        let mut p = [0.0; MAX_CATEGORIES];
        let mut cost = 0.0;
        for (g, &eta) in self.etas.iter().enumerate() {
            let p = &mut p[..=self.m];
            category_probabilities(eta - delta, &f, p);
            let w = &self.weights[g * (self.m + 1)..(g + 1) * (self.m + 1)];
            for (wk, pk) in w.iter().zip(p.iter()) {
                if *wk > 0.0 {
                    cost -= wk * pk.max(f64::MIN_POSITIVE).ln();
                }
            }
        }
        Ok(cost / self.total)
    }
}

impl Gradient for ThresholdProblem {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let (delta, f) = self.split(x);
        let m = self.m;
        let mut p = [0.0; MAX_CATEGORIES];
        let mut d = vec![0.0; m];
        let mut d_delta = 0.0;
        for (g, &eta) in self.etas.iter().enumerate() {
            let p = &mut p[..=m];
            category_probabilities(eta - delta, &f, p);
            let w = &self.weights[g * (m + 1)..(g + 1) * (m + 1)];
            let total: f64 = w.iter().sum();
            // ∂(-ln P_k)/∂F_h = [k >= h] - P(X >= h); ∂(-ln P_k)/∂δ = k - E.
            let (mut q, mut n) = (0.0, 0.0);
            for h in (1..=m).rev() {
                q += p[h];
                n += w[h];
                d[h - 1] += n - total * q;
                d_delta += n - total * q;
            }
        }
        let mut out = Vec::with_capacity(m);
        if self.location {
            out.push(d_delta / self.total);
        }
        out.extend((0..m - 1).map(|h| (d[h] - d[m - 1]) / self.total));
        Ok(out)
    }
}

/// Maximises one scale's expected complete-data log-likelihood with L-BFGS; returns the
/// location shift (0 without location) and the new thresholds.
fn threshold_m_step(problem: ThresholdProblem, current: &[f64]) -> Option<(f64, Vec<f64>)> {
    let m = problem.m;
    let mut x0: Vec<f64> = if problem.location { vec![0.0] } else { vec![] };
    x0.extend_from_slice(&current[..m - 1]);
    if x0.is_empty() {
        return None;
    }
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 5)
        .with_tolerance_grad(THRESHOLD_GRAD_TOLERANCE)
        .ok()?
        .with_tolerance_cost(0.0)
        .ok()?;
    let initial_cost = problem.cost(&x0).ok()?;
    let location = problem.location;
    let result = Executor::new(problem, solver)
        .configure(|s| s.param(x0).max_iters(THRESHOLD_MAX_ITERS))
        .run()
        .ok()?;
    let state = result.state();
    let best = state.get_best_param()?;
    let improved = matches!(
        state.get_best_cost().partial_cmp(&initial_cost),
        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
    );
    if !improved || best.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let (delta, u) = if location {
        (best[0], &best[1..])
    } else {
        (0.0, &best[..])
    };
    let mut f = u.to_vec();
    f.push(-u.iter().sum::<f64>());
    Some((delta, f))
}

/// Score moments `(E, W, third central moment)` at `eta`.
fn moments3(eta: f64, thr: &[f64]) -> (f64, f64, f64) {
    let mut p = [0.0; MAX_CATEGORIES];
    let p = &mut p[..thr.len() + 1];
    category_probabilities(eta, thr, p);
    let e: f64 = p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum();
    let (mut v, mut t) = (0.0, 0.0);
    for (k, pk) in p.iter().enumerate() {
        let d = k as f64 - e;
        v += d * d * pk;
        t += d * d * d * pk;
    }
    (e, v, t)
}

/// Newton iterations for one object's posterior mode (`prior_var` finite) or Warm's WLE
/// (`prior_var = None`): solves `Σ (x - E) + J/(2I) = 0` (WLE; `J = Σ` third central moments)
/// or `Σ (x - E) - (θ - μ)/σ² = 0` (mode). Returns the estimate and the information `Σ W`.
fn object_newton(
    lay: &Layout,
    o: usize,
    offsets: &[f64],
    thresholds: &[Vec<f64>],
    start: f64,
    prior: Option<(f64, f64)>,
) -> (f64, f64) {
    let mut theta = start;
    let mut info = 0.0;
    for _ in 0..OBJECT_NEWTON_ITERATIONS {
        let (mut r, mut i, mut j) = (0.0, 0.0, 0.0);
        for e in lay.start[o]..lay.start[o + 1] {
            let (ex, v, t) = moments3(theta + offsets[e], &thresholds[lay.scale[e] as usize]);
            r += lay.category[e] as f64 - ex;
            i += v;
            j += t;
        }
        info = i;
        let (f, slope) = match prior {
            Some((mu, var)) => (r - (theta - mu) / var, i + 1.0 / var),
            None if i > 0.0 => (r + j / (2.0 * i), i),
            None => break,
        };
        let step = (f / slope.max(1e-8)).clamp(-1.0, 1.0);
        theta += step;
        if step.abs() < OBJECT_NEWTON_TOLERANCE {
            break;
        }
    }
    (theta, info)
}

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
