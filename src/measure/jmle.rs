//! Joint maximum likelihood estimation (JMLE, "UCON"; Wright & Masters 1982 ch. 4; Linacre 1989
//! *Many-Facet Rasch Measurement* ch. 6; Facets manual "Estimation considerations").
//!
//! Each iteration is one parallel sweep over the non-extreme observations ([`super::sweep`]):
//! the object facet's elements take their Newton-Raphson steps inside the sweep, and the sweep
//! returns, per element, the expected score `Σ E_n`, the information `Σ W_n` and the first-order
//! effect of the object steps, and per scale threshold the expected count above it. Then every
//! other unanchored parameter takes one clamped Newton-Raphson step (block Gauss-Seidel "objects,
//! then the rest", to first order) and the centred facets are re-centred with the floating facet
//! moving the other way, so that no linear predictor changes.
//!
//! # Driver and steps
//!
//! [`estimate`] sets the problem up (the active observations and their sufficient statistics,
//! the starting values of the path) and hands a [`JmleSolver`] to the driver shared with MML
//! ([`driver::run`]), which owns the iteration loop, the stopping test, the reports to the
//! observer and cancellation. One iteration ([`JmleSolver::next_iter`]) is one sweep, the
//! start-of-iteration score residuals, and the update of the path the options name:
//! [`JmleSolver::accelerated_update`] ([`JmleUpdate::Accelerated`]) or
//! [`JmleSolver::jacobi_update`] (Facets' and Winsteps' paths, which differ only in where
//! they start, how far the elements move and when the run stops).

use super::driver;

use super::design::Design;
use super::error::MeasureError;
use super::extreme::{classify, ElementStatus};
use super::observer::{ElementRef, IterationReport, Observer, ParameterRef};
use super::options::{FitOptions, JmleUpdate, StartValues, UnobservedCategories};
use super::prox::prox_start;
use super::sweep::{sweep, ElementStep, Layout, SweepInput, SweepSums};
pub(crate) use driver::Estimates;
use driver::{Frame, Iterate, Solution, Solver};

mod newton;
mod start;

pub(crate) use newton::centre_facet;
use newton::{
    andrich_threshold_step, apply_bias_correction, centre, centre_facets_invariant,
    constrained_newton_step, joint_newton_step,
};
use start::{
    active_observations, covariance_offsets, start_measures, start_thresholds, StartRule,
    Sufficient,
};
pub(crate) use start::{anchored_start, scale_anchor, threshold_offsets, AnchoredStart};

/// Runs JMLE to convergence (or the iteration cap).
pub(crate) fn estimate(
    design: &Design,
    options: &FitOptions,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<Estimates, MeasureError> {
    let AnchoredStart {
        mut measures,
        anchored,
        centred,
    } = anchored_start(design, options);
    let status = classify(design, &anchored);
    let active = active_observations(design, &status);
    if active.is_empty() {
        return Err(MeasureError::NoNonExtremeObservations);
    }
    let thr_offsets = threshold_offsets(design);
    let stats = Sufficient::new(design, options, &active, &thr_offsets);
    let rule = StartRule::new(options);
    let (thresholds, scale_anchored) =
        start_thresholds(design, options, &stats, &thr_offsets, rule)?;
    let frame = Frame {
        status,
        scale_anchored,
        centred,
        active,
    };
    start_measures(design, &frame, &stats, rule, &mut measures);
    let mut solver = JmleSolver::new(design, options, &frame, &stats, thr_offsets);
    solver.measures = measures;
    solver.set_thresholds(thresholds);
    let outcome = driver::run(&mut solver, options.convergence.max_iterations, observer)?;
    let Solution {
        mut measures,
        mut thresholds,
    } = solver.into_solution();
    if options.bias_correction {
        apply_bias_correction(
            design,
            &frame.status,
            &frame.active,
            &mut measures,
            &mut thresholds,
            &frame.scale_anchored,
        );
    }
    let solution = Solution {
        measures,
        thresholds,
    };
    Ok(driver::finish(design, options, frame, solution, outcome))
}

/// The state of one JMLE run between iterations, and its iteration ([`Solver::next_iter`]).
struct JmleSolver<'a> {
    design: &'a Design<'a>,
    options: &'a FitOptions,
    frame: &'a Frame,
    stats: &'a Sufficient,
    thr_offsets: Vec<usize>,
    cov_offsets: Vec<usize>,
    /// The active observations grouped by object (the sweep's inner facet).
    layout: Layout,
    /// The non-centred, unanchored facet that moves against the centring (accelerated path).
    floating: Option<usize>,
    /// How far the elements move along their Newton steps.
    element_step: ElementStep,
    measures: Vec<f64>,
    thresholds: Vec<Vec<f64>>,
    /// Measures and thresholds at the start of the iteration.
    old_measures: Vec<f64>,
    old_thresholds: Vec<Vec<f64>>,
    /// The inner facet's steps, taken inside the sweep (local index).
    inner_step: Vec<f64>,
    /// The previous iteration's step of each element (for the extrapolation).
    previous_step: Vec<f64>,
    /// Measures before this iteration's non-object steps (for the extrapolation).
    before_steps: Vec<f64>,
    /// The previous iteration's largest change (Winsteps' `CONVERGE=Either`).
    last_change: f64,
}

