//! Model comparison on simulations with known truth: the likelihood-ratio test of a rating scale
//! within partial credit (MML), free-parameter counts of small designs against hand counts, and
//! the AIC/BIC arithmetic on the stored log-likelihoods.
//!
//! Design of the simulations: 400 objects ~ N(0, 1.5²), 20 raters (severities ~ N(0, 0.5²),
//! centred), each object rated by 2 distinct raters on 5 items with 4 categories (0..=3), so
//! 4,000 responses; item difficulties -1, -0.5, 0, 0.5, 1.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use scalewright::data::{Facet, FacetRole, ItemScale, RatingData};
use scalewright::measure::model::category_probabilities;
use scalewright::measure::{
    self, Anchors, ElementAnchor, FitOptions, Method, NoObserver, ScaleAnchor, ScaleModel,
};
use scalewright::pipeline::{
    aic, bic, compare_fits, free_parameters, summarise_model, LikelihoodKind, RunModel,
};

const OBJECTS: usize = 400;
const RATERS: usize = 20;
const DIFFICULTIES: [f64; 5] = [-1.0, -0.5, 0.0, 0.5, 1.0];

/// Simulates the design above with thresholds `thresholds[i]` for item `i`.
fn simulate(thresholds: &[[f64; 3]; 5], seed: u64) -> RatingData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let objects: Vec<f64> = (0..OBJECTS)
        .map(|_| 1.5 * rng.sample::<f64, _>(StandardNormal))
        .collect();
    let mut severities: Vec<f64> = (0..RATERS)
        .map(|_| 0.5 * rng.sample::<f64, _>(StandardNormal))
        .collect();
    let mean = severities.iter().sum::<f64>() / RATERS as f64;
    severities.iter_mut().for_each(|c| *c -= mean);
    let mut responses = Vec::new();
    let mut p = [0.0; 4];
    for (o, b) in objects.iter().enumerate() {
        for j in rand::seq::index::sample(&mut rng, RATERS, 2) {
            for (i, d) in DIFFICULTIES.iter().enumerate() {
                category_probabilities(b - severities[j] - d, &thresholds[i], &mut p);
                let k = scalewright::simulate::draw_category(&p, rng.random());
                responses.push((vec![o as u32, j as u32, i as u32], i32::from(k)));
            }
        }
    }
    let facet = |name: &str, role, n: usize| Facet {
        name: name.into(),
        role,
        labels: (1..=n).map(|i| i.to_string()).collect(),
    };
    RatingData::from_responses(
        vec![
            facet("object", FacetRole::Object, OBJECTS),
            facet("rater", FacetRole::Rater, RATERS),
            facet("item", FacetRole::Item, DIFFICULTIES.len()),
        ],
        ItemScale {
            min_score: 0,
            max_score: 3,
        },
        responses,
    )
    .unwrap()
}

fn mml(scale_model: ScaleModel) -> FitOptions {
    FitOptions {
        method: Method::Mml,
        scale_model,
        ..FitOptions::default()
    }
}

fn pcm() -> ScaleModel {
    ScaleModel::PartialCredit { facet: None }
}

/// The LR statistic of RSM within PCM on `data`, with both fits.
fn rsm_within_pcm(data: &RatingData) -> scalewright::pipeline::ModelComparison {
    let rsm = measure::fit(data, &mml(ScaleModel::RatingScale), &mut NoObserver).unwrap();
    let pcm = measure::fit(data, &mml(pcm()), &mut NoObserver).unwrap();
    assert!(rsm.converged && pcm.converged);
    let fingerprint = scalewright::provenance::data_fingerprint(data);
    // Named general first: the comparison finds the nesting whichever order the runs come in.
    compare_fits(&[
        RunModel {
            run: 2,
            fit: &pcm,
            data_fingerprint: &fingerprint,
        },
        RunModel {
            run: 1,
            fit: &rsm,
            data_fingerprint: &fingerprint,
        },
    ])
}

