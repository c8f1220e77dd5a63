//! Bias/interaction analysis (Facets Tables 13 and 14).
//!
//! With every main-effect measure and threshold of a [`Fit`] held fixed, each *cell* of an
//! interaction (a rater x item pair, a rater x target-group pair, ...) gets one extra parameter,
//! the bias `b`, added to the linear predictor of the cell's responses:
//!
//! ```text
//! log(P_nk / P_n,k-1) = η_n + b - F_k,        η_n = B_n - Σ C - D_i   (the main-effect predictor)
//! ```
//!
//! `b` is the one-parameter maximum-likelihood estimate: the root of `Σ_n E_n(η_n + b) = S`, the
//! cell's (possibly adjusted) observed score, found by Newton-Raphson with the measures anchored
//! (Linacre, Facets manual, "Table 9: bias iteration report" and "Table 13: bias/interaction
//! report"). This is exactly how Facets estimates bias terms "from the residuals of the main
//! analysis" after anchoring everything estimated there.
//!
//! **Orientation.** Facets' `Bias = Ability` (its default) reports bias in the direction of the
//! score: a positive bias means the cell's responses are *higher* than the main effects predict
//! (for a judge x examinee cell: the judge rated that examinee higher than expected, i.e. was
//! locally more lenient). [`BiasDirection::Difficulty`] reverses the sign. Guilford: Brahe x
//! David, observed 25 vs expected 17.3, bias +.71; Brahe x Edward, observed 14 vs expected 27.0,
//! bias -1.27.
//!
//! **Which responses.** Only responses used in the main estimation (no extreme or dropped
//! element) enter, and for an attribute term only responses whose element has a value.
//!
//! **Extreme cells.** A cell whose responses are all in the bottom (top) category is estimated
//! from a score [`InteractionSpec::extreme_adjustment`] (Facets: 0.5) above its minimum (below
//! its maximum) and flagged in [`InteractionCell::extreme`]; it still counts in the fixed
//! chi-square.
//!
//! **Statistics.** Per cell `t = bias / S.E.` on `count - 1` d.f. with a two-sided Student-t p
//! (Facets reports bias significance as t with finite d.f.; Facets manual, "Zscore="); the
//! summary's fixed (all = 0) chi-square is `Σ t²` on as many d.f. as cells. Table 14 uses the
//! Rasch-Welch t with Welch-Satterthwaite d.f. ([`rasch_welch`]).
//!
//! Table 14 ([`pairwise`]) compares the local measure of one element of a *target* term as seen
//! in two contexts (two elements of the other term) with a Rasch-Welch t test.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::error::MeasureError;
use super::extreme::Extreme;
use super::model::score_moments;
use super::results::Fit;
use super::statistics::{infit_mean_square, outfit_mean_square, ChiSquare};
use crate::data::RatingData;

/// Facets' extreme-score adjustment for bias estimation (`Xtreme = 0.3, 0.5`, second value):
/// a cell whose responses are all in the bottom (top) categories is estimated as if its score
/// were 0.5 score points above the minimum (below the maximum).
pub const FACETS_BIAS_EXTREME_ADJUSTMENT: f64 = 0.5;

/// Largest Newton-Raphson step of a bias estimate, in logits.
const MAX_BIAS_STEP: f64 = 1.0;
/// Convergence of a bias estimate: change in logits.
const BIAS_TOLERANCE: f64 = 1e-9;
/// Most Newton-Raphson iterations of a bias estimate.
const MAX_BIAS_ITERATIONS: usize = 200;

/// One side of an interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InteractionTerm {
    /// The elements of a facet (Facets' `B` on that facet in `Models=`).
    Facet {
        /// The facet (index in model order).
        facet: usize,
    },
    /// Groups of a facet's elements by an attribute (e.g. the target group of comments), as
    /// Facets does with a dummy facet anchored at 0. `values[j]` is the attribute value of element
    /// `j` of `facet`; responses of elements without a value are left out of the analysis.
    Attribute {
        /// The facet whose elements carry the attribute.
        facet: usize,
        /// Name of the attribute (for reports).
        name: String,
        /// The attribute value of each element of `facet` (`None`: no value).
        values: Vec<Option<String>>,
    },
}

