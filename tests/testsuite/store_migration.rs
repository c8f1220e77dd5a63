//! Projects of schema version 1 (one SQLite row per response, as made by the release before the
//! columnar store) migrate to version 2 (responses by column in chunks): whole, in order, with
//! their runs still current, and a process killed mid-migration leaves the version-1 project as
//! it was.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{integrity, scalewright};
use scalewright::store::{chunks, Project};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The version-1 fixture (tests/fixtures/README.md), decompressed into `dir`.
fn v1_project(dir: &Path) -> PathBuf {
    let packed = std::fs::read(common::fixture("v1/mhs-v1.db.zst")).unwrap();
    let bytes = zstd::decode_all(&packed[..]).unwrap();
    let path = dir.join("v1.db");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// One version-1 row: dataset, source row, object, rater, other raters (u32 LE), item, raw,
/// score.
type V1Row = (i64, i64, i64, i64, Vec<u8>, i64, i64, i64);

fn v1_rows(path: &Path) -> Vec<V1Row> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT dataset_id, source_row, object, rater, other_raters, item, raw, score
             FROM observations ORDER BY id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

fn user_version(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// The stored responses of a version-2 project, in order, as version-1 rows.
fn v2_rows(path: &Path) -> Vec<V1Row> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut rows = Vec::new();
    chunks::for_each_chunk(&conn, path, |_, c| {
        for n in 0..c.len() {
            let others: Vec<u8> = c
                .other_raters
                .iter()
                .flat_map(|col| (col[n] as u32).to_le_bytes())
                .collect();
            rows.push((
                c.dataset_id[n],
                c.source_row[n],
                c.object[n],
                c.rater[n],
                others,
                c.item[n],
                c.raw[n],
                c.score[n],
            ));
        }
        Ok(())
    })
    .unwrap();
    rows
}

#[test]
fn a_version_1_project_migrates_whole_in_order_and_keeps_its_runs_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = v1_project(dir.path());
    assert_eq!(user_version(&path), 1);
    let before = v1_rows(&path);
    assert_eq!(before.len(), 6290, "the fixture's responses");

    let project = Project::open(&path).unwrap();
    assert_eq!(project.schema_version().unwrap(), 2);
    drop(project);
    assert_eq!(integrity(&path), "ok");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let old_table: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'observations'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old_table, 0, "the row table is dropped");
    drop(conn);
    // Every field of every response, in the version-1 row order.
    assert_eq!(v2_rows(&path), before);

    // Run 2 was fitted after the exclusion: its data fingerprint still matches the observations
    // in force, so every later step accepts it; run 1 (before the exclusion) stays stale.
    let project = Project::open(&path).unwrap();
    let data = scalewright::pipeline::run_data(&project, 2).unwrap();
    assert_eq!(
        data.len(),
        6290 - 180,
        "rater 23's 180 responses are masked"
    );
    assert!(matches!(
        scalewright::pipeline::run_data(&project, 1),
        Err(scalewright::pipeline::PipelineError::StaleRun { run_id: 1 })
    ));
    let datasets = project.datasets().unwrap();
    assert_eq!(
        datasets.iter().map(|d| d.observations).collect::<Vec<_>>(),
        vec![5300, 990]
    );
    drop(project);

    // The migrated project works end to end: flags of run 2, an export, a new fit on it.
    let out = dir.path().join("objects.csv");
    scalewright()
        .args(["flag", "--quiet", "--run", "2", "--project"])
        .arg(&path)
        .assert()
        .success();
    scalewright()
        .args([
            "export", "--quiet", "--run", "2", "--what", "objects", "--out",
        ])
        .arg(&out)
        .arg("--project")
        .arg(&path)
        .assert()
        .success();
    let exported = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        exported.lines().count(),
        1 + 299,
        "header and one line per comment"
    );
    scalewright()
        .args(["fit", "--quiet", "--allow-disconnected", "--project"])
        .arg(&path)
        .assert()
        .success();
    // Opening again changes nothing (the version is current).
    let rows = v2_rows(&path);
    Project::open(&path).unwrap();
    assert_eq!(v2_rows(&path), rows);
}

/// Makes the version-1 fixture `copies` times larger: every comment and its responses again
/// under new labels (plain SQL on the version-1 tables), so a migration lasts long enough to be
/// killed part-way.
fn inflate_v1(path: &Path, copies: i64) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    let object_facet: i64 = conn
        .query_row("SELECT id FROM facets WHERE role = 'object'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let objects: i64 = conn
        .query_row(
            "SELECT count(*) FROM elements WHERE facet_id = ?1",
            [object_facet],
            |r| r.get(0),
        )
        .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    for k in 1..=copies {
        tx.execute(
            "INSERT INTO elements (facet_id, idx, label, attributes, dataset_id)
             SELECT facet_id, idx + ?2 * ?3, label || '-copy' || ?2, '{}', dataset_id
             FROM elements WHERE facet_id = ?1 AND idx < ?3",
            rusqlite::params![object_facet, k, objects],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO observations (dataset_id, source_row, object, rater, other_raters, item, raw, score)
             SELECT dataset_id, source_row, object + ?1 * ?2, rater, other_raters, item, raw, score
             FROM observations WHERE object < ?2",
            rusqlite::params![k, objects],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    conn.query_row("SELECT count(*) FROM observations", [], |r| r.get(0))
        .unwrap()
}

fn open_project(path: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("scalewright"));
    cmd.args(["info", "--project"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn a_migration_killed_part_way_leaves_the_version_1_project_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let template = v1_project(dir.path());
    let responses = inflate_v1(&template, 60);
    assert!(responses > 300_000, "{responses}");
    let reference_rows = v1_rows(&template);

    // How long an uninterrupted migration (and the command around it) takes.
    let reference = dir.path().join("reference.db");
    std::fs::copy(&template, &reference).unwrap();
    let started = Instant::now();
    assert!(open_project(&reference).status().unwrap().success());
    let full = started.elapsed();
    assert_eq!(user_version(&reference), 2);
    assert_eq!(v2_rows(&reference), reference_rows);

    let mut unchanged = 0;
    for percent in [10u32, 30, 50, 70] {
        let project = dir.path().join(format!("killed-{percent}.db"));
        std::fs::copy(&template, &project).unwrap();
        let mut child = open_project(&project).spawn().unwrap();
        std::thread::sleep(full * percent / 100);
        child.kill().ok();
        child.wait().unwrap();
        assert_eq!(integrity(&project), "ok", "killed at {percent}%");
        match user_version(&project) {
            1 => {
                unchanged += 1;
                assert_eq!(v1_rows(&project), reference_rows, "killed at {percent}%");
            }
            2 => assert_eq!(v2_rows(&project), reference_rows, "killed at {percent}%"),
            v => panic!("killed at {percent}%: schema version {v}"),
        }
        // The project still opens (migrating now if it had not) and holds every response.
        let data = Project::open(&project).unwrap().ratings().unwrap();
        assert_eq!(data.len() as i64, responses, "killed at {percent}%");
    }
    assert!(
        unchanged > 0,
        "no kill landed before the migration committed (it took {full:?}); the test proved nothing"
    );
}
