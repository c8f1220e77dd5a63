//! Options of a fit, Facets-compatible by default, validated before estimation (linfa style).

use serde::{Deserialize, Serialize};

use super::error::MeasureError;
use crate::data::RatingData;

crate::options::named_enum!(
    /// The estimation method.
    #[derive(Default)]
    pub enum Method, "method" {
        /// Joint maximum likelihood ("unconditional", UCON), as Facets and Winsteps.
        #[default]
        Jmle = "jmle",
        /// Marginal maximum likelihood (Bock & Aitkin 1981 EM): object measures `B_n ~ N(μ, σ²)` are
        /// integrated out; the other facets and the thresholds are fixed effects. See
        /// [`MmlOptions`].
        Mml = "mml",
    }
);

crate::options::named_enum!(
    /// The object estimator reported after MML estimation (the other is still computed and kept in
    /// [`crate::measure::MmlSummary`]).
    #[derive(Default)]
    pub enum ObjectEstimator, "object estimator" {
        /// Expected a posteriori (posterior mean under the estimated population), with the posterior
        /// SD. Finite for extreme scores; shrunk towards the population mean.
        #[default]
        Eap = "eap",
        /// Warm's (1989) weighted likelihood estimate with S.E. `1/√I(θ)`; finite for extreme scores
        /// and nearly unbiased.
        Wle = "wle",
    }
);

/// Default number of adaptive Gauss-Hermite quadrature points per object.
pub const DEFAULT_QUADRATURE_POINTS: usize = 7;
/// Default relative change of the marginal log-likelihood at which EM may stop.
pub const DEFAULT_MML_RELATIVE_TOLERANCE: f64 = 1e-7;
/// Default largest parameter change (logits) at which EM may stop.
pub const DEFAULT_MML_MAX_CHANGE: f64 = 1e-3;

/// Options of marginal maximum likelihood estimation ([`Method::Mml`]). The iteration cap is
/// [`Convergence::max_iterations`]; the Facets score-residual criterion is not used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MmlOptions {
    /// Quadrature points per object (adaptive Gauss-Hermite, Naylor & Smith 1982 / Schilling &
    /// Bock 2005: the nodes are placed at each object's posterior mean and SD).
    pub quadrature_points: usize,
    /// EM stops when the relative change of the marginal log-likelihood is below this...
    pub relative_tolerance: f64,
    /// ...and the largest change of any parameter (measures, thresholds, μ, σ) is below this.
    pub max_change: f64,
    /// Which object estimate becomes the object facet's measure.
    pub object_estimator: ObjectEstimator,
}

impl Default for MmlOptions {
    fn default() -> Self {
        MmlOptions {
            quadrature_points: DEFAULT_QUADRATURE_POINTS,
            relative_tolerance: DEFAULT_MML_RELATIVE_TOLERANCE,
            max_change: DEFAULT_MML_MAX_CHANGE,
            object_estimator: ObjectEstimator::Eap,
        }
    }
}

impl MmlOptions {
    /// Checks the ranges of the MML options.
    pub fn validate(&self) -> Result<(), MeasureError> {
        if !(3..=101).contains(&self.quadrature_points) {
            return Err(invalid(
                "mml.quadrature_points",
                "must lie between 3 and 101",
            ));
        }
        if !(self.relative_tolerance.is_finite() && self.relative_tolerance > 0.0) {
            return Err(invalid(
                "mml.relative_tolerance",
                "must be a positive number",
            ));
        }
        if !(self.max_change.is_finite() && self.max_change > 0.0) {
            return Err(invalid("mml.max_change", "must be a positive number"));
        }
        Ok(())
    }
}

/// How thresholds are shared between observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScaleModel {
    /// One rating scale shared by every observation (Andrich 1978; Facets `?,?,?,R`).
    RatingScale,
    /// One scale per element of `facet` (Masters 1982; Facets `#`). `None` = the item facet.
    PartialCredit {
        /// The facet whose elements own a scale; `None` = the item facet.
        facet: Option<usize>,
    },
}

