//! Training the text predictor at MHS scale: `cargo bench --bench train [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped data set (39,565 comments by default, about 134,000 rows and 1.34
//! million item responses; the texts carry the true measure), ingests it into a new project,
//! fits the many-facet model (JMLE, Facets' defaults) and trains the predictor with the hashed
//! encoder and the default options (10 epochs at most) through `predict::train_project`. Prints
//! every epoch's wall-clock time and validation metrics, the training time (without the
//! evaluation), the held-out evaluation against ridge and the mean, the Pearson r of the
//! held-out predictions with the simulated true measures, the time to predict every comment
//! (with MC-dropout) and the process's peak resident memory. `TRAIN_OPTIONS='{"epochs": 20}'`
//! overrides training options (JSON). Results are recorded in
//! docs/benchmarks.md.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

mod common;

use std::collections::HashMap;
use std::time::Instant;

use common::{comments_arg, cpu_seconds, fitted_mhs_project, peak_rss_mib, pearson};
use scalewright::predict::{self, EpochReport, PredictOptions, SplitPart, TrainOptions};
use scalewright::store::Project;

fn main() -> anyhow::Result<()> {
    let comments = comments_arg();
    let dir = tempfile::tempdir()?;
    let t0 = Instant::now();
    let (db, simulation, fit) = fitted_mhs_project(dir.path(), comments)?;
    let counts = simulation.counts();
    let mut project = Project::open(&db)?;
    println!(
        "{} comments, {} rows, {} responses, {} raters; simulate + ingest + fit {:.1} s (fit converged: {})",
        counts.comments,
        counts.rows,
        counts.responses,
        counts.raters,
        t0.elapsed().as_secs_f64(),
        fit.fit.converged
    );
    println!("threads: {}", rayon::current_num_threads());
    // TRAIN_OPTIONS may hold a JSON object of training options (defaults otherwise).
    let options: TrainOptions = match std::env::var("TRAIN_OPTIONS") {
        Ok(json) => serde_json::from_str(&json)?,
        Err(_) => TrainOptions::default(),
    };
    println!("options: {}", serde_json::to_string(&options)?);
    println!(
        "{:>5} {:>9} {:>8} {:>10} {:>10} {:>10} {:>8}",
        "epoch", "elapsed", "CPU s", "train loss", "valid loss", "valid RMSE", "valid r"
    );
    let cpu0 = cpu_seconds().unwrap_or(f64::NAN);
    let mut observer = |r: &EpochReport| {
        println!(
            "{:>5} {:>8.2}s {:>8.2} {:>10.4} {:>10.4} {:>10.3} {:>8.3}",
            r.epoch,
            r.elapsed_seconds,
            cpu_seconds().unwrap_or(f64::NAN) - cpu0,
            r.train_loss,
            r.valid_loss,
            r.valid_rmse,
            r.valid_pearson
        );
        std::ops::ControlFlow::Continue(())
    };
    let t1 = Instant::now();
    let outcome = predict::train_project(&mut project, &options, &mut observer)?;
    let total = t1.elapsed().as_secs_f64();
    let cpu = cpu_seconds().unwrap_or(f64::NAN) - cpu0;
    let e = &outcome.evaluation;
    println!(
        "training {:.2} s for {} epochs (best {}); with features, evaluation, ridge and storing {:.2} s ({:.1} CPU s)",
        e.train_seconds,
        outcome.history.len(),
        e.best_epoch,
        total,
        cpu
    );
    println!(
        "held-out: {} comments, {} ratings (train {}, valid {})",
        e.test_comments, e.test_ratings, e.train_comments, e.valid_comments
    );
    for (name, m) in [("model", &e.model), ("ridge", &e.ridge), ("mean", &e.mean)] {
        println!(
            "  {name:<6} RMSE {:.3}  MAE {:.3}  r {:.3}  R² {:.3}",
            m.rmse, m.mae, m.pearson, m.r_squared
        );
    }
    let (mut acc, mut qwk) = (0.0, 0.0);
    for i in &e.items {
        acc += i.accuracy / e.items.len() as f64;
        qwk += i.quadratic_kappa / e.items.len() as f64;
    }
    println!("  items: mean accuracy {acc:.3}, mean QWK {qwk:.3}");
    let truth: HashMap<String, f64> = simulation
        .comments
        .iter()
        .map(|c| (c.id.to_string(), c.measure))
        .collect();
    let by_object: HashMap<u32, f64> = simulation
        .comments
        .iter()
        .enumerate()
        .map(|(o, c)| (o as u32, c.measure))
        .collect();
    let labels = project.facets()?[0].labels.clone();
    let (mut tm, mut tr, mut tt, mut tmeas) = (vec![], vec![], vec![], vec![]);
    for p in &outcome.test_predictions {
        let Some(&true_measure) = labels
            .get(p.object as usize)
            .and_then(|l| truth.get(l))
            .or_else(|| by_object.get(&p.object))
        else {
            continue;
        };
        tm.push(p.model);
        tr.push(p.ridge);
        tmeas.push(p.measured);
        tt.push(true_measure);
    }
    let rmse = |a: &[f64], b: &[f64]| {
        (a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len().max(1) as f64).sqrt()
    };
    println!(
        "held-out against the true measures: model RMSE {:.3} r {:.3}; ridge RMSE {:.3} r {:.3}; Rasch measures RMSE {:.3} r {:.3}",
        rmse(&tm, &tt),
        pearson(&tm, &tt),
        rmse(&tr, &tt),
        pearson(&tr, &tt),
        rmse(&tmeas, &tt),
        pearson(&tmeas, &tt)
    );
    let t2 = Instant::now();
    let rows = predict::predict_objects(&project, outcome.model_id, &PredictOptions::default())?;
    let predict_s = t2.elapsed().as_secs_f64();
    let (mut p, mut t, mut m) = (vec![], vec![], vec![]);
    for r in rows.iter().filter(|r| r.split == SplitPart::Test) {
        if let (Some(&truth), Some(measured)) = (truth.get(&r.label), r.measured) {
            p.push(r.prediction.measure);
            t.push(truth);
            m.push(measured);
        }
    }
    println!(
        "held-out r with the true measures: model {:.3}, Rasch measures {:.3}",
        pearson(&p, &t),
        pearson(&m, &t)
    );
    println!(
        "predict {} comments ({} MC-dropout passes) {:.2} s; peak RSS {:.0} MiB",
        rows.len(),
        options.mc_samples,
        predict_s,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(())
}
