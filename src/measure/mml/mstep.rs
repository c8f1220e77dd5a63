//! The M-step of MML: the thresholds of each scale by L-BFGS on the binned expected category
//! counts (argmin), and the per-object Newton iterations (posterior modes, Warm's WLE).

use super::*;

/// The expected complete-data log-likelihood of one scale from binned weights, as an argmin
/// problem (negated and divided by the total weight). The parameters are an optional location
/// shift `δ` of the scale's owning element (the item under partial credit: the linear predictor
/// becomes `η - δ`) followed by the free thresholds `u` (`F = (u_1..u_{m-1}, -Σu)`).
///
/// Estimating the item difficulty jointly with its thresholds matters when a top category is
/// rare (MHS `genocide`, `violence`): the sum-to-zero constraint then ties the location to the
/// top threshold, and alternating single-block updates creep along that ridge for dozens of EM
/// iterations.
pub(super) struct ThresholdProblem {
    pub(super) m: usize,
    pub(super) location: bool,
    pub(super) etas: Vec<f64>,
    /// `m + 1` category weights per point.
    pub(super) weights: Vec<f64>,
    pub(super) total: f64,
}

impl ThresholdProblem {
    /// `(δ, F)` from the parameter vector.
    pub(super) fn split(&self, x: &[f64]) -> (f64, Vec<f64>) {
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
pub(super) fn threshold_m_step(
    problem: ThresholdProblem,
    current: &[f64],
) -> Option<(f64, Vec<f64>)> {
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
pub(super) fn moments3(eta: f64, thr: &[f64]) -> (f64, f64, f64) {
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
pub(super) fn object_newton(
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
