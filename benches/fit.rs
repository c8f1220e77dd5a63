//! JMLE at MHS shape: `cargo bench --bench fit [-- RESPONSES...]`.
//!
//! Simulates MHS-shaped data (comments rated by 2-4 of ~200 raters per 1,000 comments, ten
//! partial-credit items; `simulate::simulate`) at about 10k, 100k, 1M and 10M item responses
//! (or the sizes given on the command line), fits the many-facet model with Facets' defaults
//! (`measure::fit`, partial credit per item, convergence .5 score points and .01 logits) and
//! prints the iterations, the fit's wall-clock seconds (split into setup with the first
//! iteration, the remaining iterations, and the extreme measures with the tables) and the process's peak resident memory
//! (VmHWM, cumulative over the run, so it grows with the largest size so far).
//! `FIT_BENCH_VERBOSE=1` prints every iteration's report.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use std::time::Instant;

mod common;

use common::{cpu_seconds, peak_rss_mib};
use scalewright::data::RatingData;
use scalewright::measure::{self, FitOptions};
use scalewright::simulate::{self, SimulationConfig};

/// Item responses per simulated comment (about 3.39 raters x 10 items).
const RESPONSES_PER_COMMENT: f64 = 33.9;

/// The simulated ratings as three-facet rating data (comment, rater, item).
fn mhs_data(comments: usize) -> RatingData {
    simulate::simulate(&SimulationConfig {
        comments,
        ..Default::default()
    })
    .expect("simulation")
    .rating_data()
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000, 1_000_000, 10_000_000]
    } else {
        sizes
    };
    println!(
        "threads: {}; MHS size: {} comments",
        rayon::current_num_threads(),
        simulate::MHS_COMMENTS
    );
    println!(
        "{:>10} {:>9} {:>7} {:>10} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>12}",
        "responses",
        "comments",
        "raters",
        "iterations",
        "converged",
        "fit s",
        "cpu s",
        "setup+1",
        "iter s",
        "after",
        "peak MiB"
    );
    for target in sizes {
        let comments = ((target as f64 / RESPONSES_PER_COMMENT).round() as usize).max(60);
        let data = mhs_data(comments);
        let cpu_start = cpu_seconds().unwrap_or(f64::NAN);
        let start = Instant::now();
        let mut first = None;
        let mut last = None;
        let verbose = std::env::var_os("FIT_BENCH_VERBOSE").is_some();
        let mut observer = |r: &measure::IterationReport| {
            let now = start.elapsed().as_secs_f64();
            if verbose {
                eprintln!(
                    "  {:>3} {:>8.3}s residual {:>9.4} at {:?}, change {:.5} at {:?}",
                    r.iteration,
                    now,
                    r.max_score_residual,
                    r.max_residual_element,
                    r.max_change,
                    r.max_change_parameter
                );
            }
            first.get_or_insert(now);
            last = Some(now);
            std::ops::ControlFlow::Continue(())
        };
        let fit = measure::fit(&data, &FitOptions::default(), &mut observer).expect("fit");
        let seconds = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds().unwrap_or(f64::NAN) - cpu_start;
        let (first, last) = (first.unwrap_or(0.0), last.unwrap_or(0.0));
        println!(
            "{:>10} {:>9} {:>7} {:>10} {:>9} {:>10.3} {:>8.2} {:>8.3} {:>8.3} {:>8.3} {:>12.0}",
            data.len(),
            comments,
            data.facets[1].len(),
            fit.iterations(),
            fit.converged,
            seconds,
            cpu,
            first,
            last - first,
            seconds - last,
            peak_rss_mib().unwrap_or(f64::NAN)
        );
    }
}
