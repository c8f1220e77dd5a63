use super::proposal::*;
use super::*;
use crate::data::{Facet, FacetRole, ItemScale};
use crate::measure::model::category_probabilities;
use crate::measure::{fit, FitOptions, NoObserver};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

#[test]
fn peaks_of_category_counts() {
    assert_eq!(count_peaks(&[5, 20, 40, 20, 5]), 1);
    assert_eq!(count_peaks(&[40, 30, 20, 10]), 1);
    assert_eq!(count_peaks(&[10, 30, 30, 10]), 1);
    // A rare category between two frequent ones: bimodal.
    assert_eq!(count_peaks(&[100, 5, 100]), 2);
    assert_eq!(count_peaks(&[50, 10, 30, 5, 40]), 3);
    assert_eq!(count_peaks(&[7]), 1);
}

#[test]
fn minimum_advance_follows_the_binomial_trials_rule() {
    assert_eq!(minimum_threshold_advance(2), None);
    assert_eq!(minimum_threshold_advance(3), Some(1.4));
    assert_eq!(minimum_threshold_advance(4), Some(1.1));
    assert_eq!(minimum_threshold_advance(5), Some(1.0));
    assert_eq!(minimum_threshold_advance(9), Some(1.0));
    // The binomial thresholds ln(k / (m - k + 1)) the rule rounds: 3 categories 1.386, 4: 1.099.
    let binomial = |m: usize| -> Vec<f64> {
        (1..=m)
            .map(|k| (k as f64 / (m - k + 1) as f64).ln())
            .collect()
    };
    assert!((smallest_advance(&binomial(2)).unwrap() - 1.386).abs() < 1e-3);
    assert!((smallest_advance(&binomial(3)).unwrap() - 1.099).abs() < 1e-3);
}

#[test]
fn half_point_thresholds_bound_the_expected_score_zones() {
    let thresholds = [-1.5, 0.3, 0.1, 1.8];
    let bounds = half_point_thresholds(&thresholds);
    assert_eq!(bounds.len(), 4);
    let mut scratch = [0.0; 5];
    for (k, b) in bounds.iter().enumerate() {
        let e = score_moments(*b, &thresholds, &mut scratch).expected;
        assert!((e - (k as f64 + 0.5)).abs() < 1e-8, "bound {k}: E = {e}");
    }
    // Ordered although the Andrich thresholds 2 and 3 are not.
    assert!(bounds.windows(2).all(|w| w[1] > w[0]));
    // Symmetric thresholds give symmetric bounds.
    let sym = half_point_thresholds(&[-1.0, 1.0]);
    assert!((sym[0] + sym[1]).abs() < 1e-8);
}

#[test]
fn partitions_cut_adjacent_categories() {
    assert_eq!(
        partitions(4, 3),
        vec![vec![0, 1, 2, 2], vec![0, 1, 1, 2], vec![0, 0, 1, 2]]
    );
    // C(n-1, g-1) partitions.
    assert_eq!(partitions(5, 3).len(), 6);
    assert_eq!(partitions(5, 5), vec![vec![0, 1, 2, 3, 4]]);
    assert_eq!(partitions(3, 1), vec![vec![0, 0, 0]]);
}

/// The category a uniform draw `u` picks from the category probabilities `p`: the first whose
/// cumulative probability exceeds `u` (the top one when rounding leaves `u` above the sum).
fn sampled_category(p: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    p.iter()
        .position(|q| {
            acc += q;
            u < acc
        })
        .unwrap_or(p.len() - 1)
}

/// Draws (η, category) pairs with η ~ N(0, 1.5²) from thresholds `tau`.
fn draws(tau: &[f64], n: usize, seed: u64) -> Vec<(f64, usize)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut p = vec![0.0; tau.len() + 1];
    (0..n)
        .map(|_| {
            let eta: f64 = 1.5 * rng.sample::<f64, _>(StandardNormal);
            category_probabilities(eta, tau, &mut p);
            let u: f64 = rng.random();
            (eta, sampled_category(&p, u))
        })
        .collect()
}