impl InteractionTerm {
    /// The facet the term is defined on.
    pub fn facet(&self) -> usize {
        match self {
            InteractionTerm::Facet { facet } | InteractionTerm::Attribute { facet, .. } => *facet,
        }
    }
}

/// Sign of the reported bias (Facets `Bias =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BiasDirection {
    /// Positive bias = higher scores than expected (Facets' default, `Bias = Ability`): the bias
    /// is the shift `b` of the linear predictor.
    #[default]
    Ability,
    /// Positive bias = lower scores than expected (`Bias = Difficulty`): the bias is `-b`.
    Difficulty,
}

impl BiasDirection {
    /// `+1` for [`BiasDirection::Ability`], `-1` for [`BiasDirection::Difficulty`].
    pub fn sign(self) -> f64 {
        match self {
            BiasDirection::Ability => 1.0,
            BiasDirection::Difficulty => -1.0,
        }
    }
}

/// What to analyse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionSpec {
    /// The two terms (they must be on different facets).
    pub terms: [InteractionTerm; 2],
    /// Score points added to a minimum cell score and taken from a maximum one (Facets
    /// `Xtreme = , 0.5`); strictly between 0 and 1.
    pub extreme_adjustment: f64,
    /// The sign convention of the reported bias.
    pub direction: BiasDirection,
}

impl InteractionSpec {
    /// Facet x facet (e.g. rater x item) with Facets' defaults.
    pub fn facets(first: usize, second: usize) -> Self {
        InteractionSpec {
            terms: [
                InteractionTerm::Facet { facet: first },
                InteractionTerm::Facet { facet: second },
            ],
            extreme_adjustment: FACETS_BIAS_EXTREME_ADJUSTMENT,
            direction: BiasDirection::Ability,
        }
    }

    /// Facet x attribute groups of another facet (e.g. rater x target group of the comments)
    /// with Facets' defaults.
    pub fn facet_by_attribute(
        facet: usize,
        attribute_facet: usize,
        name: impl Into<String>,
        values: Vec<Option<String>>,
    ) -> Self {
        InteractionSpec {
            terms: [
                InteractionTerm::Facet { facet },
                InteractionTerm::Attribute {
                    facet: attribute_facet,
                    name: name.into(),
                    values,
                },
            ],
            extreme_adjustment: FACETS_BIAS_EXTREME_ADJUSTMENT,
            direction: BiasDirection::Ability,
        }
    }
}

/// The levels of one term of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermLevels {
    /// The facet the term is defined on (index in model order).
    pub facet: usize,
    /// That facet's name.
    pub facet_name: String,
    /// The attribute name for an attribute term.
    pub attribute: Option<String>,
    /// Level labels: element labels, or the distinct attribute values in sorted order.
    pub labels: Vec<String>,
    /// Main-effect measure of each level in its facet's orientation (element measures; 0 for
    /// attribute groups, like a Facets dummy facet anchored at 0).
    pub measures: Vec<f64>,
    /// The facet is positively oriented (higher score, higher measure).
    pub positive: bool,
}

