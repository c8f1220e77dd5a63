//! The result of a fit: Facets Table 7 (elements and facet summaries), Table 8 (scales),
//! Table 5 (global statistics) and the per-observation residuals (Winsteps XFILE).

use serde::{Deserialize, Serialize};

use super::extreme::ElementStatus;
use super::model::score_moments;
use super::observer::IterationReport;
use super::options::{FitOptions, ObjectEstimator};
use super::statistics::{ChiSquare, Separation};
use crate::data::{FacetRole, RatingData};

/// One element's line of Facets Table 7.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementStatistics {
    /// The element's label as in the data.
    pub label: String,
    /// Whether the element was measured, anchored, extreme or dropped.
    pub status: ElementStatus,
    /// Sum of the raw scores of all the element's responses ("Total Score").
    pub total_score: f64,
    /// Number of responses ("Total Count").
    pub count: usize,
    /// `total_score / count` ("Obsvd Average").
    pub observed_average: Option<f64>,
    /// Expected average score with every other facet at its mean measure (Facets `Fair=Mean`),
    /// averaged over the scales of the element's responses.
    pub fair_average: Option<f64>,
    /// Measure in the facet's orientation (ability for the object facet; severity or difficulty
    /// otherwise). 0 for dropped elements.
    pub measure: f64,
    /// Model standard error `1/√(Σ W)`.
    pub model_se: Option<f64>,
    /// `model_se · √max(1, infit)`.
    pub real_se: Option<f64>,
    /// Infit (information-weighted) mean-square `Σ r² / Σ W` ("Infit MnSq"); `None` for
    /// extreme or dropped elements.
    pub infit: Option<f64>,
    /// Infit mean-square standardized by the Wilson-Hilferty transformation ("Infit ZStd").
    pub infit_zstd: Option<f64>,
    /// Outfit (unweighted) mean-square, the mean squared standardized residual ("Outfit
    /// MnSq"); `None` for extreme or dropped elements.
    pub outfit: Option<f64>,
    /// Outfit mean-square standardized by the Wilson-Hilferty transformation ("Outfit ZStd").
    pub outfit_zstd: Option<f64>,
    /// Point-measure correlation of the responses with the measures of the other elements that
    /// produced them ("PtMea").
    pub point_measure: Option<f64>,
    /// Its expected value ("PtExp").
    pub point_measure_expected: Option<f64>,
    /// How far the data would move the measure: `sign · (S - Σ E) / Σ W` at convergence (near 0
    /// for freely estimated elements; the anchoring displacement otherwise).
    pub displacement: Option<f64>,
    /// Estimated discrimination ("Estim. Discrm"): the slope the element's responses suggest,
    /// 1 as the model expects ([`super::statistics::estimated_discrimination`]). `None` for
    /// extreme or dropped elements and runs stored before it was computed.
    #[serde(default)]
    pub discrimination: Option<f64>,
}

/// The summary lines under a facet's Table 7 (non-extreme elements).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetSummary {
    /// Elements summarised (measured and anchored, not extreme or dropped).
    pub count: usize,
    /// Mean measure of the summarised elements.
    pub mean_measure: f64,
    /// Population SD of their measures (divisor `n`).
    pub sd_population: f64,
    /// Sample SD of their measures (divisor `n − 1`; 0 for fewer than two elements).
    pub sd_sample: f64,
    /// Model error, population SD.
    pub model_population: Separation,
    /// Model error, sample SD.
    pub model_sample: Separation,
    /// Real error (misfit-inflated), population SD.
    pub real_population: Separation,
    /// Fixed (all same) chi-square.
    pub fixed: Option<ChiSquare>,
    /// Random (normal) chi-square.
    pub random: Option<ChiSquare>,
}

