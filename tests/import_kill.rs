//! A process killed during an import leaves the project as it was, or with the whole file: never
//! half-written. The binary is killed (SIGKILL) at several points of an import of a simulated
//! file into a project that already holds data.

mod common;

use common::{integrity, project_digest};
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
    conn.query_row("SELECT count(*) FROM observations", [], |r| r.get(0))
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
