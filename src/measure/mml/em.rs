//! One EM map of MML: the E-step pass at the current parameters, then the M-step of the
//! population (closed form), of the elements (one Fisher-scoring step each) and of the
//! thresholds (L-BFGS per scale, jointly with the location of the scale's owner), and the
//! re-centring of the centred facets.

use super::*;

/// One EM iteration from `p`: E-step (updating the node placement in `posterior`) and M-step.
/// Returns the new parameters, the marginal log-likelihood at `p`, and the largest marginal
/// score residual of an element with the element.
pub(super) fn em_map(
    ctx: &EmContext,
    p: &Params,
    posterior: &mut [(f64, f64)],
) -> (Params, f64, f64, Option<ElementRef>) {
    let offsets = ctx.layout.offsets(&p.measures);
    let pass = Pass {
        layout: ctx.layout,
        offsets: &offsets,
        thresholds: &p.thresholds,
        nodes: &ctx.nodes,
        log_weights: &ctx.log_weights,
        mu: p.mu,
        sigma: p.sigma,
        n_el: ctx.design.n_elements(),
        bin_offsets: &ctx.bin_offsets,
        bin: ctx.any_free_scale,
        louis: false,
    };
    let acc = pass.run(posterior);
    let (max_residual, max_residual_element) = largest_marginal_residual(ctx, &acc);

    // M-step: μ and σ in closed form, one Newton step per element, thresholds by L-BFGS.
    let (mut mu, sigma) = population_m_step(ctx, &acc);
    let mut measures = p.measures.clone();
    element_newton_steps(ctx, &acc, &mut measures);
    let mut thresholds = p.thresholds.clone();
    if ctx.any_free_scale {
        threshold_m_steps(ctx, &acc, p, &mut thresholds, &mut measures);
    }
    let shift = centre_facets(
        ctx.design,
        ctx.centred,
        ctx.status,
        &mut measures,
        &mut mu,
        ctx.mu_free,
    );
    for q in posterior.iter_mut() {
        q.0 += shift;
    }
    (
        Params {
            measures,
            thresholds,
            mu,
            sigma,
        },
        acc.log_likelihood,
        max_residual,
        max_residual_element,
    )
}

/// The population M-step in closed form from the posterior moments of the `N` objects with
/// responses: `μ = Σ E[θ] / N` (0 when the object facet is centred) and
/// `σ² = Σ E[θ²] / N - 2μ Σ E[θ] / N + μ²`, the mean posterior `E[(θ - μ)²]`, at least
/// [`MIN_POPULATION_VARIANCE`].
fn population_m_step(ctx: &EmContext, acc: &Acc) -> (f64, f64) {
    let n_obj = acc.objects.max(1.0);
    let mu = if ctx.mu_free { acc.theta / n_obj } else { 0.0 };
    let sigma = (acc.theta2 / n_obj - 2.0 * mu * acc.theta / n_obj + mu * mu)
        .max(MIN_POPULATION_VARIANCE)
        .sqrt();
    (mu, sigma)
}

/// The smallest population variance `σ²` the M-step returns (keeps `σ` positive).
const MIN_POPULATION_VARIANCE: f64 = 1e-8;

/// The largest marginal score residual `|Σ_q w_q (x - E_q)|` of a measured element (the
/// gradient of the marginal log-likelihood, by Fisher's identity), and the element.
fn largest_marginal_residual(ctx: &EmContext, acc: &Acc) -> (f64, Option<ElementRef>) {
    let design = ctx.design;
    let mut max_residual: f64 = 0.0;
    let mut max_residual_element = None;
    for (e, st) in ctx.status.iter().enumerate() {
        if *st == ElementStatus::Measured && acc.information[e] > 0.0 {
            let r = acc.residual[e].abs();
            if r > max_residual {
                let f = design.facet_of(e);
                max_residual = r;
                max_residual_element = Some(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                });
            }
        }
    }
    (max_residual, max_residual_element)
}

