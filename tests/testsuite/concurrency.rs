//! Several processes on one project (issue 12): writers wait for each other instead of failing,
//! creating a project twice at once never collides, and a finished fit is stored after another
//! process releases the project, or kept in a side file to import later.
//!
//! The "other process" holding the project is this test itself: an SQLite connection in a
//! `BEGIN IMMEDIATE` write transaction, as another scalewright writing would hold it.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{fixture, sample_project};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const WAITING: &str = "waiting for the project";

fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scalewright"));
    cmd.env("NO_COLOR", "1").env_remove("SCALEWRIGHT_WAIT");
    cmd
}

/// A running command whose stderr lines arrive on a channel (and are kept).
struct Watched {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watched {
    fn spawn(cmd: &mut Command) -> Watched {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn scalewright");
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `text` (panics when the command ends first).
    fn wait_for_line(&mut self, text: &str) {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(e) => panic!("no line with {text:?} ({e}); stderr: {:?}", self.seen),
            }
        }
    }

    /// Waits for the end; returns the exit code and the whole stderr.
    fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().expect("wait");
        self.seen.extend(self.lines.iter());
        (status.code().unwrap_or(-1), self.seen.join("\n"))
    }
}

/// Another writer: holds the project's write lock until dropped (or `release`).
struct Writer {
    conn: rusqlite::Connection,
    since: Instant,
}

impl Writer {
    fn hold(db: &Path) -> Writer {
        let conn = rusqlite::Connection::open(db).expect("open");
        conn.execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        Writer {
            conn,
            since: Instant::now(),
        }
    }

    fn release(self) {
        self.conn.execute_batch("COMMIT").expect("release");
    }
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn side_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".pending-run-"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn two_ingests_into_a_new_project_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("mhs_sample_99rows.csv");
    let mut outcomes = Vec::new();
    for round in 0..20 {
        let db = dir.path().join(format!("race-{round}.db"));
        let ingest = || {
            Watched::spawn(
                binary()
                    .arg("ingest")
                    .arg(&data)
                    .args(["--preset", "mhs", "--quiet", "--project"])
                    .arg(&db),
            )
        };
        let (first, second) = (ingest(), ingest());
        let (a, b) = (first.finish(), second.finish());
        for (_, stderr) in [&a, &b] {
            assert!(
                !stderr.contains("SQL logic error") && !stderr.contains("already exists"),
                "round {round}: {stderr}"
            );
        }
        let mut codes = [a.0, b.0];
        codes.sort();
        // One imports the file; the other finds it imported (the same sha256) and exits 4.
        assert_eq!(codes, [0, 4], "round {round}: {a:?} {b:?}");
        let refused = if a.0 == 4 { &a.1 } else { &b.1 };
        assert!(refused.contains("was already imported"), "{refused}");
        assert_eq!(count(&db, "datasets"), 1, "round {round}");
        assert_eq!(common::integrity(&db), "ok");
        outcomes.push(codes);
    }
    println!("20 rounds: {outcomes:?}");
}

#[test]
fn a_decision_waits_for_another_writer_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    binary()
        .arg("ingest")
        .arg(fixture("mhs_sample_99rows.csv"))
        .args(["--preset", "mhs", "--quiet", "--project"])
        .arg(&db)
        .status()
        .unwrap();
    let rater: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT e.label FROM elements e JOIN facets f ON f.id = e.facet_id
             WHERE f.role = 'rater' ORDER BY e.idx LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let writer = Writer::hold(&db);
    let mut exclude = Watched::spawn(
        binary()
            .args(["exclude", "--ids", &rater, "--reason", "test", "--project"])
            .arg(&db),
    );
    exclude.wait_for_line(WAITING);
    writer.release();
    let (code, stderr) = exclude.finish();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count(&db, "decisions"), 1);
}

#[test]
fn a_fit_finishing_while_another_process_writes_is_stored_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let writer = Writer::hold(&db);
    let mut fit = Watched::spawn(binary().args(["fit", "--project"]).arg(&db));
    // The fit computed its run and now waits to store it.
    fit.wait_for_line(WAITING);
    // The other writer keeps the project for 10 s in all.
    let held = Duration::from_secs(10);
    std::thread::sleep(held.saturating_sub(writer.since.elapsed()));
    let waited_from = Instant::now();
    writer.release();
    let (code, stderr) = fit.finish();
    println!(
        "fit stored {:?} after the release; stderr: {stderr}",
        waited_from.elapsed()
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count(&db, "runs"), 1);
    assert!(count(&db, "estimates") > 2000);
    assert!(side_files(dir.path()).is_empty());
}

#[test]
fn a_run_that_cannot_be_stored_is_kept_in_a_side_file_and_imported_later() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let writer = Writer::hold(&db);

    // Giving up the wait with Ctrl-C keeps the run.
    let mut fit = Watched::spawn(binary().args(["fit", "--project"]).arg(&db));
    fit.wait_for_line(WAITING);
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(fit.child.id() as libc::pid_t, libc::SIGINT) };
    let (code, stderr) = fit.finish();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("scalewright import-run"), "{stderr}");

    // So does a wait that reaches its limit (SCALEWRIGHT_WAIT seconds).
    let (code, stderr) = Watched::spawn(
        binary()
            .env("SCALEWRIGHT_WAIT", "1")
            .args(["fit", "--method", "mml", "--project"])
            .arg(&db),
    )
    .finish();
    assert_eq!(code, 4, "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(error.contains("stayed busy"), "{stderr}");
    assert!(error.matches("database is locked").count() <= 1, "{error}");

    // A decision that gives up writes nothing and says why once (exit 4).
    let (code, stderr) = Watched::spawn(
        binary()
            .env("SCALEWRIGHT_WAIT", "0")
            .args(["exclude", "--ids", "nobody", "--reason", "x", "--project"])
            .arg(&db),
    )
    .finish();
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(stderr.matches("database is locked").count(), 1, "{stderr}");
    writer.release();

    let files = side_files(dir.path());
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(count(&db, "runs"), 0);
    for (i, file) in files.iter().enumerate() {
        let out = binary()
            .arg("import-run")
            .arg(file)
            .arg("--project")
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(count(&db, "runs"), i as i64 + 1);
        assert!(!file.exists(), "the side file is removed once stored");
    }
    let methods: Vec<String> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn.prepare("SELECT method FROM runs ORDER BY id").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let mut sorted = methods.clone();
    sorted.sort();
    assert_eq!(sorted, ["jmle", "mml"]);
    // The imported runs read like any other.
    for run in ["1", "2"] {
        assert!(binary()
            .args(["report", "--run", run, "--project"])
            .arg(&db)
            .output()
            .unwrap()
            .status
            .success());
    }
}
