//! Every workbench screen drawn on the fitted sample project (TestBackend, no colour), at 80x24
//! and 140x40, compared with the committed snapshots in tests/testsuite/snapshots/.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use scalewright::config::Preset;
use scalewright::ingest::preview::preview;
use scalewright::ingest::IngestOptions;
use scalewright::predict::{
    EncoderKind, EpochReport, Evaluation, ItemMetrics, MeasureMetrics, TrainOutcome,
};
use scalewright::tui::action::{Action, Move};
use scalewright::tui::app::App;
use scalewright::tui::jobs::{JobKind, JobMessage, PREVIEW_ROWS};
use scalewright::tui::loaded::load_view;
use scalewright::tui::tab::Tab;
use scalewright::tui::theme::Theme;
use scalewright::tui::ui;
use scalewright::tui::update::{deliver, update};
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
    let snapshot = load_view(&db).expect("load");
    let commands = deliver(&mut app, JobMessage::Loaded(Box::new(snapshot)));
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
        (Tab::Train, "train"),
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
    deliver(
        &mut app,
        JobMessage::Previewed {
            preview: Box::new(p),
            config_toml: Preset::Mhs.toml().to_string(),
        },
    );
    snapshot_all_sizes(&app, "import_preview");

    // Train after a training (epochs and a held-out evaluation as the job reports them; fixed
    // numbers, so the snapshot does not depend on floating-point training), and the Comments
    // screen with the model's predictions next to the measures.
    update(&mut app, Action::GoTo(Tab::Train));
    let history: Vec<EpochReport> = (1..=4)
        .map(|epoch| EpochReport {
            epoch,
            epochs: 10,
            train_loss: 3.0 - 0.4 * epoch as f64,
            valid_loss: 2.6 - 0.3 * epoch as f64 + 0.1 * (epoch as f64 - 3.0).max(0.0),
            valid_rmse: 0.7 - 0.03 * epoch as f64,
            valid_pearson: 0.85 + 0.02 * epoch as f64,
            elapsed_seconds: epoch as f64,
            best_epoch: epoch.min(3),
            improved: epoch <= 3,
        })
        .collect();
    for report in &history {
        deliver(&mut app, JobMessage::Epoch(report.clone()));
    }
    snapshot_all_sizes(&app, "train_running");
    let metrics = |rmse: f64, pearson: f64| MeasureMetrics {
        n: 200,
        rmse,
        mae: rmse * 0.8,
        pearson,
        r_squared: pearson * pearson,
    };
    let items = app
        .loaded
        .as_ref()
        .expect("loaded")
        .items
        .iter()
        .map(|i| ItemMetrics {
            item: i.name.clone(),
            n: 770,
            accuracy: 0.55,
            quadratic_kappa: 0.75,
            macro_f1: 0.4,
            label_mae: 0.6,
        })
        .collect();
    let evaluation = Evaluation {
        run_id: 1,
        encoder: EncoderKind::Hashed,
        train_comments: 1600,
        valid_comments: 200,
        test_comments: 200,
        test_ratings: 770,
        model: metrics(0.521, 0.93),
        ridge: metrics(0.523, 0.93),
        ridge_alpha: 1.0,
        mean: metrics(1.7, 0.0),
        items,
        best_epoch: 3,
        train_seconds: 4.0,
    };
    deliver(
        &mut app,
        JobMessage::Trained(Box::new(TrainOutcome {
            model_id: 1,
            run_id: 1,
            evaluation,
            history,
            test_predictions: Vec::new(),
        })),
    );
    assert!(!app.jobs.is_running(JobKind::Train));
    snapshot_all_sizes(&app, "train_evaluated");
    let measures: Vec<(u32, f64)> = app
        .loaded
        .as_ref()
        .expect("loaded")
        .comment_rows
        .iter()
        .filter_map(|r| r.measure.map(|m| (r.element, 0.9 * m)))
        .collect();
    deliver(
        &mut app,
        JobMessage::Predicted {
            model_id: 1,
            measures,
        },
    );
    update(&mut app, Action::GoTo(Tab::Comments));
    snapshot_all_sizes(&app, "comments_predicted");

    // The key help over the Raters screen.
    update(&mut app, Action::GoTo(Tab::Raters));
    update(&mut app, Action::ToggleHelp);
    insta::assert_snapshot!("help_80x24", render(&app, 80, 24));
}