/// One line of Facets Table 13.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionCell {
    /// Level indices in the two terms.
    pub levels: [u32; 2],
    /// Level labels in the two terms.
    pub labels: [String; 2],
    /// Σ observed scores ("Observd Score"), in the model's score values (raw scores unless
    /// Ordinal renumbering closed a gap; as [`Fit::residuals`]).
    pub observed_score: f64,
    /// Σ expected scores from the main effects, bias 0 ("Expctd Score").
    pub expected_score: f64,
    /// Responses in the cell ("Observd Count").
    pub count: usize,
    /// `(observed - expected) / count` ("Obs-Exp Average").
    pub observed_minus_expected_average: f64,
    /// All responses in the bottom (top) categories: the bias was estimated from the adjusted
    /// score.
    pub extreme: Option<Extreme>,
    /// "Bias Size" in logits, oriented by [`InteractionSpec::direction`].
    pub bias: f64,
    /// "Model S.E." `1/√(Σ W_n(η_n + b))`.
    pub model_se: f64,
    /// `bias / model_se`.
    pub t: f64,
    /// `count - 1`.
    pub df: f64,
    /// Two-sided probability of `|t|` under Student's t with `df` (none when `df < 1`).
    pub p: Option<f64>,
    /// Infit mean-square of the cell's responses after the bias adjustment.
    pub infit: Option<f64>,
    /// Outfit mean-square after the bias adjustment.
    pub outfit: Option<f64>,
}

impl InteractionCell {
    /// The shift of the linear predictor (`b`, whatever the reported direction).
    fn eta_shift(&self, direction: BiasDirection) -> f64 {
        self.bias * direction.sign()
    }
}

/// Summary lines under Facets Table 13.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionSummary {
    /// Number of cells in the table.
    pub cells: usize,
    /// Mean bias size ("Mean" of "Bias Size"), over the cells with a finite t.
    pub mean_bias: f64,
    /// Population SD of the bias sizes.
    pub sd_bias_population: f64,
    /// Sample SD of the bias sizes (`None` with fewer than two cells).
    pub sd_bias_sample: Option<f64>,
    /// Mean model S.E. of the cells.
    pub mean_se: f64,
    /// Mean t of the cells.
    pub mean_t: f64,
    /// Population SD of the cells' t.
    pub sd_t_population: f64,
    /// "Fixed (all = 0) chi-squared": `Σ t²` over the cells, d.f. = number of cells.
    pub fixed: Option<ChiSquare>,
}

/// A bias/interaction analysis (Facets Table 13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionTable {
    /// The levels of the two terms.
    pub terms: [TermLevels; 2],
    /// The sign convention of the reported bias.
    pub direction: BiasDirection,
    /// Score points by which extreme cells' scores were moved inward.
    pub extreme_adjustment: f64,
    /// Non-empty cells, ordered by the first term's level, then the second's.
    pub cells: Vec<InteractionCell>,
    /// The summary lines.
    pub summary: InteractionSummary,
    /// Responses in the analysis.
    pub observations: usize,
    /// Responses left out: not used in the main estimation (extreme or dropped element), without
    /// an attribute value, or not matching the fit.
    pub excluded_observations: usize,
}

impl InteractionTable {
    /// The cell of levels `(a, b)`, if it has responses.
    pub fn cell(&self, a: u32, b: u32) -> Option<&InteractionCell> {
        self.cells
            .binary_search_by(|c| c.levels.cmp(&[a, b]))
            .ok()
            .map(|i| &self.cells[i])
    }

    /// The cell whose level labels are `(a, b)`.
    pub fn cell_by_label(&self, a: &str, b: &str) -> Option<&InteractionCell> {
        self.cells
            .iter()
            .find(|c| c.labels[0] == a && c.labels[1] == b)
    }

    /// Local measure of level `target` of term `target_term` in one cell (Facets Table 14
    /// "Target Measr"): its main-effect measure moved by the cell's bias in the target facet's
    /// orientation, `measure + b` for a positively oriented facet and `measure - b` for a
    /// negatively oriented one (`b` the shift of the linear predictor). Guilford: David -.46 as
    /// seen by Brahe (b = +.71) is .25.
    pub fn local_measure(&self, target_term: usize, cell: &InteractionCell) -> f64 {
        let term = &self.terms[target_term];
        let orientation = if term.positive { 1.0 } else { -1.0 };
        term.measures[cell.levels[target_term] as usize]
            + orientation * cell.eta_shift(self.direction)
    }
}