#[test]
fn conditional_thresholds_recover_the_generating_thresholds() {
    let tau = [-1.2, 0.4, 0.1, 1.5];
    let obs = draws(&tau, 40_000, 7);
    let pooled = ScaleObservations::new(&obs, 5);
    let p = predict(&pooled, &[0, 1, 2, 3, 4], 5);
    let est = p.thresholds.unwrap();
    for (e, t) in est.iter().zip(&tau) {
        // S.E. about 1/sqrt(ΣQ(1-Q)) ≈ 0.02-0.03 at this size: 0.1 is four or more S.E.
        assert!((e - t).abs() < 0.1, "estimated {est:?}, true {tau:?}");
    }
    assert_eq!(p.counts.iter().sum::<usize>(), 40_000);
    // Outfits of model data are near 1.
    for o in p.outfits.iter().flatten() {
        assert!((o - 1.0).abs() < 0.15, "outfit {o}");
    }
}

/// Objects x items with a partial-credit scale per item; item `planted` has `tau_planted`.
fn rating_data(tau: &[[f64; 3]; 8], objects: usize, seed: u64) -> RatingData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let difficulties = [-0.5, 0.0, 0.2, 0.3, -0.3, 0.4, -0.1, 0.0];
    let mut responses = Vec::new();
    let mut p = [0.0; 4];
    for n in 0..objects {
        let b: f64 = 1.5 * rng.sample::<f64, _>(StandardNormal);
        for (i, d) in difficulties.iter().enumerate() {
            category_probabilities(b - d, &tau[i], &mut p);
            let u: f64 = rng.random();
            let k = sampled_category(&p, u);
            responses.push((vec![n as u32, i as u32], k as i32));
        }
    }
    let facets = vec![
        Facet::with_labels(
            "object",
            FacetRole::Object,
            (0..objects).map(|n| format!("o{n}")),
        ),
        Facet::with_labels(
            "item",
            FacetRole::Item,
            ["a", "b", "c", "d", "e", "f", "g", "h"],
        ),
    ];
    RatingData::from_responses(
        facets,
        ItemScale {
            min_score: 0,
            max_score: 3,
        },
        responses,
    )
    .unwrap()
}

#[test]
fn a_planted_rare_category_is_flagged_and_collapsed_with_a_neighbour() {
    let ordered = [-1.5, 0.0, 1.5];
    // Item c: category 2's thresholds reversed (F2 = 1.5 > F3 = -0.2), so 2 is seldom modal.
    let mut tau = [ordered; 8];
    tau[2] = [-1.5, 1.5, -0.2];
    let data = rating_data(&tau, 600, 11);
    let f = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let report = category_functioning(&f, &data);
    assert_eq!(report.len(), 8);
    for s in &report {
        assert_eq!(s.checks.len(), 8);
        assert_eq!(
            s.checks.iter().map(|c| c.number).collect::<Vec<_>>(),
            (1..=8).collect::<Vec<u8>>()
        );
        assert_eq!(s.items, vec![s.scale.clone()]);
    }
    let c = report.iter().find(|s| s.scale == "c").unwrap();
    let check = |s: &ScaleCategories, n: u8| s.checks[n as usize - 1].clone();
    // Guideline 5 fails with the fitted disorder as its value.
    let five = check(c, 5);
    assert!(!five.passed);
    let fitted = f.scales[2].thresholds();
    let advance = fitted
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::MAX, f64::min);
    assert!((five.value.unwrap() - advance).abs() < 1e-12);
    assert!(advance < -0.5, "thresholds {fitted:?}");
    let proposal = c.proposal.as_ref().expect("a proposal for item c");
    // Category 2 merges with a neighbour: three categories left, 0..=2.
    assert_eq!(proposal.groups.len(), 3);
    let merged: Vec<&Vec<i32>> = proposal.groups.iter().filter(|g| g.len() > 1).collect();
    assert_eq!(merged.len(), 1);
    assert!(merged[0] == &vec![1, 2] || merged[0] == &vec![2, 3]);
    assert_eq!(proposal.recode.values().copied().max(), Some(2));
    assert_eq!(proposal.item_recodes["c"], proposal.recode);
    assert!(proposal.predicted.iter().all(|c| c.passed));
    assert!(proposal.reason.contains("disordered thresholds"));
    // The ordered items need nothing.
    for s in report.iter().filter(|s| s.scale != "c") {
        assert!(check(s, 5).passed, "{}: {:?}", s.scale, s.checks);
        assert!(s.proposal.is_none(), "{}: {:?}", s.scale, s.checks);
        // Coherence as the categories give it: the smallest of M->C and C->M.
        let lowest = s
            .categories
            .iter()
            .flat_map(|c| [c.measure_implies_category, c.category_implies_measure])
            .flatten()
            .fold(f64::MAX, f64::min);
        assert_eq!(check(s, 6).value, Some(lowest));
    }
    // Counts add up to Table 8's.
    let table8: usize = f.scales[2].categories.iter().map(|c| c.count).sum();
    assert_eq!(c.categories.iter().map(|c| c.count).sum::<usize>(), table8);
}

