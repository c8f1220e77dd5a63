//! Fit and reliability formulas (Wright & Masters 1982, ch. 5; Facets manual, "Table 7" and
//! "Table 7 summary statistics"; Winsteps manual, "Misfit diagnosis" and "Reliability").
//!
//! Small pure functions; the engine's accumulation lives in [`super::table`].

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Outfit (unweighted) mean-square: `Σ z_n² / N` with `z_n = (x_n - E_n)/√W_n`
/// (Wright & Masters 1982, eq. 5.4.3).
pub fn outfit_mean_square(sum_z2: f64, count: f64) -> f64 {
    sum_z2 / count
}

/// Infit (information-weighted) mean-square: `Σ (x_n - E_n)² / Σ W_n`
/// (Wright & Masters 1982, eq. 5.4.5).
pub fn infit_mean_square(sum_squared_residuals: f64, sum_variance: f64) -> f64 {
    sum_squared_residuals / sum_variance
}

/// Model variance of the outfit mean-square: `q² = Σ (C_n / W_n²) / N² - 1/N`
/// (Wright & Masters 1982, eq. 5.4.4; `C_n` the fourth central moment; each term from
/// [`outfit_variance_term`]).
pub fn outfit_variance(sum_c_over_w2: f64, count: f64) -> f64 {
    sum_c_over_w2 / (count * count) - 1.0 / count
}

/// Floor under `W_n²` in an observation's outfit-variance term `C_n / W_n²`. Without it, one
/// response far off target (|η| above about 5.75 logits, `W < .0032`) adds a term growing like
/// `1/W` and swamps the variance. Winsteps 3.73 and Ministep 3.75 floor it here: with this
/// floor (and the √2 cap below) every published OUT.ZSTD of the Knox Cube Test is reproduced
/// within .0072 (items 6, 8, 9 and 13 were .17 off without it) and of Liking for Science within
/// .012; 9.4e-6 or 1.1e-5 fit clearly worse. Found by reproducing those tables (the manuals
/// document only the cap).
pub const OUTFIT_MIN_SQUARED_VARIANCE: f64 = 1e-5;

/// One observation's term `C_n / max(W_n², floor)` of [`outfit_variance`] (0 for `W_n = 0`).
pub fn outfit_variance_term(kurtosis: f64, variance: f64) -> f64 {
    if variance > 0.0 {
        kurtosis / (variance * variance).max(OUTFIT_MIN_SQUARED_VARIANCE)
    } else {
        0.0
    }
}

/// Model variance of the infit mean-square: `q² = Σ (C_n - W_n²) / (Σ W_n)²`
/// (Wright & Masters 1982, eq. 5.4.6).
pub fn infit_variance(sum_c: f64, sum_w2: f64, sum_w: f64) -> f64 {
    (sum_c - sum_w2) / (sum_w * sum_w)
}

/// Largest model S.D. `q` of a mean-square used in [`zstd`]. Winsteps (and Facets) cap `q` at
/// √2 ≈ 1.4142: without the cap, the few improbable responses of an off-target element inflate
/// the outfit variance `Σ C/W² / N²` so much that a mean-square far below 1 gets a positive
/// ZStd. The cap reproduces Winsteps' KCT outfit ZSTD (e.g. item 4: MnSq .3452 -> -.16).
pub const MAX_MEAN_SQUARE_SD: f64 = std::f64::consts::SQRT_2;

/// Standardized mean-square by the Wilson-Hilferty cube-root transformation:
/// `t = (MnSq^{1/3} - 1)(3/q) + q/3` with `q` the model standard deviation of the mean-square,
/// capped at [`MAX_MEAN_SQUARE_SD`] (Wright & Masters 1982, eq. 5.4.7 / 5.4.8; Facets and
/// Winsteps ZStd).
pub fn zstd(mean_square: f64, variance: f64) -> Option<f64> {
    if !(variance > 0.0 && mean_square.is_finite()) {
        return None;
    }
    let q = variance.sqrt().min(MAX_MEAN_SQUARE_SD);
    Some((mean_square.cbrt() - 1.0) * (3.0 / q) + q / 3.0)
}

/// Pearson product-moment correlation from sums (`None` when a variance is zero).
pub fn correlation(n: f64, sx: f64, sy: f64, sxx: f64, syy: f64, sxy: f64) -> Option<f64> {
    let vx = n * sxx - sx * sx;
    let vy = n * syy - sy * sy;
    (vx > 0.0 && vy > 0.0).then(|| (n * sxy - sx * sy) / (vx * vy).sqrt())
}

