//! The pipeline at scale: `cargo bench --bench scale -- N` (N responses: 1000000, 1e7, 1e8; or
//! `mhs`: the MHS release's 39,565 comments, 1.34 million responses).
//!
//! Runs the real `scalewright` binary once per step, each in its own process, and records the
//! step's wall time, CPU time and peak resident memory (from `wait4`'s rusage, so the peak is
//! that process's alone) and the project file's size after the step (`p.db` plus `p.db-wal`):
//!
//! 1. `simulate --comments C --seed 5`: an MHS-shaped data set of about N responses
//!    (C = N / 34: the simulator draws about 34 item responses per comment);
//! 2. `ingest --preset mhs` into a new project;
//! 3. `fit` (JMLE, default options): load, fit and store the run;
//! 4. `flag`: the rater-quality flags of the run;
//! 5. `export --what objects` (CSV): the objects' measures;
//! 6. open: the workbench's `App::open` and its first frame (200x60, ratatui's TestBackend),
//!    measured in this process (its peak is this process's, which did nothing large before).
//!
//! Files go to a temporary directory under `$SCALE_DIR` (default /var/tmp; 10^8 responses need
//! about 20 GB), removed at the end unless `SCALE_KEEP=1`. Progress goes to stderr; the results
//! (a markdown table and one JSON line) to stdout, for docs/benchmarks.md.

mod common;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scalewright::simulate::MHS_COMMENTS;
use scalewright::tui::app::App;
use scalewright::tui::theme::Theme;
use scalewright::tui::ui;
use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

/// The release (or, with `--profile dev`, debug) binary cargo built for this benchmark.
const BIN: &str = env!("CARGO_BIN_EXE_scalewright");

/// Item responses per simulated comment (measured: 295,000 comments give 10,032,810).
const RESPONSES_PER_COMMENT: f64 = 34.0;

/// Responses when no size is given.
const DEFAULT_RESPONSES: u64 = 1_000_000;

/// What one step cost.
struct Step {
    name: &'static str,
    wall_s: f64,
    cpu_s: f64,
    peak_mib: f64,
    /// The project file (with its WAL) after the step; `None` before the project exists.
    project_mib: Option<f64>,
}

/// A finished child process: its exit status, wall time and resource usage.
struct Measured {
    status: ExitStatus,
    wall_s: f64,
    cpu_s: f64,
    peak_mib: f64,
}

/// A response count: `1000000`, `1_000_000` or `1e6`.
fn parse_count(text: &str) -> Option<u64> {
    let text = text.replace('_', "");
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let x: f64 = text.parse().ok()?;
    (x.is_finite() && x >= 1.0).then(|| x.round() as u64)
}

/// The number of comments to simulate for the size on the command line (cargo adds `--bench`,
/// which is skipped): N responses give N / 34 comments; `mhs` gives the MHS release's 39,565.
fn comments_arg() -> u64 {
    let responses = match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        None => DEFAULT_RESPONSES,
        Some(arg) if arg.eq_ignore_ascii_case("mhs") => return MHS_COMMENTS as u64,
        Some(arg) => parse_count(&arg).unwrap_or_else(|| {
            panic!("usage: cargo bench --bench scale -- N (responses, e.g. 1000000 or 1e7, or mhs); got `{arg}`")
        }),
    };
    ((responses as f64 / RESPONSES_PER_COMMENT).round() as u64).max(100)
}

