//! Category functioning of every rating scale of a fit, and the collapse of adjacent categories
//! that repairs a scale whose categories do not work.
//!
//! The checks are Linacre's eight guidelines for rating-scale categories (Linacre 2002,
//! "Optimizing rating scale category effectiveness", *Journal of Applied Measurement* 3(1):85-106;
//! the same list in the Winsteps manual, "Category functioning", and the Facets manual, Table 8):
//!
//! | # | guideline | value reported | passes when |
//! |---|---|---|---|
//! | 1 | at least 10 observations per category | smallest category count | >= 10 |
//! | 2 | regular observation distribution | number of peaks of the category counts | <= 1 |
//! | 3 | average measures advance with category | smallest advance of the average measures | > 0 |
//! | 4 | category outfit mean-square below 2.0 | largest category outfit | < 2.0 |
//! | 5 | Rasch-Andrich thresholds advance | smallest advance of adjacent thresholds | > 0 |
//! | 6 | coherence of measure and category | smallest M->C or C->M percentage | >= 40 |
//! | 7 | thresholds advance by at least 1.4 logits (1.1 / 1.0) | smallest threshold advance | >= the minimum |
//! | 8 | thresholds advance by less than 5 logits | largest threshold advance | < 5.0 |
//!
//! Guideline 2 is read as "the category counts are unimodal": a category whose count is above
//! both neighbours (a run of equal counts counts once) is a peak, and two or more peaks mean an
//! irregular (e.g. bimodal) distribution, Linacre's warning sign of categories used
//! idiosyncratically.
//!
//! Guideline 6 follows Winsteps Table 3.2: the *zone* of category `k` is the range of linear
//! predictors whose expected score lies within half a score point of `k` (between the
//! Rasch-half-point thresholds, which are ordered even when the Andrich thresholds are not).
//! M->C ("measure implies category") is the percentage of observations whose measure lies in
//! category `k`'s zone that were observed in `k`; C->M ("category implies measure") the
//! percentage of the observations in `k` whose measure lies in its zone. Linacre (2002) asks
//! for 40% or more.
//!
//! Guideline 7 is Linacre's binomial-trials argument: a scale whose `m` thresholds act as `m`
//! independent dichotomies has thresholds `ln(k / (m - k + 1))`, whose smallest advance is 1.39
//! logits for 3 categories (Linacre 2002: "at least 1.4 logits"), 1.10 for 4 and 0.98 for 5
//! (the later wording: "1.0 logits for a 5-category scale"). The minimum used is 1.4 for three
//! categories, 1.1 for four and 1.0 for five or more ([`minimum_threshold_advance`]).
//!
//! Guidelines 1, 3, 4 and 5 are the *essential* ones acted on (Linacre calls 1-3 essential;
//! the category outfit and disordered thresholds are the usual reasons to collapse). A scale
//! failing any of them gets a [`CollapseProposal`]: the partition of its categories into
//! adjacent groups with the most groups whose predicted scale passes all four, found by trying
//! every partition with one group fewer, then two, and so on. A partition is predicted without
//! refitting: counts and average measures are pooled from the fit's observations, and the
//! thresholds (and from them the category outfits) are the maximum-likelihood thresholds of the
//! collapsed scale given the fit's linear predictors (every other measure held fixed). Among
//! partitions with the same number of groups the one with the largest smallest group count is
//! chosen (the rare category joins its less frequent neighbour, which keeps the distribution
//! even), then the one with the largest smallest threshold advance, then the first in category
//! order. Guidelines 2 and 6-8 are reported, not acted on (Linacre: disordered or close
//! thresholds alone do not invalidate measures; the analyst decides).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::data::RatingData;
use crate::measure::model::score_moments;
use crate::measure::{Fit, ScaleStatistics};

/// Guideline 1: fewest observations a category should have.
pub const MIN_CATEGORY_COUNT: usize = 10;
/// Guideline 4: a category outfit mean-square of this or more fails.
pub const MAX_CATEGORY_OUTFIT: f64 = 2.0;
/// Guideline 6: smallest M->C and C->M coherence, in percent.
pub const MIN_COHERENCE_PERCENT: f64 = 40.0;
/// Guideline 8: thresholds should advance by less than this many logits.
pub const MAX_THRESHOLD_ADVANCE: f64 = 5.0;

