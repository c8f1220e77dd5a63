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
        "SELECT dataset_id, source_row, object, rater, other_raters, item, raw, score FROM observations ORDER BY id",
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
