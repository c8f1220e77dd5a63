//! The rating-scale / partial-credit category model (Andrich 1978; Masters 1982).
//!
//! For one observation the many-facet model (Linacre 1989, *Many-Facet Rasch Measurement*) gives
//! the log-odds of category `k` over category `k-1`:
//!
//! ```text
//! log(P_k / P_{k-1}) = B_n - Σ_f C_{f,j} - D_i - F_k  =  η - F_k,        k = 1..m
//! ```
//!
//! where `η = B_n - Σ C - D_i` is the *linear predictor* (object measure minus severities and
//! difficulty) and `F_1..F_m` are the Rasch-Andrich thresholds of the observation's scale.
//! Categories are numbered `0..=m` from the bottom of the scale. Solving gives
//!
//! ```text
//! P_k = exp(Σ_{h<=k} (η - F_h)) / Σ_{x=0..m} exp(Σ_{h<=x} (η - F_h))      (empty sum = 0)
//! ```
//!
//! (Wright & Masters 1982, *Rating Scale Analysis*, eq. 3.1.6). The functions here are the only
//! place the category equation is written; the engine, the simulator and the statistics call them.

/// Fills `out[0..=m]` with the category probabilities `P_0..P_m` for linear predictor `eta` and
/// thresholds `F_1..F_m` (`thresholds.len() == m`, `out.len() == m + 1`).
///
/// Computed as a softmax of the cumulative logits `Σ_{h<=k}(η - F_h)` with the largest subtracted,
/// so it neither overflows nor underflows for |η| in the hundreds.
pub fn category_probabilities(eta: f64, thresholds: &[f64], out: &mut [f64]) {
    debug_assert_eq!(out.len(), thresholds.len() + 1);
    let mut cumulative = 0.0;
    out[0] = 0.0;
    let mut largest = 0.0_f64;
    for (k, tau) in thresholds.iter().enumerate() {
        cumulative += eta - tau;
        out[k + 1] = cumulative;
        largest = largest.max(cumulative);
    }
    let mut total = 0.0;
    for p in out.iter_mut() {
        *p = (*p - largest).exp();
        total += *p;
    }
    for p in out.iter_mut() {
        *p /= total;
    }
}

/// The category whose cumulative probability first exceeds `u` (inverse-CDF draw; the last
/// category when rounding leaves the sum below `u`). With `u` uniform on [0, 1) this draws a
/// category from `probabilities`.
pub fn draw_category(probabilities: &[f64], u: f64) -> u8 {
    let mut cumulative = 0.0;
    for (k, p) in probabilities.iter().enumerate() {
        cumulative += p;
        if u < cumulative {
            return k as u8;
        }
    }
    (probabilities.len() - 1) as u8
}

/// The first four moments of the score under the category model, used by estimation and fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreMoments {
    /// `E = Σ k P_k` (in category steps above the bottom category).
    pub expected: f64,
    /// `W = Σ (k - E)² P_k`, the model variance (Wright & Masters 1982, eq. 5.4.2).
    pub variance: f64,
    /// `C = Σ (k - E)⁴ P_k`, the kurtosis term in the variance of the mean-squares
    /// (Wright & Masters 1982, eq. 5.4.4).
    pub kurtosis: f64,
}

/// Score moments for linear predictor `eta` and thresholds `F_1..F_m`. `scratch` must hold
/// `m + 1` values; it is left holding the category probabilities.
pub fn score_moments(eta: f64, thresholds: &[f64], scratch: &mut [f64]) -> ScoreMoments {
    category_probabilities(eta, thresholds, scratch);
    let expected: f64 = scratch.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
    let mut variance = 0.0;
    let mut kurtosis = 0.0;
    for (k, p) in scratch.iter().enumerate() {
        let d2 = (k as f64 - expected).powi(2);
        variance += d2 * p;
        kurtosis += d2 * d2 * p;
    }
    ScoreMoments {
        expected,
        variance,
        kurtosis,
    }
}

