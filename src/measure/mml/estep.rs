//! The E-step of MML: Gauss-Hermite rules, responses grouped by object, and one pass over the
//! data that accumulates the expected sufficient statistics under each object's posterior
//! (adaptive quadrature, Naylor & Smith 1982; Schilling & Bock 2005), in fixed-order chunks.

use super::*;
use crate::measure::ordered::ordered_sum_over;

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
pub(super) const GRID_HALF_WIDTH: f64 = 30.0;
pub(super) const GRID_STEP: f64 = 0.05;
/// Iteration cap and gradient tolerance of the threshold L-BFGS.
pub(super) const THRESHOLD_MAX_ITERS: u64 = 100;
pub(super) const THRESHOLD_GRAD_TOLERANCE: f64 = 1e-10;
/// Smallest posterior SD used to place the nodes.
pub(super) const MIN_NODE_SD: f64 = 1e-3;
/// Responses multiplied between logarithms in the E-step.
pub(super) const LOG_BLOCK: usize = 8;
/// Largest number of node placements per object and E-step.
pub(super) const MAX_REPLACEMENTS: usize = 6;
/// Newton iterations and tolerance of the starting posterior modes and of the WLE.
pub(super) const OBJECT_NEWTON_ITERATIONS: usize = 100;
pub(super) const OBJECT_NEWTON_TOLERANCE: f64 = 1e-8;

/// Number of grid points (`2 · 30 / 0.05 + 1`).
pub(super) const N_GRID: usize = 1201;

/// Responses grouped by object (CSR): `start[o]..start[o+1]` index the entry arrays.
pub(super) struct Layout {
    pub(super) start: Vec<usize>,
    pub(super) scale: Vec<u32>,
    pub(super) category: Vec<u8>,
    /// Flat indices of the non-object elements of each entry (`n_other` per entry).
    pub(super) elements: Vec<u32>,
    pub(super) n_other: usize,
    /// Sign of each non-object facet in `η`, in the order of `elements`.
    pub(super) other_signs: Vec<f64>,
}

impl Layout {
    pub(super) fn new(design: &Design, active: &[u32], object: usize, n_objects: usize) -> Self {
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
    pub(super) fn offsets(&self, measures: &[f64]) -> Vec<f64> {
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
pub(super) struct Acc {
    /// Per flat element: `Σ_q w_q (x - E_q)` and `Σ_q w_q W_q` over its responses.
    pub(super) residual: Vec<f64>,
    pub(super) information: Vec<f64>,
    /// Per element: the missing information `Σ_n Var_post(score)` (final pass only).
    pub(super) missing: Vec<f64>,
    /// Binned posterior category weights per scale (`bin_offsets`).
    pub(super) bins: Vec<f64>,
    pub(super) log_likelihood: f64,
    /// Σ E[θ], Σ E[θ²] over objects with responses, and their count.
    pub(super) theta: f64,
    pub(super) theta2: f64,
    pub(super) objects: f64,
}

impl Acc {
    pub(super) fn zeros(n_el: usize, n_bins: usize, louis: bool) -> Self {
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

    pub(super) fn merge(mut self, o: Acc) -> Self {
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
pub(super) struct Pass<'a> {
    pub(super) layout: &'a Layout,
    pub(super) offsets: &'a [f64],
    pub(super) thresholds: &'a [Vec<f64>],
    pub(super) nodes: &'a [f64],
    /// `ln w_q + x_q²` of the Gauss-Hermite rule.
    pub(super) log_weights: &'a [f64],
    pub(super) mu: f64,
    pub(super) sigma: f64,
    pub(super) n_el: usize,
    pub(super) bin_offsets: &'a [usize],
    /// Accumulate the binned category weights (skipped in the final pass).
    pub(super) bin: bool,
    /// Accumulate the Louis missing information (final pass).
    pub(super) louis: bool,
}

/// The E-step's objects are summed in this many fixed chunks (independent of the thread count,
/// so the sums are bit-identical on any machine).
pub(super) const E_STEP_CHUNKS: usize = 64;

pub(super) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

impl Pass<'_> {
    /// Runs the E-step over all objects; `posterior[o]` holds (mean, SD) of the node placement
    /// on entry and the new posterior mean and SD on exit.
    pub(super) fn run(&self, posterior: &mut [(f64, f64)]) -> Acc {
        let n_bins = if self.bin {
            *self.bin_offsets.last().unwrap_or(&0)
        } else {
            0
        };
        // Deterministic whatever the thread count: the objects fall into E_STEP_CHUNKS fixed
        // chunks, each summed in object order, and the chunk sums are added in chunk order (a
        // rayon fold/reduce would group them by how the work was split between threads).
        let chunk = posterior.len().div_ceil(E_STEP_CHUNKS).max(1);
        let chunks: Vec<(usize, &mut [(f64, f64)])> =
            posterior.chunks_mut(chunk).enumerate().collect();
        ordered_sum_over(
            chunks,
            || Acc::zeros(self.n_el, n_bins, self.louis),
            |(c, slots)| {
                let mut acc = Acc::zeros(self.n_el, n_bins, self.louis);
                let mut probs = Vec::new();
                let mut scores: Vec<(u32, Vec<f64>)> = Vec::new();
                for (i, slot) in slots.iter_mut().enumerate() {
                    self.object(c * chunk + i, slot, &mut acc, &mut probs, &mut scores);
                }
                acc
            },
            Acc::merge,
        )
    }

    pub(super) fn object(
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
