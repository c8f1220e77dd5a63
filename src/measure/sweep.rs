//! The one-pass JMLE sweep: every iteration reads each active observation once.
//!
//! The active observations are grouped by the element of one *inner* facet (the object facet:
//! comments, examinees, persons), stored as flat element indices, scale and category per
//! observation. A sweep walks the inner elements in parallel chunks. For inner element `o` it
//!
//! 1. computes each observation's category probabilities once (one `exp` per category), adds the
//!    expected score `E_n` and information `W_n` to every element of the observation, and
//!    `Q_nk = P(X >= k)` and `Cov([X>=j],[X>=k])` to the scale's threshold sums;
//! 2. takes the Newton step of `o`, `Δ_o = sign · (S_o - Σ E_n) / Σ W_n` (clamped);
//! 3. adds the first-order effect of that step on the other facets' sums, `W_n · δη` to the
//!    expected score of each other element and `∂Q_nk/∂η · δη` to the thresholds, with
//!    `δη = sign · Δ_o`.
//!
//! The other facets and the thresholds then take their Newton steps from the corrected sums, so
//! one sweep is (to first order) a block Gauss-Seidel iteration "inner facet, then the rest".
//! The uncorrected sums give the start-of-iteration score residuals for the convergence check.

use rayon::prelude::*;

use super::design::{Design, MAX_CATEGORIES};
use super::extreme::ElementStatus;
use super::model::category_probabilities;
use super::ordered::ordered_sum_over;

/// The active observations grouped by inner element.
pub(crate) struct Layout {
    pub n_facets: usize,
    /// The grouped facet.
    pub inner: usize,
    /// Flat element indices, observation-major (`idx[i * n_facets + f]`).
    pub idx: Vec<u32>,
    pub scale: Vec<u32>,
    pub category: Vec<u8>,
    /// Observations of inner element `j` (local index): `start[j]..start[j + 1]`.
    pub start: Vec<usize>,
    /// Inner-element ranges handled by one worker each, balanced by observation count.
    pub chunks: Vec<(usize, usize)>,
}

impl Layout {
    /// Groups `active` by the elements of facet `inner` (a counting sort).
    pub fn new(design: &Design, active: &[u32], inner: usize) -> Self {
        let data = design.data;
        let n_facets = design.n_facets();
        let n_inner = data.facets[inner].len();
        let mut start = vec![0usize; n_inner + 1];
        let col = &data.elements[inner];
        for &n in active {
            start[col[n as usize] as usize + 1] += 1;
        }
        for j in 0..n_inner {
            start[j + 1] += start[j];
        }
        let mut next = start.clone();
        let mut order = vec![0u32; active.len()];
        for &n in active {
            let j = col[n as usize] as usize;
            order[next[j]] = n;
            next[j] += 1;
        }
        drop(next);
        let mut idx = vec![0u32; active.len() * n_facets];
        idx.par_chunks_mut(n_facets.max(1))
            .zip(order.par_iter())
            .for_each(|(out, &n)| {
                for (f, slot) in out.iter_mut().enumerate() {
                    *slot = design.flat(f, data.elements[f][n as usize]) as u32;
                }
            });
        let scale = order
            .iter()
            .map(|&n| design.obs_scale[n as usize])
            .collect();
        let category = order
            .iter()
            .map(|&n| design.obs_category[n as usize])
            .collect();
        // Fixed chunks, whatever the thread count, so the sums (added chunk by chunk in order)
        // are bit-identical on any machine; enough of them to balance uneven objects.
        let per = active.len().div_ceil(SWEEP_CHUNKS).max(1);
        let mut chunks = Vec::with_capacity(SWEEP_CHUNKS);
        let mut j0 = 0;
        while j0 < n_inner {
            let target = start[j0] + per;
            let mut j1 = j0 + 1;
            while j1 < n_inner && start[j1 + 1] <= target {
                j1 += 1;
            }
            chunks.push((j0, j1));
            j0 = j1;
        }
        Layout {
            n_facets,
            inner,
            idx,
            scale,
            category,
            start,
            chunks,
        }
    }

    pub fn len(&self) -> usize {
        self.scale.len()
    }
}

/// Sums of one sweep.
pub(crate) struct SweepSums {
    /// `Σ E_n` per element at the start of the iteration.
    pub expected: Vec<f64>,
    /// `Σ W_n` per element.
    pub variance: Vec<f64>,
    /// `Σ W_n δη_n` per element: the first-order effect of the inner facet's steps.
    pub shift: Vec<f64>,
    /// `Σ Q_nk` per threshold (flat, threshold offsets).
    pub threshold_expected: Vec<f64>,
    /// `Σ ∂Q_nk/∂η δη_n` per threshold.
    pub threshold_shift: Vec<f64>,
    /// `Σ ∂Q_nk/∂η = Σ Cov(X, [X>=k])` per threshold (the element-threshold information).
    pub threshold_cross: Vec<f64>,
    /// Per scale the upper triangle of `Σ Cov([X>=j],[X>=k])` (row-major `m × m`).
    pub threshold_covariance: Vec<f64>,
    pub log_likelihood: f64,
}