/// Guideline 7's minimum advance of adjacent Rasch-Andrich thresholds for a scale of
/// `categories` categories: 1.4 logits for 3 (Linacre 2002), 1.1 for 4 and 1.0 for 5 or more
/// (the binomial-trials thresholds `ln(k / (m - k + 1))`, Linacre's later wording). `None` for
/// two categories (a single threshold).
pub fn minimum_threshold_advance(categories: usize) -> Option<f64> {
    match categories {
        0..=2 => None,
        3 => Some(1.4),
        4 => Some(1.1),
        _ => Some(1.0),
    }
}

/// One of Linacre's eight guidelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guideline {
    /// 1: at least 10 observations per category.
    ObservationsPerCategory,
    /// 2: regular (unimodal) observation distribution.
    RegularDistribution,
    /// 3: average measures advance with category.
    AverageMeasuresAdvance,
    /// 4: category outfit mean-square below 2.0.
    CategoryOutfit,
    /// 5: Rasch-Andrich thresholds advance.
    ThresholdsAdvance,
    /// 6: coherence of measure and category (M->C and C->M at least 40%).
    Coherence,
    /// 7: thresholds advance by at least 1.4 logits (1.1 for 4, 1.0 for 5+ categories).
    MinimumAdvance,
    /// 8: thresholds advance by less than 5 logits.
    MaximumAdvance,
}

impl Guideline {
    /// All eight, in Linacre's order.
    pub const ALL: [Guideline; 8] = [
        Guideline::ObservationsPerCategory,
        Guideline::RegularDistribution,
        Guideline::AverageMeasuresAdvance,
        Guideline::CategoryOutfit,
        Guideline::ThresholdsAdvance,
        Guideline::Coherence,
        Guideline::MinimumAdvance,
        Guideline::MaximumAdvance,
    ];

    /// Linacre's number (1-8).
    pub fn number(self) -> u8 {
        match self {
            Guideline::ObservationsPerCategory => 1,
            Guideline::RegularDistribution => 2,
            Guideline::AverageMeasuresAdvance => 3,
            Guideline::CategoryOutfit => 4,
            Guideline::ThresholdsAdvance => 5,
            Guideline::Coherence => 6,
            Guideline::MinimumAdvance => 7,
            Guideline::MaximumAdvance => 8,
        }
    }

    /// The short name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Guideline::ObservationsPerCategory => "observations per category >= 10",
            Guideline::RegularDistribution => "regular distribution",
            Guideline::AverageMeasuresAdvance => "average measures advance",
            Guideline::CategoryOutfit => "category outfit < 2.0",
            Guideline::ThresholdsAdvance => "thresholds advance",
            Guideline::Coherence => "coherence M->C, C->M >= 40%",
            Guideline::MinimumAdvance => "thresholds advance >= 1.4/1.1/1.0 logits",
            Guideline::MaximumAdvance => "thresholds advance < 5 logits",
        }
    }

    /// Whether a failure triggers a collapse proposal (guidelines 1, 3, 4 and 5).
    pub fn essential(self) -> bool {
        matches!(
            self,
            Guideline::ObservationsPerCategory
                | Guideline::AverageMeasuresAdvance
                | Guideline::CategoryOutfit
                | Guideline::ThresholdsAdvance
        )
    }
}

/// One guideline applied to one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCheck {
    /// Linacre's number (1-8).
    pub number: u8,
    /// The guideline.
    #[serde(skip)]
    pub guideline: Guideline,
    /// Its short name.
    pub name: &'static str,
    /// Whether the scale meets it (a guideline that does not apply, e.g. threshold advances of
    /// a two-category scale, passes with no value).
    pub passed: bool,
    /// The number the verdict rests on (see the module table), `None` when not computable.
    pub value: Option<f64>,
    /// A failure triggers a collapse proposal.
    pub essential: bool,
}

impl CategoryCheck {
    /// The value as its guideline reads: counts whole, coherence in percent, logits and
    /// mean-squares with two decimals; `-` when not computable.
    pub fn formatted_value(&self) -> String {
        match (self.guideline, self.value) {
            (_, None) => "-".into(),
            (Guideline::ObservationsPerCategory | Guideline::RegularDistribution, Some(v)) => {
                format!("{v:.0}")
            }
            (Guideline::Coherence, Some(v)) => format!("{v:.0}%"),
            (_, Some(v)) => format!("{v:.2}"),
        }
    }