/// Pearson's correlation of paired values,
/// `r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²)`, through [`correlation`] on the sums (the one
/// formula every stage uses: cleaning rounds, run comparison, predictor evaluation). `None`
/// with fewer than two pairs or a zero variance. Extra values of the longer slice are ignored.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 2 {
        return None;
    }
    // Centre first: the sums of the centred values keep full precision for measures far from 0.
    let (mx, my) = (
        x[..n].iter().sum::<f64>() / n as f64,
        y[..n].iter().sum::<f64>() / n as f64,
    );
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        let (a, b) = (a - mx, b - my);
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
    }
    correlation(n as f64, sx, sy, sxx, syy, sxy)
}

/// The `p` quantile (0 ≤ p ≤ 1) of sorted values by linear interpolation between order
/// statistics (Hyndman & Fan 1996 type 7, the default of R and numpy); `None` when empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = p.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Expected point-measure correlation (Winsteps PTME.E): the correlation of the measures `y`
/// with the expected responses, whose variance includes the model variance `Σ W`:
/// `Σ(E - Ē)(y - ȳ) / √(Σ(y - ȳ)² · (Σ(E - Ē)² + Σ W))`.
pub fn expected_correlation(
    n: f64,
    se: f64,
    sy: f64,
    see: f64,
    syy: f64,
    sey: f64,
    sw: f64,
) -> Option<f64> {
    let cov = sey - se * sy / n;
    let vy = syy - sy * sy / n;
    let ve = see - se * se / n + sw;
    (vy > 0.0 && ve > 0.0).then(|| cov / (vy * ve).sqrt())
}

/// Separation statistics of a facet for one error variance (Wright & Masters 1982, ch. 5.6;
/// Facets Table 7 summary).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Separation {
    /// Root mean-square standard error `√(Σ SE² / L)`.
    pub rmse: f64,
    /// "Adj (True) S.D.": `√max(0, SD² - RMSE²)`.
    pub adjusted_sd: f64,
    /// `G = Adj S.D. / RMSE`.
    pub separation: f64,
    /// `(4G + 1) / 3` statistically distinct levels.
    pub strata: f64,
    /// `Adj S.D.² / SD²` ("Reliability (not inter-rater)" for raters).
    pub reliability: f64,
}

impl Separation {
    /// From the observed SD of the measures and their mean error variance.
    pub fn new(sd: f64, mean_error_variance: f64) -> Self {
        let rmse = mean_error_variance.max(0.0).sqrt();
        let true_variance = (sd * sd - rmse * rmse).max(0.0);
        let adjusted_sd = true_variance.sqrt();
        let separation = if rmse > 0.0 { adjusted_sd / rmse } else { 0.0 };
        Separation {
            rmse,
            adjusted_sd,
            separation,
            strata: (4.0 * separation + 1.0) / 3.0,
            reliability: if sd > 0.0 {
                true_variance / (sd * sd)
            } else {
                0.0
            },
        }
    }
}

/// A chi-square test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChiSquare {
    /// The chi-square statistic.
    pub chi_square: f64,
    /// Its degrees of freedom.
    pub df: f64,
    /// Upper-tail probability.
    pub p: f64,
}

impl ChiSquare {
    /// The test of `chi_square` on `df` degrees of freedom; `None` when either is not a positive finite number.
    pub fn new(chi_square: f64, df: f64) -> Option<Self> {
        if df < 1.0 || !chi_square.is_finite() {
            return None;
        }
        let p = ChiSquared::new(df)
            .map(|d| 1.0 - d.cdf(chi_square.max(0.0)))
            .ok()?;
        Some(ChiSquare { chi_square, df, p })
    }
}

/// Weighted homogeneity chi-square `Σ w D² - (Σ w D)² / Σ w`.
fn weighted_dispersion(measures: &[f64], weights: &[f64]) -> f64 {
    let sw: f64 = weights.iter().sum();
    let swd: f64 = measures.iter().zip(weights).map(|(d, w)| w * d).sum();
    let swdd: f64 = measures.iter().zip(weights).map(|(d, w)| w * d * d).sum();
    swdd - swd * swd / sw
}