/// One line of Facets Table 14: a target level's local measures in two contexts compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairwiseContrast {
    /// Level of the target term.
    pub target: u32,
    /// Label of the target level.
    pub target_label: String,
    /// Levels of the context term.
    pub contexts: [u32; 2],
    /// Labels of the two context levels.
    pub context_labels: [String; 2],
    /// Target measure + bias in each context ("Target Measr").
    pub local_measures: [f64; 2],
    /// The cells' model S.E.
    pub standard_errors: [f64; 2],
    /// The cells' "Obs-Exp Average".
    pub observed_minus_expected: [f64; 2],
    /// Cell counts.
    pub counts: [usize; 2],
    /// `local_measures[0] - local_measures[1]` ("Target Contrast").
    pub contrast: f64,
    /// `√(SE_1² + SE_2²)` ("Joint S.E.").
    pub joint_se: f64,
    /// `contrast / joint_se` ("Rasch-Welch t").
    pub t: f64,
    /// Welch-Satterthwaite degrees of freedom (none when a cell has a single response).
    pub df: Option<f64>,
    /// Two-sided probability of `|t|` under Student's t with `df`.
    pub p: Option<f64>,
}

fn invalid(reason: impl Into<String>) -> MeasureError {
    MeasureError::InvalidOption {
        option: "interaction spec",
        reason: reason.into(),
    }
}