#[test]
fn the_items_screen_fits_the_proposed_collapse() {
    use scalewright::pipeline::RecodeSetting;
    use scalewright::tui::action::Command;
    use scalewright::tui::jobs::JobRequest;
    use std::collections::BTreeMap;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = loaded_app(dir.path());
    update(&mut app, Action::GoTo(Tab::Items));
    // sentiment (the first item): category 0's outfit is 2.76 on the sample (the random
    // responders), so 0 and 1 are proposed to merge.
    let commands = update(&mut app, Action::FitCollapse);
    match &commands[..] {
        [Command::Start {
            request: JobRequest::Fit(settings),
            ..
        }] => {
            let Some(RecodeSetting::Table(recode)) = &settings.recode else {
                panic!("{settings:?}")
            };
            let expected: BTreeMap<i32, i32> = [(0, 0), (1, 0), (2, 1), (3, 2), (4, 3)].into();
            assert_eq!(recode.items().get("sentiment"), Some(&expected));
            assert_eq!(recode.items().len(), 1);
            assert!(settings.note.contains("sentiment"), "{}", settings.note);
            assert!(settings.allow_disconnected);
        }
        other => panic!("{other:?}"),
    }
    assert!(app.running(JobKind::Fit));
    // A second fit while one runs is refused.
    assert!(update(&mut app, Action::FitCollapse).is_empty());
    let fit = app.jobs.running_job(JobKind::Fit).expect("the fit");
    app.jobs.finish(fit);
    // insult (the third item) passes the essential checks: nothing to fit, said so.
    update(&mut app, Action::Select(Move::Down));
    update(&mut app, Action::Select(Move::Down));
    assert!(update(&mut app, Action::FitCollapse).is_empty());
    let status = app.status.as_ref().expect("a status line");
    assert!(status.1.contains("no proposed collapse"), "{}", status.1);
}

