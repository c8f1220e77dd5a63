//! A process killed during an import leaves the project as it was, or with the whole file: never
//! half-written. The binary is killed (SIGKILL) at several points of an import of a simulated
//! file into a project that already holds data.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{integrity, project_digest};
use scalewright::simulate::{self, SimulationConfig};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn ingest(data: &Path, project: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("scalewright"));
    cmd.arg("ingest")
        .arg(data)
        .args(["--preset", "mhs", "--quiet", "--project"])
        .arg(project)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn observations(project: &Path) -> i64 {
    let conn = rusqlite::Connection::open(project).unwrap();
    conn.query_row(
        "SELECT coalesce(sum(responses), 0) FROM observation_chunks",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn killed_import_leaves_the_project_unchanged_or_complete() {
    let dir = tempfile::tempdir().unwrap();
    // A first file whose ids do not overlap the simulated ones.
    let first_path = dir.path().join("first.csv");
    let mut first_csv = String::from("comment_id,annotator_id,sentiment,respect,insult,humiliate,status,dehumanize,violence,genocide,attack_defend,hatespeech,text\n");
    for c in 0..20 {
        for r in 0..3 {
            first_csv.push_str(&format!(
                "{},{},{},1,2,0,1,0,0,0,2,{},\"text {c}\"\n",
                900_000 + c,
                900_000 + (c + r) % 7,
                (c + r) % 5,
                r % 3
            ));
        }
    }
    std::fs::write(&first_path, first_csv).unwrap();
    let second = simulate::simulate(&SimulationConfig {
        comments: 3000,
        seed: 2,
        ..SimulationConfig::default()
    })
    .unwrap()
    .write(&dir.path().join("second"))
    .unwrap();

    // A reference project: the first file, then how long the second import takes and what it adds.
    let reference = dir.path().join("reference.db");
    assert!(ingest(&first_path, &reference).status().unwrap().success());
    let base_count = observations(&reference);
    let started = Instant::now();
    assert!(ingest(&second.ratings, &reference)
        .status()
        .unwrap()
        .success());
    let full = started.elapsed();
    let full_count = observations(&reference);
    assert!(full_count > base_count);

    let mut unchanged = 0;
    for percent in [10u32, 30, 50, 70, 90] {
        let project = dir.path().join(format!("killed-{percent}.db"));
        assert!(ingest(&first_path, &project).status().unwrap().success());
        let before = project_digest(&project);
        let mut child = ingest(&second.ratings, &project).spawn().unwrap();
        std::thread::sleep(full * percent / 100);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        assert_eq!(integrity(&project), "ok", "killed at {percent}%");
        let count = observations(&project);
        if project_digest(&project) == before {
            unchanged += 1;
        } else {
            assert_eq!(
                count, full_count,
                "killed at {percent}%: the project holds part of the file"
            );
        }
        // The project still opens and reads after the kill.
        let data = scalewright::store::Project::open(&project)
            .unwrap()
            .ratings()
            .unwrap();
        assert_eq!(data.len() as i64, count);
        if finished {
            assert_eq!(count, full_count);
        }
    }
    assert!(
        unchanged > 0,
        "no kill landed before the commit (import took {full:?}); the test proved nothing"
    );
}

/// Kills `args` at several fractions of its uninterrupted duration (measured first on a copy),
/// calling `check` on the project (and the copy's outcome) after each kill.
fn kill_at_fractions(
    dir: &Path,
    template: &Path,
    args: &[&str],
    mut check: impl FnMut(&Path, u32),
) {
    let reference = dir.join("reference-run.db");
    std::fs::copy(template, &reference).unwrap();
    let started = Instant::now();
    let status = Command::new(assert_cmd::cargo::cargo_bin("scalewright"))
        .args(args)
        .arg("--project")
        .arg(&reference)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let full = started.elapsed();
    for percent in [20u32, 50, 80] {
        let project = dir.join(format!("killed-run-{percent}.db"));
        std::fs::copy(template, &project).unwrap();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("scalewright"))
            .args(args)
            .arg("--project")
            .arg(&project)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * percent / 100);
        child.kill().ok();
        child.wait().unwrap();
        assert_eq!(integrity(&project), "ok", "killed at {percent}%");
        check(&project, percent);
    }
}

#[test]
fn killed_fit_and_export_leave_no_half_written_run_or_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/mhs-sim/ratings.csv");
    let template = dir.path().join("template.db");
    assert!(ingest(&data, &template).status().unwrap().success());

    // A fit is stored whole or not at all: every stored run has its Table 7 rows and its tables.
    kill_at_fractions(
        dir.path(),
        &template,
        &["fit", "--quiet"],
        |project, percent| {
            let conn = rusqlite::Connection::open(project).unwrap();
            let runs: i64 = conn
                .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
                .unwrap();
            let estimates: i64 = conn
                .query_row("SELECT count(*) FROM estimates", [], |r| r.get(0))
                .unwrap();
            let tables: i64 = conn
                .query_row(
                    "SELECT count(*) FROM run_tables WHERE name = 'fit'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let elements: i64 = conn
                .query_row("SELECT count(*) FROM elements", [], |r| r.get(0))
                .unwrap();
            assert!(runs <= 1, "killed at {percent}%");
            assert_eq!(
                estimates,
                runs * elements,
                "killed at {percent}%: a partial run"
            );
            assert_eq!(tables, runs, "killed at {percent}%");
        },
    );

    // An export leaves the complete file or none (never a truncated one), and no stray temporary.
    let fitted = dir.path().join("fitted.db");
    std::fs::copy(&template, &fitted).unwrap();
    assert!(Command::new(assert_cmd::cargo::cargo_bin("scalewright"))
        .args(["fit", "--quiet", "--project"])
        .arg(&fitted)
        .status()
        .unwrap()
        .success());
    let out_dir = dir.path().join("exports");
    std::fs::create_dir_all(&out_dir).unwrap();
    let target = out_dir.join("joined.parquet");
    let target_arg = target.display().to_string();
    let data_arg = data.display().to_string();
    let args = [
        "export",
        "--quiet",
        "--what",
        "joined",
        "--join",
        data_arg.as_str(),
        "--out",
        target_arg.as_str(),
    ];
    kill_at_fractions(dir.path(), &fitted, &args, |_, percent| {
        if target.exists() {
            let df = polars::prelude::ParquetReader::new(std::fs::File::open(&target).unwrap());
            use polars::prelude::SerReader;
            let frame = df
                .finish()
                .unwrap_or_else(|e| panic!("killed at {percent}%: unreadable export: {e}"));
            assert_eq!(frame.height(), 7731);
            std::fs::remove_file(&target).unwrap();
        }
        let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .collect();
        for l in &leftovers {
            // A killed process cannot clean up its temporary; it is hidden and never the target.
            std::fs::remove_file(l.path()).unwrap();
        }
    });
}
