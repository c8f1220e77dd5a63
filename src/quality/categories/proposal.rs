//! The collapse of adjacent categories: each candidate merge predicted without refitting
//! (counts and average measures pooled, thresholds re-estimated with the other measures
//! fixed), and the proposal that fixes the essential failures while keeping the most
//! categories (the rules are in the parent module's documentation).

use super::*;
use crate::data::RatingData;
use crate::measure::model::score_moments;
use crate::measure::ScaleStatistics;
use std::collections::BTreeMap;

/// What a collapsed scale is predicted to look like.
pub(super) struct Predicted {
    pub(super) counts: Vec<usize>,
    pub(super) averages: Vec<Option<f64>>,
    pub(super) outfits: Vec<Option<f64>>,
    pub(super) thresholds: Option<Vec<f64>>,
}

/// Pools the observations into `groups` (`group_of[k]`: the group of original category `k`)
/// and estimates the collapsed scale's thresholds with every linear predictor held fixed.
pub(super) fn predict(obs: &ScaleObservations, group_of: &[usize], groups: usize) -> Predicted {
    let mut counts = vec![0.0; groups];
    let mut sums = vec![0.0; groups];
    for (k, &g) in group_of.iter().enumerate() {
        counts[g] += obs.count[k];
        sums[g] += obs.eta_sum[k];
    }
    // Per bin: (η, counts per group).
    let bins: Vec<(f64, Vec<f64>)> = obs
        .bins
        .iter()
        .map(|(eta, per_cat)| {
            let mut per_group = vec![0.0; groups];
            for (k, n) in per_cat.iter().enumerate() {
                per_group[group_of[k]] += n;
            }
            (*eta, per_group)
        })
        .collect();
    let thresholds = if counts.iter().all(|&c| c > 0.0) {
        conditional_thresholds(&bins, &counts)
    } else {
        None
    };
    let outfits = match &thresholds {
        Some(t) => {
            let mut zz = vec![0.0; groups];
            let mut scratch = vec![0.0; groups];
            for (eta, per_group) in &bins {
                let m = score_moments(*eta, t, &mut scratch);
                if m.variance <= 0.0 {
                    continue;
                }
                for (g, n) in per_group.iter().enumerate() {
                    zz[g] += n * (g as f64 - m.expected).powi(2) / m.variance;
                }
            }
            zz.iter()
                .zip(&counts)
                .map(|(z, c)| (*c > 0.0).then(|| z / c))
                .collect()
        }
        None => vec![None; groups],
    };
    Predicted {
        counts: counts.iter().map(|&c| c as usize).collect(),
        averages: sums
            .iter()
            .zip(&counts)
            .map(|(s, c)| (*c > 0.0).then(|| s / c))
            .collect(),
        outfits,
        thresholds,
    }
}

/// Maximum-likelihood thresholds `τ_1..τ_m` of `P(k | η) ∝ exp Σ_{h<=k} (η - τ_h)` with the
/// linear predictors fixed (Newton-Raphson per threshold, as Facets updates thresholds:
/// `τ_h += (Σ Q_h - observed at or above h) / Σ Q_h (1 - Q_h)`, `Q_h = P(X >= h)`, steps of at
/// most one logit). `None` if it does not converge.
fn conditional_thresholds(bins: &[(f64, Vec<f64>)], counts: &[f64]) -> Option<Vec<f64>> {
    let m = counts.len() - 1;
    let total: f64 = counts.iter().sum();
    // Observed at or above h.
    let at_or_above: Vec<f64> = (1..=m).map(|h| counts[h..].iter().sum()).collect();
    let mean_eta = bins
        .iter()
        .map(|(e, c)| e * c.iter().sum::<f64>())
        .sum::<f64>()
        / total;
    // Start: log-odds of adjacent categories around the mean linear predictor.
    let mut tau: Vec<f64> = (1..=m)
        .map(|h| mean_eta + (counts[h - 1] / counts[h]).ln())
        .collect();
    let mut scratch = vec![0.0; m + 1];
    for _ in 0..500 {
        let mut expected = vec![0.0; m];
        let mut information = vec![0.0; m];
        for (eta, per_group) in bins {
            let n: f64 = per_group.iter().sum();
            crate::measure::model::category_probabilities(*eta, &tau, &mut scratch);
            let mut q = 0.0;
            for h in (1..=m).rev() {
                q += scratch[h];
                expected[h - 1] += n * q;
                information[h - 1] += n * q * (1.0 - q);
            }
        }
        let mut largest = 0.0_f64;
        for h in 0..m {
            if information[h] <= 0.0 {
                return None;
            }
            let step = ((expected[h] - at_or_above[h]) / information[h]).clamp(-1.0, 1.0);
            tau[h] += step;
            largest = largest.max(step.abs());
        }
        if largest < 1e-7 {
            return tau.iter().all(|t| t.is_finite()).then_some(tau);
        }
    }
    None
}

/// Every way of cutting `n` categories into `groups` adjacent groups, as `group_of` vectors,
/// in category order (cuts as early as possible first).
pub(super) fn partitions(n: usize, groups: usize) -> Vec<Vec<usize>> {
    fn rec(start: usize, n: usize, left: usize, cuts: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if left == 0 {
            let mut group_of = Vec::with_capacity(n);
            let mut g = 0;
            for k in 0..n {
                if cuts.contains(&k) {
                    g += 1;
                }
                group_of.push(g);
            }
            out.push(group_of);
            return;
        }
        for c in start..n {
            if n - c < left {
                break;
            }
            cuts.push(c);
            rec(c + 1, n, left - 1, cuts, out);
            cuts.pop();
        }
    }
    let mut out = Vec::new();
    if groups >= 1 && groups <= n {
        rec(1, n, groups - 1, &mut Vec::new(), &mut out);
    }
    out
}