impl Default for ScaleModel {
    fn default() -> Self {
        ScaleModel::PartialCredit { facet: None }
    }
}

/// What to do with categories inside a scale's observed range that nobody used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnobservedCategories {
    /// Renumber the observed categories consecutively (Facets' default, `Ordinal`).
    #[default]
    Ordinal,
    /// Keep unobserved intermediate categories (Facets `Keep`, Winsteps `STKEEP=Yes`). Their
    /// thresholds are estimated as if the category had been observed
    /// [`FitOptions::keep_pseudo_count`] times, which keeps them finite.
    Keep,
}

/// Where JMLE starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartValues {
    /// Log-odds of each element's score and of adjacent category counts (PROX-like).
    #[default]
    LogOdds,
    /// Every measure and threshold at 0 (the origin).
    Zero,
}

crate::options::named_enum!(
    /// How a JMLE iteration updates the parameters. Both solve the same likelihood equations and
    /// stop on the same criteria; they differ in the path, so in where a loose stopping rule leaves
    /// the estimates.
    #[derive(Default)]
    pub enum JmleUpdate, "update" {
        /// Block Gauss-Seidel "objects, then the rest" to first order, joint element-threshold
        /// steps for partial-credit scales, geometric extrapolation of slowly converging facets,
        /// and gauge-invariant centring ([`super::sweep`]). Few iterations at crowd scale, and at
        /// the default criteria within about .005 logits of the fully converged solution.
        #[default]
        Accelerated = "accelerated",
        /// Facets' own path (Linacre, Facets manual "Estimation considerations"; Table 3): from a
        /// PROX start with thresholds at 0, every element moves half its curve-fitting
        /// (Newton-Raphson) step and every threshold its Rasch-Andrich step, from the expected
        /// scores of the same pass over the data (a Jacobi iteration), and the centred facets
        /// are re-centred without moving any other facet. It converges more slowly, so under the
        /// default `Convergence = .5, .01` it stops close to where Facets stops: on the Guilford
        /// data within .006 of Facets' published measures and on a 21-category Minifac run
        /// within .010, which the fully converged solution is not (see `docs/model.md`).
        Facets = "facets",
        /// Winsteps' path: a PROX start ([`super::prox`]: iteration 1 on all the data, then the
        /// non-extreme data, stopping when a facet's extreme-5 range grows by less than .5 logits),
        /// then the Jacobi Newton-Raphson iteration of [`JmleUpdate::Facets`], stopped Winsteps'
        /// way (`CONVERGE=Either`): at the start of an iteration, before any step, when the
        /// largest score residual at the current estimates is within the residual criterion or the
        /// previous iteration's largest change is within the change criterion. With Winsteps 3.73's
        /// defaults ([`Convergence::winsteps`]: `RCONV=.1`, `LCONV=.005`) it stops where Winsteps
        /// stops: on the Knox Cube Test every measure within .005 of Winsteps' published table.
        Winsteps = "winsteps",
    }
);

/// Stopping rules (Facets `Convergence = .5, .01` and `Iterations =`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Convergence {
    /// Largest marginal score residual (observed minus expected score) of any element, in score
    /// points. Facets default 0.5.
    pub max_score_residual: f64,
    /// Largest change of any measure or threshold in the last iteration, in logits. Facets
    /// default 0.01.
    pub max_change: f64,
    /// Iteration cap; reaching it without meeting both criteria is reported as non-convergence.
    pub max_iterations: usize,
}

/// Facets' default largest marginal score residual (`Convergence = .5`).
pub const FACETS_SCORE_RESIDUAL: f64 = 0.5;
/// Facets' default largest logit change (`Convergence = , .01`).
pub const FACETS_LOGIT_CHANGE: f64 = 0.01;
/// Default iteration cap (Facets' `Iterations = 0` is unlimited; a cap keeps the fit bounded).
pub const DEFAULT_MAX_ITERATIONS: usize = 500;
/// Facets' and Winsteps' extreme-score adjustment for estimation (`Xtreme = 0.3`).
pub const FACETS_EXTREME_ADJUSTMENT: f64 = 0.3;
/// Largest Newton-Raphson step of one parameter in one iteration, in logits.
pub const DEFAULT_MAX_STEP: f64 = 1.0;
/// Default |standardized residual| from which a response is listed as unexpected (Facets
/// `Unexpected = 3`).
pub const DEFAULT_UNEXPECTED_Z: f64 = 3.0;

