//! MML estimation at MHS scale: `cargo bench --bench mml [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set (39,565 comments by default: about 134,000 comment-rater
//! rows, 1.34 million item responses, 7,900 raters, 10 items with 5 or 3 categories) and times
//! `measure::fit` with `Method::Mml` (default MML options: 7 adaptive Gauss-Hermite points, EAP).
//! Prints the EM iterations, convergence, wall time, the population SD and the recovery of the
//! true comment measures and (normal) rater severities.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

mod common;

use common::{cpu_seconds, pearson};
use scalewright::measure::{self, FitOptions, Method};
use scalewright::simulate::{self, RaterKind, SimulationConfig, MHS_COMMENTS};
use std::time::Instant;

fn main() {
    let comments = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(MHS_COMMENTS);
    let t0 = Instant::now();
    let sim = simulate::simulate(&SimulationConfig {
        comments,
        ..SimulationConfig::default()
    })
    .expect("simulation");
    let data = sim.rating_data();
    eprintln!(
        "simulated {} comments, {} raters, {} responses in {:.1} s",
        sim.comments.len(),
        sim.raters.len(),
        data.len(),
        t0.elapsed().as_secs_f64()
    );
    let options = FitOptions {
        method: Method::Mml,
        ..FitOptions::default()
    };
    let t1 = Instant::now();
    let cpu0 = cpu_seconds();
    let mut last = Instant::now();
    let mut progress = |r: &measure::IterationReport| {
        eprintln!(
            "  iteration {:>3}: marginal logL {:.3}, max residual {:.3} {:?}, max change {:.5} {:?} ({:.2} s)",
            r.iteration,
            r.log_likelihood,
            r.max_score_residual,
            r.max_residual_element,
            r.max_change,
            r.max_change_parameter,
            last.elapsed().as_secs_f64()
        );
        last = Instant::now();
        std::ops::ControlFlow::Continue(())
    };
    let fit = measure::fit(&data, &options, &mut progress).expect("fit");
    let seconds = t1.elapsed().as_secs_f64();
    if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
        println!(
            "CPU time of the fit {:.2} s on {} threads (a lower bound of the wall time on an \
             otherwise idle machine: {:.2} s)",
            b - a,
            rayon::current_num_threads(),
            (b - a) / rayon::current_num_threads() as f64
        );
    }
    let mml = fit.mml.as_ref().expect("MML summary");
    let truth: Vec<f64> = sim.comments.iter().map(|c| c.measure).collect();
    let (est, tru): (Vec<f64>, Vec<f64>) = fit
        .measures(1)
        .iter()
        .zip(&sim.raters)
        .filter(|(_, r)| r.kind == RaterKind::Normal)
        .map(|(e, r)| (*e, r.severity))
        .unzip();
    println!(
        "MML at {} responses: {} EM iterations, converged {}, {seconds:.2} s; mu {:.3}, sigma {:.3} \
         (truth {:.1}, {:.1}); r(EAP, truth) {:.4}; r(normal raters) {:.4}",
        data.len(),
        fit.iterations(),
        fit.converged,
        mml.population_mean,
        mml.population_sd,
        sim.config.measure_mean,
        sim.config.measure_sd,
        pearson(&mml.eap, &truth),
        pearson(&est, &tru)
    );
}
