//! Helpers shared by the benchmarks: process measurements from /proc (Linux), the size
//! argument, and an MHS-shaped project built through the library (simulate, ingest, fit).

#![allow(dead_code)] // each benchmark uses a subset

use std::path::{Path, PathBuf};

use scalewright::config::Preset;
use scalewright::ingest::{self, IngestOptions};
use scalewright::measure::NoObserver;
use scalewright::pipeline::{self, FitOutcome, FitRequest};
use scalewright::simulate::{self, Simulation, SimulationConfig, MHS_COMMENTS};
use scalewright::store::Project;

/// Peak resident set size of this process in MiB (VmHWM).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU seconds (user + system, all threads) this process has used: on a shared machine it
/// separates the benchmark's own cost from other processes' load.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Pearson r.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    scalewright::predict::evaluate::pearson(x, y)
}

/// The number of comments from the command line (`cargo bench --bench X -- 10_000`), or the
/// MHS size.
pub fn comments_arg() -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(MHS_COMMENTS)
}

/// A project in `dir` with `comments` simulated MHS-shaped comments ingested (preset `mhs`) and
/// fitted with the default JMLE; with the simulation (its truth) and the fit.
pub fn fitted_mhs_project(
    dir: &Path,
    comments: usize,
) -> anyhow::Result<(PathBuf, Simulation, FitOutcome)> {
    let simulation = simulate::simulate(&SimulationConfig {
        comments,
        ..SimulationConfig::default()
    })?;
    let files = simulation.write(dir)?;
    let staged = ingest::stage(
        &files.ratings,
        &Preset::Mhs.config(),
        &IngestOptions::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = dir.join("bench.db");
    let mut project = Project::create_or_open(&db)?;
    project.import(&staged)?;
    drop(staged);
    let fit = pipeline::fit_project(&mut project, &FitRequest::default(), &mut NoObserver)?;
    Ok((db, simulation, fit))
}