/// The Runs screen with two runs compared as models (JMLE partial credit against rating scale:
/// no likelihood-ratio test, and the note why) and the design plan of the selected run open.
#[test]
fn runs_comparison_and_design_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = common::fitted_sample(dir.path());
    common::scalewright()
        .args(["fit", "--scale", "rsm", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let mut app = App::open(&db, "lead").expect("open");
    let snapshot = load_view(&db).expect("load");
    deliver(&mut app, JobMessage::Loaded(Box::new(snapshot)));
    update(&mut app, Action::GoTo(Tab::Runs));
    let project = scalewright::store::Project::open(&db).expect("project");
    let comparison = scalewright::pipeline::compare_runs(&project, 1, 2).expect("compare");
    assert!(comparison.models.lr_test.is_none());
    deliver(&mut app, JobMessage::Compared(comparison));
    // p on the selected (newest) run asks for its plan off the UI thread...
    let commands = update(&mut app, Action::Plan);
    assert!(app.runs.plan_open);
    assert_eq!(commands.len(), 1, "the plan job is started");
    // ...and the job's answer fills the panel.
    let settings = scalewright::pipeline::PlanSettings {
        raters_per_object: scalewright::tui::screens::runs::PLAN_RATERS.to_vec(),
        target_reliability: Some(scalewright::tui::screens::runs::PLAN_TARGET),
        ..Default::default()
    };
    let plan = scalewright::pipeline::plan_run(&project, Some(2), &settings).expect("plan");
    assert!(plan.plan.needed_for_target.is_some());
    deliver(&mut app, JobMessage::Planned(Box::new(plan)));
    snapshot_all_sizes(&app, "runs_compared_planned");
    // p again closes the panel (the chart is back).
    update(&mut app, Action::Plan);
    assert!(!app.runs.plan_open);
}

/// `p` on the Wright map, Items and Raters screens asks where to save the view's figure (a
/// default offered), refuses a name that is neither .svg nor .png, then starts the job; the job
/// writes the figure the command line would.
#[test]
fn the_figure_screens_save_their_figure() {
    use scalewright::figures::FigureKind;
    use scalewright::tui::action::Command;
    use scalewright::tui::jobs::{JobRequest, JobRunner};
    use scalewright::tui::state::Prompt;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = loaded_app(dir.path());
    update(&mut app, Action::GoTo(Tab::Wright));
    assert!(update(&mut app, Action::SaveFigure).is_empty());
    match &app.prompt {
        Some(Prompt::SaveFigure { run, request, path }) => {
            assert_eq!((*run, request.kind), (1, FigureKind::Wright));
            assert_eq!(path, "run1-wright.svg");
        }
        other => panic!("{other:?}"),
    }
    snapshot_all_sizes(&app, "save_figure");
    // The file name is typed over the default: a wrong extension is refused, the prompt stays.
    for _ in 0.."svg".len() {
        update(&mut app, Action::DeleteChar);
    }
    for c in "txt".chars() {
        update(&mut app, Action::Input(c));
    }
    assert!(update(&mut app, Action::Confirm).is_empty());
    assert!(app.status.as_ref().unwrap().1.contains(".svg or .png"));
    assert!(app.prompt.is_some());
    for _ in 0.."txt".len() {
        update(&mut app, Action::DeleteChar);
    }
    let out = dir.path().join("wright.png");
    let typed: String = app.prompt.as_ref().map_or(String::new(), |p| match p {
        Prompt::SaveFigure { path, .. } => path.clone(),
        _ => String::new(),
    });
    for _ in 0..typed.len() {
        update(&mut app, Action::DeleteChar);
    }
    for c in out.display().to_string().chars() {
        update(&mut app, Action::Input(c));
    }
    let commands = update(&mut app, Action::Confirm);
    let (job, request) = match &commands[..] {
        [Command::Start {
            job,
            request:
                JobRequest::Plot {
                    run: 1,
                    request,
                    path,
                },
        }] => {
            assert_eq!(path, &out);
            (
                *job,
                JobRequest::Plot {
                    run: 1,
                    request: request.clone(),
                    path: path.clone(),
                },
            )
        }
        other => panic!("{other:?}"),
    };
    assert!(app.prompt.is_none());
    assert!(app.running(JobKind::Plot));

    // The job writes the PNG; its message ends the job and says where the figure went.
    let mut runner = JobRunner::new(&dir.path().join("sample.db"));
    runner.start(job, request);
    let event = loop {
        if let Some(event) = runner.drain().into_iter().next() {
            break event;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(
        event.job, job,
        "the message names the job the screen started"
    );
    assert!(matches!(event.message, JobMessage::Plotted(_)), "{event:?}");
    update(&mut app, Action::Job(event));
    assert!(!app.running(JobKind::Plot));
    assert!(app.status.as_ref().unwrap().1.contains("wright.png"));
    let png = std::fs::read(&out).unwrap();
    assert_eq!(&png[1..4], b"PNG");

    // Items: the selected item's curves; Raters: the rater facet's fit map.
    update(&mut app, Action::GoTo(Tab::Items));
    update(&mut app, Action::SaveFigure);
    match &app.prompt {
        Some(Prompt::SaveFigure { request, path, .. }) => {
            assert_eq!(request.kind, FigureKind::Curves);
            assert_eq!(request.item.as_deref(), Some("sentiment"));
            assert_eq!(path, "run1-curves-sentiment.svg");
        }
        other => panic!("{other:?}"),
    }
    update(&mut app, Action::Back);
    update(&mut app, Action::GoTo(Tab::Raters));
    update(&mut app, Action::SaveFigure);
    match &app.prompt {
        Some(Prompt::SaveFigure { request, .. }) => {
            assert_eq!(request.kind, FigureKind::Raters);
            assert_eq!(request.facet.as_deref(), Some("annotator_id"));
        }
        other => panic!("{other:?}"),
    }
}