/// Fixed (all same) chi-square (Facets Table 7): `Σ w_j D_j² - (Σ w_j D_j)² / Σ w_j` with
/// `w_j = 1/SE_j²`, `L - 1` degrees of freedom.
pub fn fixed_chi_square(measures: &[f64], standard_errors: &[f64]) -> Option<ChiSquare> {
    let weights: Vec<f64> = standard_errors.iter().map(|se| 1.0 / (se * se)).collect();
    ChiSquare::new(
        weighted_dispersion(measures, &weights),
        measures.len() as f64 - 1.0,
    )
}

/// Random (normal) chi-square (Facets Table 7): the same statistic with weights
/// `1 / (S² + SE_j²)`, `S²` the true (adjusted) variance of the measures, `L - 2` degrees of
/// freedom: are the elements a random sample from a normal distribution?
pub fn random_chi_square(
    measures: &[f64],
    standard_errors: &[f64],
    true_variance: f64,
) -> Option<ChiSquare> {
    let weights: Vec<f64> = standard_errors
        .iter()
        .map(|se| 1.0 / (true_variance + se * se))
        .collect();
    ChiSquare::new(
        weighted_dispersion(measures, &weights),
        measures.len() as f64 - 2.0,
    )
}

/// Estimated discrimination of an element ("Estim. Discrm", Facets Table 7; Winsteps
/// `DISCRIM=`): one Newton-Raphson step from the Rasch slope 1 for a slope on the element's
/// responses, `1 + Σ score / Σ information` with the terms of
/// [`super::model::slope_terms`] summed over the element's responses used in estimation
/// (Linacre, Winsteps manual, "Item discrimination or slope estimation"). 1 is as the model
/// expects; below 0.5 or above 1.5 is worth a look. `None` without information.
pub fn estimated_discrimination(score: f64, information: f64) -> Option<f64> {
    (information > 0.0).then(|| 1.0 + score / information)
}

/// Consistency factor turning a median absolute deviation into a normal-theory SD.
pub const MAD_TO_SD: f64 = 1.4826;

/// The median and robust SD (1.4826 x MAD) of `values`.
pub fn robust_location_scale(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let mut sorted = values.to_vec();
    let center = median(&mut sorted);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    let mad = median(&mut deviations);
    Some((center, MAD_TO_SD * mad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outfit_variance_terms_are_floored_far_off_target() {
        // p = .5: W = .25, C = p⁴(1−p) + (1−p)⁴p = .0625, C/W² = 1.
        assert!((outfit_variance_term(0.0625, 0.25) - 1.0).abs() < 1e-12);
        // p = .999: W = 9.99e-4, W² ≈ 1e-6 is floored at 1e-5.
        let p: f64 = 0.999;
        let (w, c) = (p * (1.0 - p), p.powi(4) * (1.0 - p) + (1.0 - p).powi(4) * p);
        assert!((outfit_variance_term(c, w) - c / OUTFIT_MIN_SQUARED_VARIANCE).abs() < 1e-9);
        assert!(outfit_variance_term(c, w) < c / (w * w) / 9.0);
        assert_eq!(outfit_variance_term(0.1, 0.0), 0.0);
    }

    #[test]
    fn zstd_is_zero_near_expected_mean_square() {
        let q2: f64 = 0.04;
        // MnSq = (1 - q²/9)^3 gives t = 0 exactly.
        let msq = (1.0 - q2.sqrt() * q2.sqrt() / 9.0).powi(3);
        assert!(zstd(msq, q2).unwrap().abs() < 1e-12);
        assert!(zstd(1.5, q2).unwrap() > 2.0);
        assert!(zstd(1.0, 0.0).is_none());
    }

    #[test]
    fn separation_and_reliability_agree() {
        let s = Separation::new(2.0, 1.0);
        assert!((s.adjusted_sd - 3.0_f64.sqrt()).abs() < 1e-12);
        assert!((s.reliability - 0.75).abs() < 1e-12);
        assert!(
            (s.reliability - s.separation.powi(2) / (1.0 + s.separation.powi(2))).abs() < 1e-12
        );
    }

    #[test]
    fn fixed_chi_square_of_equal_measures_is_zero() {
        let c = fixed_chi_square(&[0.5, 0.5, 0.5], &[0.2, 0.3, 0.4]).unwrap();
        assert!(c.chi_square.abs() < 1e-12);
        assert_eq!(c.df, 2.0);
        assert!((c.p - 1.0).abs() < 1e-9);
    }
}