/// One facet's Table 7.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetMeasures {
    /// The facet's name.
    pub name: String,
    /// The facet's role in the model (object, rater or item).
    pub role: FacetRole,
    /// Positively oriented (higher score, higher measure): the object facet.
    pub positive: bool,
    /// Centred on 0 during estimation.
    pub centred: bool,
    /// One line per element, in element order.
    pub elements: Vec<ElementStatistics>,
    /// The summary lines under the table.
    pub summary: FacetSummary,
}

/// One category line of Facets Table 8.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryStatistics {
    /// Raw score of the category.
    pub score: i32,
    /// Responses in the category used in estimation ("Used").
    pub count: usize,
    /// Percentage of the scale's used responses.
    pub percent: f64,
    /// Mean linear predictor `η` of the responses in the category ("Avge Meas").
    pub average_measure: Option<f64>,
    /// Its model expectation `Σ P_nk η_n / Σ P_nk` ("Exp. Meas").
    pub expected_measure: Option<f64>,
    /// Mean squared standardized residual of the responses in the category ("Outfit MnSq").
    pub outfit: Option<f64>,
    /// Rasch-Andrich threshold `F_k` from the category below (none for the bottom category).
    pub threshold: Option<f64>,
    /// Its standard error `1/√(Σ Q_k (1 - Q_k))`, `Q_k = P(X >= k)` (diagonal information).
    pub threshold_se: Option<f64>,
    /// The threshold is below the previous one.
    pub disordered: bool,
}

/// One rating scale (Facets Table 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleStatistics {
    /// The element of the scale facet that owns the scale (`None`: a shared rating scale).
    pub element: Option<u32>,
    /// The owning element's label, or `rating scale` for a shared scale.
    pub label: String,
    /// The thresholds were anchored rather than estimated.
    pub anchored: bool,
    /// One line per category, lowest score first.
    pub categories: Vec<CategoryStatistics>,
}

impl ScaleStatistics {
    /// Thresholds `F_1..F_m`.
    pub fn thresholds(&self) -> Vec<f64> {
        self.categories.iter().filter_map(|c| c.threshold).collect()
    }

    /// Whether any threshold is disordered.
    pub fn is_disordered(&self) -> bool {
        self.categories.iter().any(|c| c.disordered)
    }

    /// The category probability curves `P_k(η)` of the scale at `points` evenly spaced linear
    /// predictors from `from` to `to` (Wright & Masters 1982, eq. 3.1.6; see
    /// [`super::model::category_probabilities`]): `curves[k][i] = (η_i, P_k(η_i))`.
    pub fn category_curves(&self, from: f64, to: f64, points: usize) -> Vec<Vec<(f64, f64)>> {
        let thresholds = self.thresholds();
        let mut curves = vec![Vec::with_capacity(points); thresholds.len() + 1];
        let mut probabilities = vec![0.0; thresholds.len() + 1];
        for i in 0..points {
            let eta = if points > 1 {
                from + (to - from) * i as f64 / (points - 1) as f64
            } else {
                from
            };
            super::model::category_probabilities(eta, &thresholds, &mut probabilities);
            for (curve, p) in curves.iter_mut().zip(&probabilities) {
                curve.push((eta, *p));
            }
        }
        curves
    }
}

/// Whole-analysis statistics (Facets Table 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalStatistics {
    /// Responses in the data.
    pub observations: usize,
    /// Responses used in estimation (no extreme element).
    pub estimation_observations: usize,
    /// `Σ log P(x_n)` over the responses used in estimation.
    pub log_likelihood: f64,
    /// `Σ z_n²`.
    pub pearson_chi_square: f64,
    /// Responses used minus free parameters.
    pub degrees_of_freedom: f64,
    /// Raw-score variance of the responses used, `Σ (x - x̄)² / N`.
    pub observed_variance: f64,
    /// Variance of the expected scores around the mean, `Σ (E - x̄)² / N`.
    pub explained_variance: f64,
    /// Residual variance `Σ (x - E)² / N`.
    pub residual_variance: f64,
    /// `explained / (explained + residual)`, in percent (Winsteps "raw variance explained by
    /// measures").
    pub explained_percent: f64,
    /// Responses with |standardized residual| >= the `unexpected_z` option.
    pub unexpected_responses: usize,
}

