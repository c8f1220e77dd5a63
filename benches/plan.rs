//! The design plan (D-study) at MHS size: `cargo bench --bench plan [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set (39,565 comments by default: about 134,000 comment-rater
//! rows, 1.34 million item responses, 7,900 raters, ten items), fits it with Facets' defaults
//! (JMLE; not timed), then times `quality::plan::plan_design` for 1, 2, 3, 4, 6, 8 and 10 raters
//! per object with a target reliability of .9 (the search for the smallest number runs up to
//! 1,000 raters per object). Target: under 1 s. Prints the wall and CPU seconds and the forecast.

#![allow(clippy::unwrap_used)] // benchmarks may panic on unexpected values

mod common;

use common::{comments_arg, cpu_seconds};
use scalewright::measure::{self, FitOptions, NoObserver};
use scalewright::quality::plan::plan_design;
use scalewright::simulate::{self, SimulationConfig};
use std::time::Instant;

fn main() {
    let comments = comments_arg();
    let data = simulate::simulate(&SimulationConfig {
        comments,
        ..SimulationConfig::default()
    })
    .expect("simulation")
    .rating_data();
    let t0 = Instant::now();
    let fit = measure::fit(&data, &FitOptions::default(), &mut NoObserver).expect("fit");
    eprintln!(
        "fitted {} responses in {:.1} s ({} iterations)",
        data.len(),
        t0.elapsed().as_secs_f64(),
        fit.iterations()
    );
    let raters = [1, 2, 3, 4, 6, 8, 10];
    let cpu0 = cpu_seconds();
    let t1 = Instant::now();
    let plan = plan_design(&fit, &raters, Some(0.9)).expect("plan");
    let seconds = t1.elapsed().as_secs_f64();
    let cpu = match (cpu0, cpu_seconds()) {
        (Some(a), Some(b)) => format!(", {:.2} CPU s", b - a),
        _ => String::new(),
    };
    println!(
        "plan: {} objects, {} raters, {} items: {seconds:.3} s wall{cpu} (target < 1 s)",
        plan.objects, plan.raters, plan.items
    );
    for d in &plan.designs {
        println!(
            "  R = {:>2}: RMSE {:.3}, true SD {:.3}, separation {:.2}, reliability {:.3}",
            d.raters_per_object, d.rmse, d.true_sd, d.separation, d.reliability
        );
    }
    println!(
        "  raters per object for reliability .9: {:?}",
        plan.needed_for_target
    );
}
