//! Agreement between raters: Krippendorff's alpha per item (the classic comparator for
//! crowd-labelling reliability).
//!
//! Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": with the coincidence matrix
//! `o_ck = Σ_u Σ_{i≠j} [v_ui = c][v_uj = k] / (m_u - 1)` over units `u` with `m_u >= 2` values,
//! `n_c = Σ_k o_ck` and `n = Σ_c n_c`,
//!
//! ```text
//! α = 1 - D_o / D_e,   D_o = Σ_ck o_ck δ²_ck / n,   D_e = Σ_ck n_c n_k δ²_ck / (n (n - 1))
//! ```
//!
//! with the metric `δ²`: nominal `[c ≠ k]`; ordinal `(Σ_{g=c..k} n_g - (n_c + n_k)/2)²`;
//! interval `(c - k)²`.

use crate::data::RatingData;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The difference function of Krippendorff's alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlphaMetric {
    /// Nominal: any two different categories differ by 1.
    Nominal,
    /// Ordinal: differences grow with the number of values between the categories.
    Ordinal,
    /// Interval: squared difference of the category values.
    Interval,
}

/// Krippendorff's alpha of `units` (each unit: the values its raters gave; units with fewer than
/// two values are not pairable and are skipped). `None` when there is nothing to compare or no
/// variation at all.
pub fn krippendorff_alpha(units: &[Vec<i32>], metric: AlphaMetric) -> Option<f64> {
    let mut values: Vec<i32> = units.iter().flatten().copied().collect();
    values.sort_unstable();
    values.dedup();
    let index: HashMap<i32, usize> = values.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let v = values.len();
    let mut o = vec![0.0; v * v];
    for unit in units {
        let m = unit.len();
        if m < 2 {
            continue;
        }
        let weight = 1.0 / (m as f64 - 1.0);
        for (i, a) in unit.iter().enumerate() {
            for (j, b) in unit.iter().enumerate() {
                if i != j {
                    o[index[a] * v + index[b]] += weight;
                }
            }
        }
    }
    let n_c: Vec<f64> = (0..v).map(|c| (0..v).map(|k| o[c * v + k]).sum()).collect();
    let n: f64 = n_c.iter().sum();
    if n <= 1.0 {
        return None;
    }
    let delta2 = |c: usize, k: usize| -> f64 {
        match metric {
            AlphaMetric::Nominal => (c != k) as u8 as f64,
            AlphaMetric::Interval => ((values[c] - values[k]) as f64).powi(2),
            AlphaMetric::Ordinal => {
                let (lo, hi) = (c.min(k), c.max(k));
                let between: f64 = n_c[lo..=hi].iter().sum();
                (between - (n_c[c] + n_c[k]) / 2.0).powi(2)
            }
        }
    };
    let (mut d_o, mut d_e) = (0.0, 0.0);
    for c in 0..v {
        for k in 0..v {
            let d = delta2(c, k);
            d_o += o[c * v + k] * d;
            d_e += n_c[c] * n_c[k] * d;
        }
    }
    d_o /= n;
    d_e /= n * (n - 1.0);
    (d_e > 0.0).then(|| 1.0 - d_o / d_e)
}

/// Alpha of one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemAlpha {
    /// The item's label.
    pub item: String,
    /// Objects with at least two ratings of the item.
    pub pairable_units: usize,
    /// Ordinal alpha (`None` when there is nothing to compare or no variation).
    pub ordinal: Option<f64>,
    /// Nominal alpha (`None` when there is nothing to compare or no variation).
    pub nominal: Option<f64>,
}

