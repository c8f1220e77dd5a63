//! `fit`, `report` and `runs` end to end on the bundled sample data (with its known truth), and
//! the refusals: disconnected designs, non-convergence, bad anchor files.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{csv_column, fixture, json_out, pearson, sample_project, scalewright, truth};
use predicates::prelude::*;
use std::collections::HashMap;
use std::path::Path;

fn report_csv(db: &Path, facet: &str, run: Option<i64>) -> String {
    let mut cmd = scalewright();
    cmd.args(["report", "--format", "csv", "--facet", facet, "--project"])
        .arg(db);
    if let Some(run) = run {
        cmd.args(["--run", &run.to_string()]);
    }
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

/// label -> measure of one facet in a run.
fn measures(db: &Path, facet: &str, run: Option<i64>) -> HashMap<String, (f64, String)> {
    let text = report_csv(db, facet, run);
    let labels = csv_column(&text, "element");
    let values = csv_column(&text, "measure");
    let status = csv_column(&text, "status");
    labels
        .into_iter()
        .zip(values.iter().map(|v| v.parse::<f64>().unwrap()))
        .zip(status)
        .map(|((l, m), s)| (l, (m, s)))
        .collect()
}

#[test]
fn fit_recovers_the_simulated_truth_and_reports_facets_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let json = json_out(scalewright().args(["fit", "--json", "--project"]).arg(&db));
    assert_eq!(json["run_id"], 1);
    assert_eq!(json["converged"], true);
    assert_eq!(json["observations"], 77310);
    assert_eq!(json["connected"], true);

    // Comment measures against the true measures: r >= 0.95 (measured 0.96 on this design).
    let estimated = measures(&db, "comment_id", None);
    let true_measure = truth("truth_comments.csv", "comment_id", "measure");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (label, (m, status)) in &estimated {
        if status == "measured" {
            x.push(*m);
            y.push(true_measure[label].parse::<f64>().unwrap());
        }
    }
    let r = pearson(&x, &y);
    assert!(
        x.len() > 1900 && r >= 0.95,
        "r(comments) = {r:.3} over {}",
        x.len()
    );

    // Normal raters' severities: r >= 0.95.
    let estimated = measures(&db, "annotator_id", None);
    let severity = truth("truth_raters.csv", "annotator_id", "severity");
    let kind = truth("truth_raters.csv", "annotator_id", "kind");
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (label, (m, status)) in &estimated {
        if status == "measured" && kind[label] == "normal" {
            x.push(*m);
            y.push(severity[label].parse::<f64>().unwrap());
        }
    }
    let r = pearson(&x, &y);
    assert!(r >= 0.95, "r(raters) = {r:.3} over {}", x.len());

    // Item difficulties: ordered like the truth (r >= 0.99) but compressed by the planted random
    // responders and straight-liners (slope about 0.75 on this sample).
    let difficulty = truth("truth_items.csv", "item", "difficulty");
    let items = |run: Option<i64>| {
        let estimated = measures(&db, "item", run);
        let mut pairs: Vec<(f64, f64)> = estimated
            .iter()
            .map(|(item, (m, _))| (*m, difficulty[item].parse::<f64>().unwrap()))
            .collect();
        pairs.sort_by(|a, b| a.1.total_cmp(&b.1));
        pairs
    };
    let contaminated = items(None);
    let (x, y): (Vec<f64>, Vec<f64>) = contaminated.iter().copied().unzip();
    assert!(pearson(&x, &y) >= 0.99);
    let worst = contaminated
        .iter()
        .map(|(m, t)| (m - t).abs())
        .fold(0.0, f64::max);
    assert!(
        worst > 0.2,
        "contamination should visibly compress the items ({worst:.3})"
    );

    // Excluding the planted random responders and straight-liners restores the item difficulties
    // to within 0.12 logits.
    {
        use scalewright::store::{Decision, Project};
        let mut project = Project::open(&db).unwrap();
        for (label, k) in &kind {
            if k != "normal" {
                project
                    .decide(
                        "annotator_id",
                        label,
                        Decision::Exclude,
                        "planted",
                        "test",
                        None,
                    )
                    .unwrap();
            }
        }
    }
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    for (m, t) in items(Some(2)) {
        assert!((m - t).abs() < 0.12, "{m:.3} vs truth {t:.3}");
    }

    scalewright()
        .args(["report", "--project"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Table 7.2 annotator_id Measurement Report",
        ))
        .stdout(predicate::str::contains(
            "Table 8. Category statistics: hatespeech",
        ))
        .stdout(predicate::str::contains("Separation"));
    let scales = json_out(
        scalewright()
            .args(["report", "--format", "json", "--table", "8", "--project"])
            .arg(&db),
    );
    assert_eq!(scales.as_array().unwrap().len(), 10);
    assert_eq!(scales[9]["categories"].as_array().unwrap().len(), 3);
    let runs = json_out(scalewright().args(["runs", "--json", "--project"]).arg(&db));
    assert_eq!(runs[0]["status"], "converged");
    assert_eq!(runs[0]["method"], "jmle");

    // Table 4, Table 6 and the residual file.
    let unexpected = json_out(
        scalewright()
            .args(["report", "--json", "--table", "4", "--project"])
            .arg(&db),
    );
    let responses = unexpected["responses"].as_array().unwrap();
    assert!(!responses.is_empty());
    assert!(responses
        .iter()
        .all(|r| r["standardized"].as_f64().unwrap().abs() >= 3.0));
    let rulers = json_out(
        scalewright()
            .args(["report", "--json", "--table", "6", "--project"])
            .arg(&db),
    );
    assert_eq!(rulers["rulers"].as_array().unwrap().len(), 3);
    let xfile = scalewright()
        .args(["report", "--xfile", "--project"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let xfile = String::from_utf8(xfile).unwrap();
    assert!(xfile.starts_with(
        "observation,comment_id,annotator_id,item,score,expectation,variance,residual,zscore"
    ));
    // The newest run (after excluding the planted raters) used fewer responses than the file has.
    let global = json_out(
        scalewright()
            .args(["report", "--json", "--table", "5", "--project"])
            .arg(&db),
    );
    let used = global["observations"].as_u64().unwrap() as usize;
    assert!(used < 77310);
    assert_eq!(xfile.lines().count(), used + 1);
    scalewright()
        .args(["report", "--table", "6", "--project"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("Table 6. Wright map"));
}

#[test]
fn anchoring_at_an_earlier_run_reproduces_its_item_measures() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    scalewright()
        .args(["fit", "--quiet", "--anchor-run", "1", "--project"])
        .arg(&db)
        .assert()
        .success();
    let first = measures(&db, "item", Some(1));
    let second = measures(&db, "item", Some(2));
    for (item, (m, status)) in &second {
        assert_eq!(status, "anchored");
        assert!((m - first[item].0).abs() < 1e-9, "{item}");
    }
    // Comments re-estimated on the anchored scale agree with the free run.
    let a = measures(&db, "comment_id", Some(1));
    let b = measures(&db, "comment_id", Some(2));
    let worst = a
        .iter()
        .filter(|(_, (_, s))| s == "measured")
        .map(|(l, (m, _))| (m - b[l].0).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.05, "largest comment shift {worst}");
}

#[test]
fn anchor_files_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let anchors = dir.path().join("anchors.csv");
    // Every item anchored (so the scale is fixed), one rater too, and the hatespeech thresholds.
    let mut text = String::from("facet,element,category,value\nannotator_id,1,,0.5\nthreshold,hatespeech,1,-0.4\nthreshold,hatespeech,2,0.4\n");
    for (item, d) in truth("truth_items.csv", "item", "difficulty") {
        text.push_str(&format!("item,{item},,{d}\n"));
    }
    std::fs::write(&anchors, text).unwrap();
    scalewright()
        .args(["fit", "--quiet", "--anchor"])
        .arg(&anchors)
        .arg("--project")
        .arg(&db)
        .assert()
        .success();
    let raters = measures(&db, "annotator_id", None);
    assert_eq!(raters["1"].1, "anchored");
    assert!((raters["1"].0 - 0.5).abs() < 1e-9);
    let scales = json_out(
        scalewright()
            .args(["report", "--format", "json", "--table", "8", "--project"])
            .arg(&db),
    );
    let hate = &scales[9];
    assert!((hate["categories"][1]["threshold"].as_f64().unwrap() + 0.4).abs() < 1e-9);
    // Bad anchor files (named row and column, exit 3) are cases of tests/testsuite/cli_errors.rs.
}

#[test]
fn non_convergence_is_stored_and_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    scalewright()
        .args(["fit", "--max-iterations", "2", "--project"])
        .arg(&db)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "did not converge within 2 iterations",
        ));
    let runs = json_out(scalewright().args(["runs", "--json", "--project"]).arg(&db));
    assert_eq!(runs[0]["status"], "not_converged");
    assert_eq!(runs[0]["iterations"], 2);
}

