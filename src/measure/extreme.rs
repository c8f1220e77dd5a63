//! Extreme scores: which elements have all-minimum or all-maximum scores (with the cascade
//! Winsteps shows for the Knox Cube Test) and their measures with the score adjustment
//! (Facets/Winsteps `Xtreme = 0.3`).

use serde::{Deserialize, Serialize};

use super::design::{Design, MAX_CATEGORIES};
use super::model::score_moments;
use super::ordered::{add_into, ordered_sum};

crate::options::named_enum!(
    /// Which end of the score range an extreme element sits at.
    pub enum Extreme, "extreme" {
        /// Every (remaining) response in the bottom category.
        Minimum = "minimum",
        /// Every (remaining) response in the top category.
        Maximum = "maximum",
    }
);

/// How an element's measure was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementStatus {
    /// Estimated from the non-extreme data.
    Measured,
    /// Extreme score: excluded from the estimation of the others and measured afterwards with the
    /// extreme-score adjustment.
    Extreme(Extreme),
    /// Measure fixed by the user.
    Anchored,
    /// No usable observation (none at all, or only with other extreme elements).
    Dropped,
}

impl ElementStatus {
    /// The status as one lower-case word (CSV, JSON, the workbench): `measured`, `minimum`,
    /// `maximum`, `anchored` or `dropped`.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementStatus::Measured => "measured",
            ElementStatus::Extreme(side) => side.as_str(),
            ElementStatus::Anchored => "anchored",
            ElementStatus::Dropped => "dropped",
        }
    }

    /// The status of a word written by [`ElementStatus::as_str`] (`None` for any other text).
    pub fn from_word(word: &str) -> Option<ElementStatus> {
        match word {
            "measured" => Some(ElementStatus::Measured),
            "minimum" => Some(ElementStatus::Extreme(Extreme::Minimum)),
            "maximum" => Some(ElementStatus::Extreme(Extreme::Maximum)),
            "anchored" => Some(ElementStatus::Anchored),
            "dropped" => Some(ElementStatus::Dropped),
            _ => None,
        }
    }

    /// The status word Facets prints in Table 7: empty for a measured element, `Minimum`,
    /// `Maximum`, `Anchored` or `Dropped`.
    pub fn facets_word(self) -> &'static str {
        match self {
            ElementStatus::Measured => "",
            ElementStatus::Extreme(Extreme::Minimum) => "Minimum",
            ElementStatus::Extreme(Extreme::Maximum) => "Maximum",
            ElementStatus::Anchored => "Anchored",
            ElementStatus::Dropped => "Dropped",
        }
    }

    /// Whether the element's observations take part in estimation.
    pub fn is_active(self) -> bool {
        matches!(self, ElementStatus::Measured | ElementStatus::Anchored)
    }
}

/// Statuses of all elements (flat index) after the extreme-score cascade.
///
/// Repeats until nothing changes: with every observation that involves an extreme element set
/// aside, an unanchored element whose remaining responses are all in the bottom (top) category of
/// their scales becomes extreme minimum (maximum). Winsteps' KCT output shows the cascade: after
/// items 1-3 (all correct) and 18 (none) go, a child who succeeded only on items 1-3 is extreme.
pub(crate) fn classify(design: &Design, anchored: &[bool]) -> Vec<ElementStatus> {
    classify_except(design, anchored, None)
}

/// [`classify`], with the elements of facet `exempt` (MML's objects, integrated out) never made
/// extreme: they are measured whenever they keep a response, and their status does not set
/// their observations aside.
pub(crate) fn classify_except(
    design: &Design,
    anchored: &[bool],
    exempt: Option<usize>,
) -> Vec<ElementStatus> {
    let n_el = design.n_elements();
    let data = design.data;
    let mut status = vec![ElementStatus::Measured; n_el];
    let mut any_obs = vec![false; n_el];
    for (f, col) in data.elements.iter().enumerate() {
        for &j in col {
            any_obs[design.flat(f, j)] = true;
        }
    }
    for e in 0..n_el {
        if anchored[e] {
            status[e] = ElementStatus::Anchored;
        } else if !any_obs[e] {
            status[e] = ElementStatus::Dropped;
        }
    }
    let n_facets = design.n_facets();
    let is_exempt = |e: usize| exempt.is_some_and(|f| design.facet_of(e) == f);
    loop {
        // Counts, scores and maximum scores of the responses whose elements are all active,
        // accumulated in parallel.
        let zeros = || (vec![0usize; n_el], vec![0usize; n_el], vec![0usize; n_el]);
        let (count, score, max_score) = ordered_sum(
            data.len(),
            zeros,
            |range| {
                let (mut count, mut score, mut max_score) = zeros();
                for n in range {
                    let active = (0..n_facets).all(|f| {
                        Some(f) == exempt || status[design.flat(f, data.elements[f][n])].is_active()
                    });
                    if active {
                        let k = design.obs_category[n] as usize;
                        let m = design.scales[design.obs_scale[n] as usize].n_thresholds();
                        for f in 0..n_facets {
                            let e = design.flat(f, data.elements[f][n]);
                            count[e] += 1;
                            score[e] += k;
                            max_score[e] += m;
                        }
                    }
                }
                (count, score, max_score)
            },
            |(mut a, mut b, mut c), (x, y, z)| {
                add_into(&mut a, &x);
                add_into(&mut b, &y);
                add_into(&mut c, &z);
                (a, b, c)
            },
        );
        let mut changed = false;
        for e in 0..n_el {
            if status[e] != ElementStatus::Measured {
                continue;
            }
            if is_exempt(e) {
                if count[e] == 0 {
                    status[e] = ElementStatus::Dropped;
                }
                continue;
            }
            let new = if count[e] == 0 {
                ElementStatus::Dropped
            } else if score[e] == 0 {
                ElementStatus::Extreme(Extreme::Minimum)
            } else if score[e] == max_score[e] {
                ElementStatus::Extreme(Extreme::Maximum)
            } else {
                continue;
            };
            status[e] = new;
            changed = true;
        }
        if !changed {
            return status;
        }
    }
}