impl Default for Convergence {
    fn default() -> Self {
        Convergence {
            max_score_residual: FACETS_SCORE_RESIDUAL,
            max_change: FACETS_LOGIT_CHANGE,
            max_iterations: DEFAULT_MAX_ITERATIONS,
        }
    }
}

/// Winsteps 3.73's default largest score residual (`RCONV=.1`).
pub const WINSTEPS_SCORE_RESIDUAL: f64 = 0.1;
/// Winsteps 3.73's default largest logit change (`LCONV=.005`).
pub const WINSTEPS_LOGIT_CHANGE: f64 = 0.005;

impl Convergence {
    /// Winsteps 3.73's defaults (`RCONV=.1`, `LCONV=.005`; met by either, `CONVERGE=E`, on the
    /// [`JmleUpdate::Winsteps`] path).
    pub fn winsteps() -> Self {
        Convergence {
            max_score_residual: WINSTEPS_SCORE_RESIDUAL,
            max_change: WINSTEPS_LOGIT_CHANGE,
            max_iterations: DEFAULT_MAX_ITERATIONS,
        }
    }

    /// Facets' defaults for [`JmleUpdate::Accelerated`] and [`JmleUpdate::Facets`], Winsteps'
    /// for [`JmleUpdate::Winsteps`].
    pub fn default_for(update: JmleUpdate) -> Self {
        match update {
            JmleUpdate::Winsteps => Convergence::winsteps(),
            _ => Convergence::default(),
        }
    }

    /// Tight criteria (0.001 score points, 0.0001 logits) for comparing with published tables,
    /// which Winsteps computes with tighter defaults than Facets.
    pub fn tight() -> Self {
        Convergence {
            max_score_residual: 0.001,
            max_change: 0.0001,
            max_iterations: 2000,
        }
    }
}

/// An element measure fixed at a value (Facets `,A` anchoring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ElementAnchor {
    /// The facet, by index.
    pub facet: usize,
    /// The element, by index in its facet.
    pub element: u32,
    /// The anchored measure in the facet's own orientation (ability, severity, difficulty).
    pub measure: f64,
}

/// The thresholds of one scale fixed at given values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleAnchor {
    /// The element of the scale facet that owns the scale (`None` for a shared rating scale).
    pub element: Option<u32>,
    /// Rasch-Andrich thresholds `F_1..F_m` in the scale's category order (after Ordinal
    /// renumbering); they are used as given (not re-centred).
    pub thresholds: Vec<f64>,
}

/// Anchored element measures and scales.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Anchors {
    /// Anchored element measures.
    pub elements: Vec<ElementAnchor>,
    /// Anchored scales (all thresholds of a scale).
    pub scales: Vec<ScaleAnchor>,
}

