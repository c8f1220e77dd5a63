//! Reliability under bad input (issue 12): located and bounded parse errors, control bytes in
//! ids and texts, a wrong separator, consistent exit codes for missing ids, empty project files,
//! and bit-identical estimates whatever the thread count.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{sample_project, scalewright};
use scalewright::measure::{self, FitOptions, InteractionSpec, Method, NoObserver};
use std::path::Path;

/// A description of the small long-format files these tests write.
const CONFIG: &str = r#"
name = "reliability"
object = "comment"
raters = ["rater"]
text = "text"
layout = "long"
[long]
item = "item"
score = "score"
[[items]]
name = "respect"
categories = [0, 1, 2]
[[items]]
name = "insult"
categories = [0, 1, 2]
"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Rows `comment,rater,text,item,score` for `n` comments rated by three raters on both items.
fn rows(n: usize) -> String {
    let mut text = String::from("comment,rater,text,item,score\n");
    for c in 0..n {
        for r in 0..3 {
            for (i, item) in ["respect", "insult"].iter().enumerate() {
                text.push_str(&format!(
                    "c{c},r{r},\"comment {c}, plain\",{item},{}\n",
                    (c + r + i) % 3
                ));
            }
        }
    }
    text
}

fn ingest(dir: &Path, data: &Path) -> assert_cmd::assert::Assert {
    let config = write(dir, "config.toml", CONFIG.as_bytes());
    scalewright()
        .arg("ingest")
        .arg(data)
        .arg("--config")
        .arg(config)
        .arg("--project")
        .arg(dir.join("p.db"))
        .assert()
}

#[test]
fn an_unterminated_quote_is_located_and_its_error_stays_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = rows(3);
    // Row 4 opens a quote that never closes; 2 MB of rows follow.
    text.push_str("c9,r1,\"this text never ends,respect,1\n");
    let filler = rows(8000);
    text.push_str(filler.split_once('\n').unwrap().1);
    assert!(text.len() > 1_000_000);
    let data = write(dir.path(), "open.csv", text.as_bytes());
    let out = ingest(dir.path(), &data).code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    println!("{} bytes: {stderr}", stderr.len());
    assert!(stderr.len() < 1024, "{} bytes on stderr", stderr.len());
    assert!(stderr.contains("open.csv"), "{stderr}");
    assert!(
        stderr.contains("row 19") && stderr.contains("line 20"),
        "{stderr}"
    );
    assert!(stderr.contains("a quoted field opens here"), "{stderr}");
    assert!(
        stderr.matches("this text never ends").count() == 1,
        "{stderr}"
    );
    // The same bound in the --json answer.
    let config = dir.path().join("config.toml");
    let out = scalewright()
        .args(["ingest", "--json"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .arg("--project")
        .arg(dir.path().join("p.db"))
        .assert()
        .code(3);
    assert!(out.get_output().stdout.len() < 1024);
    assert!(!dir.path().join("p.db").exists(), "nothing was created");
}

#[test]
fn a_nul_in_a_rater_id_is_refused_with_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = rows(2).into_bytes();
    text.extend_from_slice(b"c5,3\x00 20,\"x\",respect,1\n");
    let data = write(dir.path(), "nul.csv", &text);
    let out = ingest(dir.path(), &data).code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("row 13"), "{stderr}");
    assert!(stderr.contains("column `rater`"), "{stderr}");
    assert!(stderr.contains("NUL (U+0000) at character 2"), "{stderr}");
    assert!(!stderr.contains('\0'), "the raw byte is not echoed");
}

#[test]
fn control_characters_in_texts_are_removed_with_a_counted_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = rows(2).replace(
        "\"comment 1, plain\"",
        "\"comment\x001\x07,\tplain\nnext line\"",
    );
    let data = write(dir.path(), "texts.csv", text.as_bytes());
    let out = ingest(dir.path(), &data).success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    // Six rows of comment 1 carry two control characters each.
    assert!(
        stderr.contains("removed 12 control character(s)") && stderr.contains("6 text(s)"),
        "{stderr}"
    );
    let conn = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
    let stored: String = conn
        .query_row("SELECT text FROM texts WHERE object = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "comment1,\tplain\nnext line");
}

#[test]
fn nul_bytes_in_parquet_ids_are_refused_too() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nul.parquet");
    let mut df = df!(
        "comment" => ["c1", "c1", "c2", "c2"],
        "rater" => ["r1", "r\u{0}2", "r1", "r2"],
        "text" => ["a", "a", "b", "b"],
        "item" => ["respect", "respect", "respect", "respect"],
        "score" => ["1", "2", "0", "1"],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let config = scalewright::config::DatasetConfig::from_toml_str(CONFIG, "test").unwrap();
    let error = scalewright::ingest::stage(&path, &config, &Default::default()).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("row 2, column `rater`"), "{text}");
    assert!(text.contains("NUL (U+0000)"), "{text}");
}

#[test]
fn a_header_split_on_the_wrong_separator_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = rows(2).replace(',', ";");
    let data = write(dir.path(), "semicolons.csv", text.as_bytes());
    let out = ingest(dir.path(), &data).code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("probably uses `;` as its separator")
            && stderr.contains("separator = \";\""),
        "{stderr}"
    );
}

