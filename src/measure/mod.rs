//! The many-facet Rasch engine (JMLE and MML estimation and Facets-style statistics).
//!
//! [`fit`] estimates the many-facet model of Linacre (1989)
//! `log(P_k/P_{k-1}) = B_n - Σ_f C_{f,j} - D_i - F_{s,k}` (see [`model`]) by joint maximum
//! likelihood with Facets' defaults ([`FitOptions::default`]) and returns a [`Fit`]: Facets
//! Table 7 per facet (measures, standard errors, infit/outfit, fair averages, separation and
//! chi-squares), Table 8 per scale, Table 5 global statistics, and per-response residuals.

pub mod bias;
mod design;
pub mod dimensionality;
mod driver;
mod error;
mod extreme;
mod jmle;
mod mml;
pub mod model;
mod observer;
pub mod options;
mod ordered;
pub mod plausible;
pub mod prox;
mod results;
pub mod statistics;
mod sweep;
mod table;
pub mod table7;
pub mod wright;

pub use bias::{
    interactions, pairwise, pairwise_target, BiasDirection, InteractionCell, InteractionSpec,
    InteractionSummary, InteractionTable, InteractionTerm, PairwiseContrast, TermLevels,
};
pub use dimensionality::{dimensionality, Dimensionality, DimensionalityError};
pub use error::MeasureError;
pub use extreme::{ElementStatus, Extreme};
pub use observer::{ElementRef, IterationReport, NoObserver, Observer, ParameterRef};
pub use options::{
    Anchors, Convergence, ElementAnchor, FitOptions, JmleUpdate, Method, MmlOptions,
    ObjectEstimator, ScaleAnchor, ScaleModel, StartValues, UnobservedCategories, METHOD_NAMES,
    OBJECT_ESTIMATOR_NAMES, SCALE_NAMES, UPDATE_NAMES,
};
pub use results::{
    CategoryStatistics, ElementStatistics, FacetMeasures, FacetSummary, Fit, GlobalStatistics,
    MmlSummary, ObservationLocation, ObservationResidual, ScaleStatistics,
};

use crate::data::RatingData;

/// Fits the many-facet Rasch model to `data`.
///
/// `observer` is called after every iteration and may cancel the fit
/// ([`MeasureError::Cancelled`]). Non-convergence within the iteration cap is not an error: see
/// [`Fit::converged`] and [`Fit::history`].
pub fn fit(
    data: &RatingData,
    options: &FitOptions,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<Fit, MeasureError> {
    options.validate(data)?;
    let design = design::Design::new(data, options)?;
    let (estimates, mml) = match options.method {
        Method::Jmle => (jmle::estimate(&design, options, observer)?, None),
        Method::Mml => {
            let (estimates, summary) = mml::estimate(&design, options, observer)?;
            (estimates, Some(summary))
        }
    };
    let (facets, scales, global) = table::tabulate(&design, &estimates, options);
    Ok(Fit {
        facets,
        scale_facet: design.scale_facet,
        scales,
        global,
        history: estimates.history,
        converged: estimates.converged,
        options: options.clone(),
        mml,
    })
}

#[cfg(test)]
mod tests;