/// Largest change of an extreme measure at which its Newton iterations stop, in logits.
const EXTREME_TOLERANCE: f64 = 1e-7;
/// Iteration cap of the extreme-measure Newton iterations.
const EXTREME_MAX_ITERATIONS: usize = 200;

/// Estimates the measures of extreme elements with the other measures held fixed and returns
/// their information (sum of model variances) at the estimate.
///
/// For extreme element `e` the estimating equation is `Σ_n E_n(m_e) = S_e ± a` over the
/// responses in which `e` is the only extreme element (its partners all measured or anchored),
/// with `S_e` the observed score there, `+a` for a minimum and `-a` for a maximum score (Facets
/// and Winsteps `Xtreme = a`, default 0.3). This reproduces Winsteps' KCT numbers (item 1 at
/// -6.59 from 34 - 0.3 on the 34 non-extreme children; child 35 at -6.62 from 0.3 on the 14
/// non-extreme items). An extreme element with no such response uses all its responses.
pub(crate) fn estimate_extremes(
    design: &Design,
    status: &[ElementStatus],
    measures: &mut [f64],
    thresholds: &[Vec<f64>],
    adjustment: f64,
    max_step: f64,
) -> Vec<f64> {
    let data = design.data;
    let n_el = design.n_elements();
    let mut information = vec![0.0; n_el];
    let is_extreme = |e: usize| matches!(status[e], ElementStatus::Extreme(_));
    if !(0..n_el).any(is_extreme) {
        return information;
    }
    // (observation, flat element) pairs that identify each extreme measure.
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut qualifying = vec![0usize; n_el];
    let mut fallback_pairs: Vec<(u32, u32)> = Vec::new();
    for n in 0..data.len() {
        let mut n_extreme = 0;
        let mut which = 0;
        for f in 0..design.n_facets() {
            let e = design.flat(f, data.elements[f][n]);
            if is_extreme(e) {
                n_extreme += 1;
                which = e;
            }
        }
        if n_extreme == 1 {
            pairs.push((n as u32, which as u32));
            qualifying[which] += 1;
        }
    }
    for n in 0..data.len() {
        for f in 0..design.n_facets() {
            let e = design.flat(f, data.elements[f][n]);
            if is_extreme(e) && qualifying[e] == 0 {
                fallback_pairs.push((n as u32, e as u32));
            }
        }
    }
    pairs.extend(fallback_pairs);
    // Targets in category units.
    let mut observed = vec![0.0; n_el];
    let mut possible = vec![0.0; n_el];
    for &(n, e) in &pairs {
        let n = n as usize;
        observed[e as usize] += design.obs_category[n] as f64;
        possible[e as usize] += design.scales[design.obs_scale[n] as usize].n_thresholds() as f64;
    }
    let mut target = vec![0.0; n_el];
    for e in (0..n_el).filter(|&e| is_extreme(e)) {
        target[e] = match status[e] {
            ElementStatus::Extreme(Extreme::Minimum) => observed[e] + adjustment,
            _ => observed[e] - adjustment,
        }
        .clamp(adjustment, (possible[e] - adjustment).max(adjustment));
        let f = design.facet_of(e);
        // Start from the log-odds of the adjusted score.
        measures[e] =
            design.signs[f] * (target[e] / (possible[e] - target[e]).max(adjustment)).ln();
    }
    let extremes: Vec<(usize, f64)> = (0..n_el)
        .filter(|&e| is_extreme(e))
        .map(|e| (e, design.signs[design.facet_of(e)]))
        .collect();
    for _ in 0..EXTREME_MAX_ITERATIONS {
        let current: &[f64] = measures;
        let zeros = || (vec![0.0; n_el], vec![0.0; n_el]);
        let (expected, info) = ordered_sum(
            pairs.len(),
            zeros,
            |range| {
                let chunk = &pairs[range];
                let (mut expected, mut info) = zeros();
                let mut scratch = [0.0; MAX_CATEGORIES];
                for &(n, e) in chunk {
                    let n = n as usize;
                    let thr = &thresholds[design.obs_scale[n] as usize];
                    let eta = design.eta(current, n);
                    let mom = score_moments(eta, thr, &mut scratch[..thr.len() + 1]);
                    expected[e as usize] += mom.expected;
                    info[e as usize] += mom.variance;
                }
                (expected, info)
            },
            |(mut a, mut b), (x, y)| {
                add_into(&mut a, &x);
                add_into(&mut b, &y);
                (a, b)
            },
        );
        information = info;
        let mut largest: f64 = 0.0;
        for &(e, sign) in &extremes {
            if information[e] <= 0.0 {
                continue;
            }
            let step =
                (sign * (target[e] - expected[e]) / information[e]).clamp(-max_step, max_step);
            measures[e] += step;
            largest = largest.max(step.abs());
        }
        if largest < EXTREME_TOLERANCE {
            break;
        }
    }
    information
}