#[test]
fn rating_scale_data_do_not_reject_the_rating_scale() {
    let shared = [-1.2, 0.0, 1.2];
    let data = simulate(&[shared; 5], 11);
    let c = rsm_within_pcm(&data);
    let test = c.lr_test.expect("RSM is nested in PCM");
    eprintln!("rating-scale truth: {test:?}");
    assert_eq!((test.restricted, test.general), (1, 2));
    // d.f. = the thresholds PCM adds: 5 items x 2 free thresholds - 2 shared = 8.
    assert_eq!(test.df, 8);
    assert_eq!(c.runs[0].parameters - c.runs[1].parameters, 8);
    assert!(test.p > 0.01, "{test:?}");
    assert!(c.same_observations);
    // chi-square = 2 (lnL_PCM - lnL_RSM) from the two stored marginal log-likelihoods.
    let by_hand = 2.0 * (c.runs[0].log_likelihood - c.runs[1].log_likelihood);
    assert!((test.chi_square - by_hand.max(0.0)).abs() < 1e-9);
}

#[test]
fn item_specific_thresholds_reject_the_rating_scale() {
    let thresholds = [
        [-2.0, 0.0, 2.0],
        [-0.4, 0.0, 0.4],
        [-1.5, -0.5, 2.0],
        [-2.0, 1.0, 1.0],
        [-0.8, 0.2, 0.6],
    ];
    let data = simulate(&thresholds, 12);
    let c = rsm_within_pcm(&data);
    let test = c.lr_test.unwrap();
    eprintln!("item-specific truth: {test:?}");
    assert_eq!(test.df, 8);
    assert!(test.p < 0.01, "{test:?}");
    assert!(
        test.chi_square > 20.09,
        "chi-square(8) at 1% is 20.09: {test:?}"
    );
    // The better model by AIC and BIC is partial credit too.
    assert!(c.runs[0].aic < c.runs[1].aic && c.runs[0].bic < c.runs[1].bic);
}

#[test]
fn parameter_counts_match_hand_counts() {
    let data = simulate(&[[-1.2, 0.0, 1.2]; 5], 11);
    // MML, partial credit: raters 20 - 1 (centred) + items 5 - 1 (centred) + 5 x (3 - 1)
    // thresholds + mu and sigma = 19 + 4 + 10 + 2 = 35.
    let fit = measure::fit(&data, &mml(pcm()), &mut NoObserver).unwrap();
    let count = free_parameters(&fit);
    assert_eq!(
        (
            count.elements,
            count.centring_constraints,
            count.thresholds,
            count.population
        ),
        (25, 2, 10, 2)
    );
    assert_eq!(count.total, 35);
    // MML, rating scale: 19 + 4 + (3 - 1) + 2 = 27.
    let fit = measure::fit(&data, &mml(ScaleModel::RatingScale), &mut NoObserver).unwrap();
    assert_eq!(free_parameters(&fit).total, 27);
    // MML, one rater anchored (the rater facet is then not centred) and the shared scale
    // anchored: raters 19 + items 5 - 1 + no thresholds + 2 = 25.
    let mut options = mml(ScaleModel::RatingScale);
    options.anchors = Anchors {
        elements: vec![ElementAnchor {
            facet: 1,
            element: 0,
            measure: 0.0,
        }],
        scales: vec![ScaleAnchor {
            element: None,
            thresholds: vec![-1.2, 0.0, 1.2],
        }],
    };
    let fit = measure::fit(&data, &options, &mut NoObserver).unwrap();
    let count = free_parameters(&fit);
    assert_eq!(
        (
            count.elements,
            count.centring_constraints,
            count.thresholds,
            count.population
        ),
        (24, 1, 0, 2)
    );
    assert_eq!(count.total, 25);
    // JMLE, partial credit: every non-extreme object is a parameter too; the count is the one
    // Table 5's degrees of freedom subtract from the responses used.
    let fit = measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let measured_objects = fit.facets[0]
        .elements
        .iter()
        .filter(|e| e.status == measure::ElementStatus::Measured)
        .count();
    assert!(measured_objects > 350, "{measured_objects}");
    let count = free_parameters(&fit);
    assert_eq!(count.total, measured_objects + 19 + 4 + 10);
    assert_eq!(
        count.total as f64,
        fit.global.estimation_observations as f64 - fit.global.degrees_of_freedom
    );
}

