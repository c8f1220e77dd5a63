//! The category advisor at MHS scale: `cargo bench --bench categories [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set (39,565 comments by default: about 1.34 million item
//! responses) with a planted rarely chosen category (`insult:2`, as `simulate
//! --unused-category insult:2`), ingests it with the `mhs` preset and fits it (setup, not
//! timed). Then times what `scalewright categories --refit` does: the guidelines and proposals
//! of every scale (`pipeline::category_advice`) and the refit of every proposal, and of all of
//! them together (`pipeline::refit_proposals`). Target (issue 13): the whole under 30 s.
//! Prints the proposals, each refit's wall time share, and whether the planted item's refit has
//! ordered thresholds.

#![allow(clippy::unwrap_used)] // benchmarks may panic on unexpected values

mod common;

use common::{comments_arg, cpu_seconds, peak_rss_mib};
use scalewright::config::Preset;
use scalewright::ingest::{self, IngestOptions};
use scalewright::measure::NoObserver;
use scalewright::pipeline::{self, FitRequest};
use scalewright::simulate::{self, SimulationConfig};
use scalewright::store::Project;
use std::time::Instant;

fn main() {
    let comments = comments_arg();
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let simulation = simulate::simulate(&SimulationConfig {
        comments,
        unused_category: Some("insult:2".parse().unwrap()),
        ..SimulationConfig::default()
    })
    .unwrap();
    let files = simulation.write(dir.path()).unwrap();
    let staged = ingest::stage(
        &files.ratings,
        &Preset::Mhs.config(),
        &IngestOptions::default(),
    )
    .unwrap();
    let mut project = Project::create_or_open(&dir.path().join("bench.db")).unwrap();
    project.import(&staged).unwrap();
    drop(staged);
    let original =
        pipeline::fit_project(&mut project, &FitRequest::default(), &mut NoObserver).unwrap();
    eprintln!(
        "setup: {} comments, {} responses simulated, ingested and fitted in {:.1} s",
        comments,
        original.observations,
        t0.elapsed().as_secs_f64()
    );

    let cpu0 = cpu_seconds();
    let t1 = Instant::now();
    let advice = pipeline::category_advice(&project, original.run_id).unwrap();
    let advice_seconds = t1.elapsed().as_secs_f64();
    for scale in advice.proposals() {
        if let Some(p) = &scale.proposal {
            eprintln!("  proposal for {}: {:?}", scale.scale, p.groups);
        }
    }
    let t2 = Instant::now();
    let rows = pipeline::refit_proposals(&mut project, &advice, &mut NoObserver).unwrap();
    let refit_seconds = t2.elapsed().as_secs_f64();
    let total = t1.elapsed().as_secs_f64();
    for r in &rows {
        eprintln!(
            "  {:<16} run {:>2}: disordered {:?}, collapsed ordered {:?}, object reliability {:.3}",
            r.label, r.run_id, r.disordered_scales, r.collapsed_ordered, r.object_reliability
        );
    }
    let planted_ordered = rows
        .iter()
        .find(|r| r.label == "insult")
        .and_then(|r| r.collapsed_ordered);
    println!(
        "categories --refit, {comments} comments: advice {advice_seconds:.2} s, {} refits {refit_seconds:.1} s, total {total:.1} s (target < 30 s){}; planted item ordered after refit: {:?}; peak RSS {:.0} MiB",
        rows.len() - 1,
        match (cpu0, cpu_seconds()) {
            (Some(a), Some(b)) => format!(", {:.1} CPU s", b - a),
            _ => String::new(),
        },
        planted_ordered,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}
