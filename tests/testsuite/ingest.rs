//! Ingestion end to end: the MHS sample, every kind of bad input (message and an unchanged
//! project), re-imports, conflicts, and observations round-tripping through the project file.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{assert_matches_schema, fixture, integrity, project_digest, scalewright};
use predicates::prelude::*;
use scalewright::config::{DatasetConfig, Preset};
use scalewright::ingest::{self, IngestError, IngestOptions};
use scalewright::store::{Project, StoreError};
use std::path::{Path, PathBuf};

fn stage(path: &Path, config: &DatasetConfig) -> Result<ingest::Staged, IngestError> {
    ingest::stage(path, config, &IngestOptions::default())
}

fn invalid(result: Result<ingest::Staged, IngestError>) -> ingest::ValidationReport {
    match result {
        Err(IngestError::Invalid(report)) => *report,
        Err(other) => panic!("expected a validation report, got {other}"),
        Ok(_) => panic!("expected a validation report, the file was accepted"),
    }
}

/// The dataset description of two items for the small files below (a shared fixture).
fn small_config_text() -> String {
    std::fs::read_to_string(fixture("small_two_items.toml")).unwrap()
}

const SMALL_GOOD: &str = "comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
1,10,3,2,\"hello, world\",female\n\
1,11,4.0,2,\"hello, world\",male\n\
2,10,0,0,\"a \"\"quoted\"\"\nsecond line\",female\n\
2,12,1,,\"a \"\"quoted\"\"\nsecond line\",male\n";

fn small_config() -> DatasetConfig {
    DatasetConfig::from_toml_str(&small_config_text(), "small.toml").unwrap()
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn mhs_sample_ingests_unchanged_with_preset_mhs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let staged = stage(&fixture("mhs_sample_99rows.csv"), &Preset::Mhs.config()).unwrap();
    assert_eq!(staged.rows, 99);
    assert_eq!(staged.observations.len(), 990);
    assert_eq!(staged.objects.labels.len(), 99);
    assert_eq!(staged.rater_facets[0].labels.len(), 99);
    assert_eq!(staged.report.errors_total, 0);
    assert_eq!(
        staged.fingerprint.sha256,
        "849ab24ac9537aeb65936a0310102a2ac1e9ebef5f4a2dc188fb2e16e6bb2fd1"
    );
    // 53 target columns + platform + the release's 5 comment-level estimates are object attributes.
    assert_eq!(staged.objects.attributes.len(), 59);
    let mut project = Project::create_or_open(&db).unwrap();
    let summary = project.import(&staged).unwrap();
    assert_eq!(summary.observations_added, 990);

    // The first row of the release: comment 47777, annotator 10873, sentiment 0.0 ... hatespeech 0.0.
    let data = project.ratings().unwrap();
    assert_eq!(data.len(), 990);
    let comment = data
        .objects()
        .labels
        .iter()
        .position(|l| l == "47777")
        .unwrap();
    let first: Vec<i32> = (0..data.len())
        .filter(|&n| data.elements[data.object_facet][n] as usize == comment)
        .map(|n| data.scores[n])
        .collect();
    assert_eq!(first.len(), 10);
    let attributes = project.element_attributes("comment_id", comment).unwrap();
    assert_eq!(attributes["hate_speech_score"], "-3.9");
    assert_eq!(attributes["platform"], "3");
    let rater = project.element_attributes("annotator_id", 0).unwrap();
    assert_eq!(rater["annotator_gender"], "male");
    assert!(!rater.contains_key("annotator_id"));
    let texts = project.texts().unwrap();
    assert_eq!(texts.iter().filter(|t| t.is_some()).count(), 99);
}