    fn new(guideline: Guideline, value: Option<f64>, passed: bool) -> Self {
        CategoryCheck {
            number: guideline.number(),
            guideline,
            name: guideline.name(),
            passed,
            value,
            essential: guideline.essential(),
        }
    }
}

/// One category's line: Table 8's numbers and its coherence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryLine {
    /// The scored category.
    pub score: i32,
    /// Observations used in estimation.
    pub count: usize,
    /// Mean linear predictor of those observations.
    pub average_measure: Option<f64>,
    /// Category outfit mean-square.
    pub outfit: Option<f64>,
    /// Rasch-Andrich threshold from the category below.
    pub threshold: Option<f64>,
    /// M->C: percentage of the observations with measures in the category's zone that were
    /// observed in it (`None`: no measure in the zone).
    pub measure_implies_category: Option<f64>,
    /// C->M: percentage of the category's observations with measures in its zone (`None`: no
    /// observation in the category).
    pub category_implies_measure: Option<f64>,
}

/// A collapse of adjacent categories of one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollapseProposal {
    /// The scored categories of the scale in their new groups, lowest first (a group of one is
    /// a category left alone).
    pub groups: Vec<Vec<i32>>,
    /// The scale's category -> new category (consecutive from the scale's lowest category).
    pub recode: BTreeMap<i32, i32>,
    /// Per item the scale belongs to: every category of the item's range -> new category
    /// (codes in the range that nobody used go with the observed category below them).
    pub item_recodes: BTreeMap<String, BTreeMap<i32, i32>>,
    /// Why, with the predicted numbers of the collapsed scale.
    pub reason: String,
    /// Guidelines 1, 3, 4 and 5 as predicted for the collapsed scale (see the module doc).
    pub predicted: Vec<CategoryCheck>,
}

impl CollapseProposal {
    /// The new categories in words: the old categories of each, `0+1 | 2 | 3`.
    pub fn describe_groups(&self) -> String {
        self.groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// The category functioning of one rating scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleCategories {
    /// The scale's label (the item's name for a per-item scale, `rating scale` for a shared
    /// one, the owning element's label otherwise).
    pub scale: String,
    /// The items whose responses are on this scale and which a recode of it changes (empty
    /// when the scale belongs to an element of another facet than the items: a per-item recode
    /// cannot collapse it).
    pub items: Vec<String>,
    /// Table 8 with coherence, one line per category.
    pub categories: Vec<CategoryLine>,
    /// The eight guidelines, in order.
    pub checks: Vec<CategoryCheck>,
    /// The proposed collapse when an essential guideline fails and a collapse fixes it.
    pub proposal: Option<CollapseProposal>,
}

impl ScaleCategories {
    /// The essential guidelines the scale fails.
    pub fn essential_failures(&self) -> impl Iterator<Item = &CategoryCheck> {
        self.checks.iter().filter(|c| c.essential && !c.passed)
    }
}

/// The observations of one scale, pooled per original category and binned by linear
/// predictor (bins of [`ETA_BIN`] logits) for the predicted fits of collapsed scales.
struct ScaleObservations {
    /// Per bin: mean linear predictor and count per original category.
    bins: Vec<(f64, Vec<f64>)>,
    /// Per original category: count and Σ η.
    count: Vec<f64>,
    eta_sum: Vec<f64>,
}

/// Width of the linear-predictor bins used for predicted fits (logits).
const ETA_BIN: f64 = 0.01;

/// The category functioning of every scale of `fit`, computed from the fit and `data`, the
/// observations it was fitted on.
pub fn category_functioning(fit: &Fit, data: &RatingData) -> Vec<ScaleCategories> {
    let n_scales = fit.scales.len();
    // Per scale: (η, category) of every observation used in estimation.
    let mut observations: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n_scales];
    for n in 0..data.len() {
        let Some(location) = fit.locate(data, n) else {
            continue;
        };
        if !location.used {
            continue;
        }
        if let Some(s) = fit
            .scales
            .iter()
            .position(|x| std::ptr::eq(x, location.scale))
        {
            observations[s].push((location.eta, location.category));
        }
    }
    fit.scales
        .iter()
        .zip(&observations)
        .map(|(scale, obs)| scale_categories(fit, data, scale, obs))
        .collect()
}

