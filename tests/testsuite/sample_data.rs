//! The bundled sample data: reproducible from its command, ingestible with preset `mhs`, and what
//! the workbench opens when started without arguments.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{sample, scalewright};
use predicates::prelude::*;

#[test]
fn sample_data_is_reproduced_byte_for_byte_by_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mhs-sim");
    scalewright()
        .args([
            "simulate",
            "--quiet",
            "--comments",
            "2000",
            "--raters-per-comment",
            "3-4",
            "--seed",
            "2020",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    for name in [
        "ratings.csv",
        "truth_comments.csv",
        "truth_raters.csv",
        "truth_items.csv",
        "truth_thresholds.csv",
        "simulation.json",
    ] {
        let committed = std::fs::read(sample(name)).unwrap();
        let made = std::fs::read(out.join(name)).unwrap();
        assert!(
            committed == made,
            "{name} differs from what the command makes"
        );
    }
}

#[test]
fn opening_without_arguments_creates_and_shows_the_sample_project() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sample-data/mhs-sim");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(sample("ratings.csv"), data.join("ratings.csv")).unwrap();
    scalewright()
        .current_dir(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("creating the sample project"))
        .stdout(predicate::str::contains("Responses 77310"))
        .stdout(predicate::str::contains("Subset connection O.K."));
    assert!(dir.path().join("sample-data/mhs-sim.db").exists());
    // The second start reuses the project.
    scalewright()
        .current_dir(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("creating").not())
        .stdout(predicate::str::contains(
            "annotator_id     rater      455 elements",
        ));
}
