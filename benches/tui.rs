//! The workbench at MHS scale: `cargo bench --bench tui [-- COMMENTS]`.
//!
//! Simulates an MHS-shaped project (39,565 comments by default: ~1.34 million responses, ~7,900
//! raters), imports, fits and flags it, then measures with ratatui's TestBackend:
//!
//! - opening: `App::open` (the data sets and facet sizes) and the first frame, which is what the
//!   user waits for; then the background load of everything else (`load_view`: observations,
//!   run, rows, sort orders, search index) and installing it on the UI thread;
//! - one frame of every screen at 80x24 and 200x60 (median and largest of `FRAMES` frames),
//!   the Raters table with all raters and a selection deep in the list;
//! - state transitions: sorting the raters, typing a search character on Comments, moving the
//!   selection (which recomputes the rater's detail).
//!
//! Results are recorded in docs/benchmarks.md.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

mod common;

use common::{comments_arg, fitted_mhs_project};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scalewright::pipeline;
use scalewright::store::Project;
use scalewright::tui::action::{Action, Move};
use scalewright::tui::app::App;
use scalewright::tui::jobs::JobMessage;
use scalewright::tui::loaded::load_view;
use scalewright::tui::state::QueueKind;
use scalewright::tui::tab::Tab;
use scalewright::tui::theme::Theme;
use scalewright::tui::ui;
use scalewright::tui::update::{deliver, update};
use std::time::{Duration, Instant};

/// Frames drawn per screen and size.
const FRAMES: usize = 60;

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) -> Duration {
    let t = Instant::now();
    terminal
        .draw(|frame| ui::draw(frame, app, Theme { color: true }))
        .expect("draw");
    t.elapsed()
}

/// Median and largest frame time in ms over `FRAMES` redraws (the buffer is cleared between
/// frames so each one draws and diffs every cell, as after a screen change).
fn frames(app: &App, width: u16, height: u16) -> (f64, f64) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let mut times: Vec<f64> = (0..FRAMES)
        .map(|_| {
            terminal.clear().expect("clear");
            draw(&mut terminal, app).as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    let comments = comments_arg();
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    let (db, _, outcome) = fitted_mhs_project(dir.path(), comments)?;
    pipeline::flag_run(&mut Project::open(&db)?, outcome.run_id)?;
    println!(
        "built the project (simulate, import, fit, flag) in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Opening: what the first frame needs, then the first frame.
    let t = Instant::now();
    let mut app = App::open(&db, "bench")?;
    let open = t.elapsed();
    let mut terminal = Terminal::new(TestBackend::new(200, 60))?;
    let first_frame = draw(&mut terminal, &app);
    println!(
        "open: App::open {:.1} ms + first frame {:.1} ms = {:.1} ms",
        ms(open),
        ms(first_frame),
        ms(open + first_frame)
    );

    // The background load (off the UI thread in the workbench) and installing it.
    let t = Instant::now();
    let view = load_view(&db)?;
    let load = t.elapsed();
    let t = Instant::now();
    deliver(&mut app, JobMessage::Loaded(Box::new(view)));
    let install = t.elapsed();
    let loaded = app.loaded.as_ref().expect("loaded");
    println!(
        "background load {:.2} s ({} responses, {} comments, {} raters); installing it on the UI thread {:.1} ms",
        load.as_secs_f64(),
        loaded.data.len(),
        loaded.comment_rows.len(),
        loaded.rater_rows.len(),
        ms(install)
    );

    println!("frame times, median / largest of {FRAMES} (ms):");
    for tab in Tab::ALL {
        update(&mut app, Action::GoTo(tab));
        let (small_median, small_max) = frames(&app, 80, 24);
        let (large_median, large_max) = frames(&app, 200, 60);
        println!(
            "  {:<14} 80x24 {small_median:6.2} / {small_max:6.2}   200x60 {large_median:6.2} / {large_max:6.2}",
            tab.title()
        );
    }

    // Raters: sort by infit (largest first), select deep in the list.
    update(&mut app, Action::GoTo(Tab::Raters));
    let t = Instant::now();
    for _ in 0..3 {
        update(&mut app, Action::NextSort);
    }
    update(&mut app, Action::ReverseSort);
    let sort = t.elapsed() / 4;
    let t = Instant::now();
    for _ in 0..400 {
        update(&mut app, Action::Select(Move::PageDown));
    }
    let step = t.elapsed() / 400;
    let (median, max) = frames(&app, 200, 60);
    println!(
        "raters: sort {:.2} ms; move the selection (with the rater's detail) {:.2} ms; frame at row {} (200x60) {median:.2} / {max:.2} ms",
        ms(sort),
        ms(step),
        app.raters.selection.index
    );

    // Comments: each search keystroke filters every comment's id and text (the first, one
    // letter, matches most comments); each sort key takes the order the load computed.
    update(&mut app, Action::GoTo(Tab::Comments));
    update(&mut app, Action::Search);
    let mut keystrokes = Vec::new();
    for c in "vermin".chars() {
        let t = Instant::now();
        update(&mut app, Action::Input(c));
        keystrokes.push(t.elapsed());
    }
    let mean = keystrokes.iter().sum::<Duration>() / keystrokes.len() as u32;
    let largest = keystrokes.iter().max().copied().unwrap_or_default();
    println!(
        "comments: one search keystroke {:.1} ms on average, largest {:.1} ms ({} of {} match \"vermin\")",
        ms(mean),
        ms(largest),
        app.comments.order.len(),
        app.loaded.as_ref().map_or(0, |l| l.comment_rows.len())
    );
    update(&mut app, Action::Confirm);
    let mut sorts = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        update(&mut app, Action::NextSort);
        sorts.push(t.elapsed());
    }
    println!(
        "comments: next sort order, largest of 3 {:.1} ms",
        ms(sorts.iter().max().copied().unwrap_or_default())
    );

    // Annotate: the two model-based queues.
    update(&mut app, Action::GoTo(Tab::Annotate));
    for queue in [QueueKind::LeastCertain, QueueKind::MostUnexpected] {
        app.annotate.queue = queue;
        let t = Instant::now();
        app.build_queue();
        println!(
            "annotate: queue `{}` built in {:.1} ms ({} comments)",
            app.annotate.queue.title(),
            ms(t.elapsed()),
            app.annotate.entries.len()
        );
    }
    Ok(())
}