pub(super) fn propose(
    data: &RatingData,
    scale: &ScaleStatistics,
    obs: &[(f64, usize)],
    checks: &[CategoryCheck],
    items: &[String],
) -> Option<CollapseProposal> {
    let n_cat = scale.categories.len();
    let pooled = ScaleObservations::new(obs, n_cat);
    for groups in (2..n_cat).rev() {
        let mut best: Option<(Vec<usize>, Predicted, Vec<CategoryCheck>)> = None;
        for group_of in partitions(n_cat, groups) {
            let p = predict(&pooled, &group_of, groups);
            let predicted =
                essential_checks(&p.counts, &p.averages, &p.outfits, p.thresholds.as_deref());
            if !predicted.iter().all(|c| c.passed) {
                continue;
            }
            let better = match &best {
                None => true,
                Some((_, b, _)) => {
                    let key = |p: &Predicted| {
                        (
                            p.counts.iter().copied().min().unwrap_or(0),
                            p.thresholds
                                .as_deref()
                                .and_then(smallest_advance)
                                .unwrap_or(f64::INFINITY),
                        )
                    };
                    let (a, b) = (key(&p), key(b));
                    a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
                }
            };
            if better {
                best = Some((group_of, p, predicted));
            }
        }
        if let Some((group_of, p, predicted)) = best {
            return Some(build_proposal(
                data, scale, &group_of, groups, &p, predicted, checks, items,
            ));
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn build_proposal(
    data: &RatingData,
    scale: &ScaleStatistics,
    group_of: &[usize],
    groups: usize,
    p: &Predicted,
    predicted: Vec<CategoryCheck>,
    checks: &[CategoryCheck],
    items: &[String],
) -> CollapseProposal {
    let scores: Vec<i32> = scale.categories.iter().map(|c| c.score).collect();
    let base = scores.first().copied().unwrap_or(0);
    let mut grouped: Vec<Vec<i32>> = vec![Vec::new(); groups];
    for (k, &g) in group_of.iter().enumerate() {
        grouped[g].push(scores[k]);
    }
    let new_of = |score: i32| -> i32 {
        // The group of the observed category at or below `score` (the first one below all).
        let k = scores.iter().rposition(|&s| s <= score).unwrap_or(0);
        base + group_of[k] as i32
    };
    let recode: BTreeMap<i32, i32> = scores.iter().map(|&s| (s, new_of(s))).collect();
    let item_recodes = items
        .iter()
        .filter_map(|name| {
            let i = data.items().labels.iter().position(|l| l == name)?;
            let range = data.item_scales.get(i)?;
            let map: BTreeMap<i32, i32> = (range.min_score..=range.max_score)
                .map(|s| (s, new_of(s)))
                .collect();
            Some((name.clone(), map))
        })
        .collect();
    let failures: Vec<String> = checks
        .iter()
        .filter(|c| c.essential && !c.passed)
        .map(|c| describe_failure(c, scale))
        .collect();
    let merged: Vec<String> = grouped
        .iter()
        .filter(|g| g.len() > 1)
        .map(|g| {
            g.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    let reason = format!(
        "{}; merging {} keeps {} of {} categories: predicted smallest count {}, thresholds {}, largest category outfit {}",
        failures.join("; "),
        merged.join(", "),
        groups,
        scores.len(),
        p.counts.iter().min().copied().unwrap_or(0),
        match p.thresholds.as_deref().and_then(smallest_advance) {
            Some(a) => format!("ordered (smallest advance {a:.2})"),
            None => "ordered".to_string(),
        },
        p.outfits
            .iter()
            .flatten()
            .copied()
            .reduce(f64::max)
            .map(|o| format!("{o:.2}"))
            .unwrap_or_else(|| "-".into()),
    );
    CollapseProposal {
        groups: grouped,
        recode,
        item_recodes,
        reason,
        predicted,
    }
}

fn describe_failure(check: &CategoryCheck, scale: &ScaleStatistics) -> String {
    let cats = &scale.categories;
    match check.guideline {
        Guideline::ObservationsPerCategory => {
            let few: Vec<String> = cats
                .iter()
                .filter(|c| c.count < MIN_CATEGORY_COUNT)
                .map(|c| format!("category {} has {}", c.score, c.count))
                .collect();
            format!(
                "{} observations (fewer than {MIN_CATEGORY_COUNT})",
                few.join(", ")
            )
        }
        Guideline::AverageMeasuresAdvance => {
            let bad: Vec<String> = cats
                .windows(2)
                .filter_map(|w| {
                    let (a, b) = (w[0].average_measure?, w[1].average_measure?);
                    (b <= a).then(|| {
                        format!(
                            "average measure of {} ({b:.2}) not above {} ({a:.2})",
                            w[1].score, w[0].score
                        )
                    })
                })
                .collect();
            bad.join(", ")
        }
        Guideline::CategoryOutfit => {
            let bad: Vec<String> = cats
                .iter()
                .filter_map(|c| {
                    let o = c.outfit?;
                    (o >= MAX_CATEGORY_OUTFIT)
                        .then(|| format!("category {} outfit {o:.2} (2.0 or more)", c.score))
                })
                .collect();
            bad.join(", ")
        }
        Guideline::ThresholdsAdvance => {
            let bad: Vec<String> = cats
                .windows(2)
                .filter_map(|w| {
                    let (a, b) = (w[0].threshold?, w[1].threshold?);
                    (b <= a).then(|| {
                        format!(
                            "threshold of {} ({b:.2}) not above that of {} ({a:.2})",
                            w[1].score, w[0].score
                        )
                    })
                })
                .collect();
            format!("disordered thresholds: {}", bad.join(", "))
        }
        _ => check.name.to_string(),
    }
}