impl SweepSums {
    fn zeros(n_el: usize, n_thr: usize, n_cov: usize) -> Self {
        SweepSums {
            expected: vec![0.0; n_el],
            variance: vec![0.0; n_el],
            shift: vec![0.0; n_el],
            threshold_expected: vec![0.0; n_thr],
            threshold_shift: vec![0.0; n_thr],
            threshold_cross: vec![0.0; n_thr],
            threshold_covariance: vec![0.0; n_cov],
            log_likelihood: 0.0,
        }
    }

    fn merge(mut self, other: SweepSums) -> Self {
        let add = |a: &mut Vec<f64>, b: &Vec<f64>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.expected, &other.expected);
        add(&mut self.variance, &other.variance);
        add(&mut self.shift, &other.shift);
        add(&mut self.threshold_expected, &other.threshold_expected);
        add(&mut self.threshold_shift, &other.threshold_shift);
        add(&mut self.threshold_cross, &other.threshold_cross);
        add(&mut self.threshold_covariance, &other.threshold_covariance);
        self.log_likelihood += other.log_likelihood;
        self
    }
}

/// The fraction of its Newton-Raphson step an element moves on Facets' path. Facets estimates
/// "by iterative curve fitting ... or the Newton-Raphson method", and with `Newton = 0.5` "the
/// improved estimates are halfway between the current estimates and the Newton=1 estimates"
/// (Linacre, Facets manual, "Newton-Raphson step size = "; its initial estimates are PROX).
///
/// Neither Facets nor this path converges fully on a long rating scale at `Convergence = .5,
/// .01`: both stop part way along a slow direction in which measures and thresholds widen
/// together, when the largest element score residual reaches .5. Where they stop depends on
/// how far the thresholds (which take whole Rasch-Andrich steps) are ahead of the elements
/// (Facets' category residual is about a tenth of its element residual). With the elements
/// moving half their Newton step from a PROX start, the run stops close to where Facets stops:
/// Minifac's published measures of a 21-category scale within .010 logit and Guilford's within
/// .006 (before, from the log-odds start with whole steps: .039 and .008).
pub(crate) const FACETS_CURVE_FITTING_FRACTION: f64 = 0.5;

/// How far an element moves along its Newton-Raphson (curve-fitting) step
/// `Δ = sign · (S - Σ E) / Σ W`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ElementStep {
    /// The whole step (`Newton = 1`).
    Newton,
    /// [`FACETS_CURVE_FITTING_FRACTION`] of it: Facets' damped curve fitting.
    HalfOgive,
}

impl ElementStep {
    /// The fraction of the Newton-Raphson step taken.
    pub fn fraction(self) -> f64 {
        match self {
            ElementStep::Newton => 1.0,
            ElementStep::HalfOgive => FACETS_CURVE_FITTING_FRACTION,
        }
    }

    /// The clamped step of an element with score residual `residual` (observed minus expected),
    /// information `variance` and orientation `sign`: `fraction · sign · residual / variance`,
    /// within `±max_step`.
    pub fn step(self, sign: f64, residual: f64, variance: f64, max_step: f64) -> f64 {
        (self.fraction() * (sign * residual / variance)).clamp(-max_step, max_step)
    }
}

/// What a sweep needs besides the layout.
pub(crate) struct SweepInput<'a> {
    pub measures: &'a [f64],
    pub thresholds: &'a [Vec<f64>],
    pub thr_offsets: &'a [usize],
    pub cov_offsets: &'a [usize],
    pub signs: &'a [f64],
    pub status: &'a [ElementStatus],
    /// Observed score per element (category units).
    pub observed: &'a [f64],
    /// Flat index of the inner facet's first element.
    pub inner_offset: usize,
    pub max_step: f64,
    /// How far the inner facet's elements move along their Newton steps.
    pub element_step: ElementStep,
}