/// One response's terms of the estimated discrimination (Facets' and Winsteps' "Estim.
/// Discrm"): the score and the information of a common slope `a` on the cumulative logits,
/// `P_k ∝ exp(a·ψ_k)` with `ψ_k = Σ_{h<=k}(η - F_h)`, at `a = 1`:
///
/// ```text
/// ∂ ln P_x / ∂a = ψ_x - Σ_k P_k ψ_k          (the score term)
/// -∂² ln P_x / ∂a² = Σ_k P_k (ψ_k - Σ_j P_j ψ_j)²   (the information term)
/// ```
///
/// Summed over an element's responses they give one Newton-Raphson step for its slope from the
/// Rasch value 1 (see [`super::statistics::estimated_discrimination`]). `probabilities` are the
/// category probabilities at `eta` (as [`category_probabilities`] leaves them) and `observed` the
/// observed category index. Categories with probability 0 (an infinite threshold) add nothing.
pub fn slope_terms(
    eta: f64,
    thresholds: &[f64],
    probabilities: &[f64],
    observed: usize,
) -> (f64, f64) {
    let psi = |k: usize| -> f64 { thresholds[..k].iter().map(|f| eta - f).sum() };
    let mut mean = 0.0;
    for (k, &p) in probabilities.iter().enumerate() {
        if p > 0.0 {
            mean += p * psi(k);
        }
    }
    let mut information = 0.0;
    for (k, &p) in probabilities.iter().enumerate() {
        if p > 0.0 {
            information += p * (psi(k) - mean).powi(2);
        }
    }
    (psi(observed) - mean, information)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_terms_of_a_dichotomy_are_the_residual_times_the_predictor() {
        // ψ_1 = η: score (x - P)·η, information P(1-P)·η².
        let (eta, f) = (1.3, 0.4);
        let mut p = [0.0; 2];
        category_probabilities(eta, &[f], &mut p);
        let (score, information) = slope_terms(eta, &[f], &p, 1);
        assert!((score - (1.0 - p[1]) * (eta - f)).abs() < 1e-12);
        assert!((information - p[0] * p[1] * (eta - f).powi(2)).abs() < 1e-12);
    }

    #[test]
    fn dichotomous_case_is_the_logistic() {
        let mut p = [0.0; 2];
        category_probabilities(1.0, &[0.0], &mut p);
        let logistic = 1.0 / (1.0 + (-1.0_f64).exp());
        assert!((p[1] - logistic).abs() < 1e-12);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn adjacent_log_odds_follow_the_thresholds() {
        let thresholds = [-1.2, 0.3, 1.7];
        let eta = 0.4;
        let mut p = [0.0; 4];
        category_probabilities(eta, &thresholds, &mut p);
        for (k, tau) in thresholds.iter().enumerate() {
            let log_odds = (p[k + 1] / p[k]).ln();
            assert!((log_odds - (eta - tau)).abs() < 1e-12);
        }
    }

    #[test]
    fn extreme_predictors_do_not_overflow() {
        let mut p = [0.0; 3];
        category_probabilities(800.0, &[-1.0, 1.0], &mut p);
        assert!((p[2] - 1.0).abs() < 1e-12);
        category_probabilities(-800.0, &[-1.0, 1.0], &mut p);
        assert!((p[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn moments_of_a_symmetric_three_category_scale() {
        // With η = 0 and thresholds ±1 the cumulative logits are (0, 1, 0): P = (1, e, 1) / (2 + e).
        let mut scratch = [0.0; 3];
        let m = score_moments(0.0, &[-1.0, 1.0], &mut scratch);
        let e = std::f64::consts::E;
        let p0 = 1.0 / (2.0 + e);
        assert!((m.expected - 1.0).abs() < 1e-12);
        assert!((m.variance - 2.0 * p0).abs() < 1e-12);
        assert!((m.kurtosis - 2.0 * p0).abs() < 1e-12);
    }
}
