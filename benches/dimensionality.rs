//! Winsteps Table 23 and Yen's Q3 at MHS size: `cargo bench --bench dimensionality [-- COMMENTS]`.
//!
//! Simulates MHS-shaped data (39,565 comments by default: about 1.35M item responses in about
//! 135k comment x rater records, ten items), fits it once with Facets' defaults (JMLE, partial
//! credit per item; not timed), then times `measure::dimensionality` (one pass over the records
//! for the residual correlations, Q3 and the variance sums; the eigendecomposition; one pass over
//! the objects re-measuring them from each cluster of the first contrast) five times and prints
//! the fastest and the median wall-clock seconds, the CPU seconds and the peak memory.
//! Target (issue 13): under 2 s at MHS size in release.

#![allow(clippy::unwrap_used)] // benchmarks may panic on unexpected values

use std::time::Instant;

mod common;

use common::{comments_arg, cpu_seconds, peak_rss_mib};
use scalewright::measure::{self, FitOptions, NoObserver};
use scalewright::simulate::{self, SimulationConfig};

fn main() {
    let comments = comments_arg();
    let simulation = simulate::simulate(&SimulationConfig {
        comments,
        ..SimulationConfig::default()
    })
    .unwrap();
    let data = simulation.rating_data();
    let fit = measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    println!(
        "threads: {}; {} comments, {} responses",
        rayon::current_num_threads(),
        comments,
        data.len()
    );
    let mut seconds = Vec::new();
    let cpu_before = cpu_seconds();
    let mut last = None;
    for _ in 0..5 {
        let start = Instant::now();
        let table = measure::dimensionality(&fit, &data).unwrap();
        seconds.push(start.elapsed().as_secs_f64());
        last = Some(table);
    }
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| (after - before) / 5.0);
    seconds.sort_by(f64::total_cmp);
    let table = last.unwrap();
    println!(
        "{:>9} {:>9} {:>9} {:>9} {:>12} {:>10} {:>9}",
        "records", "fastest s", "median s", "cpu s", "1st contrast", "max Q3", "peak MiB"
    );
    println!(
        "{:>9} {:>9.3} {:>9.3} {:>9} {:>12.3} {:>10} {:>9}",
        table.record.records,
        seconds[0],
        seconds[2],
        cpu.map_or_else(|| "-".into(), |c| format!("{c:.2}")),
        table.first_contrast().map_or(0.0, |c| c.eigenvalue),
        table
            .q3
            .max
            .map_or_else(|| "-".into(), |m| format!("{m:.3}")),
        peak_rss_mib().map_or_else(|| "-".into(), |m| format!("{m:.0}")),
    );
}
