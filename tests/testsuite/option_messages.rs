//! One option, one parser: the same invalid value is refused with the same message by the
//! command line, a pipeline file and the workbench's form, because all three call the library's
//! `FromStr` (`scalewright::options`). Nothing is written when a value is refused.

#![allow(clippy::unwrap_used)]

use crate::common;

use crate::common::scalewright;
use scalewright::export::Rescale;
use scalewright::measure::{Method, METHOD_NAMES};
use scalewright::tui::action::Action;
use scalewright::tui::app::App;
use scalewright::tui::jobs::JobMessage;
use scalewright::tui::loaded::load_view;
use scalewright::tui::state::Level;
use scalewright::tui::tab::Tab;
use scalewright::tui::update::{deliver, update};
use std::path::Path;

/// The exit code and stderr of a command run in `dir`.
fn refused(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = scalewright().current_dir(dir).args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A pipeline file in `dir` with `body` after the project line; its path.
fn pipeline(dir: &Path, project: &Path, body: &str) -> String {
    let path = dir.join("pipeline.toml");
    std::fs::write(
        &path,
        format!("project = {:?}\n{body}\n", project.display().to_string()),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn a_bad_rescale_gets_the_same_message_from_every_front_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fitted_sample(dir.path());
    let digest = common::project_digest(&db);
    let db_arg = db.display().to_string();

    // The workbench on the same project, its Export form filled in.
    let mut app = App::open(&db, "lead").unwrap();
    deliver(
        &mut app,
        JobMessage::Loaded(Box::new(load_view(&db).unwrap())),
    );
    update(&mut app, Action::GoTo(Tab::Export));
    app.export.out = "x.csv".into();

    // A zero slope (every measure to one value), one number, a word.
    for bad in ["1,0", "50", "a,10"] {
        let message = bad.parse::<Rescale>().unwrap_err().to_string();
        assert!(message.starts_with(&format!("invalid rescale `{bad}`")));

        let (code, stderr) = refused(
            dir.path(),
            &[
                "export",
                "--project",
                &db_arg,
                "--rescale",
                bad,
                "--out",
                "x.csv",
            ],
        );
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(&message), "command line: {stderr}");

        let file = pipeline(
            dir.path(),
            &db,
            &format!("[[export]]\nwhat = \"objects\"\nout = \"x.csv\"\nrescale = \"{bad}\""),
        );
        let (code, stderr) = refused(dir.path(), &["run", &file]);
        assert_eq!(code, Some(3), "{stderr}");
        assert!(stderr.contains(&message), "pipeline: {stderr}");
        assert!(stderr.contains("export[0]"), "pipeline: {stderr}");

        app.export.rescale = bad.into();
        let commands = update(&mut app, Action::Execute);
        assert!(commands.is_empty(), "the workbench started {commands:?}");
        assert_eq!(
            app.export.result,
            Some((Level::Error, message.clone())),
            "workbench"
        );
    }
    // The pipeline's array form reports the same value the same way.
    let file = pipeline(
        dir.path(),
        &db,
        "[[export]]\nwhat = \"objects\"\nout = \"x.csv\"\nrescale = [1, 0]",
    );
    let (code, stderr) = refused(dir.path(), &["run", &file]);
    assert_eq!(code, Some(3));
    assert!(stderr.contains(&"1,0".parse::<Rescale>().unwrap_err().to_string()));

    assert!(!dir.path().join("x.csv").exists());
    assert_eq!(
        common::project_digest(&db),
        digest,
        "nothing stored changed"
    );
}

#[test]
fn an_unknown_method_gets_the_same_message_from_every_front_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::sample_project(dir.path());
    let db_arg = db.display().to_string();
    let message = "ucon".parse::<Method>().unwrap_err().to_string();
    assert_eq!(message, "invalid method `ucon`: expected one of jmle, mml");

    let (code, stderr) = refused(
        dir.path(),
        &["fit", "--project", &db_arg, "--method", "ucon"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&message), "command line: {stderr}");

    let file = pipeline(dir.path(), &db, "[fit]\nmethod = \"ucon\"");
    let (code, stderr) = refused(dir.path(), &["run", &file]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains(&message), "pipeline: {stderr}");
    assert!(stderr.contains("fit: "), "pipeline: {stderr}");

    // The workbench's fit form has no free text for the method: `m` steps through exactly the
    // library's methods.
    let mut app = App::new(&db, "lead");
    update(&mut app, Action::GoTo(Tab::Runs));
    let mut seen = vec![app.runs.method];
    for _ in 1..METHOD_NAMES.len() {
        update(&mut app, Action::CycleMethod);
        seen.push(app.runs.method);
    }
    let names: Vec<String> = seen.iter().map(Method::to_string).collect();
    assert_eq!(
        names,
        METHOD_NAMES
            .iter()
            .map(|(name, _)| name.to_string())
            .collect::<Vec<_>>()
    );
    let project = scalewright::store::Project::open(&db).unwrap();
    assert!(project.runs().unwrap().is_empty(), "nothing was fitted");
}