#[test]
fn mhs_collapsed_recodes_the_category_counts() {
    let plain = stage(&fixture("mhs_sample_99rows.csv"), &Preset::Mhs.config()).unwrap();
    let collapsed = stage(
        &fixture("mhs_sample_99rows.csv"),
        &Preset::MhsCollapsed.config(),
    )
    .unwrap();
    let counts = |s: &ingest::Staged, item: u32| {
        let mut c = [0usize; 5];
        for n in 0..s.observations.len() {
            if s.observations.item[n] == item {
                c[s.observations.score[n] as usize] += 1;
            }
        }
        c
    };
    // insult (item 2): raw 15/13/14/32/25 -> {0,1}->0: 28/14/32/25.
    assert_eq!(counts(&plain, 2), [15, 13, 14, 32, 25]);
    assert_eq!(counts(&collapsed, 2), [28, 14, 32, 25, 0]);
    // genocide (item 7): raw 76/14/4/3/2 -> {0,1,2}->0, {3,4}->1: 94/5.
    assert_eq!(counts(&collapsed, 7), [94, 5, 0, 0, 0]);
    // hatespeech (item 9): raw 63/6/30 -> {0,1}->0: 69/30.
    assert_eq!(counts(&collapsed, 9), [69, 30, 0, 0, 0]);
    // The raw codes are kept beside the scores.
    assert_eq!(collapsed.observations.raw, plain.observations.raw);
}

#[test]
fn quoted_text_with_commas_newlines_and_quotes_survives() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "small.csv", SMALL_GOOD.as_bytes());
    let staged = stage(&file, &small_config()).unwrap();
    assert_eq!(staged.rows, 4);
    assert_eq!(
        staged.observations.len(),
        7,
        "one empty hatespeech cell is missing"
    );
    assert_eq!(staged.missing_responses, vec![0, 1]);
    assert_eq!(staged.object_texts[0].as_deref(), Some("hello, world"));
    assert_eq!(
        staged.object_texts[1].as_deref(),
        Some("a \"quoted\"\nsecond line")
    );
    assert_eq!(staged.observations.raw[1], 4, "4.0 is the whole number 4");
}

#[test]
fn tsv_and_parquet_read_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let tsv_text = "comment_id\tannotator_id\tinsult\thatespeech\ttext\tannotator_gender\n1\t10\t3\t2\thi\tfemale\n2\t11\t1\t0\tyo\tmale\n";
    let file = write(dir.path(), "small.tsv", tsv_text.as_bytes());
    let staged = stage(&file, &small_config()).unwrap();
    assert_eq!(staged.observations.len(), 4);

    // Parquet written by polars from the CSV.
    use polars::prelude::*;
    let csv = write(dir.path(), "small.csv", SMALL_GOOD.as_bytes());
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.clone()))
        .unwrap()
        .finish()
        .unwrap();
    let parquet = dir.path().join("small.parquet");
    let mut f = std::fs::File::create(&parquet).unwrap();
    ParquetWriter::new(&mut f).finish(&mut df).unwrap();
    let from_parquet = stage(&parquet, &small_config()).unwrap();
    let from_csv = stage(&csv, &small_config()).unwrap();
    assert_eq!(from_parquet.observations, from_csv.observations);
    assert_eq!(from_parquet.object_texts, from_csv.object_texts);
}

#[test]
fn missing_columns_are_named_with_the_key_and_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.csv",
        b"comment_id,annotator,insul,hatespeech\n1,10,3,2\n",
    );
    let report = invalid(stage(&file, &small_config()));
    let messages: Vec<String> = report.errors.iter().map(|p| p.to_string()).collect();
    assert_eq!(report.errors_total, 3, "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("column `annotator_id`")
        && m.contains("raters[0]")
        && m.contains("did you mean `annotator`")));
    assert!(messages
        .iter()
        .any(|m| m.contains("column `insult`") && m.contains("items[0]")));
    assert!(messages.iter().any(|m| m.contains("column `text`")));
    assert!(messages.iter().all(|m| m.contains("bad.csv")));
}