#[test]
fn a_shared_scale_proposal_recodes_every_item() {
    let bad = [-1.5, 1.5, -0.2];
    let tau = [bad; 8];
    let data = rating_data(&tau, 300, 5);
    let options = FitOptions {
        scale_model: crate::measure::ScaleModel::RatingScale,
        ..FitOptions::default()
    };
    let f = fit(&data, &options, &mut NoObserver).unwrap();
    let report = category_functioning(&f, &data);
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].scale, "rating scale");
    assert_eq!(report[0].items.len(), 8);
    let p = report[0].proposal.as_ref().unwrap();
    assert_eq!(p.item_recodes.len(), 8);
    assert!(p.item_recodes.values().all(|m| m == &p.recode));
}

#[test]
fn too_few_observations_in_a_category_fail_guideline_one() {
    let counts = [3, 50, 60];
    let checks = essential_checks(
        &counts,
        &[Some(-1.0), Some(0.0), Some(1.0)],
        &[Some(0.9), Some(1.0), Some(2.4)],
        Some(&[-1.0, 1.0]),
    );
    let by = |g| checks.iter().find(|c| c.guideline == g).unwrap();
    assert!(!by(Guideline::ObservationsPerCategory).passed);
    assert_eq!(by(Guideline::ObservationsPerCategory).value, Some(3.0));
    assert!(by(Guideline::AverageMeasuresAdvance).passed);
    assert_eq!(by(Guideline::AverageMeasuresAdvance).value, Some(1.0));
    assert!(!by(Guideline::CategoryOutfit).passed);
    assert_eq!(by(Guideline::CategoryOutfit).value, Some(2.4));
    assert!(by(Guideline::ThresholdsAdvance).passed);
    // No thresholds estimable: guideline 5 fails.
    let none = essential_checks(&counts, &[None; 3], &[None; 3], None);
    assert!(!none[3].passed);
}

#[test]
fn coherence_counts_measures_in_category_zones() {
    // Two categories, threshold 0: the half-point boundary is at 0.
    let obs = [
        (-1.0, 0),
        (-2.0, 0),
        (1.0, 0),
        (1.0, 1),
        (2.0, 1),
        (-0.5, 1),
        (3.0, 1),
    ];
    let c = coherence(&[0.0], &obs, 2);
    // Zone 0 holds -1, -2, -0.5 (categories 0, 0, 1): M->C 2/3; category 0's observations at
    // -1, -2, 1: C->M 2/3. Zone 1 holds 1, 1, 2, 3 (0, 1, 1, 1): 3/4; category 1 at 1, 2,
    // -0.5, 3: 3/4.
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
    assert!(close(c[0].0, 200.0 / 3.0) && close(c[0].1, 200.0 / 3.0));
    assert!(close(c[1].0, 75.0) && close(c[1].1, 75.0));
    let check = coherence_check(&c);
    assert!(check.passed);
    assert!((check.value.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    // A category nobody is expected in fails: both measures in zone 1, one observed 0.
    let c = coherence(&[0.0], &[(1.0, 0), (2.0, 1)], 2);
    assert_eq!(c[0], (None, Some(0.0)));
    assert!(!coherence_check(&c).passed);
}

#[test]
fn values_read_as_their_guidelines() {
    let count = CategoryCheck::new(Guideline::ObservationsPerCategory, Some(623.0), true);
    assert_eq!(count.formatted_value(), "623");
    let coherence = CategoryCheck::new(Guideline::Coherence, Some(34.03), false);
    assert_eq!(coherence.formatted_value(), "34%");
    let advance = CategoryCheck::new(Guideline::ThresholdsAdvance, Some(-0.014), false);
    assert_eq!(advance.formatted_value(), "-0.01");
    let none = CategoryCheck::new(Guideline::MinimumAdvance, None, true);
    assert_eq!(none.formatted_value(), "-");
}