impl<'a> JmleSolver<'a> {
    fn new(
        design: &'a Design<'a>,
        options: &'a FitOptions,
        frame: &'a Frame,
        stats: &'a Sufficient,
        thr_offsets: Vec<usize>,
    ) -> Self {
        let data = design.data;
        let n_el = design.n_elements();
        let inner = data.object_facet;
        let layout = Layout::new(design, &frame.active, inner);
        debug_assert_eq!(layout.len(), frame.active.len());
        let non_centred = options.non_centred_facets(data);
        let floating = (0..design.n_facets()).find(|&f| {
            non_centred.contains(&f) && !options.anchors.elements.iter().any(|a| a.facet == f)
        });
        // Facets moves its elements half a curve-fitting step ([`ElementStep::HalfOgive`]).
        let element_step = if options.update == JmleUpdate::Facets {
            ElementStep::HalfOgive
        } else {
            ElementStep::Newton
        };
        JmleSolver {
            design,
            options,
            frame,
            stats,
            thr_offsets,
            cov_offsets: covariance_offsets(design),
            layout,
            floating,
            element_step,
            measures: vec![0.0; n_el],
            thresholds: Vec::new(),
            old_measures: vec![0.0; n_el],
            old_thresholds: Vec::new(),
            inner_step: vec![0.0; data.facets[inner].len()],
            previous_step: vec![0.0; n_el],
            before_steps: vec![0.0; n_el],
            last_change: f64::INFINITY,
        }
    }

    /// Sets the starting thresholds.
    fn set_thresholds(&mut self, thresholds: Vec<Vec<f64>>) {
        self.old_thresholds = thresholds.clone();
        self.thresholds = thresholds;
    }

    /// The last measures and thresholds.
    fn into_solution(self) -> Solution {
        Solution {
            measures: self.measures,
            thresholds: self.thresholds,
        }
    }

    /// Facets' and Winsteps' paths: every step from the start-of-iteration sums (no
    /// Gauss-Seidel correction, no joint partial-credit step, no extrapolation) and plain
    /// re-centring.
    fn jacobi(&self) -> bool {
        matches!(
            self.options.update,
            JmleUpdate::Facets | JmleUpdate::Winsteps
        )
    }

    /// One sweep: the inner facet's steps are computed inside it (Gauss-Seidel to first
    /// order) into `inner_step`; the other facets and the thresholds step from its sums.
    fn sweep(&mut self) -> SweepSums {
        let design = self.design;
        sweep(
            &self.layout,
            &SweepInput {
                measures: &self.measures,
                thresholds: &self.thresholds,
                thr_offsets: &self.thr_offsets,
                cov_offsets: &self.cov_offsets,
                signs: &design.signs,
                status: &self.frame.status,
                observed: &self.stats.observed,
                inner_offset: design.offsets[self.layout.inner],
                max_step: self.options.max_step,
                element_step: self.element_step,
            },
            &mut self.inner_step,
        )
    }