#[test]
fn disconnected_designs_fit_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mhs99.db");
    scalewright()
        .arg("ingest")
        .arg(fixture("mhs_sample_99rows.csv"))
        .args(["--preset", "mhs", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    // Without --allow-disconnected the fit is refused (exit 6, nothing stored): a case of
    // tests/testsuite/cli_errors.rs.
    let out = scalewright()
        .args(["fit", "--allow-disconnected", "--project"])
        .arg(&db)
        .assert()
        .get_output()
        .clone();
    assert!(matches!(out.status.code(), Some(0) | Some(5)), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("disconnected"));
}

#[test]
fn excluded_raters_are_masked_in_later_fits() {
    use scalewright::store::{Decision, Project};
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let mut project = Project::open(&db).unwrap();
    project
        .decide("annotator_id", "1", Decision::Exclude, "test", "test", None)
        .unwrap();
    let data = project.ratings().unwrap();
    let rater = data.facets[1].labels.iter().position(|l| l == "1").unwrap() as u32;
    let expected = data.elements[1].iter().filter(|&&e| e == rater).count();
    drop(project);
    let json = json_out(scalewright().args(["fit", "--json", "--project"]).arg(&db));
    assert_eq!(json["masked_observations"], expected as u64);
    assert_eq!(json["observations"], 77310 - expected as u64);
    // Keeping the rater again restores the observations.
    let mut project = Project::open(&db).unwrap();
    project
        .decide(
            "annotator_id",
            "1",
            Decision::Keep,
            "restored",
            "test",
            None,
        )
        .unwrap();
    let (data, masked) = project.ratings_for_fit().unwrap();
    assert_eq!((data.len(), masked), (77310, 0));
}

#[test]
fn mml_fits_the_sample_and_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let json = json_out(
        scalewright()
            .args(["fit", "--json", "--method", "mml", "--project"])
            .arg(&db),
    );
    assert_eq!(json["converged"], true);
    let runs = json_out(scalewright().args(["runs", "--json", "--project"]).arg(&db));
    assert_eq!(runs[0]["method"], "mml");
    // EAP comment measures against the truth (measured 0.96 on the sample).
    let estimated = measures(&db, "comment_id", None);
    let true_measure = truth("truth_comments.csv", "comment_id", "measure");
    let (x, y): (Vec<f64>, Vec<f64>) = estimated
        .iter()
        .map(|(label, (m, _))| (*m, true_measure[label].parse::<f64>().unwrap()))
        .unzip();
    let r = pearson(&x, &y);
    assert!(x.len() == 2000 && r >= 0.95, "r(comments) = {r:.3}");
    // The stored fit carries the MML summary (population SD, posterior SDs).
    let fit = json_out(
        scalewright()
            .args(["report", "--json", "--project"])
            .arg(&db),
    );
    assert_eq!(fit["mml"]["posterior_sd"].as_array().unwrap().len(), 2000);
    // The planted random responders and straight-liners shrink the population SD (measured 1.53
    // against the comments' true SD 1.97); without them MML recovers the population: SD within
    // 0.1 (measured 1.98) and mean within 0.05 (measured -0.428 vs -0.429).
    let contaminated_sd = fit["mml"]["population_sd"].as_f64().unwrap();
    assert!(contaminated_sd < 1.8, "{contaminated_sd}");
    {
        use scalewright::store::{Decision, Project};
        let kind = truth("truth_raters.csv", "annotator_id", "kind");
        let planted: Vec<String> = kind
            .iter()
            .filter(|(_, k)| *k != "normal")
            .map(|(l, _)| l.clone())
            .collect();
        let mut project = Project::open(&db).unwrap();
        project
            .decide_many(
                "annotator_id",
                &planted,
                Decision::Exclude,
                "planted",
                "test",
                None,
            )
            .unwrap();
    }
    scalewright()
        .args(["fit", "--quiet", "--method", "mml", "--project"])
        .arg(&db)
        .assert()
        .success();
    let cleaned = json_out(
        scalewright()
            .args(["report", "--json", "--project"])
            .arg(&db),
    );
    let true_measures: Vec<f64> = true_measure.values().map(|v| v.parse().unwrap()).collect();
    let n = true_measures.len() as f64;
    let mean = true_measures.iter().sum::<f64>() / n;
    let sd = (true_measures
        .iter()
        .map(|m| (m - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let (sigma, mu) = (
        cleaned["mml"]["population_sd"].as_f64().unwrap(),
        cleaned["mml"]["population_mean"].as_f64().unwrap(),
    );
    assert!(
        (sigma - sd).abs() < 0.1,
        "sigma {sigma:.3} vs true SD {sd:.3}"
    );
    assert!(
        (mu - mean).abs() < 0.05,
        "mu {mu:.3} vs true mean {mean:.3}"
    );
}

/// The Knox Cube Test through the command line with Winsteps' iteration path
/// (`fit --update winsteps`, Winsteps 3.73's `RCONV=.1`, `LCONV=.005` by default): every
/// estimated item and child within .01 of Winsteps' published measures, and the extremes
/// (items 1-3 and 18, then child 35) reported as extreme.
#[test]
fn knox_cube_with_the_winsteps_path_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("layout = \"wide\"\nobject = \"person\"\nraters = []\n");
    for i in 1..=18 {
        config.push_str(&format!(
            "[[items]]\nname = \"item{i}\"\ncategories = [0, 1]\n"
        ));
    }
    let config_path = dir.path().join("kct.toml");
    std::fs::write(&config_path, config).unwrap();
    let db = dir.path().join("kct.db");
    scalewright()
        .arg("ingest")
        .arg(fixture("kct_responses.csv"))
        .arg("--config")
        .arg(&config_path)
        .args(["--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let outcome = json_out(
        scalewright()
            .args(["fit", "--json", "--scale", "rsm", "--update", "winsteps"])
            .arg("--project")
            .arg(&db),
    );
    assert_eq!(outcome["converged"], true, "{outcome:#}");
    for (facet, file) in [
        ("item", "kct_winsteps373_items.csv"),
        ("person", "kct_winsteps373_persons.csv"),
    ] {
        let ours = report_csv(&db, facet, None);
        let status = csv_column(&ours, "status");
        let measure = csv_column(&ours, "measure");
        let published = std::fs::read_to_string(fixture(file)).unwrap();
        let published_measure = csv_column(&published, "MEASURE");
        let published_status = csv_column(&published, "STATUS");
        assert_eq!(measure.len(), published_measure.len());
        for (k, (m, p)) in measure.iter().zip(&published_measure).enumerate() {
            let (m, p): (f64, f64) = (m.parse().unwrap(), p.parse().unwrap());
            if published_status[k] == "1" {
                assert_eq!(status[k], "measured", "{facet} {}", k + 1);
                assert!((m - p).abs() <= 0.01, "{facet} {}: {m} vs {p}", k + 1);
            } else {
                assert_ne!(status[k], "measured", "{facet} {}", k + 1);
                assert!(
                    (m - p).abs() <= 0.05,
                    "{facet} {} (extreme): {m} vs {p}",
                    k + 1
                );
            }
        }
    }
}
