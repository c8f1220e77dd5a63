//! The rater diagnosis at MHS scale: `cargo bench --bench diagnosis [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set with the realistic rater mix (39,565 comments by default:
//! about 7,900 raters, 1.34 million item responses; 12% subtler failing raters, 5% random, 3%
//! straight-liners, 6% honest decoys), fits it (JMLE, defaults), then times
//! `quality::diagnosis::diagnose` with the default settings (40 bootstrap replicates per rater)
//! and prints wall and CPU time, peak memory, and recall / precision against the truth per kind.

#![allow(clippy::unwrap_used)] // benches may panic on unexpected values

mod common;

use common::{comments_arg, cpu_seconds, peak_rss_mib};
use scalewright::measure::{self, FitOptions, NoObserver};
use scalewright::quality::diagnosis::{diagnose, DiagnosisSettings};
use scalewright::simulate::{self, RaterMix, SimulationConfig};
use std::time::Instant;

fn main() {
    let comments = comments_arg();
    let sim = simulate::simulate(&SimulationConfig {
        comments,
        rater_mix: RaterMix::realistic(),
        ..SimulationConfig::default()
    })
    .expect("simulation");
    let data = sim.rating_data();
    let t0 = Instant::now();
    let fit = measure::fit(&data, &FitOptions::default(), &mut NoObserver).expect("fit");
    eprintln!(
        "{} comments, {} raters, {} responses; fitted in {:.1} s",
        sim.comments.len(),
        sim.raters.len(),
        data.len(),
        t0.elapsed().as_secs_f64()
    );
    let settings = DiagnosisSettings::default();
    let cpu0 = cpu_seconds();
    let t1 = Instant::now();
    let diagnosis = diagnose(&data, &fit, 1, &settings, None).expect("diagnosis");
    let seconds = t1.elapsed().as_secs_f64();
    let cpu = match (cpu0, cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.1} s CPU", b - a),
        _ => "CPU time unknown".into(),
    };
    println!(
        "diagnosis of {} raters ({} replicates each): {seconds:.2} s wall, {cpu}, peak RSS {}",
        diagnosis.raters.len(),
        settings.replicates,
        peak_rss_mib().map_or("unknown".into(), |m| format!("{m:.0} MiB"))
    );
    let level = settings.false_discovery_rate;
    let by_kind = sim.flagged_by_kind(
        diagnosis
            .raters
            .iter()
            .map(|r| (r.element, !r.findings(level).is_empty())),
    );
    let (mut failing, mut found, mut false_flags) = (0, 0, 0);
    for (kind, (n, flagged)) in &by_kind {
        println!("  {kind:<20} {flagged:>5} of {n:>5} flagged");
        let honest = ["normal", "benign_only", "very_severe", "very_lenient"].contains(kind);
        if honest {
            false_flags += flagged;
        } else {
            failing += n;
            found += flagged;
        }
    }
    println!(
        "recall {:.3} ({found} of {failing}), precision {:.3}",
        found as f64 / failing as f64,
        found as f64 / (found + false_flags).max(1) as f64
    );
}
