//! Progress of long work (JMLE and MML fits, training the text predictor), after argmin's
//! executor/observer split: the estimator is the executor and hands one report per iteration
//! or epoch to a [`Progress`], which keeps the history and asks the caller's [`Observer`]
//! whether to go on. Front ends observe (a spinner, a live chart, a cancel flag); the estimators
//! never print.

use std::ops::ControlFlow;

/// Called after every iteration or epoch with its report; returning `ControlFlow::Break(())`
/// cancels the work, which then ends with its error type's `Cancelled` variant and stores
/// nothing.
pub trait Observer<R> {
    /// Looks at one report; `Break` cancels.
    fn observe(&mut self, report: &R) -> ControlFlow<()>;
}

/// Any `FnMut(&R) -> ControlFlow<()>` closure is an observer.
impl<R, F: FnMut(&R) -> ControlFlow<()>> Observer<R> for F {
    fn observe(&mut self, report: &R) -> ControlFlow<()> {
        self(report)
    }
}

/// An observer that never cancels.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl<R> Observer<R> for NoObserver {
    fn observe(&mut self, _report: &R) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// The observer asked the work to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// The executor's side of the observer: every report goes to the observer and then into the
/// history (Facets Table 3 for fits, the loss curves for training).
pub struct Progress<'a, R> {
    observer: &'a mut dyn Observer<R>,
    history: Vec<R>,
}

impl<'a, R> Progress<'a, R> {
    /// Starts an empty history reported to `observer`.
    pub fn new(observer: &'a mut dyn Observer<R>) -> Self {
        Progress {
            observer,
            history: Vec::new(),
        }
    }

    /// Reports one iteration or epoch; `Err(Cancelled)` when the observer asked to stop (the
    /// report is kept in the history either way).
    pub fn report(&mut self, report: R) -> Result<(), Cancelled> {
        let flow = self.observer.observe(&report);
        self.history.push(report);
        match flow {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Cancelled),
        }
    }

    /// How many reports so far (the 1-based number of the last iteration or epoch).
    pub fn count(&self) -> usize {
        self.history.len()
    }

    /// The reports so far, oldest first.
    pub fn history(&self) -> &[R] {
        &self.history
    }

    /// The whole history, for the result.
    pub fn into_history(self) -> Vec<R> {
        self.history
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_reach_the_observer_and_the_history_and_a_break_cancels() {
        let mut seen = Vec::new();
        let mut observer = |r: &usize| {
            seen.push(*r);
            if *r == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let mut progress = Progress::new(&mut observer);
        assert_eq!(progress.report(1), Ok(()));
        assert_eq!(progress.report(2), Ok(()));
        assert_eq!(progress.count(), 2);
        assert_eq!(progress.report(3), Err(Cancelled));
        assert_eq!(progress.history(), &[1, 2, 3]);
        assert_eq!(progress.into_history(), vec![1, 2, 3]);
        assert_eq!(seen, vec![1, 2, 3]);

        let mut none = NoObserver;
        let mut progress = Progress::new(&mut none);
        assert_eq!(progress.report("epoch"), Ok(()));
    }
}