/// Two-sided p-value `2 (1 - T_df(|t|))` of Student's t with `df` degrees of freedom (`None` if
/// `df < 1` or `t` is NaN; an infinite `t` gives 0).
pub fn two_sided_t_p(t: f64, df: f64) -> Option<f64> {
    if df.is_nan() || df < 1.0 || t.is_nan() {
        return None;
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((2.0 * (1.0 - dist.cdf(t.abs()))).clamp(0.0, 1.0))
}

/// Welch (1947) - Satterthwaite (1946) degrees of freedom of the difference of two estimates with
/// standard errors `se1`, `se2` on `df1`, `df2` degrees of freedom:
/// `(SE_1² + SE_2²)² / (SE_1⁴/df_1 + SE_2⁴/df_2)` (Facets manual, Table 14, "Rasch-Welch").
pub fn welch_satterthwaite_df(se1: f64, df1: f64, se2: f64, df2: f64) -> Option<f64> {
    if df1.is_nan() || df2.is_nan() || df1 < 1.0 || df2 < 1.0 {
        return None;
    }
    let (v1, v2) = (se1 * se1, se2 * se2);
    let denominator = v1 * v1 / df1 + v2 * v2 / df2;
    (denominator > 0.0).then(|| (v1 + v2).powi(2) / denominator)
}

/// The model of one response: main-effect predictor, scale and category.
#[derive(Debug, Clone, Copy)]
struct Response {
    /// Main-effect linear predictor `η_n = Σ_f ±measure` (object facet +, others -).
    eta: f64,
    /// Index into `Fit::scales`.
    scale: usize,
    /// Category index from the bottom of the scale (0..=m).
    category: usize,
}

/// The linear predictor, scale and category of observation `n` from a fit's public results, as
/// [`Fit::residuals`] computes them: `η = Σ_f sign_f · measure_f` with `sign = +1` for
/// positively oriented facets and `-1` otherwise; the scale is the shared one or that of the
/// element of [`Fit::scale_facet`]. Returns the response and whether every element is active
/// (the response took part in estimation); `None` if the observation does not match the fit.
fn response(fit: &Fit, data: &RatingData, n: usize) -> Option<(Response, bool)> {
    let mut eta = 0.0;
    let mut used = true;
    for (f, facet) in fit.facets.iter().enumerate() {
        let el = facet
            .elements
            .get(*data.elements.get(f)?.get(n)? as usize)?;
        eta += if facet.positive {
            el.measure
        } else {
            -el.measure
        };
        used &= el.status.is_active();
    }
    let scale = match fit.scale_facet {
        Some(f) => data.elements[f][n] as usize,
        None => 0,
    };
    let category = fit
        .scales
        .get(scale)?
        .categories
        .iter()
        .position(|c| c.score == data.scores[n])?;
    Some((
        Response {
            eta,
            scale,
            category,
        },
        used,
    ))
}

/// Maps the elements of a term's facet to term levels and describes the levels.
fn term_levels(
    term: &InteractionTerm,
    data: &RatingData,
    fit: &Fit,
) -> Result<(TermLevels, Vec<Option<u32>>), MeasureError> {
    let f = term.facet();
    let facet = data
        .facets
        .get(f)
        .ok_or_else(|| invalid(format!("facet {f} does not exist")))?;
    let fit_facet = &fit.facets[f];
    match term {
        InteractionTerm::Facet { .. } => Ok((
            TermLevels {
                facet: f,
                facet_name: facet.name.clone(),
                attribute: None,
                labels: facet.labels.clone(),
                measures: fit_facet.elements.iter().map(|e| e.measure).collect(),
                positive: fit_facet.positive,
            },
            (0..facet.len() as u32).map(Some).collect(),
        )),
        InteractionTerm::Attribute { name, values, .. } => {
            if values.len() != facet.len() {
                return Err(invalid(format!(
                    "attribute `{name}` has {} values for the {} elements of facet `{}`",
                    values.len(),
                    facet.len(),
                    facet.name
                )));
            }
            let mut labels: Vec<String> = values.iter().flatten().cloned().collect();
            labels.sort();
            labels.dedup();
            let index: std::collections::HashMap<&str, u32> = labels
                .iter()
                .enumerate()
                .map(|(k, l)| (l.as_str(), k as u32))
                .collect();
            let level = values
                .iter()
                .map(|v| v.as_deref().and_then(|v| index.get(v).copied()))
                .collect();
            Ok((
                TermLevels {
                    facet: f,
                    facet_name: facet.name.clone(),
                    attribute: Some(name.clone()),
                    measures: vec![0.0; labels.len()],
                    labels,
                    positive: fit_facet.positive,
                },
                level,
            ))
        }
    }
}

/// A cell's bias estimate and statistics with the main effects fixed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellEstimate {
    /// Shift `b` of the linear predictor.
    pub shift: f64,
    /// `1/√(Σ W_n(η_n + b))`.
    pub model_se: f64,
    /// Σ expected scores at `b = 0`, in category steps above each scale's bottom.
    pub expected: f64,
    /// Σ observed categories.
    pub observed: f64,
    /// Whether all responses were in the bottom or top categories (the estimate then used
    /// the adjusted score).
    pub extreme: Option<Extreme>,
    /// Infit mean-square at `η + b` (`None` without information).
    pub infit: Option<f64>,
    /// Outfit mean-square at `η + b` (`None` without responses).
    pub outfit: Option<f64>,
}

