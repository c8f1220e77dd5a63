//! `scalewright run PIPELINE.toml`: from the raw sample file to exported targets in one command.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{assert_matches_schema, scalewright};
use predicates::prelude::*;
use std::path::Path;

#[test]
fn one_command_goes_from_raw_file_to_exported_targets() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/mhs-sim/ratings.csv");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            "project = \"study.db\"\n\n[ingest]\ndata = {data:?}\npreset = \"mhs\"\n\n[clean]\nmax_rounds = 4\n\n\
             [flag_rules]\ndistorting_mnsq = 2.0\n\n\
             [flag_rules.diagnosis]\nfalse_discovery_rate = 0.01\nreplicates = 20\n\n\
             [[export]]\nwhat = \"objects\"\nout = \"targets.parquet\"\nmhs_columns = true\nrescale = [50.0, 10.0]\n\n\
             [[export]]\nwhat = \"raters\"\nout = \"raters.csv\"\n"
        ),
    )
    .unwrap();
    let out = scalewright()
        .arg("run")
        .arg(&pipeline)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_matches_schema("run.schema.json", &report);
    assert_eq!(report["converged"], true);
    let rounds = report["cleaning"].as_array().unwrap();
    assert!(
        rounds.len() >= 2,
        "the first round excludes the planted raters"
    );
    assert!(rounds[0]["excluded"].as_array().unwrap().len() >= 35);
    assert_eq!(
        rounds.last().unwrap()["excluded"].as_array().unwrap().len(),
        0
    );
    assert!(dir.path().join("targets.parquet").exists());
    assert!(dir.path().join("raters.csv.json").exists());
    // The raters export carries the diagnosis's columns (the pipeline's diagnosis settings).
    let raters = std::fs::read_to_string(dir.path().join("raters.csv")).unwrap();
    let header = raters.lines().next().unwrap();
    for column in [
        "quality_type",
        "quality_statistic",
        "quality_z",
        "quality_p",
        "quality_q",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} in {header}"
        );
    }
    assert_eq!(report["exports"][0]["rows"], 2000);

    // Running again skips the import and refits on the same cleaned data.
    scalewright()
        .arg("run")
        .arg(&pipeline)
        .assert()
        .success()
        .stderr(predicate::str::contains("already dataset 1; skipped"));
}
