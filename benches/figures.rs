//! Every figure at MHS size: `cargo bench --bench figures [-- COMMENTS]`.
//!
//! Builds an MHS-shaped project through the library (39,565 simulated comments by default:
//! about 1.34 million item responses, 7,900 raters, ten items; ingested and fitted with Facets'
//! defaults, flagged, and a rater x item bias analysis of about 79,000 terms; none of it timed),
//! then for every kind times, best of three: `pipeline::build_figure` (loading the run and
//! building the figure model: the Wright map's binning, the fit map of every rater, the
//! distribution's 40,000 objects in bins, the curves' observed averages over every response,
//! the largest bias terms, Table 23 for the contrast, the design plan) and the rendering to SVG
//! and to PNG at the default 900x600. The training figure is drawn from a 60-epoch history
//! (its cost depends on the epochs only; training a model at MHS size is `benches/train.rs`).
//! Target (issue 14): each figure under 1 s (build + render) in release.

#![allow(clippy::unwrap_used)] // benchmarks may panic on unexpected values

mod common;

use common::{comments_arg, fitted_mhs_project, peak_rss_mib};
use scalewright::figures::{self, FigureKind, FigureSize};
use scalewright::pipeline::{self, PlotRequest};
use scalewright::predict::EpochReport;
use scalewright::store::Project;
use std::time::Instant;

/// The fastest of three runs of `f`, in seconds, with its last result.
fn best_of_three<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..3 {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed().as_secs_f64());
        last = Some(value);
    }
    (best, last.unwrap())
}

/// A plausible 60-epoch training history.
fn history() -> Vec<EpochReport> {
    (1..=60)
        .map(|epoch| {
            let t = epoch as f64;
            EpochReport {
                epoch,
                epochs: 60,
                train_loss: 1.0 / (1.0 + 0.1 * t) + 0.2,
                valid_loss: 1.0 / (1.0 + 0.08 * t) + 0.25 + 0.002 * t,
                valid_rmse: 0.6,
                valid_pearson: 0.9,
                elapsed_seconds: t,
                best_epoch: epoch.min(35),
                improved: epoch <= 35,
            }
        })
        .collect()
}

fn main() {
    let comments = comments_arg();
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let (db, _, outcome) = fitted_mhs_project(dir.path(), comments).unwrap();
    let run_id = outcome.run_id;
    let mut project = Project::open(&db).unwrap();
    pipeline::flag_run(&mut project, run_id).unwrap();
    let bias = pipeline::bias_table(&mut project, run_id, ["rater", "item"]).unwrap();
    eprintln!(
        "project: {} responses, {} bias terms, built in {:.1} s (not timed)",
        outcome.observations,
        bias.cells.len(),
        start.elapsed().as_secs_f64()
    );
    let size = FigureSize::DEFAULT;
    println!(
        "{:<13} {:>8} {:>8} {:>8} {:>9} {:>9} {:>8}",
        "figure", "build s", "svg s", "png s", "total s", "svg KiB", "target"
    );
    for kind in FigureKind::ALL {
        let (build, figure) = if kind == FigureKind::Training {
            let history = history();
            best_of_three(|| figures::training::training_figure(1, "hashed", &history).unwrap())
        } else {
            let request = PlotRequest::new(kind);
            best_of_three(|| pipeline::build_figure(&project, run_id, &request).unwrap())
        };
        let (svg_seconds, svg) = best_of_three(|| figures::render_svg(&figure, size).unwrap());
        let (png_seconds, _) = best_of_three(|| figures::render_png(&figure, size).unwrap());
        let total = build + svg_seconds.max(png_seconds);
        println!(
            "{:<13} {:>8.3} {:>8.3} {:>8.3} {:>9.3} {:>9.0} {:>8}",
            kind.name(),
            build,
            svg_seconds,
            png_seconds,
            total,
            svg.len() as f64 / 1024.0,
            if total < 1.0 { "< 1 s" } else { "MISSED" }
        );
    }
    if let Some(mib) = peak_rss_mib() {
        println!("peak memory {mib:.0} MiB");
    }
}
