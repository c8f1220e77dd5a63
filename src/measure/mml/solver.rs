//! The MML solver: one EM map per iteration of the shared driver, with SQUAREM (Varadhan &
//! Roland 2008) as the state machine around the EM map.

use super::*;

/// Largest SQUAREM step length `|α|`.
const MAX_SQUAREM_STEP: f64 = 50.0;

/// Where the SQUAREM cycle (Varadhan & Roland 2008, scheme S3) stands: from `p0`, `p1 = F(p0)`,
/// `p2 = F(p1)`, `r = p1 - p0`, `v = p2 - p1 - r`, `α = -|r|/|v|` (at most -1),
/// `p' = p0 - 2αr + α²v`, then one stabilising EM map `F(p')`. If the marginal log-likelihood
/// at `p'` is below that at `p1` the extrapolation is discarded and the cycle continues from
/// `p2`. Every EM map is one reported iteration. In sparse rater designs plain EM converges
/// slowly along the weakly linked directions of the rater network; the extrapolation removes
/// most of that.
pub(super) enum Phase {
    /// Next: `p1 = F(p0)`, `p0` the current parameters.
    First,
    /// Next: `p2 = F(p1)`; `p0` kept for the extrapolation.
    Second { p0: Params },
    /// Next: `F(p')` from the extrapolated `p'`; `ll1` the marginal log-likelihood at `p1`.
    Extrapolated { from: Params, ll1: f64 },
}

/// The state of one MML run between EM maps, and its iteration ([`Solver::next_iter`]).
pub(super) struct MmlSolver<'a> {
    pub(super) ctx: EmContext<'a>,
    pub(super) run: EmRun,
    /// The parameters the run stands at (what it returns if it stops now).
    pub(super) params: Params,
    pub(super) phase: Phase,
}

/// What carries over from one EM map to the next besides the parameters.
pub(super) struct EmRun {
    /// Each object's node placement: its posterior mean and SD from the last E-step.
    pub(super) posterior: Vec<(f64, f64)>,
    /// The marginal log-likelihood of the last map.
    pub(super) previous_ll: Option<f64>,
}

impl EmRun {
    /// One EM map from `input` as iteration `iteration`: the new parameters, the marginal
    /// log-likelihood at `input`, the report, and whether EM's stopping rule holds (relative
    /// change of the marginal log-likelihood and largest parameter change both within the
    /// [`MmlOptions`] tolerances).
    fn map(
        &mut self,
        ctx: &EmContext,
        input: &Params,
        iteration: usize,
    ) -> (Params, f64, IterationReport, bool) {
        let (output, ll, max_residual, max_residual_element) =
            em_map(ctx, input, &mut self.posterior);
        let (max_change, max_change_parameter) = largest_change(ctx, input, &output);
        let report = IterationReport {
            iteration,
            max_score_residual: max_residual,
            max_residual_element,
            max_change,
            max_change_parameter,
            log_likelihood: ll,
        };
        let relative = self
            .previous_ll
            .map_or(f64::INFINITY, |p| ((ll - p) / ll).abs());
        self.previous_ll = Some(ll);
        let mml = ctx.options.mml;
        let done = relative <= mml.relative_tolerance && max_change <= mml.max_change;
        (output, ll, report, done)
    }
}

impl Solver for MmlSolver<'_> {
    /// One EM map at the cycle's current phase ([`Phase`]).
    fn next_iter(&mut self, iteration: usize) -> Iterate {
        let (report, converged) = match std::mem::replace(&mut self.phase, Phase::First) {
            Phase::First => {
                let (p1, _, report, done) = self.run.map(&self.ctx, &self.params, iteration);
                let p0 = std::mem::replace(&mut self.params, p1);
                self.phase = Phase::Second { p0 };
                (report, done)
            }
            Phase::Second { p0 } => {
                let (p2, ll1, report, done) = self.run.map(&self.ctx, &self.params, iteration);
                let p1 = std::mem::replace(&mut self.params, p2);
                if !done {
                    if let Some(from) = squarem_extrapolation(&p0, &p1, &self.params) {
                        self.phase = Phase::Extrapolated { from, ll1 };
                    }
                }
                (report, done)
            }
            Phase::Extrapolated { from, ll1 } => {
                let (p3, ll_ext, report, done) = self.run.map(&self.ctx, &from, iteration);
                if ll_ext >= ll1 {
                    self.params = p3;
                    (report, done)
                } else {
                    (report, false)
                }
            }
        };
        Iterate::Stepped { report, converged }
    }
}

/// SQUAREM's extrapolated point `p' = p0 - 2αr + α²v` from three successive EM iterates
/// (see [`Phase`]), `α = -|r|/|v|` clamped to `[-MAX_SQUAREM_STEP, -1]`; `None` when `v`
/// vanishes (or is not finite).
fn squarem_extrapolation(p0: &Params, p1: &Params, p2: &Params) -> Option<Params> {
    let (x0, x1, x2) = (p0.flatten(), p1.flatten(), p2.flatten());
    let (mut rr, mut vv) = (0.0, 0.0);
    for i in 0..x0.len() {
        let r = x1[i] - x0[i];
        let v = x2[i] - 2.0 * x1[i] + x0[i];
        rr += r * r;
        vv += v * v;
    }
    if vv <= 0.0 || !vv.is_finite() {
        return None;
    }
    let alpha = (-(rr / vv).sqrt()).clamp(-MAX_SQUAREM_STEP, -1.0);
    let extrapolated: Vec<f64> = (0..x0.len())
        .map(|i| {
            let r = x1[i] - x0[i];
            let v = x2[i] - 2.0 * x1[i] + x0[i];
            x0[i] - 2.0 * alpha * r + alpha * alpha * v
        })
        .collect();
    Some(p0.unflatten(&extrapolated))
}
