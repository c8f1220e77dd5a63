//! The rater's generalized model, fitted with everything else held at the run's values:
//!
//! ```text
//! ln(P_k / P_{k-1}) = α η°_n + w − ω F_{i,k},      η°_n = η − t_j (the predictor without the rater)
//! ```
//!
//! — a rater slope `α` (Uto & Ueno 2020's generalized many-facet model), a threshold scale `ω`
//! (Jin & Wang 2018) and the rater's own term `w = α t_j`. In `(α, w, ω)` the log-likelihood is
//! that of a multinomial logit with category features `(k η°, k, −Φ_k)` (`Φ_k = Σ_{h<=k} F_h`),
//! so it is concave and Newton-Raphson converges from the Rasch values `(1, t_j, 1)`. S.E.s come
//! from the inverse information; the severity's by the delta method.

use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};

use super::design::{Design, RaterDesign};
use crate::measure::model::category_probabilities;

/// Newton-Raphson iterations at most.
const MAX_ITERATIONS: usize = 50;
/// Converged when no parameter moves more than this (logits).
const CONVERGED_CHANGE: f64 = 1e-7;
/// Largest change of a parameter in one iteration.
const MAX_STEP: f64 = 1.0;
/// Estimates beyond this are divergent (a straight-liner has no finite slope).
const DIVERGED: f64 = 25.0;

/// The rater's generalized-model estimates with S.E.s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneralizedEstimates {
    /// `α`, the rater's discrimination (1 under the Rasch model).
    pub discrimination: f64,
    /// S.E. of `α`.
    pub discrimination_se: f64,
    /// `ω`, the threshold stretch (1 under the model; above 1 central tendency).
    pub stretch: f64,
    /// S.E. of `ω`.
    pub stretch_se: f64,
    /// The severity under the generalized model.
    pub severity: f64,
    /// S.E. of that severity (delta method).
    pub severity_se: f64,
    /// Newton-Raphson iterations used.
    pub iterations: usize,
}

/// Score and information of `(α, w, ω)` at `theta`.
fn score_information(
    design: &Design,
    rater: &RaterDesign,
    theta: &Vector3<f64>,
) -> (Vector3<f64>, Matrix3<f64>) {
    let mut p = vec![0.0; design.max_categories];
    let mut score = Vector3::zeros();
    let mut information = Matrix3::zeros();
    // The stretched thresholds `ω F` of every scale, once per evaluation.
    let stretched: Vec<Vec<f64>> = design
        .scales
        .iter()
        .map(|s| s.thresholds.iter().map(|f| theta[2] * f).collect())
        .collect();
    for response in &rater.responses {
        let scale = &design.scales[response.scale as usize];
        let p = &mut p[..scale.cumulative.len()];
        let thresholds = &stretched[response.scale as usize];
        category_probabilities(theta[0] * response.rest + theta[1], thresholds, p);
        let feature =
            |k: usize| Vector3::new(k as f64 * response.rest, k as f64, -scale.cumulative[k]);
        let mut mean = Vector3::zeros();
        let mut second = Matrix3::zeros();
        for (k, &pk) in p.iter().enumerate() {
            let f = feature(k);
            mean += pk * f;
            second += pk * f * f.transpose();
        }
        score += feature(usize::from(response.category).min(p.len() - 1)) - mean;
        information += second - mean * mean.transpose();
    }
    (score, information)
}

/// Fits the rater's `(α, w, ω)`; `None` when the information is singular or the estimates
/// diverge.
pub(super) fn estimate(design: &Design, rater: &RaterDesign) -> Option<GeneralizedEstimates> {
    let mut theta = Vector3::new(1.0, rater.term, 1.0);
    for iteration in 1..=MAX_ITERATIONS {
        let (score, information) = score_information(design, rater, &theta);
        let step = information.try_inverse()? * score;
        let step = step.map(|s| s.clamp(-MAX_STEP, MAX_STEP));
        theta += step;
        if theta.iter().any(|t| !t.is_finite() || t.abs() > DIVERGED) {
            return None;
        }
        if step.amax() < CONVERGED_CHANGE {
            let (_, information) = score_information(design, rater, &theta);
            let covariance = information.try_inverse()?;
            return summarise(design, &theta, &covariance, iteration);
        }
    }
    None
}

/// Estimates and S.E.s from `θ = (α, w, ω)` and its covariance.
fn summarise(
    design: &Design,
    theta: &Vector3<f64>,
    covariance: &Matrix3<f64>,
    iterations: usize,
) -> Option<GeneralizedEstimates> {
    let (alpha, w, omega) = (theta[0], theta[1], theta[2]);
    if covariance[(0, 0)] <= 0.0 || covariance[(2, 2)] <= 0.0 || alpha.abs() < 1e-6 {
        return None;
    }
    // t = w / α; ∂t/∂α = −w/α², ∂t/∂w = 1/α.
    let term = w / alpha;
    let gradient = Vector3::new(-w / (alpha * alpha), 1.0 / alpha, 0.0);
    let term_variance = (gradient.transpose() * covariance * gradient)[(0, 0)];
    Some(GeneralizedEstimates {
        discrimination: alpha,
        discrimination_se: covariance[(0, 0)].sqrt(),
        stretch: omega,
        stretch_se: covariance[(2, 2)].sqrt(),
        severity: if design.positive { term } else { -term },
        severity_se: term_variance.max(0.0).sqrt(),
        iterations,
    })
}