    /// The largest start-of-iteration score residual `|S - Σ E|` of a measured element, and
    /// the element (the convergence residual).
    fn largest_residual(&self, sums: &SweepSums) -> (f64, Option<ElementRef>) {
        let design = self.design;
        let mut max_residual: f64 = 0.0;
        let mut max_residual_element = None;
        for e in 0..design.n_elements() {
            if self.frame.status[e] != ElementStatus::Measured {
                continue;
            }
            let residual = (self.stats.observed[e] - sums.expected[e]).abs();
            if residual > max_residual {
                let f = design.facet_of(e);
                max_residual = residual;
                max_residual_element = Some(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                });
            }
        }
        (max_residual, max_residual_element)
    }

    /// The inner facet's steps, computed in the sweep.
    fn take_inner_steps(&mut self) {
        let first = self.design.offsets[self.layout.inner];
        for (j, step) in self.inner_step.iter().enumerate() {
            self.measures[first + j] += step;
        }
    }

    /// The accelerated path's update after the inner steps: joint element-threshold steps of
    /// partial-credit scales, the other facets' Gauss-Seidel steps, their extrapolation, the
    /// thresholds' constrained Newton steps, and gauge-invariant centring.
    fn accelerated_update(&mut self, sums: &SweepSums) {
        self.before_steps.copy_from_slice(&self.measures);
        let joint = self.joint_scale_steps(sums);
        self.element_steps(sums, 1.0, &joint);
        self.extrapolate();
        self.threshold_newton_steps(sums, &joint);
        centre_facets_invariant(
            self.design,
            &self.frame.centred,
            self.floating,
            &self.frame.status,
            &mut self.measures,
        );
    }

    /// Facets' and Winsteps' update after the inner steps: every other element's step and
    /// the thresholds' Rasch-Andrich steps from the start-of-iteration sums, then plain
    /// re-centring.
    fn jacobi_update(&mut self, sums: &SweepSums) {
        let joint = vec![false; self.design.scales.len()];
        self.element_steps(sums, 0.0, &joint);
        self.andrich_threshold_steps(sums);
        centre_facets_invariant(
            self.design,
            &self.frame.centred,
            None,
            &self.frame.status,
            &mut self.measures,
        );
    }

    /// Partial credit: each scale element and its own thresholds take one joint Newton step
    /// ([`joint_newton_step`]; their information is strongly coupled on skewed items). Returns
    /// which scales stepped.
    fn joint_scale_steps(&mut self, sums: &SweepSums) -> Vec<bool> {
        let design = self.design;
        let mut joint = vec![false; design.scales.len()];
        let Some(sf) = design
            .scale_facet
            .filter(|&sf| sf != self.layout.inner && !self.jacobi())
        else {
            return joint;
        };
        for (s, stepped) in joint.iter_mut().enumerate() {
            *stepped = self.joint_scale_step(sums, sf, s);
        }
        joint
    }

    /// The joint step of scale `s` and its element of scale facet `sf`:
    /// `g_m = sign · (S - Σ E - Σ W δη)`, `g_k = Σ (Q_k + ∂Q_k/∂η δη) - [x >= k]`, cross terms
    /// `-sign · Σ ∂Q_k/∂η`, scaled down to [`FitOptions::max_step`]. False when not taken.
    fn joint_scale_step(&mut self, sums: &SweepSums, sf: usize, s: usize) -> bool {
        let design = self.design;
        let stats = self.stats;
        let e = design.offsets[sf] + s;
        let m = self.thresholds[s].len();
        if self.frame.scale_anchored[s]
            || m == 0
            || self.frame.status[e] != ElementStatus::Measured
            || sums.variance[e] <= 0.0
        {
            return false;
        }
        let sign = design.signs[sf];
        let off = self.thr_offsets[s];
        let g_m = sign * (stats.observed[e] - sums.expected[e] - sums.shift[e]);
        let g: Vec<f64> = (0..m)
            .map(|h| {
                sums.threshold_expected[off + h] + sums.threshold_shift[off + h]
                    - stats.threshold_observed[off + h]
            })
            .collect();
        let cross: Vec<f64> = (0..m)
            .map(|h| -sign * sums.threshold_cross[off + h])
            .collect();
        let cov = &sums.threshold_covariance[self.cov_offsets[s]..self.cov_offsets[s + 1]];
        let Some((mut d_m, mut step)) = joint_newton_step(sums.variance[e], &cross, cov, g_m, &g)
        else {
            return false;
        };
        let largest = step.iter().fold(d_m.abs(), |a, d| a.max(d.abs()));
        let max_step = self.options.max_step;
        if largest > max_step {
            let k = max_step / largest;
            d_m *= k;
            step.iter_mut().for_each(|d| *d *= k);
        }
        self.measures[e] += d_m;
        let thr = &mut self.thresholds[s];
        thr.iter_mut().zip(&step).for_each(|(t, d)| *t += d);
        centre(thr);
        true
    }

    /// Other facets: `Δ = fraction · sign · (S - Σ E - correction · Σ W δη) / Σ W`, clamped
    /// (`correction` 1 for Gauss-Seidel, 0 for Jacobi), except the elements of `joint` scales.
    fn element_steps(&mut self, sums: &SweepSums, correction: f64, joint: &[bool]) {
        let design = self.design;
        let inner = self.layout.inner;
        let joint_element = |e: usize| {
            design.scale_facet.is_some_and(|sf| {
                e >= design.offsets[sf]
                    && e < design.offsets[sf + 1]
                    && joint[e - design.offsets[sf]]
            })
        };
        for f in (0..design.n_facets()).filter(|&f| f != inner) {
            for e in design.offsets[f]..design.offsets[f + 1] {
                if self.frame.status[e] == ElementStatus::Measured
                    && sums.variance[e] > 0.0
                    && !joint_element(e)
                {
                    let residual =
                        self.stats.observed[e] - sums.expected[e] - correction * sums.shift[e];
                    self.measures[e] += self.element_step.step(
                        design.signs[f],
                        residual,
                        sums.variance[e],
                        self.options.max_step,
                    );
                }
            }
        }
    }

    /// Aitken-style extrapolation of the non-object facets: when an element's step shrinks
    /// geometrically (same sign, ratio r < 1, as on items whose residual is fed back through
    /// the objects), jump by the rest of the series, Δ·r/(1-r) with r capped at .8. It
    /// changes the path only; the stopping rules still test the actual residuals and changes.
    fn extrapolate(&mut self) {
        let design = self.design;
        let max_step = self.options.max_step;
        for f in (0..design.n_facets()).filter(|&f| f != self.layout.inner) {
            for e in design.offsets[f]..design.offsets[f + 1] {
                let raw = self.measures[e] - self.before_steps[e];
                let prev = self.previous_step[e];
                self.previous_step[e] = raw;
                if raw * prev > 0.0 {
                    let r = raw / prev;
                    if r < 1.0 {
                        let r = r.min(0.8);
                        self.measures[e] += (raw * r / (1.0 - r)).clamp(-max_step, max_step);
                    }
                }
            }
        }
    }

    /// Thresholds (accelerated path): Newton step `δ = A⁻¹ g` under `Σ δ = 0`, with
    /// `g_k = Σ (Q_k - [x >= k])` corrected for the inner facet's steps and
    /// `A = Σ Cov([X>=j],[X>=k])`, scaled down to [`FitOptions::max_step`]; not the scales of
    /// `joint`.
    fn threshold_newton_steps(&mut self, sums: &SweepSums, joint: &[bool]) {
        let max_step = self.options.max_step;
        for (s, thr) in self.thresholds.iter_mut().enumerate() {
            let m = thr.len();
            if self.frame.scale_anchored[s] || m == 0 || joint[s] {
                continue;
            }
            let g: Vec<f64> = (0..m)
                .map(|h| {
                    let t = self.thr_offsets[s] + h;
                    sums.threshold_expected[t] + sums.threshold_shift[t]
                        - self.stats.threshold_observed[t]
                })
                .collect();
            let cov = &sums.threshold_covariance[self.cov_offsets[s]..self.cov_offsets[s + 1]];
            if let Some(mut step) = constrained_newton_step(cov, &g) {
                let largest = step.iter().fold(0.0_f64, |a, d| a.max(d.abs()));
                if largest > max_step {
                    step.iter_mut().for_each(|d| *d *= max_step / largest);
                }
                thr.iter_mut().zip(&step).for_each(|(t, d)| *t += d);
                centre(thr);
            }
        }
    }

    /// Thresholds (Facets' and Winsteps' paths): one Rasch-Andrich step per threshold
    /// ([`andrich_threshold_step`]) from the start-of-iteration expected category counts,
    /// clamped, then centred.
    fn andrich_threshold_steps(&mut self, sums: &SweepSums) {
        let max_step = self.options.max_step;
        for (s, thr) in self.thresholds.iter_mut().enumerate() {
            let m = thr.len();
            if self.frame.scale_anchored[s] || m == 0 {
                continue;
            }
            let off = self.thr_offsets[s];
            let counts = &self.stats.category_count[off + s..off + s + m + 1];
            let responses: f64 = counts.iter().sum();
            let expected_above = |h: usize| match h {
                0 => responses,
                h if h > m => 0.0,
                h => sums.threshold_expected[off + h - 1],
            };
            let expected_counts: Vec<f64> = (0..=m)
                .map(|k| expected_above(k) - expected_above(k + 1))
                .collect();
            for (h, t) in thr.iter_mut().enumerate() {
                *t += andrich_threshold_step(
                    counts[h],
                    counts[h + 1],
                    expected_counts[h],
                    expected_counts[h + 1],
                )
                .clamp(-max_step, max_step);
            }
            centre(thr);
        }
    }

    /// The largest change of an element in this iteration, and on the accelerated path of a
    /// threshold too (Facets' `Convergence = .5, .01, 0, 0` tests the elements' changes only:
    /// its fourth value, the threshold change, is ignored at 0).
    fn largest_change(&self) -> (f64, Option<ParameterRef>) {
        let design = self.design;
        let mut max_change: f64 = 0.0;
        let mut max_change_parameter = None;
        for e in 0..design.n_elements() {
            let change = (self.measures[e] - self.old_measures[e]).abs();
            if change > max_change {
                max_change = change;
                let f = design.facet_of(e);
                max_change_parameter = Some(ParameterRef::Element(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                }));
            }
        }
        if self.jacobi() {
            return (max_change, max_change_parameter);
        }
        for (s, (new, old)) in self.thresholds.iter().zip(&self.old_thresholds).enumerate() {
            for (h, (a, b)) in new.iter().zip(old).enumerate() {
                if (a - b).abs() > max_change {
                    max_change = (a - b).abs();
                    max_change_parameter = Some(ParameterRef::Threshold {
                        scale: s,
                        threshold: h + 1,
                    });
                }
            }
        }
        (max_change, max_change_parameter)
    }
}

