//! Plausible values (Mislevy 1991; Mislevy, Beaton, Kaplan & Sheehan 1992): random draws of each
//! object's measure from its posterior under a fitted MML model, for secondary analyses of group
//! means and variances that the shrunken EAPs would bias.
//!
//! The posterior of object `n` given its responses `x_n` is
//!
//! ```text
//! p(θ | x_n) ∝ φ((θ - μ)/σ) · Π_i P(x_ni | θ + η_ni)
//! ```
//!
//! with `μ, σ` the fitted population and `η_ni` the linear predictor of response `i` without
//! the object's own term (raters, items and thresholds at the run's estimates). It is evaluated
//! on a grid of [`GRID_POINTS`] points spanning [`GRID_HALF_WIDTH`] posterior SDs either side of
//! the EAP and sampled by inverting its cumulative distribution (a uniform draw within the chosen
//! grid cell); no normal approximation is made, so skewed posteriors (objects at the ends of the
//! scale) keep their shape.

use super::model::category_probabilities;
use super::{Fit, MeasureError};
use crate::data::RatingData;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How many plausible values are drawn per object: a whole number, 1 or more. Every front end
/// reads the count through this type (`FromStr` for typed text, `serde` for a pipeline file), so
/// the check and its message live here once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "usize", into = "usize")]
pub struct PlausibleDraws(std::num::NonZeroUsize);

impl PlausibleDraws {
    /// `draws` as a count (`None` for 0).
    pub fn new(draws: usize) -> Option<PlausibleDraws> {
        std::num::NonZeroUsize::new(draws).map(PlausibleDraws)
    }

    /// The number of draws.
    pub fn get(self) -> usize {
        self.0.get()
    }
}

/// A count that is not a whole number of draws, 1 or more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plausible values: expected a whole number of draws, 1 or more, got `{0}`")]
pub struct PlausibleDrawsError(String);

impl TryFrom<usize> for PlausibleDraws {
    type Error = PlausibleDrawsError;
    fn try_from(draws: usize) -> Result<Self, Self::Error> {
        PlausibleDraws::new(draws).ok_or_else(|| PlausibleDrawsError(draws.to_string()))
    }
}

impl From<PlausibleDraws> for usize {
    fn from(draws: PlausibleDraws) -> usize {
        draws.get()
    }
}

impl std::str::FromStr for PlausibleDraws {
    type Err = PlausibleDrawsError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        text.parse::<usize>()
            .ok()
            .and_then(PlausibleDraws::new)
            .ok_or_else(|| PlausibleDrawsError(text.to_string()))
    }
}

impl std::fmt::Display for PlausibleDraws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Grid points over which each posterior is evaluated.
pub const GRID_POINTS: usize = 241;
/// Half-width of the grid in posterior SDs around the EAP (the mass beyond is below 1e-11 for
/// a normal posterior).
pub const GRID_HALF_WIDTH: f64 = 7.0;