#[test]
fn information_criteria_follow_the_stored_log_likelihood() {
    // Hand values: lnL = -1234.5, k = 10, N = 100: AIC = 2469 + 20 = 2489,
    // BIC = 2469 + 10 ln 100 = 2469 + 46.0517 = 2515.0517.
    assert!((aic(-1234.5, 10) - 2489.0).abs() < 1e-12);
    assert!((bic(-1234.5, 10, 100) - 2515.0517).abs() < 1e-4);

    let data = simulate(&[[-1.2, 0.0, 1.2]; 5], 11);
    let fit = measure::fit(&data, &mml(ScaleModel::RatingScale), &mut NoObserver).unwrap();
    let s = summarise_model(7, &fit);
    let lnl = fit.mml.as_ref().unwrap().marginal_log_likelihood;
    assert_eq!(s.likelihood, LikelihoodKind::Marginal);
    assert_eq!(s.log_likelihood, lnl);
    assert_eq!((s.parameters, s.sample_size), (27, OBJECTS));
    assert!((s.aic - (-2.0 * lnl + 54.0)).abs() < 1e-9);
    assert!((s.bic - (-2.0 * lnl + 27.0 * (OBJECTS as f64).ln())).abs() < 1e-9);

    // JMLE: the joint log-likelihood of Table 5, N = the responses used.
    let fit = measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let s = summarise_model(8, &fit);
    assert_eq!(s.likelihood, LikelihoodKind::Joint);
    assert_eq!(s.log_likelihood, fit.global.log_likelihood);
    assert_eq!(s.sample_size, fit.global.estimation_observations);
    let k = s.parameters as f64;
    assert!((s.bic - (-2.0 * s.log_likelihood + k * (s.sample_size as f64).ln())).abs() < 1e-9);
}

#[test]
fn runs_on_other_observations_or_by_jmle_get_no_test_and_say_why() {
    let data = simulate(&[[-1.2, 0.0, 1.2]; 5], 11);
    let rsm = measure::fit(&data, &mml(ScaleModel::RatingScale), &mut NoObserver).unwrap();
    let pcm = measure::fit(&data, &mml(pcm()), &mut NoObserver).unwrap();
    let c = compare_fits(&[
        RunModel {
            run: 1,
            fit: &rsm,
            data_fingerprint: "a",
        },
        RunModel {
            run: 2,
            fit: &pcm,
            data_fingerprint: "b",
        },
    ]);
    assert!(c.lr_test.is_none() && !c.same_observations);
    assert!(
        c.notes[0].contains("different observations"),
        "{:?}",
        c.notes
    );

    let jmle_rsm = measure::fit(
        &data,
        &FitOptions {
            scale_model: ScaleModel::RatingScale,
            ..FitOptions::default()
        },
        &mut NoObserver,
    )
    .unwrap();
    let jmle_pcm = measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let c = compare_fits(&[
        RunModel {
            run: 1,
            fit: &jmle_rsm,
            data_fingerprint: "a",
        },
        RunModel {
            run: 2,
            fit: &jmle_pcm,
            data_fingerprint: "a",
        },
    ]);
    assert!(c.lr_test.is_none() && c.same_observations);
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("not a basis for inference")),
        "{:?}",
        c.notes
    );
}

#[test]
fn three_runs_test_every_nested_pair_and_a_zero_df_pair_is_not_tested() {
    assert!(scalewright::pipeline::likelihood_ratio((1, -10.0), (2, -9.0), 0).is_none());
    let t = scalewright::pipeline::likelihood_ratio((1, -10.0), (2, -8.0), 2).unwrap();
    // chi-square 4 on 2 d.f.: p = exp(-2).
    assert!((t.chi_square - 4.0).abs() < 1e-12 && (t.p - (-2.0f64).exp()).abs() < 1e-12);

    let data = simulate(&[[-1.2, 0.0, 1.2]; 5], 11);
    let rsm = measure::fit(&data, &mml(ScaleModel::RatingScale), &mut NoObserver).unwrap();
    let pcm = measure::fit(&data, &mml(pcm()), &mut NoObserver).unwrap();
    let jmle = measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let run = |run, fit| RunModel {
        run,
        fit,
        data_fingerprint: "same",
    };
    let c = compare_fits(&[run(1, &jmle), run(2, &rsm), run(3, &pcm)]);
    assert_eq!(c.runs.len(), 3);
    assert_eq!(c.lr_tests.len(), 1);
    assert_eq!(c.lr_test, c.lr_tests.first().copied());
    let t = c.lr_test.unwrap();
    assert_eq!((t.restricted, t.general, t.df), (2, 3, 8));
    assert!(c
        .notes
        .iter()
        .any(|n| n.contains("not compared with each other")));
}