/// Every choice a fit makes. [`FitOptions::default`] reproduces Facets' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// JMLE (Facets) or MML.
    pub method: Method,
    /// Rating scale or partial credit.
    pub scale_model: ScaleModel,
    /// When to stop iterating.
    pub convergence: Convergence,
    /// Score points added to minimum and taken from maximum extreme scores (Facets `Xtreme`).
    pub extreme_adjustment: f64,
    /// Facets `Ordinal` (renumber) or `Keep`.
    pub unobserved_categories: UnobservedCategories,
    /// Pseudo-count given to unobserved intermediate categories under
    /// [`UnobservedCategories::Keep`].
    pub keep_pseudo_count: f64,
    /// Facets that float (Facets `Non-centered=`); every other facet is centred on 0 unless it
    /// has anchored elements. `None` = the object facet only.
    pub non_centred: Option<Vec<usize>>,
    /// Measures and thresholds fixed at given values (Facets `,A`).
    pub anchors: Anchors,
    /// Positively oriented facets (Facets `Positive=`: a higher score means a higher measure);
    /// every other facet is negatively oriented (severity, difficulty). `None` = the object
    /// facet only.
    #[serde(default)]
    pub positive: Option<Vec<usize>>,
    /// Multiply the measures of the non-object facets and the thresholds by `(L-1)/L`, `L` the
    /// mean number of responses per object (Wright & Douglas 1977 JMLE bias correction; Winsteps
    /// `STBIAS=Yes`). Facets applies none; off by default.
    pub bias_correction: bool,
    /// Largest Newton-Raphson step of one parameter per iteration, in logits.
    pub max_step: f64,
    /// |standardized residual| from which a response is listed as unexpected.
    pub unexpected_z: f64,
    /// Where JMLE starts.
    pub start_values: StartValues,
    /// The JMLE iteration path.
    #[serde(default)]
    pub update: JmleUpdate,
    /// Options of [`Method::Mml`] (ignored by JMLE).
    #[serde(default)]
    pub mml: MmlOptions,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            method: Method::Jmle,
            scale_model: ScaleModel::default(),
            convergence: Convergence::default(),
            extreme_adjustment: FACETS_EXTREME_ADJUSTMENT,
            unobserved_categories: UnobservedCategories::Ordinal,
            keep_pseudo_count: FACETS_EXTREME_ADJUSTMENT,
            non_centred: None,
            anchors: Anchors::default(),
            positive: None,
            bias_correction: false,
            max_step: DEFAULT_MAX_STEP,
            unexpected_z: DEFAULT_UNEXPECTED_Z,
            start_values: StartValues::default(),
            update: JmleUpdate::default(),
            mml: MmlOptions::default(),
        }
    }
}

fn invalid(option: &'static str, reason: impl Into<String>) -> MeasureError {
    MeasureError::InvalidOption {
        option,
        reason: reason.into(),
    }
}

impl FitOptions {
    /// The facets that float (are not centred): [`FitOptions::non_centred`] or the object facet.
    pub fn non_centred_facets(&self, data: &RatingData) -> Vec<usize> {
        self.non_centred
            .clone()
            .unwrap_or_else(|| vec![data.object_facet])
    }

    /// The positively oriented facets: [`FitOptions::positive`] or the object facet.
    pub fn positive_facets(&self, data: &RatingData) -> Vec<usize> {
        self.positive
            .clone()
            .unwrap_or_else(|| vec![data.object_facet])
    }

    /// The facet whose elements own a scale (`None` for a shared rating scale).
    pub fn scale_facet(&self, data: &RatingData) -> Option<usize> {
        match self.scale_model {
            ScaleModel::RatingScale => None,
            ScaleModel::PartialCredit { facet } => Some(facet.unwrap_or(data.item_facet)),
        }
    }