fn seconds(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// Runs `BIN args` with stdout and stderr in files under `logs`, waits for it with `wait4` and
/// returns its status and usage; panics (naming the step) when it cannot be started.
fn run_child(step: &str, logs: &Path, args: &[String]) -> Measured {
    let open_log = |ext: &str| {
        let path = logs.join(format!("{step}.{ext}"));
        File::create(&path).unwrap_or_else(|e| panic!("step {step}: cannot create {path:?}: {e}"))
    };
    let started = Instant::now();
    let child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(open_log("stdout"))
        .stderr(open_log("stderr"))
        .spawn()
        .unwrap_or_else(|e| panic!("step {step}: cannot start {BIN}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 writes it and the status for our own child,
    // which std::process never waits for afterwards (the Child is dropped unwaited).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if waited == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            panic!("step {step}: wait4 failed: {error}");
        }
    }
    let wall_s = started.elapsed().as_secs_f64();
    drop(child);
    Measured {
        status: ExitStatus::from_raw(status),
        wall_s,
        cpu_s: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}

/// Runs one pipeline step as a child process; panics with the command and its stderr when it
/// fails. Returns the measurements and the step's stdout.
fn run_step(name: &'static str, logs: &Path, db: &Path, args: &[String]) -> (Step, String) {
    eprintln!("[scale] {name}: {BIN} {}", args.join(" "));
    let measured = run_child(name, logs, args);
    let read_log =
        |ext: &str| std::fs::read_to_string(logs.join(format!("{name}.{ext}"))).unwrap_or_default();
    if !measured.status.success() {
        panic!(
            "step {name} failed ({}): {BIN} {}\n--- stderr ---\n{}",
            measured.status,
            args.join(" "),
            read_log("stderr").trim_end()
        );
    }
    let step = Step {
        name,
        wall_s: measured.wall_s,
        cpu_s: measured.cpu_s,
        peak_mib: measured.peak_mib,
        project_mib: project_mib(db),
    };
    eprintln!(
        "[scale] {name}: {:.1} s wall, {:.1} s CPU, peak {:.0} MiB, project {}",
        step.wall_s,
        step.cpu_s,
        step.peak_mib,
        step.project_mib
            .map_or("-".to_string(), |m| format!("{m:.1} MiB"))
    );
    (step, read_log("stdout"))
}

/// The project's size in MiB: the database and its write-ahead log; `None` before it exists.
fn project_mib(db: &Path) -> Option<f64> {
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).ok();
    let main = size(db)?;
    let wal = size(&db.with_extension("db-wal")).unwrap_or(0);
    Some((main + wal) as f64 / (1024.0 * 1024.0))
}

/// `App::open` and the first frame at 200x60, in this process.
fn open_step(db: &Path) -> Step {
    eprintln!("[scale] open: App::open + first frame (in process)");
    let started = Instant::now();
    let app = App::open(db, "bench").unwrap_or_else(|e| panic!("step open: App::open: {e}"));
    let mut terminal = Terminal::new(TestBackend::new(200, 60))
        .unwrap_or_else(|e| panic!("step open: terminal: {e}"));
    terminal
        .draw(|frame| ui::draw(frame, &app, Theme { color: true }))
        .unwrap_or_else(|e| panic!("step open: first frame: {e}"));
    let wall_s = started.elapsed().as_secs_f64();
    let step = Step {
        name: "open",
        wall_s,
        cpu_s: f64::NAN,
        peak_mib: common::peak_rss_mib().unwrap_or(f64::NAN),
        project_mib: project_mib(db),
    };
    eprintln!(
        "[scale] open: {:.3} s, peak of this process {:.0} MiB",
        step.wall_s, step.peak_mib
    );
    step
}

/// The responses and rows `simulate --json` reports.
fn simulated_counts(stdout: &str) -> (u64, u64) {
    let json: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("step simulate: its --json output is not JSON ({e}): {stdout}"));
    let count = |key: &str| {
        json["counts"][key]
            .as_u64()
            .unwrap_or_else(|| panic!("step simulate: no counts.{key} in {stdout}"))
    };
    (count("responses"), count("rows"))
}

/// The whole pipeline as one line: summed times, the largest peak, the final project.
fn pipeline_total(steps: &[Step]) -> Step {
    Step {
        name: "pipeline",
        wall_s: steps.iter().map(|s| s.wall_s).sum(),
        cpu_s: steps
            .iter()
            .map(|s| s.cpu_s)
            .filter(|c| c.is_finite())
            .sum(),
        peak_mib: steps.iter().map(|s| s.peak_mib).fold(0.0, f64::max),
        project_mib: steps.last().and_then(|s| s.project_mib),
    }
}

fn bytes_per_response(peak_mib: f64, responses: u64) -> f64 {
    peak_mib * 1024.0 * 1024.0 / responses.max(1) as f64
}