/// Estimates the bias of one cell: the root `b` of `Σ_n E_n(η_n + b) = S'`, where
/// `S' = S` unless the cell is extreme, then `adjustment` above the minimum or below the maximum
/// score (Facets manual, "Xtreme=", bias adjustment). Newton-Raphson
/// `b ← b + (S' - Σ E) / Σ W` with steps capped at 1 logit and a bisection safeguard (the
/// score function is increasing in `b`, so a bracket always exists). Then the model S.E.
/// `1/√(Σ W)` and the infit `Σ (x - E)² / Σ W` and outfit `Σ (x - E)²/W / N` mean-squares at
/// `η + b` (Wright & Masters 1982, eqs. 5.4.3, 5.4.5).
///
/// `responses` are `(η_n, thresholds of n's scale, category of n)`.
pub fn estimate_cell(responses: &[(f64, &[f64], usize)], adjustment: f64) -> CellEstimate {
    let max_m = responses.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let mut scratch = vec![0.0; max_m + 1];
    let mut sums = |b: f64| -> (f64, f64) {
        responses.iter().fold((0.0, 0.0), |(e, w), (eta, th, _)| {
            let m = score_moments(eta + b, th, &mut scratch[..th.len() + 1]);
            (e + m.expected, w + m.variance)
        })
    };
    let observed: f64 = responses.iter().map(|r| r.2 as f64).sum();
    let maximum: f64 = responses.iter().map(|r| r.1.len() as f64).sum();
    let (extreme, target) = if observed <= 0.0 {
        (Some(Extreme::Minimum), adjustment.min(maximum / 2.0))
    } else if observed >= maximum {
        (
            Some(Extreme::Maximum),
            maximum - adjustment.min(maximum / 2.0),
        )
    } else {
        (None, observed)
    };
    let (expected, _) = sums(0.0);
    let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut b = 0.0;
    for _ in 0..MAX_BIAS_ITERATIONS {
        let (e, w) = sums(b);
        let residual = target - e;
        if residual > 0.0 {
            lo = b;
        } else {
            hi = b;
        }
        if residual == 0.0 {
            break;
        }
        let step = if w > 0.0 {
            (residual / w).clamp(-MAX_BIAS_STEP, MAX_BIAS_STEP)
        } else {
            residual.signum() * MAX_BIAS_STEP
        };
        if step.abs() < BIAS_TOLERANCE {
            b += step;
            break;
        }
        let mut next = b + step;
        // The score function is increasing in b, so the root lies between the largest b with a
        // positive residual and the smallest with a negative one: bisect if Newton leaves them.
        if !(next > lo && next < hi) && lo.is_finite() && hi.is_finite() {
            next = 0.5 * (lo + hi);
        }
        b = next;
    }
    let mut sum_w = 0.0;
    let mut sum_r2 = 0.0;
    let mut sum_z2 = 0.0;
    for (eta, th, k) in responses {
        let m = score_moments(eta + b, th, &mut scratch[..th.len() + 1]);
        let r2 = (*k as f64 - m.expected).powi(2);
        sum_w += m.variance;
        sum_r2 += r2;
        sum_z2 += r2 / m.variance;
    }
    let n = responses.len() as f64;
    CellEstimate {
        shift: b,
        model_se: 1.0 / sum_w.sqrt(),
        expected,
        observed,
        extreme,
        infit: (sum_w > 0.0).then(|| infit_mean_square(sum_r2, sum_w)),
        outfit: (n > 0.0 && sum_z2.is_finite()).then(|| outfit_mean_square(sum_z2, n)),
    }
}

