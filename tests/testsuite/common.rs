//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fixture file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The scalewright binary as an assert_cmd command.
pub fn scalewright() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("scalewright").expect("binary built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// A digest of everything a project holds that an import could change: datasets, elements,
/// items, texts and observations. Equal digests mean the project is unchanged.
pub fn project_digest(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    if !path.exists() {
        return "absent".into();
    }
    let conn = rusqlite::Connection::open(path).expect("open project");
    let mut hasher = Sha256::new();
    for query in [
        "SELECT id, sha256, rows, observations FROM datasets ORDER BY id",
        "SELECT facet_id, idx, label, attributes FROM elements ORDER BY facet_id, idx",
        "SELECT idx, name, min_score, max_score FROM items ORDER BY idx",
        "SELECT object, text FROM texts ORDER BY object",
        "SELECT id, responses, object_min, object_max, object, rater, other_raters, item, score, raw, dataset_id, source_row FROM observation_chunks ORDER BY id",
    ] {
        let mut stmt = conn.prepare(query).expect("prepare");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..n {
                let value = row.get_ref(i).expect("value");
                hasher.update(format!("{value:?}|").as_bytes());
            }
            hasher.update(b"\n");
        }
    }
    format!("{:x}", hasher.finalize())
}

/// Runs `PRAGMA integrity_check` and returns its answer ("ok" for a sound file).
pub fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open project");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// Asserts that `value` validates against the JSON Schema `schemas/<name>`.
pub fn assert_matches_schema(name: &str, value: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema file"))
            .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path.as_str()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

/// A file of the bundled sample data (sample-data/mhs-sim).
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data/mhs-sim")
        .join(name)
}

/// A new project in `dir` holding the sample data (preset mhs).
pub fn sample_project(dir: &Path) -> PathBuf {
    let db = dir.join("sample.db");
    scalewright()
        .arg("ingest")
        .arg(sample("ratings.csv"))
        .args(["--preset", "mhs", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    db
}

/// A new project `db` holding `ratings` (an MHS-shaped file, preset mhs), fitted with the
/// defaults.
pub fn fitted_mhs_project(ratings: &Path, db: &Path) -> PathBuf {
    scalewright()
        .arg("ingest")
        .arg(ratings)
        .args(["--preset", "mhs", "--quiet", "--project"])
        .arg(db)
        .assert()
        .success();
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(db)
        .assert()
        .success();
    db.to_path_buf()
}

/// `sample_project` after `fit` and `flag`.
pub fn fitted_sample(dir: &Path) -> PathBuf {
    let db = sample_project(dir);
    for command in ["fit", "flag"] {
        scalewright()
            .args([command, "--quiet", "--project"])
            .arg(&db)
            .assert()
            .success();
    }
    db
}

/// Runs `cmd` and parses its stdout as JSON.
pub fn json_out(cmd: &mut assert_cmd::Command) -> serde_json::Value {
    let out = cmd.assert().get_output().stdout.clone();
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
}

/// Column `name` of CSV text (read with polars), as strings.
pub fn csv_column(text: &str, name: &str) -> Vec<String> {
    use polars::prelude::*;
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .into_reader_with_file_handle(std::io::Cursor::new(text.as_bytes().to_vec()))
        .finish()
        .expect("CSV");
    df.column(name)
        .expect("column")
        .str()
        .expect("text column")
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

/// `key -> value` columns of a sample truth file.
pub fn truth(name: &str, key: &str, value: &str) -> std::collections::HashMap<String, String> {
    let text = std::fs::read_to_string(sample(name)).expect("truth file");
    csv_column(&text, key)
        .into_iter()
        .zip(csv_column(&text, value))
        .collect()
}

/// Pearson correlation.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    scalewright::measure::statistics::pearson(x, y).unwrap_or(f64::NAN)
}