fn scale_categories(
    fit: &Fit,
    data: &RatingData,
    scale: &ScaleStatistics,
    obs: &[(f64, usize)],
) -> ScaleCategories {
    let thresholds = scale.thresholds();
    let coherence = coherence(&thresholds, obs, scale.categories.len());
    let categories: Vec<CategoryLine> = scale
        .categories
        .iter()
        .zip(&coherence)
        .map(|(c, (mc, cm))| CategoryLine {
            score: c.score,
            count: c.count,
            average_measure: c.average_measure,
            outfit: c.outfit,
            threshold: c.threshold,
            measure_implies_category: *mc,
            category_implies_measure: *cm,
        })
        .collect();
    let counts: Vec<usize> = scale.categories.iter().map(|c| c.count).collect();
    let averages: Vec<Option<f64>> = scale.categories.iter().map(|c| c.average_measure).collect();
    let outfits: Vec<Option<f64>> = scale.categories.iter().map(|c| c.outfit).collect();
    let mut checks = essential_checks(&counts, &averages, &outfits, Some(&thresholds));
    checks.insert(1, distribution_check(&counts));
    checks.push(coherence_check(&coherence));
    checks.extend(advance_checks(&thresholds, counts.len()));
    checks.sort_by_key(|c| c.number);

    let items = scale_items(fit, data, scale);
    let proposal = if items.is_empty() || checks.iter().all(|c| !c.essential || c.passed) {
        None
    } else {
        propose(data, scale, obs, &checks, &items)
    };
    ScaleCategories {
        scale: scale.label.clone(),
        items,
        categories,
        checks,
        proposal,
    }
}

