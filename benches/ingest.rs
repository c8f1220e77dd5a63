//! Ingestion at MHS scale: `cargo bench --bench ingest [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set (39,565 comments by default, about 134,000 rows and 1.34
//! million item responses), writes it as CSV, then times validation (`ingest::stage`) and the
//! transactional import into a new project separately, and reports the process's peak resident
//! memory (VmHWM). Results are recorded in docs/benchmarks.md.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

mod common;

use common::peak_rss_mib;
use scalewright::config::Preset;
use scalewright::ingest::{self, IngestOptions};
use scalewright::simulate::{self, SimulationConfig, MHS_COMMENTS};
use scalewright::store::Project;
use std::time::Instant;

/// Times validation, import, loading and the summary of `ratings` into a new project in `dir`.
fn ingest_only(ratings: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let staged = ingest::stage(ratings, &Preset::Mhs.config(), &IngestOptions::default())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let stage_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let db = dir.join("bench.db");
    let mut project = Project::create_or_open(&db)?;
    let summary = project.import(&staged)?;
    let import_s = t1.elapsed().as_secs_f64();
    drop(staged);
    let t2 = Instant::now();
    let data = project.ratings()?;
    let load_s = t2.elapsed().as_secs_f64();
    drop(data);
    let t3 = Instant::now();
    let info = project.summary()?;
    let info_s = t3.elapsed().as_secs_f64();
    println!(
        "validate {stage_s:.2} s + import {import_s:.2} s = ingest {:.2} s for {} responses",
        stage_s + import_s,
        summary.observations_added
    );
    println!(
        "load for fitting {load_s:.2} s; info summary {info_s:.2} s (connected: {})",
        info.connectedness.connected
    );
    println!(
        "peak RSS of the ingesting process {:.0} MiB; project file {:.1} MB",
        peak_rss_mib().unwrap_or(f64::NAN),
        std::fs::metadata(&db)?.len() as f64 / 1e6
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--ingest-only") {
        let ratings = args
            .get(at + 1)
            .ok_or_else(|| anyhow::anyhow!("--ingest-only FILE DIR"))?;
        let dir = args
            .get(at + 2)
            .ok_or_else(|| anyhow::anyhow!("--ingest-only FILE DIR"))?;
        return ingest_only(std::path::Path::new(ratings), std::path::Path::new(dir));
    }
    let comments: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(MHS_COMMENTS);
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let simulation = simulate::simulate(&SimulationConfig {
        comments,
        ..SimulationConfig::default()
    })?;
    let files = simulation.write(dir.path())?;
    let counts = simulation.counts();
    drop(simulation);
    let bytes = std::fs::metadata(&files.ratings)?.len();
    println!(
        "simulated {} rows, {} responses, {} comments, {} raters ({:.1} MB CSV) in {:.2} s",
        counts.rows,
        counts.responses,
        counts.comments,
        counts.raters,
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    // Ingest in a fresh process so that its peak memory is the ingestion's alone.
    let status = std::process::Command::new(std::env::current_exe()?)
        .arg("--ingest-only")
        .arg(&files.ratings)
        .arg(dir.path())
        .status()?;
    anyhow::ensure!(status.success(), "the ingesting process failed: {status}");
    Ok(())
}