/// One response's expectation and residual (Winsteps XFILE columns).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObservationResidual {
    /// Index of the observation in the data.
    pub observation: usize,
    /// Score value used by the model (the raw score unless Ordinal renumbering closed a gap).
    pub score: f64,
    /// `E = Σ value_k P_k` ("EXPECTATION").
    pub expected: f64,
    /// Model variance `W` ("VARIANCE").
    pub variance: f64,
    /// `x - E` ("RESIDUAL").
    pub residual: f64,
    /// `(x - E)/√W` ("ZSCORE").
    pub standardized: f64,
    /// `ln P(x)`.
    pub log_probability: f64,
    /// Whether the response took part in estimation (no extreme element).
    pub used_in_estimation: bool,
}

/// An observation's place in a fit (see [`Fit::locate`]).
#[derive(Debug, Clone, Copy)]
pub struct ObservationLocation<'a> {
    /// Linear predictor `B_n - Σ C - D_i`.
    pub eta: f64,
    /// The rating scale the observation is scored on.
    pub scale: &'a ScaleStatistics,
    /// Index of the observed category within the scale.
    pub category: usize,
    /// Every element of the observation took part in estimation.
    pub used: bool,
}

/// A fitted many-facet Rasch model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Table 7 of every facet, in model order.
    pub facets: Vec<FacetMeasures>,
    /// The facet whose elements own the scales (`None`: one shared rating scale).
    pub scale_facet: Option<usize>,
    /// Table 8 of every rating scale with responses (or observed categories).
    pub scales: Vec<ScaleStatistics>,
    /// Table 5: whole-analysis statistics.
    pub global: GlobalStatistics,
    /// Every iteration's report.
    pub history: Vec<IterationReport>,
    /// Both convergence criteria were met before the iteration cap.
    pub converged: bool,
    /// The options the model was fitted with.
    pub options: FitOptions,
    /// The population and object estimates of an MML fit (`None` for JMLE).
    #[serde(default)]
    pub mml: Option<MmlSummary>,
}

/// What an MML fit adds to the Facets tables: the object population, both object estimators and
/// marginal standard errors of the fixed effects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmlSummary {
    /// Population mean `μ` of the object measures (0 when the object facet is centred).
    pub population_mean: f64,
    /// Whether `μ` was fixed at 0 (object facet centred) rather than estimated.
    pub population_mean_fixed: bool,
    /// Population SD `σ` of the object measures.
    pub population_sd: f64,
    /// Marginal log-likelihood at the estimates (adaptive Gauss-Hermite quadrature), over the
    /// responses used in estimation.
    pub marginal_log_likelihood: f64,
    /// Adaptive Gauss-Hermite quadrature points per object.
    pub quadrature_points: usize,
    /// The estimator whose values are the object facet's `measure` in Table 7.
    pub object_estimator: ObjectEstimator,
    /// Per object element: EAP (posterior mean) and posterior SD. Objects without usable
    /// responses get the population values.
    pub eap: Vec<f64>,
    /// Per object element: the posterior SD of the measure (see `eap`).
    pub posterior_sd: Vec<f64>,
    /// Per object element: Warm's WLE and its S.E. `1/√I` (`None` without usable responses).
    pub wle: Vec<Option<f64>>,
    /// Per object element: the S.E. of the WLE (see `wle`).
    pub wle_se: Vec<Option<f64>>,
    /// Per facet and element: S.E. of the fixed effects from the diagonal of the observed
    /// marginal information (Louis 1982: complete-data minus missing information). `None` for
    /// the object facet, anchored, extreme and dropped elements. (Table 7's `model_se` is the
    /// plug-in `1/√ΣW` at the reported object measures, as for JMLE.)
    pub marginal_se: Vec<Vec<Option<f64>>>,
}