#[test]
fn bad_scores_report_file_row_column_value_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
          1,10,3,2,t,f\n\
          1,11,2.5,2,t,f\n\
          2,10,7,0,t,f\n\
          2,11,1,yes,t,f\n",
    );
    let report = invalid(stage(&file, &small_config()));
    let shown: Vec<String> = report.errors.iter().map(|p| p.to_string()).collect();
    assert_eq!(report.errors_total, 3, "{shown:#?}");
    let find = |row: u64| report.errors.iter().find(|p| p.row == Some(row)).unwrap();
    let p = find(2);
    assert_eq!(p.column.as_deref(), Some("insult"));
    assert_eq!(p.value.as_deref(), Some("2.5"));
    assert!(p.message.contains("not a whole number") && p.message.contains("0, 1, 2, 3, 4"));
    let p = find(3);
    assert_eq!(p.value.as_deref(), Some("7"));
    assert!(p.message.contains("out of range"));
    let p = find(4);
    assert_eq!(p.column.as_deref(), Some("hatespeech"));
    assert_eq!(p.value.as_deref(), Some("yes"));
    assert!(p.message.contains("0, 1, 2"));
    assert_eq!(
        p.to_string(),
        format!(
            "error: {}, row 4, column `hatespeech`, value \"yes\": not a whole number: expected one of 0, 1, 2 for item `hatespeech`",
            file.display()
        )
    );
}

#[test]
fn conflicting_duplicates_are_errors_and_identical_ones_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "dup.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
          1,10,3,2,t,f\n\
          2,10,1,0,t,f\n\
          1,10,4,2,t,f\n",
    );
    let report = invalid(stage(&file, &small_config()));
    assert_eq!(report.errors_total, 1);
    let p = &report.errors[0];
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_deref()),
        (Some(3), Some("insult"), Some("4"))
    );
    assert!(
        p.message.contains("already has score 3 at row 1"),
        "{}",
        p.message
    );

    let file = write(
        dir.path(),
        "dup_same.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
          1,10,3,2,t,f\n\
          1,10,3,2,t,f\n",
    );
    let staged = stage(&file, &small_config()).unwrap();
    assert_eq!(staged.observations.len(), 2);
    assert_eq!(staged.duplicates_dropped, 2);
    assert!(staged
        .report
        .warnings
        .iter()
        .any(|w| w.message.contains("counted once")));
}

#[test]
fn empty_and_header_only_files_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", b"");
    let report = invalid(stage(&empty, &small_config()));
    assert!(report.errors[0].message.contains("the file is empty"));
    let header_only = write(
        dir.path(),
        "header.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n",
    );
    let report = invalid(stage(&header_only, &small_config()));
    assert!(report.errors[0].message.contains("no data rows"));
}

#[test]
fn undecodable_text_names_row_column_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "latin1.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
          1,10,3,2,fine,f\n\
          2,10,1,0,caf\xe9 au lait,f\n",
    );
    let report = invalid(stage(&file, &small_config()));
    assert_eq!(report.errors_total, 1);
    let p = &report.errors[0];
    assert_eq!(p.row, Some(2));
    assert_eq!(p.column.as_deref(), Some("text"));
    assert!(
        p.message.contains("not valid UTF-8") && p.message.contains("line 3"),
        "{}",
        p.message
    );
}

#[test]
fn objects_and_raters_without_valid_ratings_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "sparse.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
          1,10,3,2,t,f\n\
          2,11,,,t,f\n",
    );
    let staged = stage(&file, &small_config()).unwrap();
    let warnings: Vec<String> = staged
        .report
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("column `comment_id`")
            && w.contains("\"2\"")
            && w.contains("no valid rating")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("column `annotator_id`") && w.contains("\"11\"")),
        "{warnings:#?}"
    );
}