/// One sweep. Writes the inner facet's Newton steps into `inner_step` (local index) and returns
/// the sums.
pub(crate) fn sweep(layout: &Layout, input: &SweepInput, inner_step: &mut [f64]) -> SweepSums {
    let n_el = input.measures.len();
    let n_thr = *input.thr_offsets.last().unwrap_or(&0);
    let n_cov = *input.cov_offsets.last().unwrap_or(&0);
    // Split the step vector along the chunks so each worker owns its inner elements.
    let mut parts: Vec<(usize, usize, &mut [f64])> = Vec::with_capacity(layout.chunks.len());
    let mut rest = inner_step;
    let mut consumed = 0;
    for &(j0, j1) in &layout.chunks {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(j1 - consumed);
        let (_, mine) = head.split_at_mut(j0 - consumed);
        parts.push((j0, j1, mine));
        rest = tail;
        consumed = j1;
    }
    // The chunk sums are added in chunk order (a rayon reduce would group them by how the work
    // was split between threads).
    ordered_sum_over(
        parts,
        || SweepSums::zeros(n_el, n_thr, n_cov),
        |(j0, j1, steps)| {
            let mut sums = SweepSums::zeros(n_el, n_thr, n_cov);
            let mut scratch: Vec<f64> = Vec::new();
            let mut likelihood = 1.0;
            for (j, step) in (j0..j1).zip(steps.iter_mut()) {
                *step = sweep_element(layout, input, j, &mut sums, &mut scratch, &mut likelihood);
            }
            sums.log_likelihood += likelihood.ln();
            sums
        },
        SweepSums::merge,
    )
}

/// The sweep's inner elements fall into about this many chunks (fixed: see [`Layout`]).
const SWEEP_CHUNKS: usize = 32;

/// Steps 1-3 of the module documentation for inner element `j`; returns its step.
#[inline]
fn sweep_element(
    layout: &Layout,
    input: &SweepInput,
    j: usize,
    sums: &mut SweepSums,
    scratch: &mut Vec<f64>,
    likelihood: &mut f64,
) -> f64 {
    let nf = layout.n_facets;
    let inner = layout.inner;
    let range = layout.start[j]..layout.start[j + 1];
    if range.is_empty() {
        return 0.0;
    }
    scratch.clear();
    let mut p = [0.0; MAX_CATEGORIES];
    let mut sum_e = 0.0;
    let mut sum_w = 0.0;
    for i in range.clone() {
        let ids = &layout.idx[i * nf..(i + 1) * nf];
        let s = layout.scale[i] as usize;
        let thr = &input.thresholds[s];
        let m = thr.len();
        let mut eta = 0.0;
        for (f, &e) in ids.iter().enumerate() {
            eta += input.signs[f] * input.measures[e as usize];
        }
        let p = &mut p[..m + 1];
        category_probabilities(eta, thr, p);
        let mut e_n = 0.0;
        let mut ee = 0.0;
        for (h, &ph) in p.iter().enumerate().skip(1) {
            let hf = h as f64;
            e_n += hf * ph;
            ee += hf * hf * ph;
        }
        let w_n = (ee - e_n * e_n).max(0.0);
        let k = layout.category[i] as usize;
        // Σ ln P(x_n), one logarithm per batch of probabilities (a running product, flushed
        // before it can underflow).
        *likelihood *= p[k].max(f64::MIN_POSITIVE);
        if *likelihood < 1e-250 {
            sums.log_likelihood += likelihood.ln();
            *likelihood = 1.0;
        }
        for &e in ids {
            sums.expected[e as usize] += e_n;
            sums.variance[e as usize] += w_n;
        }
        sum_e += e_n;
        sum_w += w_n;
        scratch.push(w_n);
        // Thresholds: Q_k = Σ_{h>=k} P_h and ∂Q_k/∂η = Σ_{h>=k} (h - E) P_h.
        let off = input.thr_offsets[s];
        let mut q = 0.0;
        let mut hq = 0.0;
        let mut q_at = [0.0; MAX_CATEGORIES];
        for h in (1..=m).rev() {
            q += p[h];
            hq += h as f64 * p[h];
            sums.threshold_expected[off + h - 1] += q;
            q_at[h - 1] = q;
            let dq = hq - e_n * q;
            sums.threshold_cross[off + h - 1] += dq;
            scratch.push(dq);
        }
        let base = input.cov_offsets[s];
        for a in 0..m {
            let row = &mut sums.threshold_covariance[base + a * m..base + (a + 1) * m];
            let qa = q_at[a];
            for b in a..m {
                row[b] += q_at[b] * (1.0 - qa);
            }
        }
    }
    let e_inner = input.inner_offset + j;
    if input.status[e_inner] != ElementStatus::Measured || sum_w <= 0.0 {
        return 0.0;
    }
    let sign = input.signs[inner];
    let step =
        input
            .element_step
            .step(sign, input.observed[e_inner] - sum_e, sum_w, input.max_step);
    let d_eta = sign * step;
    let mut at = 0;
    for i in range {
        let ids = &layout.idx[i * nf..(i + 1) * nf];
        let w_n = scratch[at];
        at += 1;
        for (f, &e) in ids.iter().enumerate() {
            if f != inner {
                sums.shift[e as usize] += w_n * d_eta;
            }
        }
        let s = layout.scale[i] as usize;
        let m = input.thresholds[s].len();
        let off = input.thr_offsets[s];
        for h in (1..=m).rev() {
            sums.threshold_shift[off + h - 1] += scratch[at] * d_eta;
            at += 1;
        }
    }
    step
}
