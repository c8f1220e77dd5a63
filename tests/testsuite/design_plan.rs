//! The information-based design plan (D-study) against simulation truth: a run with 3-4 raters
//! per comment forecasts the object separation that fits of 2- and 6-rater designs from the same
//! population show.
//!
//! Sizes (a debug run of a few seconds per fit): MHS-shaped simulations (`simulate` module, ten
//! MHS items, comment measures ~ N(-0.5, 2²), rater severities ~ N(0, 0.7²), only model-following
//! raters) of 500 comments with a 10-comment reference set: 3-4 raters per comment (about
//! 17,000 responses), 2 raters (about 10,000) and 6 raters (about 30,000), each fitted by JMLE.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use scalewright::measure::{self, Fit, FitOptions, NoObserver};
use scalewright::quality::plan::{plan_design, simulate_designs};
use scalewright::simulate::{simulate, SimulationConfig};

fn fitted(raters: (usize, usize), seed: u64) -> Fit {
    let sim = simulate(&SimulationConfig {
        comments: 500,
        raters_per_comment: raters,
        reference_comments: 10,
        reference_per_rater: (1, 2),
        random_responder_share: 0.0,
        straight_liner_share: 0.0,
        seed,
        ..SimulationConfig::default()
    })
    .unwrap();
    measure::fit(&sim.rating_data(), &FitOptions::default(), &mut NoObserver).unwrap()
}

fn separation(fit: &Fit) -> f64 {
    fit.facets[0].summary.model_population.separation
}

#[test]
fn a_three_to_four_rater_run_forecasts_two_and_six_rater_separations() {
    let run = fitted((3, 4), 101);
    let plan = plan_design(&run, &[2, 6], Some(0.9)).unwrap();
    let two = fitted((2, 2), 202);
    let six = fitted((6, 6), 303);
    for (forecast, fit) in plan.designs.iter().zip([&two, &six]) {
        let observed = separation(fit);
        eprintln!(
            "R = {}: forecast separation {:.3} (RMSE {:.3}, true SD {:.3}), fitted {observed:.3} \
             (RMSE {:.3}, true SD {:.3})",
            forecast.raters_per_object,
            forecast.separation,
            forecast.rmse,
            forecast.true_sd,
            fit.facets[0].summary.model_population.rmse,
            fit.facets[0].summary.model_population.adjusted_sd
        );
        let relative = (forecast.separation - observed).abs() / observed;
        assert!(
            relative < 0.10,
            "R = {}: forecast separation {:.3}, fitted {observed:.3} ({:.1}% off)",
            forecast.raters_per_object,
            forecast.separation,
            100.0 * relative
        );
    }
    // More raters, smaller error, higher reliability.
    assert!(plan.designs[0].rmse > plan.designs[1].rmse);
    assert!(plan.designs[0].reliability < plan.designs[1].reliability);
    // The raters needed for .9: the smallest R whose forecast reaches it.
    let needed = plan.needed_for_target.unwrap();
    let around = plan_design(&run, &[needed.max(2) - 1, needed], None).unwrap();
    assert!(around.designs[1].reliability >= 0.9);
    if needed > 1 {
        assert!(around.designs[0].reliability < 0.9);
    }
    // The run's own design (3-4 raters) forecasts close to the run itself.
    let own = plan_design(&run, &[3, 4], None).unwrap();
    let s = separation(&run);
    assert!(
        own.designs[0].separation < s * 1.1 && own.designs[1].separation > s * 0.9,
        "{:?} vs {s}",
        own.designs
    );
}

#[test]
fn an_mml_run_forecasts_the_same_designs() {
    // MML: the population SD is the true spread the EAPs are rescaled to.
    let sim = simulate(&SimulationConfig {
        comments: 500,
        raters_per_comment: (3, 4),
        reference_comments: 10,
        reference_per_rater: (1, 2),
        random_responder_share: 0.0,
        straight_liner_share: 0.0,
        seed: 101,
        ..SimulationConfig::default()
    })
    .unwrap();
    let options = FitOptions {
        method: scalewright::measure::Method::Mml,
        ..FitOptions::default()
    };
    let run = measure::fit(&sim.rating_data(), &options, &mut NoObserver).unwrap();
    let plan = plan_design(&run, &[2, 6], None).unwrap();
    assert_eq!(plan.true_sd, run.mml.as_ref().unwrap().population_sd);
    for (forecast, fit) in plan
        .designs
        .iter()
        .zip([fitted((2, 2), 202), fitted((6, 6), 303)])
    {
        let observed = separation(&fit);
        eprintln!(
            "MML run, R = {}: forecast {:.3}, fitted {observed:.3}",
            forecast.raters_per_object, forecast.separation
        );
        assert!(
            (forecast.separation - observed).abs() / observed < 0.10,
            "R = {}: forecast {:.3}, fitted {observed:.3}",
            forecast.raters_per_object,
            forecast.separation
        );
    }
}

#[test]
fn simulated_refits_agree_with_the_forecast() {
    let run = fitted((3, 4), 101);
    let plan = plan_design(&run, &[2], None).unwrap();
    let simulated = simulate_designs(&run, &[2], 1, 7).unwrap();
    eprintln!(
        "simulated {:?}\nforecast {:?}",
        simulated[0], plan.designs[0]
    );
    assert_eq!(simulated[0].replications, 1);
    let relative =
        (simulated[0].separation - plan.designs[0].separation).abs() / plan.designs[0].separation;
    assert!(
        relative < 0.10,
        "simulated {:?} vs forecast {:?}",
        simulated[0],
        plan.designs[0]
    );
    // Deterministic in the seed.
    assert_eq!(simulate_designs(&run, &[2], 1, 7).unwrap(), simulated);
}

#[test]
fn bad_settings_are_refused() {
    let run = fitted((3, 4), 101);
    assert!(plan_design(&run, &[0], None).is_err());
    assert!(plan_design(&run, &[2], Some(1.0)).is_err());
    assert!(simulate_designs(&run, &[100_000], 1, 1).is_err());
}