#[test]
fn long_layout_reads_guilford_and_rejects_unknown_items() {
    // The shared Guilford description without trait 5.
    let full = DatasetConfig::from_file(&fixture("guilford.toml")).unwrap();
    let mut config = full.clone();
    config.items.retain(|item| item.name != "5");
    let report = invalid(stage(&fixture("guilford_creativity_long.csv"), &config));
    assert_eq!(report.errors_total, 1);
    let p = &report.errors[0];
    assert_eq!(p.value.as_deref(), Some("5"));
    assert!(
        p.message.contains("unknown item (21 row(s))"),
        "{}",
        p.message
    );

    let config = full;
    let staged = stage(&fixture("guilford_creativity_long.csv"), &config).unwrap();
    assert_eq!(staged.observations.len(), 105);
    // Facets' raw totals for the judges: 171, 156, 181 (in judge order 1, 2, 3).
    let mut totals = [0i64; 3];
    for n in 0..staged.observations.len() {
        let label = &staged.rater_facets[0].labels[staged.observations.raters[0][n] as usize];
        totals[label.parse::<usize>().unwrap() - 1] += staged.observations.score[n] as i64;
    }
    assert_eq!(totals, [171, 156, 181]);
}

#[test]
fn reimport_conflicts_and_incompatible_descriptions_leave_the_project_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let first = write(dir.path(), "a.csv", SMALL_GOOD.as_bytes());
    let mut project = Project::create_or_open(&db).unwrap();
    project
        .import(&stage(&first, &small_config()).unwrap())
        .unwrap();
    drop(project);
    let before = project_digest(&db);

    // The same file again.
    let mut project = Project::open(&db).unwrap();
    let err = project
        .import(&stage(&first, &small_config()).unwrap())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyImported { dataset_id: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("already imported as dataset 1"));

    // A second file that overlaps: one identical response, one conflicting response (row 2).
    let second = write(
        dir.path(),
        "b.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n\
          3,13,1,1,new,f\n\
          1,10,0,2,t,f\n",
    );
    let err = project
        .import(&stage(&second, &small_config()).unwrap())
        .unwrap_err();
    match &err {
        StoreError::Conflicts { conflicts, .. } => {
            assert_eq!(conflicts.len(), 1);
            assert!(
                conflicts[0].contains("row 2: item `insult` scored 0 here but 3"),
                "{}",
                conflicts[0]
            );
        }
        other => panic!("expected conflicts, got {other}"),
    }

    // Different facets: the same file read without a rater facet.
    let no_raters = DatasetConfig::from_toml_str(
        &small_config_text()
            .replace("raters = [\"annotator_id\"]\n", "")
            .replace("[attributes]\nraters = [\"annotator_gender\"]\n", ""),
        "no_raters.toml",
    )
    .unwrap();
    let fourth = write(
        dir.path(),
        "d.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n7,70,1,1,x,f\n",
    );
    let err = project
        .import(&stage(&fourth, &no_raters).unwrap())
        .unwrap_err();
    assert!(matches!(err, StoreError::Incompatible { .. }), "{err}");
    assert!(
        err.to_string().contains(
            "the project's facets are [comment_id (object), annotator_id (rater), item (item)]"
        ),
        "{err}"
    );
    // An item scored differently (collapsed) is incompatible.
    let recoded = DatasetConfig::from_toml_str(
        &small_config_text().replace(
            "name = \"insult\"\ncategories = [0, 1, 2, 3, 4]",
            "name = \"insult\"\ncategories = [0, 1, 2, 3, 4]\nrecode = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 2, \"4\" = 3 }",
        ),
        "recoded.toml",
    )
    .unwrap();
    let third = write(
        dir.path(),
        "c.csv",
        b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n9,19,1,1,x,f\n",
    );
    let err = project
        .import(&stage(&third, &recoded).unwrap())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("item `insult` is scored differently"),
        "{err}"
    );
    drop(project);
    assert_eq!(
        project_digest(&db),
        before,
        "failed imports must not change the project"
    );

    // A compatible second file adds to the same facets.
    let mut project = Project::open(&db).unwrap();
    let summary = project
        .import(&stage(&third, &small_config()).unwrap())
        .unwrap();
    assert_eq!(summary.observations_added, 2);
    assert_eq!(
        summary.new_elements,
        vec![
            ("comment_id".to_string(), 1),
            ("annotator_id".to_string(), 1)
        ]
    );
    assert_eq!(project.ratings().unwrap().len(), 9);
}