/// The items a recode of `scale` applies to.
fn scale_items(fit: &Fit, data: &RatingData, scale: &ScaleStatistics) -> Vec<String> {
    match (fit.scale_facet, scale.element) {
        (None, _) => data.items().labels.clone(),
        (Some(f), Some(e)) if f == data.item_facet => data
            .items()
            .labels
            .get(e as usize)
            .cloned()
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Guidelines 1, 3, 4 and 5 from category counts, average measures, outfits and thresholds
/// (`None`: the thresholds could not be estimated, which fails guideline 5).
fn essential_checks(
    counts: &[usize],
    averages: &[Option<f64>],
    outfits: &[Option<f64>],
    thresholds: Option<&[f64]>,
) -> Vec<CategoryCheck> {
    let smallest = counts.iter().copied().min().unwrap_or(0);
    let averages: Vec<f64> = averages.iter().flatten().copied().collect();
    let average_advance = smallest_advance(&averages);
    let outfit = outfits.iter().flatten().copied().reduce(f64::max);
    let threshold_advance = thresholds.and_then(smallest_advance);
    vec![
        CategoryCheck::new(
            Guideline::ObservationsPerCategory,
            Some(smallest as f64),
            smallest >= MIN_CATEGORY_COUNT,
        ),
        CategoryCheck::new(
            Guideline::AverageMeasuresAdvance,
            average_advance,
            average_advance.is_none_or(|a| a > 0.0),
        ),
        CategoryCheck::new(
            Guideline::CategoryOutfit,
            outfit,
            outfit.is_none_or(|o| o < MAX_CATEGORY_OUTFIT),
        ),
        CategoryCheck::new(
            Guideline::ThresholdsAdvance,
            threshold_advance,
            thresholds.is_some() && threshold_advance.is_none_or(|a| a > 0.0),
        ),
    ]
}

/// Smallest difference of consecutive values (`None` for fewer than two).
fn smallest_advance(values: &[f64]) -> Option<f64> {
    values.windows(2).map(|w| w[1] - w[0]).reduce(f64::min)
}

/// Largest difference of consecutive values (`None` for fewer than two).
fn largest_advance(values: &[f64]) -> Option<f64> {
    values.windows(2).map(|w| w[1] - w[0]).reduce(f64::max)
}

/// Number of peaks of the category counts (runs of equal counts merged): a run is a peak when
/// no neighbouring run is higher.
pub fn count_peaks(counts: &[usize]) -> usize {
    let mut runs: Vec<usize> = counts.to_vec();
    runs.dedup();
    (0..runs.len())
        .filter(|&i| {
            let left = i == 0 || runs[i - 1] < runs[i];
            let right = i + 1 == runs.len() || runs[i + 1] < runs[i];
            left && right
        })
        .count()
}

fn distribution_check(counts: &[usize]) -> CategoryCheck {
    let peaks = count_peaks(counts);
    CategoryCheck::new(
        Guideline::RegularDistribution,
        Some(peaks as f64),
        peaks <= 1,
    )
}

fn coherence_check(coherence: &[(Option<f64>, Option<f64>)]) -> CategoryCheck {
    let lowest = coherence
        .iter()
        .flat_map(|(mc, cm)| [*mc, *cm])
        .flatten()
        .reduce(f64::min);
    CategoryCheck::new(
        Guideline::Coherence,
        lowest,
        lowest.is_none_or(|v| v >= MIN_COHERENCE_PERCENT),
    )
}

fn advance_checks(thresholds: &[f64], categories: usize) -> [CategoryCheck; 2] {
    let smallest = smallest_advance(thresholds);
    let largest = largest_advance(thresholds);
    let minimum = minimum_threshold_advance(categories);
    [
        CategoryCheck::new(
            Guideline::MinimumAdvance,
            smallest,
            match (smallest, minimum) {
                (Some(a), Some(m)) => a >= m,
                _ => true,
            },
        ),
        CategoryCheck::new(
            Guideline::MaximumAdvance,
            largest,
            largest.is_none_or(|a| a < MAX_THRESHOLD_ADVANCE),
        ),
    ]
}

/// The linear predictors where the expected score (in steps above the bottom category) is
/// `k - 0.5`, `k = 1..m`: the Rasch-half-point thresholds, the boundaries of the category
/// zones. Found by bisection (the expected score increases with η).
pub fn half_point_thresholds(thresholds: &[f64]) -> Vec<f64> {
    let mut scratch = vec![0.0; thresholds.len() + 1];
    (1..=thresholds.len())
        .map(|k| {
            let target = k as f64 - 0.5;
            let (mut lo, mut hi) = (-100.0_f64, 100.0_f64);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if score_moments(mid, thresholds, &mut scratch).expected < target {
                    lo = mid;
                } else {
                    hi = mid;
                }
                if hi - lo < 1e-10 {
                    break;
                }
            }
            0.5 * (lo + hi)
        })
        .collect()
}

/// Per category: (M->C, C->M) in percent (see the module doc).
fn coherence(
    thresholds: &[f64],
    obs: &[(f64, usize)],
    n_cat: usize,
) -> Vec<(Option<f64>, Option<f64>)> {
    let bounds = half_point_thresholds(thresholds);
    let mut in_zone = vec![0usize; n_cat];
    let mut in_category = vec![0usize; n_cat];
    let mut both = vec![0usize; n_cat];
    for &(eta, k) in obs {
        let zone = bounds.iter().filter(|&&b| b <= eta).count().min(n_cat - 1);
        in_zone[zone] += 1;
        if let Some(c) = in_category.get_mut(k) {
            *c += 1;
        }
        if zone == k {
            both[k] += 1;
        }
    }
    (0..n_cat)
        .map(|k| {
            let pct = |n: usize, d: usize| (d > 0).then(|| 100.0 * n as f64 / d as f64);
            (pct(both[k], in_zone[k]), pct(both[k], in_category[k]))
        })
        .collect()
}

/// A linear-predictor bin being filled: Σ η, count, count per category.
type Bin = (f64, f64, Vec<f64>);

impl ScaleObservations {
    fn new(obs: &[(f64, usize)], n_cat: usize) -> Self {
        let mut count = vec![0.0; n_cat];
        let mut eta_sum = vec![0.0; n_cat];
        // Per bin key: Σ η, count, count per category.
        let mut bins: HashMap<i64, Bin> = HashMap::new();
        for &(eta, k) in obs {
            if k >= n_cat {
                continue;
            }
            count[k] += 1.0;
            eta_sum[k] += eta;
            let key = (eta / ETA_BIN).round() as i64;
            let bin = bins
                .entry(key)
                .or_insert_with(|| (0.0, 0.0, vec![0.0; n_cat]));
            bin.0 += eta;
            bin.1 += 1.0;
            bin.2[k] += 1.0;
        }
        let mut bins: Vec<(i64, Bin)> = bins.into_iter().collect();
        bins.sort_by_key(|(key, _)| *key);
        ScaleObservations {
            bins: bins
                .into_iter()
                .map(|(_, (sum, n, counts))| (sum / n, counts))
                .collect(),
            count,
            eta_sum,
        }
    }
}

mod proposal;
use proposal::propose;

#[cfg(test)]
mod tests;
