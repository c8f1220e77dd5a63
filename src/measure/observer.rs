//! Progress reporting and cancellation (argmin's observer pattern).

use serde::{Deserialize, Serialize};

/// An element of a facet, by indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementRef {
    /// The facet, by its index in model order.
    pub facet: usize,
    /// The element, by its index in the facet.
    pub element: u32,
}

/// A parameter of the model: an element measure or a threshold `F_k` of a scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterRef {
    /// An element's measure.
    Element(ElementRef),
    /// A Rasch-Andrich threshold of a rating scale.
    Threshold {
        /// The rating scale: its scale-facet element's index, or 0 for a shared scale.
        scale: usize,
        /// The threshold `k` of `F_k` (1-based: `F_1` lies between the two lowest categories).
        threshold: usize,
    },
}

/// What one JMLE iteration did (Facets Table 3, the iteration report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IterationReport {
    /// 1-based iteration number.
    pub iteration: usize,
    /// Largest |observed - expected| marginal score of any estimated element, in score points,
    /// before this iteration's update.
    pub max_score_residual: f64,
    /// The element with that residual.
    pub max_residual_element: Option<ElementRef>,
    /// Largest change of any measure or threshold in this iteration, in logits.
    pub max_change: f64,
    /// The parameter with that change.
    pub max_change_parameter: Option<ParameterRef>,
    /// Log-likelihood of the non-extreme responses before this iteration's update.
    pub log_likelihood: f64,
}

/// The observer of a fit: called after every iteration with its report; `Break` cancels the
/// fit, which then returns [`crate::measure::MeasureError::Cancelled`].
pub use crate::progress::{NoObserver, Observer};
