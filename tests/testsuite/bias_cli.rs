//! `scalewright bias`: Facets Tables 13-14 through the command line, on Guilford (published
//! numbers) and on the sample data (a facet x attribute table).

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{csv_column, fixture, scalewright};
use predicates::prelude::*;

#[test]
fn guilford_bias_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixture("guilford.toml");
    let db = dir.path().join("g.db");
    scalewright()
        .arg("ingest")
        .arg(fixture("guilford_creativity_long.csv"))
        .arg("--config")
        .arg(&config)
        .arg("--quiet")
        .arg("--project")
        .arg(&db)
        .assert()
        .success();
    // Facets' Guilford specification: judges float, examinees positive and centred, one shared
    // scale, Facets' default convergence, and Facets' own iteration path.
    scalewright()
        .args([
            "fit",
            "--quiet",
            "--scale",
            "rsm",
            "--non-centred",
            "judge",
            "--update",
            "facets",
            "--project",
        ])
        .arg(&db)
        .assert()
        .success();
    // Facets' Table 7: Brahe .24, David -.46, Edward .42 (within .01).
    let measure = |facet: &str, label: &str| -> f64 {
        let out = scalewright()
            .args(["report", "--format", "csv", "--facet", facet, "--project"])
            .arg(&db)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        let at = csv_column(&text, "element")
            .iter()
            .position(|l| l == label)
            .unwrap();
        csv_column(&text, "measure")[at].parse().unwrap()
    };
    for (facet, label, published) in [
        ("judge", "2", 0.24),
        ("examinee", "4", -0.46),
        ("examinee", "5", 0.42),
    ] {
        let got = measure(facet, label);
        assert!(
            (got - published).abs() <= 0.01,
            "{facet} {label}: {got} vs Facets {published}"
        );
    }
    let out = scalewright()
        .args([
            "bias",
            "--between",
            "judge,examinee",
            "--pairwise",
            "2",
            "--level",
            "4",
            "--format",
            "json",
            "--project",
        ])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let cells = json["table13"]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 21);
    let cell = |judge: &str, examinee: &str| {
        cells
            .iter()
            .find(|c| c["labels"][0] == judge && c["labels"][1] == examinee)
            .unwrap()
    };
    // Published (Facets manual): Brahe x David +.71 (S.E. .29, t 2.43), Brahe x Edward -1.27
    // (S.E. .36); measured .709 and -1.263 (src/measure/bias/tests.rs).
    let david = cell("2", "4");
    assert_eq!(david["observed_score"], 25.0);
    assert!(
        (david["bias"].as_f64().unwrap() - 0.71).abs() < 0.015,
        "{david}"
    );
    assert!((david["model_se"].as_f64().unwrap() - 0.29).abs() < 0.01);
    let edward = cell("2", "5");
    assert!(
        (edward["bias"].as_f64().unwrap() + 1.27).abs() < 0.015,
        "{edward}"
    );
    let chi = json["table13"]["summary"]["fixed"]["chi_square"]
        .as_f64()
        .unwrap();
    assert!((chi - 41.6).abs() < 0.6, "{chi}");
    // Table 14 for David: Brahe vs Cavendish contrast 1.30, t 2.86.
    let contrasts = json["table14"].as_array().unwrap();
    let brahe_cavendish = contrasts
        .iter()
        .find(|c| c["context_labels"][0] == "2" && c["context_labels"][1] == "3")
        .unwrap();
    assert!(
        (brahe_cavendish["contrast"].as_f64().unwrap() - 1.30).abs() < 0.02,
        "{brahe_cavendish}"
    );

    scalewright()
        .args(["bias", "--between", "judge,examinee", "--project"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Table 13. Bias/Interaction report: judge x examinee",
        ))
        .stdout(predicate::str::contains("Fixed (all = 0) chi-square"));
}

#[test]
fn rater_by_attribute_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/mhs-sim/ratings.csv");
    scalewright()
        .arg("ingest")
        .arg(&data)
        .args(["--preset", "mhs", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let csv = scalewright()
        .args([
            "bias",
            "--between",
            "annotator_id,comment_id.target_race_black",
            "--format",
            "csv",
            "--project",
        ])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.starts_with("annotator_id,target_race_black,observed,expected,count,bias,se,t,df,p"),
        "{}",
        &text[..80]
    );
    assert!(text.lines().count() > 400);
}