/// Bias/interaction analysis of `spec` (Facets Table 13) for `data` with the main effects of
/// `fit` (the fit of `data`) held fixed. See the module documentation for the model and the
/// orientation.
pub fn interactions(
    data: &RatingData,
    fit: &Fit,
    spec: &InteractionSpec,
) -> Result<InteractionTable, MeasureError> {
    data.check()?;
    if fit.facets.len() != data.facets.len() {
        return Err(invalid(format!(
            "the fit has {} facets, the data {}",
            fit.facets.len(),
            data.facets.len()
        )));
    }
    if spec.terms[0].facet() == spec.terms[1].facet() {
        return Err(invalid("the two terms must be on different facets"));
    }
    if !(spec.extreme_adjustment > 0.0 && spec.extreme_adjustment < 1.0) {
        return Err(invalid(
            "the extreme adjustment must lie strictly between 0 and 1 score point",
        ));
    }
    let (first, first_level) = term_levels(&spec.terms[0], data, fit)?;
    let (second, second_level) = term_levels(&spec.terms[1], data, fit)?;
    let thresholds: Vec<Vec<f64>> = fit.scales.iter().map(|s| s.thresholds()).collect();
    let bases: Vec<f64> = fit
        .scales
        .iter()
        .map(|s| s.categories.first().map_or(0.0, |c| c.score as f64))
        .collect();

    // Group the responses by cell.
    let mut cell_of: HashMap<[u32; 2], usize> = HashMap::new();
    let mut keys: Vec<[u32; 2]> = Vec::new();
    let mut members: Vec<Vec<Response>> = Vec::new();
    let mut excluded = 0usize;
    for n in 0..data.len() {
        let a = first_level[data.elements[first.facet][n] as usize];
        let b = second_level[data.elements[second.facet][n] as usize];
        let (Some(a), Some(b), Some((r, true))) = (a, b, response(fit, data, n)) else {
            excluded += 1;
            continue;
        };
        let c = *cell_of.entry([a, b]).or_insert_with(|| {
            keys.push([a, b]);
            members.push(Vec::new());
            keys.len() - 1
        });
        members[c].push(r);
    }
    let observations = data.len() - excluded;
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&c| keys[c]);

    let direction = spec.direction;
    let cells: Vec<InteractionCell> = order
        .par_iter()
        .map(|&c| {
            let rs = &members[c];
            let input: Vec<(f64, &[f64], usize)> = rs
                .iter()
                .map(|r| (r.eta, thresholds[r.scale].as_slice(), r.category))
                .collect();
            let est = estimate_cell(&input, spec.extreme_adjustment);
            let base: f64 = rs.iter().map(|r| bases[r.scale]).sum();
            let count = rs.len();
            let bias = direction.sign() * est.shift;
            let t = bias / est.model_se;
            let df = count as f64 - 1.0;
            let [a, b] = keys[c];
            InteractionCell {
                levels: [a, b],
                labels: [
                    first.labels[a as usize].clone(),
                    second.labels[b as usize].clone(),
                ],
                observed_score: base + est.observed,
                expected_score: base + est.expected,
                count,
                observed_minus_expected_average: (est.observed - est.expected) / count as f64,
                extreme: est.extreme,
                bias,
                model_se: est.model_se,
                t,
                df,
                p: two_sided_t_p(t, df),
                infit: est.infit,
                outfit: est.outfit,
            }
        })
        .collect();
    let summary = summarize(&cells);
    Ok(InteractionTable {
        terms: [first, second],
        direction,
        extreme_adjustment: spec.extreme_adjustment,
        cells,
        summary,
        observations,
        excluded_observations: excluded,
    })
}

fn mean_sd(values: &[f64]) -> (f64, f64, Option<f64>) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 0.0, None);
    }
    let mean = values.iter().sum::<f64>() / n;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    (
        mean,
        (ss / n).sqrt(),
        (values.len() > 1).then(|| (ss / (n - 1.0)).sqrt()),
    )
}

/// Table 13 summary: mean and S.D. of the bias sizes, S.E.s and t's, and the fixed (all = 0)
/// chi-square `Σ (bias/SE)²` on as many d.f. as cells (Facets manual, Table 13).
pub fn summarize(cells: &[InteractionCell]) -> InteractionSummary {
    let finite: Vec<&InteractionCell> = cells.iter().filter(|c| c.t.is_finite()).collect();
    let bias: Vec<f64> = finite.iter().map(|c| c.bias).collect();
    let se: Vec<f64> = finite.iter().map(|c| c.model_se).collect();
    let t: Vec<f64> = finite.iter().map(|c| c.t).collect();
    let (mean_bias, sd_bias_population, sd_bias_sample) = mean_sd(&bias);
    let (mean_t, sd_t_population, _) = mean_sd(&t);
    InteractionSummary {
        cells: cells.len(),
        mean_bias,
        sd_bias_population,
        sd_bias_sample,
        mean_se: mean_sd(&se).0,
        mean_t,
        sd_t_population,
        fixed: ChiSquare::new(t.iter().map(|t| t * t).sum(), t.len() as f64),
    }
}