/// One Newton (Fisher-scoring) step `Δ = sign · Σ_q w_q (x - E_q) / Σ_q w_q W_q`, clamped, for
/// every measured non-object element whose location is not estimated with its scale.
fn element_newton_steps(ctx: &EmContext, acc: &Acc, measures: &mut [f64]) {
    let design = ctx.design;
    let n_el = design.n_elements();
    let mut joint = vec![false; n_el];
    ctx.owner.iter().flatten().for_each(|&e| joint[e] = true);
    for e in 0..n_el {
        if ctx.status[e] == ElementStatus::Measured
            && !ctx.objects.contains(&e)
            && !joint[e]
            && acc.information[e] > 0.0
        {
            let f = design.facet_of(e);
            measures[e] += (design.signs[f] * acc.residual[e] / acc.information[e])
                .clamp(-ctx.options.max_step, ctx.options.max_step);
        }
    }
}

/// Each free scale's thresholds (and its owner's location) maximise the expected
/// complete-data log-likelihood of its binned weights ([`threshold_m_step`]), scales in
/// parallel.
fn threshold_m_steps(
    ctx: &EmContext,
    acc: &Acc,
    p: &Params,
    thresholds: &mut [Vec<f64>],
    measures: &mut [f64],
) {
    let design = ctx.design;
    let new: Vec<Option<(f64, Vec<f64>)>> = (0..design.scales.len())
        .into_par_iter()
        .map(|s| threshold_m_step(threshold_problem(ctx, acc, s)?, &p.thresholds[s]))
        .collect();
    for (s, t) in new.into_iter().enumerate() {
        if let Some((delta, t)) = t {
            thresholds[s] = t;
            if let Some(e) = ctx.owner[s] {
                let f = design.facet_of(e);
                measures[e] -= design.signs[f] * delta;
            }
        }
    }
}

/// Scale `s`'s M-step problem: the binned posterior weight of each category at each linear
/// predictor that has any, with `Keep`'s pseudo-counts at the busiest one; `None` when the
/// scale is anchored, has nothing to estimate, or no weight.
fn threshold_problem(ctx: &EmContext, acc: &Acc, s: usize) -> Option<ThresholdProblem> {
    let design = ctx.design;
    let m = design.scales[s].n_thresholds();
    let location = ctx.owner[s].is_some();
    if ctx.scale_anchored[s] || (m < 2 && !location) {
        return None;
    }
    let stride = m + 1;
    let bins = &acc.bins[ctx.bin_offsets[s]..ctx.bin_offsets[s + 1]];
    let mut etas = Vec::new();
    let mut weights = Vec::new();
    let mut busiest = (0usize, 0.0);
    for g in 0..N_GRID {
        let w = &bins[g * stride..(g + 1) * stride];
        let t: f64 = w.iter().sum();
        if t > 0.0 {
            if t > busiest.1 {
                busiest = (etas.len(), t);
            }
            etas.push(-GRID_HALF_WIDTH + g as f64 * GRID_STEP);
            weights.extend_from_slice(w);
        }
    }
    if etas.is_empty() {
        return None;
    }
    if ctx.keep {
        // Unobserved intermediate categories: a pseudo-count at the busiest linear
        // predictor keeps their thresholds finite.
        for (c, &seen) in design.scales[s].observed.iter().enumerate() {
            if !seen && c > 0 && c < m {
                weights[busiest.0 * stride + c] += ctx.options.keep_pseudo_count;
            }
        }
    }
    let total: f64 = weights.iter().sum();
    Some(ThresholdProblem {
        m,
        location,
        etas,
        weights,
        total,
    })
}

/// Largest absolute change of any parameter between two parameter sets, and which.
pub(super) fn largest_change(
    ctx: &EmContext,
    a: &Params,
    b: &Params,
) -> (f64, Option<ParameterRef>) {
    let design = ctx.design;
    let mut best = ((b.mu - a.mu).abs().max((b.sigma - a.sigma).abs()), None);
    for (e, (x, y)) in a.measures.iter().zip(&b.measures).enumerate() {
        if (y - x).abs() > best.0 {
            let f = design.facet_of(e);
            best = (
                (y - x).abs(),
                Some(ParameterRef::Element(ElementRef {
                    facet: f,
                    element: (e - design.offsets[f]) as u32,
                })),
            );
        }
    }
    for (s, (ta, tb)) in a.thresholds.iter().zip(&b.thresholds).enumerate() {
        for (h, (x, y)) in ta.iter().zip(tb).enumerate() {
            if (y - x).abs() > best.0 {
                best = (
                    (y - x).abs(),
                    Some(ParameterRef::Threshold {
                        scale: s,
                        threshold: h + 1,
                    }),
                );
            }
        }
    }
    best
}
