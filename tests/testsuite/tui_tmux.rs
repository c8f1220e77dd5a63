//! End to end: drives the real `scalewright tui` binary in tmux (send-keys, capture-pane) on a
//! new project: import the sample data -> fit -> sort raters by infit -> exclude the worst ->
//! annotate a comment -> export; then checks the project and the file with the library.
//! Needs tmux (`.ci/run` installs it when missing).

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use scalewright::store::{Decision, Project};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long one step may take before the test fails (debug builds on a loaded 2-core machine).
const STEP_TIMEOUT: Duration = Duration::from_secs(180);

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str, width: u16, height: u16) -> Tmux {
        let socket = format!("scalewright-e2e-{}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-s", "wb"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(command)
            .status()
            .expect("tmux must be installed (apt-get install tmux; .ci/run does it)");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "wb"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    fn text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "wb", "-l", text])
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "wb"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Polls the screen until it shows `needle`; fails with the last screen otherwise.
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                return screen;
            }
            if start.elapsed() > STEP_TIMEOUT {
                panic!("waited {STEP_TIMEOUT:?} for {needle:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn import_fit_review_annotate_export_in_the_real_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("e2e.db");
    let out = dir.path().join("targets.csv");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/mhs-sim/ratings.csv");
    let command = format!(
        "NO_COLOR=1 {} tui {} --reviewer lead",
        env!("CARGO_BIN_EXE_scalewright"),
        db.display()
    );
    let tmux = Tmux::start(&command, 120, 40);

    // A new project opens on the Import screen.
    tmux.wait_for("data file");
    tmux.keys(&["Enter"]);
    tmux.text(&data.display().to_string());
    tmux.keys(&["Enter", "p"]);
    tmux.wait_for("valid: 7731 rows");
    tmux.keys(&["i"]);
    tmux.wait_for("imported 77310 responses");

    // Fit.
    tmux.keys(&["6"]);
    tmux.wait_for("Enter starts the fit");
    tmux.keys(&["Enter"]);
    tmux.wait_for("converged after");
    tmux.wait_for("jmle   converged");

    // Raters by infit, largest first; exclude the first.
    tmux.keys(&["2"]);
    tmux.wait_for("raters 455 of 455");
    tmux.keys(&["s", "s", "s", "S"]);
    let screen = tmux.wait_for("Infit▼");
    let worst = first_rater(&screen);
    tmux.keys(&["x"]);
    tmux.wait_for("reason:");
    tmux.text("random responding");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("rater {worst}: exclude (random responding)"));

    // Annotate the first comment of the least-certain queue: sentiment = 3.
    tmux.keys(&["9"]);
    let screen = tmux.wait_for("your ratings as lead");
    let comment = screen
        .split("comment ")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .expect("a comment on screen")
        .trim()
        .to_string();
    tmux.keys(&["3"]);
    tmux.wait_for(&format!("saved: comment {comment}, sentiment = 3"));

    // Export the objects to a CSV file (digits answer on Annotate: leave with Shift-Tab).
    tmux.keys(&["BTab"]);
    tmux.wait_for("file (.csv .parquet .json)");
    tmux.keys(&["Down", "Enter"]);
    for _ in 0.."targets.csv".len() {
        tmux.keys(&["BSpace"]);
    }
    tmux.text(&out.display().to_string());
    tmux.keys(&["Enter", "w"]);
    tmux.wait_for("wrote 2000 rows");
    tmux.keys(&["q"]);
    drop(tmux);

    // The project holds the decision, the rating and the export, as the CLI sees them.
    let project = Project::open(&db).expect("project");
    let decisions = project.decisions().expect("decisions");
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0].label, worst);
    assert_eq!(decisions[0].decision, Decision::Exclude);
    assert_eq!(decisions[0].reason, "random responding");
    assert_eq!(decisions[0].source, "tui");
    let data = project.ratings().expect("ratings");
    let rater = data.rater_facets().next().expect("rater facet");
    let lead = data.facets[rater]
        .labels
        .iter()
        .position(|l| l == "lead")
        .expect("the reviewer is a rater") as u32;
    let mine: Vec<(String, String, i32)> = (0..data.len())
        .filter(|&n| data.elements[rater][n] == lead)
        .map(|n| {
            (
                data.objects().labels[data.elements[data.object_facet][n] as usize].clone(),
                data.items().labels[data.elements[data.item_facet][n] as usize].clone(),
                data.scores[n],
            )
        })
        .collect();
    assert_eq!(mine, vec![(comment, "sentiment".to_string(), 3)]);
    let text = std::fs::read_to_string(&out).expect("export written");
    assert_eq!(text.lines().count(), 2001, "header + 2000 comments");
    assert!(Path::new(&format!("{}.json", out.display())).exists());
}

/// The rater id in the first row of the Raters table.
fn first_rater(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("Infit▼"))
        .expect("header");
    lines[header + 1]
        .trim_start_matches('│')
        .split_whitespace()
        .next()
        .expect("a rater id")
        .to_string()
}