/// Rasch-Welch comparison of two local measures (Facets Table 14): contrast `M_1 - M_2`, joint
/// S.E. `√(SE_1² + SE_2²)`, `t = contrast / joint S.E.`, Welch-Satterthwaite d.f. (see
/// [`welch_satterthwaite_df`]) from the cells' `count - 1`, and the two-sided p.
/// Returns `(contrast, joint_se, t, df, p)`.
pub fn rasch_welch(
    measures: [f64; 2],
    standard_errors: [f64; 2],
    dfs: [f64; 2],
) -> (f64, f64, f64, Option<f64>, Option<f64>) {
    let contrast = measures[0] - measures[1];
    let joint_se = standard_errors[0].hypot(standard_errors[1]);
    let t = contrast / joint_se;
    let df = welch_satterthwaite_df(standard_errors[0], dfs[0], standard_errors[1], dfs[1]);
    let p = df.and_then(|df| two_sided_t_p(t, df));
    (contrast, joint_se, t, df, p)
}

/// Facets Table 14: for every level of term `target_term` (0 or 1), every pair of levels of the
/// other term in which it has a cell, the Rasch-Welch comparison of its local measures
/// ([`InteractionTable::local_measure`]) in the two contexts. Ordered by target, then context
/// pair. The number of rows grows with the square of the context levels per target: for large
/// designs use [`pairwise_target`] for the targets of interest.
pub fn pairwise(
    table: &InteractionTable,
    target_term: usize,
) -> Result<Vec<PairwiseContrast>, MeasureError> {
    check_target_term(target_term)?;
    let n_targets = table.terms[target_term].labels.len() as u32;
    let mut out = Vec::new();
    for target in 0..n_targets {
        out.extend(pairwise_target(table, target_term, target)?);
    }
    Ok(out)
}

fn check_target_term(target_term: usize) -> Result<(), MeasureError> {
    if target_term > 1 {
        return Err(invalid(format!(
            "target term {target_term}: a two-way table has terms 0 and 1"
        )));
    }
    Ok(())
}

/// The Table 14 rows of one target level (level `target` of term `target_term`): every pair of
/// its cells, ordered by the context levels. See [`pairwise`].
pub fn pairwise_target(
    table: &InteractionTable,
    target_term: usize,
    target: u32,
) -> Result<Vec<PairwiseContrast>, MeasureError> {
    check_target_term(target_term)?;
    let Some(target_label) = table.terms[target_term].labels.get(target as usize) else {
        return Err(invalid(format!("term {target_term} has no level {target}")));
    };
    let context_term = 1 - target_term;
    let mut cells: Vec<&InteractionCell> = table
        .cells
        .iter()
        .filter(|c| c.levels[target_term] == target)
        .collect();
    cells.sort_by_key(|c| c.levels[context_term]);
    let mut out = Vec::with_capacity(cells.len() * cells.len().saturating_sub(1) / 2);
    for (i, c1) in cells.iter().enumerate() {
        for c2 in &cells[i + 1..] {
            let pair = [*c1, *c2];
            let local_measures = pair.map(|c| table.local_measure(target_term, c));
            let standard_errors = pair.map(|c| c.model_se);
            let (contrast, joint_se, t, df, p) =
                rasch_welch(local_measures, standard_errors, pair.map(|c| c.df));
            out.push(PairwiseContrast {
                target,
                target_label: target_label.clone(),
                contexts: pair.map(|c| c.levels[context_term]),
                context_labels: pair.map(|c| c.labels[context_term].clone()),
                local_measures,
                standard_errors,
                observed_minus_expected: pair.map(|c| c.observed_minus_expected_average),
                counts: pair.map(|c| c.count),
                contrast,
                joint_se,
                t,
                df,
                p,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
