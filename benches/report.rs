//! The HTML report at MHS size: `cargo bench --bench report [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set (39,565 comments by default: about 1.35 million item
//! responses by about 7,900 raters), ingests it with the `mhs` preset, fits it (JMLE, Facets'
//! defaults), flags the raters and runs a rater x item bias analysis (setup, not timed). Then
//! times `pipeline::write_report` (load the run, gather flags, decisions and the newest bias
//! analysis, draw every figure as SVG, render and write the page) five times and prints the
//! fastest and median wall-clock seconds, the CPU seconds, the page's size and the peak memory.
//! Targets (issue 14): under 5 s and under 10 MB at MHS size.

#![allow(clippy::unwrap_used)] // benchmarks may panic on unexpected values

mod common;

use common::{comments_arg, cpu_seconds, fitted_mhs_project, peak_rss_mib};
use scalewright::measure::NoObserver;
use scalewright::pipeline;
use scalewright::store::Project;
use std::time::Instant;

fn main() {
    let comments = comments_arg();
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let (db, _simulation, fit) = fitted_mhs_project(dir.path(), comments).unwrap();
    let mut project = Project::open(&db).unwrap();
    pipeline::flag_run(&mut project, fit.run_id).unwrap();
    pipeline::bias_table(&mut project, fit.run_id, ["rater", "item"]).unwrap();
    eprintln!(
        "setup: {} comments, {} responses simulated, ingested, fitted, flagged and bias-analysed in {:.1} s",
        comments,
        fit.observations,
        t0.elapsed().as_secs_f64()
    );
    let path = dir.path().join("report.html");
    let mut seconds = Vec::new();
    let cpu_before = cpu_seconds();
    let mut last = None;
    for _ in 0..5 {
        let start = Instant::now();
        let summary = pipeline::write_report(&project, fit.run_id, &path, &mut NoObserver).unwrap();
        seconds.push(start.elapsed().as_secs_f64());
        last = Some(summary);
    }
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| (after - before) / 5.0);
    seconds.sort_by(f64::total_cmp);
    let summary = last.unwrap();
    println!(
        "threads: {}; {} comments, {} responses",
        rayon::current_num_threads(),
        comments,
        fit.observations
    );
    println!(
        "{:>11} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9}",
        "Table 7 rows", "fastest s", "median s", "cpu s", "MB", "figures", "peak MiB"
    );
    println!(
        "{:>11} {:>9.3} {:>9.3} {:>9} {:>8.2} {:>8} {:>9}",
        summary.table7_rows,
        seconds[0],
        seconds[2],
        cpu.map_or_else(|| "-".into(), |c| format!("{c:.2}")),
        summary.bytes as f64 / 1e6,
        summary.figures.len(),
        peak_rss_mib().map_or_else(|| "-".into(), |m| format!("{m:.0}")),
    );
    for missing in &summary.figures_missing {
        println!("not drawn: {missing}");
    }
}
