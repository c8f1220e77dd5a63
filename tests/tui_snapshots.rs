//! Every workbench screen drawn on the fitted sample project (TestBackend, no colour), at 80x24
//! and 140x40, compared with the committed snapshots in tests/snapshots/.

mod common;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scalewright::config::Preset;
use scalewright::ingest::preview::preview;
use scalewright::ingest::IngestOptions;
use scalewright::tui::action::{Action, Move};
use scalewright::tui::app::{App, Tab};
use scalewright::tui::jobs::{load_snapshot, JobMessage, PREVIEW_ROWS};
use scalewright::tui::theme::Theme;
use scalewright::tui::{ui, update::update};
use std::path::Path;

const SIZES: [(u16, u16); 2] = [(80, 24), (140, 40)];

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| ui::draw(frame, app, Theme::PLAIN))
        .expect("draw");
    terminal.backend().to_string()
}

fn snapshot_all_sizes(app: &App, name: &str) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

/// The workbench on a fitted, flagged copy of the sample project, loaded synchronously.
fn loaded_app(dir: &Path) -> App {
    let db = common::fitted_sample(dir);
    let mut app = App::open(&db, "lead").expect("open");
    let snapshot = load_snapshot(&db).expect("load");
    let commands = update(
        &mut app,
        Action::Job(JobMessage::Loaded(Box::new(snapshot))),
    );
    assert!(commands.is_empty());
    app
}

#[test]
fn every_screen_on_the_sample_project() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = loaded_app(dir.path());
    let loaded = app.loaded.as_ref().expect("loaded");
    assert_eq!(loaded.rater_rows.len(), 455);
    assert_eq!(loaded.comment_rows.len(), 2000);

    for (tab, name) in [
        (Tab::Overview, "overview"),
        (Tab::Raters, "raters"),
        (Tab::Items, "items"),
        (Tab::Comments, "comments"),
        (Tab::Wright, "wright"),
        (Tab::Runs, "runs"),
        (Tab::Export, "export"),
        (Tab::Annotate, "annotate"),
    ] {
        update(&mut app, Action::GoTo(tab));
        snapshot_all_sizes(&app, name);
    }

    // Raters sorted by infit, largest first, with the selected rater's detail.
    update(&mut app, Action::GoTo(Tab::Raters));
    for _ in 0..3 {
        update(&mut app, Action::NextSort);
    }
    update(&mut app, Action::ReverseSort);
    let loaded = app.loaded.as_ref().expect("loaded");
    let first = &loaded.rater_rows[app.raters.order[0]];
    let largest = loaded
        .rater_rows
        .iter()
        .filter_map(|r| r.infit)
        .fold(f64::MIN, f64::max);
    assert_eq!(first.infit, Some(largest));
    snapshot_all_sizes(&app, "raters_by_infit");

    // Items: the third item's scale and curves.
    update(&mut app, Action::GoTo(Tab::Items));
    update(&mut app, Action::Select(Move::Down));
    update(&mut app, Action::Select(Move::Down));
    snapshot_all_sizes(&app, "items_third");

    // Import: the sample file previewed under the mhs preset.
    update(&mut app, Action::GoTo(Tab::Import));
    snapshot_all_sizes(&app, "import_empty");
    app.import.data = "sample-data/mhs-sim/ratings.csv".into();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join(&app.import.data);
    let p = preview(
        &data,
        &Preset::Mhs.config(),
        PREVIEW_ROWS,
        &IngestOptions::default(),
    )
    .expect("preview");
    assert_eq!(p.report.errors_total, 0);
    update(
        &mut app,
        Action::Job(JobMessage::Previewed {
            preview: Box::new(p),
            config_toml: Preset::Mhs.toml().to_string(),
        }),
    );
    snapshot_all_sizes(&app, "import_preview");

    // The key help over the Raters screen.
    update(&mut app, Action::GoTo(Tab::Raters));
    update(&mut app, Action::ToggleHelp);
    insta::assert_snapshot!("help_80x24", render(&app, 80, 24));
}