/// `draws` plausible values per object element of `fit` (an MML fit of `data`), seeded by
/// `seed`: `out[object][d]`. Objects without usable responses draw from the population.
pub fn plausible_values(
    fit: &Fit,
    data: &RatingData,
    draws: PlausibleDraws,
    seed: u64,
) -> Result<Vec<Vec<f64>>, MeasureError> {
    let draws = draws.get();
    let mml = fit.mml.as_ref().ok_or(MeasureError::InvalidOption {
        option: "plausible_values",
        reason: "plausible values need an MML fit (posterior of each object); fit with method mml"
            .into(),
    })?;
    let object_facet = data.object_facet;
    let objects = &fit.facets[object_facet];
    // Each object's responses: (linear predictor without the object, scale index, category).
    let mut responses: Vec<Vec<(f64, usize, usize)>> = vec![Vec::new(); objects.elements.len()];
    for n in 0..data.len() {
        let Some(location) = fit.locate(data, n) else {
            continue;
        };
        let object = data.elements[object_facet][n] as usize;
        let others_active = fit.facets.iter().enumerate().all(|(f, facet)| {
            f == object_facet
                || facet.elements[data.elements[f][n] as usize]
                    .status
                    .is_active()
        });
        if !others_active {
            continue;
        }
        let own = objects.elements[object].measure;
        let scale = fit
            .scales
            .iter()
            .position(|s| std::ptr::eq(s, location.scale))
            .unwrap_or(0);
        responses[object].push((location.eta - own, scale, location.category));
    }
    let thresholds: Vec<Vec<f64>> = fit.scales.iter().map(|s| s.thresholds()).collect();
    let (mu, sigma) = (mml.population_mean, mml.population_sd);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(objects.elements.len());
    let mut log_density = vec![0.0; GRID_POINTS];
    let mut probabilities = Vec::new();
    for (object, own) in responses.iter().enumerate() {
        let centre = mml.eap.get(object).copied().unwrap_or(mu);
        let spread = mml
            .posterior_sd
            .get(object)
            .copied()
            .filter(|s| *s > 0.0)
            .unwrap_or(sigma);
        let step = 2.0 * GRID_HALF_WIDTH * spread / (GRID_POINTS - 1) as f64;
        let grid = |g: usize| centre - GRID_HALF_WIDTH * spread + step * g as f64;
        for (g, slot) in log_density.iter_mut().enumerate() {
            let theta = grid(g);
            let z = (theta - mu) / sigma;
            let mut total = -0.5 * z * z;
            for &(rest, scale, category) in own {
                let thr = &thresholds[scale];
                probabilities.resize(thr.len() + 1, 0.0);
                category_probabilities(theta + rest, thr, &mut probabilities);
                total += probabilities[category].max(f64::MIN_POSITIVE).ln();
            }
            *slot = total;
        }
        let largest = log_density
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let mut cumulative = Vec::with_capacity(GRID_POINTS);
        let mut sum = 0.0;
        for l in &log_density {
            sum += (l - largest).exp();
            cumulative.push(sum);
        }
        let values = (0..draws)
            .map(|_| {
                let u: f64 = rng.random::<f64>() * sum;
                let cell = cumulative.partition_point(|&c| c < u).min(GRID_POINTS - 1);
                grid(cell) + step * (rng.random::<f64>() - 0.5)
            })
            .collect();
        out.push(values);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::{fit, FitOptions, Method};
    use crate::progress::NoObserver;
    use crate::simulate::{simulate, SimulationConfig};

    /// A sparse MML fit (few responses per object, so EAPs shrink): the plausible values keep
    /// the population variance that the EAPs lose (their variance within 5% of σ̂², while the
    /// EAPs' is clearly below), each object's draws centre on its EAP (mean of the per-object
    /// differences within 0.02) with the posterior SD as their spread (mean ratio within 5%),
    /// and the same seed gives the same draws.
    #[test]
    fn plausible_values_keep_the_population_variance() {
        let config = SimulationConfig {
            comments: 1500,
            raters_per_comment: (1, 1),
            seed: 11,
            ..SimulationConfig::default()
        };
        let data = simulate(&config).unwrap().rating_data();
        let options = FitOptions {
            method: Method::Mml,
            ..FitOptions::default()
        };
        let fit = fit(&data, &options, &mut NoObserver).unwrap();
        let mml = fit.mml.as_ref().unwrap();
        let draws = 20;
        let count = PlausibleDraws::new(draws).unwrap();
        let pv = plausible_values(&fit, &data, count, 7).unwrap();
        assert_eq!(pv, plausible_values(&fit, &data, count, 7).unwrap());
        let variance = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64
        };
        let sigma2 = mml.population_sd.powi(2);
        let pv_variance = (0..draws)
            .map(|d| variance(&pv.iter().map(|v| v[d]).collect::<Vec<_>>()))
            .sum::<f64>()
            / draws as f64;
        let eap_variance = variance(&mml.eap);
        assert!(
            (pv_variance / sigma2 - 1.0).abs() < 0.05,
            "PV variance {pv_variance:.3} vs population {sigma2:.3}"
        );
        assert!(
            eap_variance < 0.9 * sigma2,
            "EAP variance {eap_variance:.3} should shrink below {sigma2:.3}"
        );
        let n = pv.len() as f64;
        let centre = pv
            .iter()
            .zip(&mml.eap)
            .map(|(v, e)| v.iter().sum::<f64>() / draws as f64 - e)
            .sum::<f64>()
            / n;
        assert!(centre.abs() < 0.02, "mean PV - EAP {centre:.4}");
        let spread = pv
            .iter()
            .zip(&mml.posterior_sd)
            .map(|(v, s)| variance(v).sqrt() * (draws as f64 / (draws as f64 - 1.0)).sqrt() / s)
            .sum::<f64>()
            / n;
        assert!(
            (spread - 1.0).abs() < 0.05,
            "PV SD / posterior SD {spread:.3}"
        );
    }

    #[test]
    fn plausible_values_need_an_mml_fit() {
        let data = simulate(&SimulationConfig {
            comments: 200,
            seed: 3,
            ..SimulationConfig::default()
        })
        .unwrap()
        .rating_data();
        let jmle = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
        let err = plausible_values(&jmle, &data, PlausibleDraws::new(5).unwrap(), 1).unwrap_err();
        assert!(err.to_string().contains("need an MML fit"), "{err}");
    }
}