impl Solver for JmleSolver<'_> {
    /// One sweep, the start-of-iteration residuals, the path's update and its stopping rule:
    /// Facets' and the accelerated path stop after an iteration whose residual and change are
    /// both within the criteria; Winsteps' (`CONVERGE=Either`) at the start of an iteration,
    /// before any step, when the residuals at the current estimates or the previous
    /// iteration's change are.
    fn next_iter(&mut self, iteration: usize) -> Iterate {
        self.old_measures.copy_from_slice(&self.measures);
        for (o, t) in self.old_thresholds.iter_mut().zip(&self.thresholds) {
            o.copy_from_slice(t);
        }
        let sums = self.sweep();
        let (max_residual, max_residual_element) = self.largest_residual(&sums);
        let conv = self.options.convergence;
        let winsteps = self.options.update == JmleUpdate::Winsteps;
        if winsteps
            && iteration > 1
            && (max_residual <= conv.max_score_residual || self.last_change <= conv.max_change)
        {
            return Iterate::ConvergedBefore;
        }
        self.take_inner_steps();
        if self.jacobi() {
            self.jacobi_update(&sums);
        } else {
            self.accelerated_update(&sums);
        }
        let (max_change, max_change_parameter) = self.largest_change();
        self.last_change = max_change;
        Iterate::Stepped {
            report: IterationReport {
                iteration,
                max_score_residual: max_residual,
                max_residual_element,
                max_change,
                max_change_parameter,
                log_likelihood: sums.log_likelihood,
            },
            converged: !winsteps
                && max_residual <= conv.max_score_residual
                && max_change <= conv.max_change,
        }
    }
}