#[test]
fn missing_runs_models_and_elements_exit_3_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let out_file = dir.path().join("predictions.csv");
    let out_file = out_file.to_str().unwrap();
    let cases: [&[&str]; 4] = [
        &["report", "--run", "999"],
        &["bias", "--run", "999", "--between", "rater,item"],
        &["predict", "--model", "999", "--out", out_file],
        &["exclude", "--ids", "no-such-rater", "--reason", "x"],
    ];
    for args in cases {
        let out = scalewright()
            .args(args)
            .arg("--project")
            .arg(&db)
            .assert()
            .code(3);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains("999") || stderr.contains("no-such-rater"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn an_empty_file_is_not_opened_as_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.db", b"");
    let out = scalewright()
        .args(["info", "--project"])
        .arg(&empty)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("not a scalewright project"), "{stderr}");
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "left untouched"
    );
    // A command that creates projects may use it.
    let data = write(dir.path(), "ok.csv", rows(2).as_bytes());
    let config = write(dir.path(), "config.toml", CONFIG.as_bytes());
    scalewright()
        .arg("ingest")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .arg("--project")
        .arg(&empty)
        .assert()
        .success();
}

/// Every estimate of `fit` as JSON (the whole fit: measures, statistics, history).
fn fit_json(data: &scalewright::data::RatingData, method: Method) -> String {
    let options = FitOptions {
        method,
        ..FitOptions::default()
    };
    let fit = measure::fit(data, &options, &mut NoObserver).unwrap();
    let bias = measure::interactions(data, &fit, &InteractionSpec::facets(1, 2)).unwrap();
    format!(
        "{}\n{}",
        serde_json::to_string(&fit).unwrap(),
        serde_json::to_string(&bias).unwrap()
    )
}

#[test]
fn estimates_are_bit_identical_on_one_and_two_threads() {
    let simulation = scalewright::simulate::simulate(&scalewright::simulate::SimulationConfig {
        comments: 400,
        ..Default::default()
    })
    .unwrap();
    let data = simulation.rating_data();
    let on = |threads: usize, method: Method| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fit_json(&data, method))
    };
    for method in [Method::Jmle, Method::Mml] {
        let one = on(1, method);
        assert_eq!(one, on(2, method), "{method:?}: 1 vs 2 threads");
        assert_eq!(one, on(2, method), "{method:?}: twice on 2 threads");
    }
}

/// Table 7 of run `run` as the command line writes it: JSON and the CSV of every facet.
fn table_7(db: &Path, run: i64) -> String {
    let mut text = String::new();
    for args in [
        vec!["report", "--format", "json", "--table", "7"],
        vec!["report", "--format", "csv", "--facet", "comment_id"],
        vec!["report", "--format", "csv", "--facet", "annotator_id"],
        vec!["report", "--format", "csv", "--facet", "item"],
    ] {
        let out = scalewright()
            .args(args)
            .args(["--run", &run.to_string(), "--project"])
            .arg(db)
            .assert()
            .success();
        text.push_str(&String::from_utf8_lossy(&out.get_output().stdout));
    }
    // The run's own id is part of the JSON; everything else must match to the byte.
    text.replace(&format!("\"run_id\":{run}"), "\"run_id\":_")
}

#[test]
fn mml_table_7_is_byte_identical_run_twice_and_on_one_or_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    for threads in ["1", "2", "2"] {
        scalewright()
            .env("RAYON_NUM_THREADS", threads)
            .args(["fit", "--quiet", "--method", "mml", "--project"])
            .arg(&db)
            .assert()
            .success();
    }
    let (one, two, again) = (table_7(&db, 1), table_7(&db, 2), table_7(&db, 3));
    assert!(one.len() > 10_000, "{} bytes", one.len());
    assert!(one == two, "1 vs 2 threads differ");
    assert!(two == again, "two runs on 2 threads differ");
}

#[test]
fn training_and_prediction_are_bit_identical_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fitted_sample(dir.path());
    // Two models from the same run and options, trained on 1 and on 2 threads.
    for threads in ["1", "2"] {
        scalewright()
            .env("RAYON_NUM_THREADS", threads)
            .args(["train", "--quiet", "--epochs", "3", "--project"])
            .arg(&db)
            .assert()
            .success();
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let weights: Vec<Vec<u8>> = conn
        .prepare("SELECT weights FROM models ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(weights.len(), 2);
    assert!(weights[0].len() > 1000);
    assert!(weights[0] == weights[1], "the weights differ");
    // Predictions of one model on 1 and on 2 threads.
    let predict = |threads: &str| {
        let out = dir.path().join(format!("predictions-{threads}.csv"));
        scalewright()
            .env("RAYON_NUM_THREADS", threads)
            .args(["predict", "--quiet", "--model", "1", "--project"])
            .arg(&db)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        std::fs::read(&out).unwrap()
    };
    let one = predict("1");
    assert!(one.len() > 10_000);
    assert!(one == predict("2"), "the predictions differ");
}
