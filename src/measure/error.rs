//! The errors of the measurement engine.

use crate::data::RatingDataError;

/// Why a fit could not be run or did not finish.
///
/// Non-convergence is *not* an error: it is reported by [`crate::measure::Fit::converged`] and the
/// iteration history, as Facets does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeasureError {
    /// The rating data violate an invariant of [`crate::data::RatingData`].
    #[error("invalid rating data: {0}")]
    Data(#[from] RatingDataError),
    /// An option is out of range or inconsistent with the data.
    #[error("invalid option `{option}`: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// Why its value cannot be used.
        reason: String,
    },
    /// There are no observations.
    #[error("the data set has no observations")]
    EmptyData,
    /// Every observation involves an element with an extreme (all-minimum or all-maximum) score,
    /// so no element can be estimated from the data.
    #[error(
        "every observation involves an element with an extreme score: nothing left to estimate"
    )]
    NoNonExtremeObservations,
    /// A rating scale with more than two declared categories has only one observed category, so
    /// its thresholds cannot be estimated.
    #[error(
        "scale `{scale}` has only one observed category ({category}); thresholds need at least two"
    )]
    SingleCategoryScale {
        /// The scale's label.
        scale: String,
        /// The one observed category (its score).
        category: i32,
    },
    /// A scale has more categories than the engine supports.
    #[error("scale `{scale}` has {categories} categories; at most {max} are supported")]
    TooManyCategories {
        /// The scale's label.
        scale: String,
        /// Its number of categories.
        categories: usize,
        /// The most categories the engine supports.
        max: usize,
    },
    /// The observer asked the fit to stop.
    #[error("the fit was cancelled")]
    Cancelled,
}

impl From<crate::progress::Cancelled> for MeasureError {
    fn from(_: crate::progress::Cancelled) -> Self {
        MeasureError::Cancelled
    }
}