fn print_table(steps: &[Step], responses: u64) {
    println!("| step | wall s | CPU s | peak MiB | project MiB | bytes per response of peak |");
    println!("|---|---|---|---|---|---|");
    let cell = |x: f64, digits: usize| {
        if x.is_finite() {
            format!("{x:.digits$}")
        } else {
            "-".to_string()
        }
    };
    for s in steps {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            s.name,
            cell(s.wall_s, if s.wall_s < 10.0 { 2 } else { 1 }),
            cell(s.cpu_s, 1),
            cell(s.peak_mib, 0),
            s.project_mib.map_or("-".to_string(), |m| cell(m, 1)),
            cell(bytes_per_response(s.peak_mib, responses), 0),
        );
    }
}

fn json_line(steps: &[Step], responses: u64, rows: u64, comments: u64) -> String {
    let number = |x: f64| {
        if x.is_finite() {
            serde_json::json!((x * 1000.0).round() / 1000.0)
        } else {
            serde_json::Value::Null
        }
    };
    let steps: Vec<serde_json::Value> = steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "step": s.name,
                "wall_s": number(s.wall_s),
                "cpu_s": number(s.cpu_s),
                "peak_mib": number(s.peak_mib),
                "project_mib": s.project_mib.map(number),
                "peak_bytes_per_response": number(bytes_per_response(s.peak_mib, responses)),
            })
        })
        .collect();
    serde_json::json!({
        "bench": "scale",
        "responses": responses,
        "rows": rows,
        "comments": comments,
        "steps": steps,
    })
    .to_string()
}

/// The working directory: a fresh temporary directory under `$SCALE_DIR` (default /var/tmp),
/// with its guard (which removes it) unless `SCALE_KEEP=1` keeps it, also when a step fails.
fn work_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    let parent =
        std::env::var_os("SCALE_DIR").map_or_else(|| PathBuf::from("/var/tmp"), PathBuf::from);
    let dir = tempfile::Builder::new()
        .prefix("scalewright-scale-")
        .tempdir_in(&parent)
        .unwrap_or_else(|e| panic!("cannot create a directory under {parent:?} (SCALE_DIR): {e}"));
    if std::env::var_os("SCALE_KEEP").is_some_and(|v| v == "1") {
        let kept = dir.keep();
        eprintln!("[scale] SCALE_KEEP=1: {} is kept", kept.display());
        (None, kept)
    } else {
        let path = dir.path().to_path_buf();
        (Some(dir), path)
    }
}

fn main() {
    let comments = comments_arg();
    let (_guard, root) = work_dir();
    let root = root.as_path();
    let db = root.join("p.db");
    let data = root.join("data");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!(
        "[scale] {comments} comments (about {:.0} responses); in {}; binary {BIN}; load {}",
        comments as f64 * RESPONSES_PER_COMMENT,
        root.display(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    let path = |p: &Path| p.display().to_string();
    let arg = |s: &str| s.to_string();
    let mut steps = Vec::new();

    let (step, stdout) = run_step(
        "simulate",
        root,
        &db,
        &[
            arg("simulate"),
            arg("--json"),
            arg("--out"),
            path(&data),
            arg("--comments"),
            comments.to_string(),
            arg("--seed"),
            arg("5"),
        ],
    );
    steps.push(step);
    let (responses, rows) = simulated_counts(&stdout);
    let ratings = data.join("ratings.csv");
    let csv_mib = std::fs::metadata(&ratings).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    eprintln!("[scale] simulated {rows} rows, {responses} responses; ratings.csv {csv_mib:.1} MiB");

    let project = [arg("--project"), path(&db)];
    let commands: [(&'static str, Vec<String>); 4] = [
        (
            "ingest",
            vec![arg("ingest"), path(&ratings), arg("--preset"), arg("mhs")],
        ),
        ("fit", vec![arg("fit")]),
        ("flag", vec![arg("flag")]),
        (
            "export",
            vec![
                arg("export"),
                arg("--what"),
                arg("objects"),
                arg("--out"),
                path(&root.join("objects.csv")),
            ],
        ),
    ];
    for (name, mut args) in commands {
        args.extend(project.iter().cloned());
        steps.push(run_step(name, root, &db, &args).0);
    }
    let pipeline = pipeline_total(&steps);
    steps.push(open_step(&db));
    steps.push(pipeline);

    println!(
        "\nscale: {responses} responses ({rows} rows, {comments} comments), ratings.csv {csv_mib:.1} MiB\n"
    );
    print_table(&steps, responses);
    println!("\n{}", json_line(&steps, responses, rows, comments));
}
