//! `report --table 23` (dimensionality and Yen's Q3) and `simulate --second-dimension` through
//! the command line, a pipeline's `[dimensionality]` step, and the error for a design with one
//! item.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{assert_matches_schema, csv_column, json_out, scalewright};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const PLANTED: [&str; 3] = ["dehumanize", "violence", "genocide"];

/// A 600-comment simulation (three model raters per comment) whose `violence`, `genocide` and
/// `dehumanize` measure a second trait correlated .3 with the first, imported and fitted.
fn planted_project(dir: &Path) -> PathBuf {
    let sim = dir.join("sim");
    scalewright()
        .args([
            "simulate",
            "--quiet",
            "--comments",
            "600",
            "--raters-per-comment",
            "3",
            "--random-responders",
            "0",
            "--straight-liners",
            "0",
            "--seed",
            "11",
            "--second-dimension",
            "0.3",
            "--second-dimension-items",
            "violence,genocide,dehumanize",
            "--out",
        ])
        .arg(&sim)
        .assert()
        .success();
    // The truth file records both traits.
    let truth = std::fs::read_to_string(sim.join("truth_comments.csv")).unwrap();
    let first: Vec<f64> = csv_column(&truth, "measure")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    let second: Vec<f64> = csv_column(&truth, "second_measure")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    let r = common::pearson(&first, &second);
    assert!((r - 0.3).abs() < 0.1, "true trait correlation {r}");
    common::fitted_mhs_project(&sim.join("ratings.csv"), &dir.join("planted.db"))
}

#[test]
fn table_23_finds_the_planted_dimension_in_text_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = planted_project(dir.path());

    let json = json_out(
        scalewright()
            .args(["report", "--table", "23", "--json", "--project"])
            .arg(&db),
    );
    assert_matches_schema("table23.schema.json", &json);
    assert_eq!(json["run_id"], 1);
    let first = &json["contrasts"][0];
    assert_eq!(first["contrast"], 1);
    let eigenvalue = first["eigenvalue"].as_f64().unwrap();
    assert!(eigenvalue >= 2.0, "first contrast {eigenvalue}");
    let loadings = first["loadings"].as_array().unwrap();
    assert_eq!(loadings.len(), 10);
    let sign = |name: &str| {
        loadings.iter().find(|l| l["item"] == name).unwrap()["loading"]
            .as_f64()
            .unwrap()
            > 0.0
    };
    let planted_side = sign(PLANTED[0]);
    for l in loadings {
        let item = l["item"].as_str().unwrap();
        assert_eq!(
            sign(item) == planted_side,
            PLANTED.contains(&item),
            "{item} on the wrong side: {loadings:?}"
        );
    }
    // Records are comment x annotator rows; unexplained variance is 10 items.
    assert_eq!(
        json["record"]["facets"],
        serde_json::json!(["comment_id", "annotator_id"])
    );
    assert_eq!(json["variance"]["unexplained"], 10.0);
    assert_eq!(json["q3"]["pairs"].as_array().unwrap().len(), 45);
    assert_eq!(json["contrasts"].as_array().unwrap().len(), 5);
    // `--format json` is the same answer.
    let same = json_out(
        scalewright()
            .args(["report", "--table", "23", "--format", "json", "--project"])
            .arg(&db),
    );
    assert_eq!(same, json);

    // CSV: 5 contrasts x 10 items loading rows, then 45 q3 rows.
    let out = scalewright()
        .args(["report", "--table", "23", "--format", "csv", "--project"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(out).unwrap();
    let kind = csv_column(&csv, "kind");
    assert_eq!(kind.iter().filter(|k| *k == "loading").count(), 50);
    assert_eq!(kind.iter().filter(|k| *k == "q3").count(), 45);
    let eigen: f64 = csv_column(&csv, "eigenvalue")[0].parse().unwrap();
    assert!((eigen - eigenvalue).abs() < 1e-9);
    let q3: f64 = csv_column(&csv, "q3")[50].parse().unwrap();
    assert!((q3 - json["q3"]["max"].as_f64().unwrap()).abs() < 1e-9);

    // Text: Winsteps' Table 23.0 lines, the loadings and the Q3 table.
    scalewright()
        .args(["report", "--table", "23", "--top", "5", "--project"])
        .arg(&db)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Table 23.0 Run 1")
                .and(predicate::str::contains(
                    "Unexplned variance in 1st contrast",
                ))
                .and(predicate::str::contains("comment_id x annotator_id record"))
                .and(predicate::str::contains("1 - 3"))
                .and(predicate::str::contains("Table 23.2"))
                .and(predicate::str::contains("Table 23.99"))
                .and(predicate::str::contains("... 40 more pairs")),
        );

    // A pipeline's [dimensionality] step writes the same JSON.
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        "project = \"planted.db\"\n\n[dimensionality]\nout = \"table23.json\"\n",
    )
    .unwrap();
    let report = json_out(scalewright().arg("run").arg(&pipeline).arg("--json"));
    assert_matches_schema("run.schema.json", &report);
    let written = dir.path().join("table23.json");
    assert_eq!(
        report["dimensionality"].as_str().unwrap(),
        written.to_str().unwrap()
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_matches_schema("table23.schema.json", &file);
    assert_eq!(file["run_id"], 2, "the pipeline's own fit");
    assert!(file["contrasts"][0]["eigenvalue"].as_f64().unwrap() >= 2.0);

    // A run with a recode is analysed on its recoded observations: collapsing violence's top
    // categories keeps the planted contrast.
    let recode = dir.path().join("recode.toml");
    std::fs::write(
        &recode,
        "[recode]\nviolence = { \"0\" = 0, \"1\" = 1, \"2\" = 2, \"3\" = 3, \"4\" = 3 }\n",
    )
    .unwrap();
    scalewright()
        .args(["fit", "--quiet", "--recode"])
        .arg(&recode)
        .arg("--project")
        .arg(&db)
        .assert()
        .success();
    let recoded = json_out(
        scalewright()
            .args(["report", "--table", "23", "--json", "--project"])
            .arg(&db),
    );
    assert_eq!(recoded["run_id"], 3);
    assert!(recoded["contrasts"][0]["eigenvalue"].as_f64().unwrap() >= 2.0);
}

#[test]
fn a_design_with_one_item_has_no_table_23() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("one.toml");
    std::fs::write(
        &config,
        "object = \"comment_id\"\nraters = [\"annotator_id\"]\n[[items]]\nname = \"insult\"\ncategories = [0, 1, 2, 3, 4]\n",
    )
    .unwrap();
    let data = dir.path().join("one.csv");
    let mut rows = String::from("comment_id,annotator_id,insult\n");
    for c in 0..12 {
        for a in 0..3 {
            rows.push_str(&format!("{c},{a},{}\n", (c + a) % 5));
        }
    }
    std::fs::write(&data, rows).unwrap();
    let db = dir.path().join("one.db");
    scalewright()
        .arg("ingest")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    scalewright()
        .args(["report", "--table", "23", "--project"])
        .arg(&db)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "dimensionality needs at least two items with responses used in estimation; this run has 1",
        ));
    let answer = json_out(
        scalewright()
            .args(["report", "--table", "23", "--json", "--project"])
            .arg(&db),
    );
    assert_eq!(answer["exit_code"], 3);
}