    /// Checks the options against the data (and the data's own invariants).
    ///
    /// The frame of reference must be identified exactly once: either exactly one facet floats
    /// (non-centred and without anchors), or none floats and some element is anchored.
    pub fn validate(&self, data: &RatingData) -> Result<(), MeasureError> {
        data.check()?;
        if data.is_empty() {
            return Err(MeasureError::EmptyData);
        }
        let c = &self.convergence;
        if !(c.max_score_residual.is_finite() && c.max_score_residual > 0.0) {
            return Err(invalid(
                "convergence.max_score_residual",
                "must be a positive number",
            ));
        }
        if !(c.max_change.is_finite() && c.max_change > 0.0) {
            return Err(invalid(
                "convergence.max_change",
                "must be a positive number",
            ));
        }
        if c.max_iterations == 0 {
            return Err(invalid("convergence.max_iterations", "must be at least 1"));
        }
        if !(self.extreme_adjustment > 0.0 && self.extreme_adjustment < 1.0) {
            return Err(invalid(
                "extreme_adjustment",
                "must lie strictly between 0 and 1 score point",
            ));
        }
        if !(self.keep_pseudo_count.is_finite() && self.keep_pseudo_count > 0.0) {
            return Err(invalid("keep_pseudo_count", "must be a positive number"));
        }
        if !(self.max_step.is_finite() && self.max_step > 0.0) {
            return Err(invalid("max_step", "must be a positive number"));
        }
        if !(self.unexpected_z.is_finite() && self.unexpected_z > 0.0) {
            return Err(invalid("unexpected_z", "must be a positive number"));
        }
        let n_facets = data.facets.len();
        if let Some(f) = self.scale_facet(data) {
            if f >= n_facets {
                return Err(invalid(
                    "scale_model",
                    format!("facet {f} does not exist ({n_facets} facets)"),
                ));
            }
        }
        let non_centred = self.non_centred_facets(data);
        if let Some(&f) = non_centred.iter().find(|&&f| f >= n_facets) {
            return Err(invalid(
                "non_centred",
                format!("facet {f} does not exist ({n_facets} facets)"),
            ));
        }
        if let Some(&f) = self.positive_facets(data).iter().find(|&&f| f >= n_facets) {
            return Err(invalid(
                "positive",
                format!("facet {f} does not exist ({n_facets} facets)"),
            ));
        }
        for a in &self.anchors.elements {
            if a.facet >= n_facets || a.element as usize >= data.facets[a.facet].len() {
                return Err(invalid(
                    "anchors.elements",
                    format!("facet {} element {} does not exist", a.facet, a.element),
                ));
            }
            if !a.measure.is_finite() {
                return Err(invalid(
                    "anchors.elements",
                    "anchored measures must be finite",
                ));
            }
        }
        let scale_facet = self.scale_facet(data);
        for a in &self.anchors.scales {
            match (scale_facet, a.element) {
                (None, None) => {}
                (Some(f), Some(e)) if (e as usize) < data.facets[f].len() => {}
                _ => {
                    return Err(invalid(
                        "anchors.scales",
                        "a scale anchor must name an element of the scale facet (none for a rating scale)",
                    ))
                }
            }
            if a.thresholds.iter().any(|t| !t.is_finite()) {
                return Err(invalid(
                    "anchors.scales",
                    "anchored thresholds must be finite",
                ));
            }
        }
        let anchored_facet = |f: usize| self.anchors.elements.iter().any(|a| a.facet == f);
        let floating = (0..n_facets)
            .filter(|f| non_centred.contains(f) && !anchored_facet(*f))
            .count();
        let any_anchor = !self.anchors.elements.is_empty();
        if floating > 1 {
            return Err(invalid(
                "non_centred",
                format!("{floating} facets float; the frame of reference needs exactly one (or anchors)"),
            ));
        }
        if floating == 0 && !any_anchor {
            return Err(invalid(
                "non_centred",
                "every facet is centred: one facet must float (be non-centred) or elements be anchored",
            ));
        }
        Ok(())
    }
}

/// The names front ends use for [`Method`].
pub const METHOD_NAMES: &[(&str, Method)] = Method::NAMES;
/// The names front ends use for [`ScaleModel`]: `pcm` (one scale per item, Facets `#`) and
/// `rsm` (one shared scale, Facets `R`).
pub const SCALE_NAMES: [(&str, ScaleModel); 2] = [
    ("pcm", ScaleModel::PartialCredit { facet: None }),
    ("rsm", ScaleModel::RatingScale),
];
/// The names front ends use for [`JmleUpdate`].
pub const UPDATE_NAMES: &[(&str, JmleUpdate)] = JmleUpdate::NAMES;
/// The names front ends use for [`ObjectEstimator`].
pub const OBJECT_ESTIMATOR_NAMES: &[(&str, ObjectEstimator)] = ObjectEstimator::NAMES;

/// `FromStr` and `Display` through a name table, for an option whose values carry data (the
/// scale: a partial-credit scale may name its facet), which [`crate::options::named_enum`]
/// cannot declare.
macro_rules! named_option {
    ($type:ty, $option:literal, $names:expr) => {
        impl std::str::FromStr for $type {
            type Err = crate::options::OptionError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                crate::options::parse_choice($option, text, &$names)
            }
        }
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(crate::options::choice_name(*self, &$names))
            }
        }
    };
}

named_option!(ScaleModel, "scale", SCALE_NAMES);