#[test]
fn observations_round_trip_through_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let staged = stage(&fixture("sirt_data_ratings1.csv"), &sirt_config()).unwrap();
    let mut project = Project::create_or_open(&db).unwrap();
    project.import(&staged).unwrap();
    drop(project);
    let data = Project::open(&db).unwrap().ratings().unwrap();
    data.check().unwrap();
    assert_eq!(data.len(), staged.observations.len());
    // Every staged response is found with its labels and score.
    let mut stored = std::collections::HashMap::new();
    for n in 0..data.len() {
        let key = (
            data.facets[0].labels[data.elements[0][n] as usize].clone(),
            data.facets[1].labels[data.elements[1][n] as usize].clone(),
            data.facets[2].labels[data.elements[2][n] as usize].clone(),
        );
        stored.insert(key, data.scores[n]);
    }
    for n in 0..staged.observations.len() {
        let key = (
            staged.objects.labels[staged.observations.object[n] as usize].clone(),
            staged.rater_facets[0].labels[staged.observations.raters[0][n] as usize].clone(),
            staged.config.items[staged.observations.item[n] as usize]
                .name
                .clone(),
        );
        assert_eq!(
            stored.get(&key),
            Some(&staged.observations.score[n]),
            "{key:?}"
        );
    }
    assert_eq!(integrity(&db), "ok");
}

fn sirt_config() -> DatasetConfig {
    let mut text = String::from("object = \"idstud\"\nraters = [\"rater\"]\n");
    for k in 1..=5 {
        text.push_str(&format!(
            "[[items]]\nname = \"k{k}\"\ncategories = [0, 1, 2, 3]\n"
        ));
    }
    DatasetConfig::from_toml_str(&text, "sirt.toml").unwrap()
}

// ---- the command line ----

#[test]
fn cli_ingest_then_info_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    scalewright()
        .args(["ingest"])
        .arg(fixture("mhs_sample_99rows.csv"))
        .args(["--preset", "mhs", "--project"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains("990 responses added"));
    let other = dir.path().join("q.db");
    let out = scalewright()
        .args(["ingest", "--json"])
        .arg(fixture("mhs_sample_99rows.csv"))
        .args(["--preset", "mhs-collapsed", "--project"])
        .arg(&other)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_matches_schema("ingest.schema.json", &json);
    assert_eq!(json["summary"]["observations_added"], 990);
    let out = scalewright()
        .args(["info", "--json", "--project"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_matches_schema("info.schema.json", &json);
    assert_eq!(json["observations"], 990);
    assert_eq!(json["facets"][0]["name"], "comment_id");
    assert_eq!(json["facets"][1]["elements"], 99);
    assert_eq!(json["items"][9]["name"], "hatespeech");
    assert_eq!(json["items"][9]["categories"][2]["count"], 30);
    // Each of the 99 comments has its own single rater: 99 disjoint subsets.
    assert_eq!(json["connectedness"]["connected"], false);
    assert_eq!(
        json["connectedness"]["pairs"][0]["subsets"]
            .as_array()
            .unwrap()
            .len(),
        99
    );
}

#[test]
fn cli_init_config_drafts_a_description_that_ingests() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.toml");
    scalewright()
        .arg("init-config")
        .arg(fixture("sirt_data_ratings1.csv"))
        .arg("--out")
        .arg(&draft)
        .assert()
        .success();
    let config = DatasetConfig::from_file(&draft).unwrap();
    assert_eq!(config.object, "idstud");
    assert_eq!(config.raters, vec!["rater"]);
    let names: Vec<&str> = config.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["k1", "k2", "k3", "k4", "k5"]);
    stage(&fixture("sirt_data_ratings1.csv"), &config).unwrap();
    // Presets print as TOML that parses back.
    let out = scalewright()
        .args(["init-config", "--preset", "mhs-collapsed"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        DatasetConfig::from_toml_str(&text, "printed").unwrap(),
        Preset::MhsCollapsed.config()
    );
}