impl Fit {
    /// Number of JMLE iterations run.
    pub fn iterations(&self) -> usize {
        self.history.len()
    }

    /// The element measures of facet `f`.
    pub fn measures(&self, facet: usize) -> Vec<f64> {
        self.facets[facet]
            .elements
            .iter()
            .map(|e| e.measure)
            .collect()
    }

    /// Expectation, variance and standardized residual of every response of `data` (the data the
    /// model was fitted to). Responses that do not match the fit (element or category unknown to
    /// it) are skipped.
    pub fn residuals(&self, data: &RatingData) -> Vec<ObservationResidual> {
        let mut out = Vec::with_capacity(data.len());
        let mut scratch = self.category_scratch();
        for n in 0..data.len() {
            if let Some(r) = self.residual_with(data, n, &mut scratch) {
                out.push(r);
            }
        }
        out
    }

    /// Expectation, variance and standardized residual of response `n` of `data` alone (what
    /// [`Fit::residuals`] computes for every response). `None` when the fit does not know an
    /// element or the category.
    pub fn residual(&self, data: &RatingData, n: usize) -> Option<ObservationResidual> {
        self.residual_with(data, n, &mut self.category_scratch())
    }

    fn category_scratch(&self) -> Vec<f64> {
        vec![
            0.0;
            1 + self
                .scales
                .iter()
                .map(|s| s.categories.len())
                .max()
                .unwrap_or(1)
        ]
    }

    fn residual_with(
        &self,
        data: &RatingData,
        n: usize,
        scratch: &mut [f64],
    ) -> Option<ObservationResidual> {
        let ObservationLocation {
            eta,
            scale,
            category: k,
            used,
        } = self.locate(data, n)?;
        let thresholds = scale.thresholds();
        let probabilities = &mut scratch[..thresholds.len() + 1];
        let mom = score_moments(eta, &thresholds, probabilities);
        let log_probability = probabilities[k].max(f64::MIN_POSITIVE).ln();
        let base = scale.categories[0].score as f64;
        let residual = k as f64 - mom.expected;
        Some(ObservationResidual {
            observation: n,
            score: base + k as f64,
            expected: base + mom.expected,
            variance: mom.variance,
            residual,
            standardized: residual / mom.variance.sqrt(),
            log_probability,
            used_in_estimation: used,
        })
    }

    /// Where observation `n` of `data` sits in this fit: its linear predictor
    /// `η = Σ_f ± measure` (object facet +, others -), its scale and the index of its category
    /// in that scale. `None` when the fit does not know an element or the category.
    pub fn locate<'a>(&'a self, data: &RatingData, n: usize) -> Option<ObservationLocation<'a>> {
        let mut eta = 0.0;
        let mut used = true;
        for (f, facet) in self.facets.iter().enumerate() {
            let element = facet
                .elements
                .get(*data.elements.get(f)?.get(n)? as usize)?;
            eta += if facet.positive {
                element.measure
            } else {
                -element.measure
            };
            used &= element.status.is_active();
        }
        let s = match self.scale_facet {
            Some(f) => *data.elements.get(f)?.get(n)? as usize,
            None => 0,
        };
        let scale = self.scales.get(s)?;
        let score = *data.scores.get(n)?;
        let category = scale.categories.iter().position(|c| c.score == score)?;
        Some(ObservationLocation {
            eta,
            scale,
            category,
            used,
        })
    }

    /// Responses whose |standardized residual| reaches the `unexpected_z` option (Facets
    /// Table 4), most unexpected first.
    pub fn unexpected(&self, data: &RatingData) -> Vec<ObservationResidual> {
        let mut list: Vec<_> = self
            .residuals(data)
            .into_iter()
            .filter(|r| r.standardized.abs() >= self.options.unexpected_z)
            .collect();
        list.sort_by(|a, b| b.standardized.abs().total_cmp(&a.standardized.abs()));
        list
    }
}
