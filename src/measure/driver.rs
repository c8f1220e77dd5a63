//! The iteration driver shared by JMLE and MML, after argmin's executor/solver/observer split.
//!
//! An estimator is a [`Solver`]: it holds its own state (measures, thresholds, the sums it
//! reuses) and knows how to take one iteration, [`Solver::next_iter`], and what its stopping
//! rule says after it. The driver, [`run`], owns everything else: the iteration loop and its
//! cap (Facets `Iterations =`), handing each iteration's report (Facets Table 3) to the
//! caller's [`Observer`] through a [`Progress`], cancellation, and whether the run converged.
//! [`finish`] turns the solver's last state into the [`Estimates`] both estimators return,
//! measuring the extreme elements on the way.

use crate::measure::design::Design;
use crate::measure::error::MeasureError;
use crate::measure::extreme::{estimate_extremes, ElementStatus};
use crate::measure::observer::{IterationReport, Observer};
use crate::measure::options::FitOptions;
use crate::progress::Progress;

/// The converged (or last) state of the estimation.
pub(crate) struct Estimates {
    pub measures: Vec<f64>,
    pub status: Vec<ElementStatus>,
    pub thresholds: Vec<Vec<f64>>,
    pub scale_anchored: Vec<bool>,
    /// Facets centred on 0 (unanchored and not named non-centred).
    pub centred: Vec<bool>,
    /// The observations used in estimation (no extreme element).
    pub active: Vec<u32>,
    /// Information `Σ W_n` of extreme elements over the responses that measure them.
    pub extreme_information: Vec<f64>,
    pub history: Vec<IterationReport>,
    pub converged: bool,
}

/// How one iteration of a solver ended.
pub(crate) enum Iterate {
    /// The stopping rule held at the start of the iteration, before any step (Winsteps'
    /// `CONVERGE=Either`): nothing is reported and the run has converged.
    ConvergedBefore,
    /// The iteration stepped: its report, and whether the stopping rule holds after it.
    Stepped {
        report: IterationReport,
        converged: bool,
    },
}

/// One estimator's iteration (argmin's `Solver::next_iter`); its state lives in the solver.
pub(crate) trait Solver {
    /// Takes iteration `iteration` (1-based) from the current state.
    fn next_iter(&mut self, iteration: usize) -> Iterate;
}

/// What the driver hands back: the reports (Facets Table 3) and whether the stopping rule held
/// within the iteration cap.
pub(crate) struct Outcome {
    pub history: Vec<IterationReport>,
    pub converged: bool,
}

/// Runs `solver` for at most `max_iterations` iterations: every stepped iteration is reported
/// to `observer` (which may cancel: [`MeasureError::Cancelled`]) and then tested against the
/// solver's stopping rule. Reaching the cap is not an error ([`Outcome::converged`] is false).
pub(crate) fn run(
    solver: &mut dyn Solver,
    max_iterations: usize,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<Outcome, MeasureError> {
    let mut progress = Progress::new(observer);
    let mut converged = false;
    for iteration in 1..=max_iterations {
        match solver.next_iter(iteration) {
            Iterate::ConvergedBefore => {
                converged = true;
                break;
            }
            Iterate::Stepped {
                report,
                converged: done,
            } => {
                progress.report(report)?;
                if done {
                    converged = true;
                    break;
                }
            }
        }
    }
    Ok(Outcome {
        history: progress.into_history(),
        converged,
    })
}

/// What the estimation worked on, fixed before the first iteration.
pub(crate) struct Frame {
    pub status: Vec<ElementStatus>,
    pub scale_anchored: Vec<bool>,
    pub centred: Vec<bool>,
    pub active: Vec<u32>,
}

/// The final measures and thresholds of the non-extreme elements.
pub(crate) struct Solution {
    pub measures: Vec<f64>,
    pub thresholds: Vec<Vec<f64>>,
}

/// Measures the extreme elements with everything else held at `solution` (the extreme-score
/// adjustment of [`FitOptions::extreme_adjustment`]) and assembles the [`Estimates`].
pub(crate) fn finish(
    design: &Design,
    options: &FitOptions,
    frame: Frame,
    solution: Solution,
    outcome: Outcome,
) -> Estimates {
    let Solution {
        mut measures,
        thresholds,
    } = solution;
    let extreme_information = estimate_extremes(
        design,
        &frame.status,
        &mut measures,
        &thresholds,
        options.extreme_adjustment,
        options.max_step,
    );
    Estimates {
        measures,
        status: frame.status,
        thresholds,
        scale_anchored: frame.scale_anchored,
        centred: frame.centred,
        active: frame.active,
        extreme_information,
        history: outcome.history,
        converged: outcome.converged,
    }
}