/// Krippendorff's ordinal (and nominal) alpha per item, units = objects.
pub fn alpha_per_item(data: &RatingData) -> Vec<ItemAlpha> {
    let n_items = data.items().len();
    let mut units: Vec<BTreeMap<u32, Vec<i32>>> = vec![BTreeMap::new(); n_items];
    for n in 0..data.len() {
        let item = data.elements[data.item_facet][n] as usize;
        let object = data.elements[data.object_facet][n];
        units[item].entry(object).or_default().push(data.scores[n]);
    }
    units
        .into_iter()
        .enumerate()
        .map(|(i, by_object)| {
            let list: Vec<Vec<i32>> = by_object.into_values().collect();
            ItemAlpha {
                item: data.items().labels[i].clone(),
                pairable_units: list.iter().filter(|u| u.len() >= 2).count(),
                ordinal: krippendorff_alpha(&list, AlphaMetric::Ordinal),
                nominal: krippendorff_alpha(&list, AlphaMetric::Nominal),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Krippendorff (2011), the reliability data of section C: 4 observers, 12 units, values
    /// 1-5, with missing values. Published: nominal α = 0.743, ordinal α = 0.815,
    /// interval α = 0.849.
    fn krippendorff_2011() -> Vec<Vec<i32>> {
        // One line per observer, one column per unit; `.` = missing.
        let lines = [
            "1 2 3 3 2 1 4 1 2 . . .",
            "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .",
            "1 2 3 3 2 4 4 1 2 5 1 .",
        ];
        let rows: Vec<Vec<Option<i32>>> = lines
            .iter()
            .map(|line| line.split(' ').map(|v| v.parse().ok()).collect())
            .collect();
        (0..12)
            .map(|u| rows.iter().filter_map(|r| r[u]).collect())
            .collect()
    }

    #[test]
    fn reproduces_krippendorffs_published_example() {
        let units = krippendorff_2011();
        let nominal = krippendorff_alpha(&units, AlphaMetric::Nominal).unwrap();
        let ordinal = krippendorff_alpha(&units, AlphaMetric::Ordinal).unwrap();
        let interval = krippendorff_alpha(&units, AlphaMetric::Interval).unwrap();
        assert!((nominal - 0.743).abs() < 0.0005, "nominal {nominal}");
        assert!((ordinal - 0.815).abs() < 0.0005, "ordinal {ordinal}");
        assert!((interval - 0.849).abs() < 0.0005, "interval {interval}");
    }

    #[test]
    fn perfect_agreement_is_one_and_no_pairs_is_none() {
        let units = vec![vec![1, 1], vec![2, 2, 2], vec![3, 3]];
        assert!((krippendorff_alpha(&units, AlphaMetric::Ordinal).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(
            krippendorff_alpha(&[vec![1], vec![2]], AlphaMetric::Nominal),
            None
        );
    }
}

/// Facets' inter-rater agreement for one rater facet: over every pair of raters who rated the
/// same object on the same item, the share of exact agreements, and the share the model expects
/// (Σ_k P_1k P_2k from the fitted measures). Observed far above expected means raters act like
/// "rating machines" (Facets manual, "Inter-rater agreement").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterAgreement {
    /// Pairs of responses by two different raters of the facet to the same object and
    /// item ("Agreement Opportunities").
    pub opportunities: usize,
    /// Pairs with the same score ("Exact Agree." count).
    pub exact_agreements: usize,
    /// Percentage of exact agreements ("Exact Agree. Obs %").
    pub observed_percent: f64,
    /// Percentage of exact agreements the model expects ("Exact Agree. Exp %").
    pub expected_percent: f64,
}

/// The model's category probabilities for observation `n` under `fit` (in `out`, resized);
/// returns the index of the observed category, or `None` if the fit does not cover it.
fn observation_probabilities(
    fit: &crate::measure::Fit,
    data: &RatingData,
    n: usize,
    out: &mut Vec<f64>,
) -> Option<usize> {
    let location = fit.locate(data, n)?;
    let thresholds = location.scale.thresholds();
    out.resize(thresholds.len() + 1, 0.0);
    crate::measure::model::category_probabilities(location.eta, &thresholds, out);
    Some(location.category)
}

/// Inter-rater agreement of rater facet `rater_facet` under `fit`.
pub fn rater_agreement(
    data: &RatingData,
    fit: &crate::measure::Fit,
    rater_facet: usize,
) -> RaterAgreement {
    let mut groups: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for n in 0..data.len() {
        groups
            .entry((
                data.elements[data.object_facet][n],
                data.elements[data.item_facet][n],
            ))
            .or_default()
            .push(n);
    }
    let (mut opportunities, mut exact, mut expected) = (0usize, 0usize, 0.0);
    let (mut p1, mut p2) = (Vec::new(), Vec::new());
    for members in groups.values() {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if data.elements[rater_facet][a] == data.elements[rater_facet][b] {
                    continue;
                }
                let (Some(_), Some(_)) = (
                    observation_probabilities(fit, data, a, &mut p1),
                    observation_probabilities(fit, data, b, &mut p2),
                ) else {
                    continue;
                };
                opportunities += 1;
                if data.scores[a] == data.scores[b] {
                    exact += 1;
                }
                expected += p1.iter().zip(&p2).map(|(x, y)| x * y).sum::<f64>();
            }
        }
    }
    let percent = |x: f64| {
        if opportunities > 0 {
            100.0 * x / opportunities as f64
        } else {
            0.0
        }
    };
    RaterAgreement {
        opportunities,
        exact_agreements: exact,
        observed_percent: percent(exact as f64),
        expected_percent: percent(expected),
    }
}
