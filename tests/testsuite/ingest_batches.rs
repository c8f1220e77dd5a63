//! Staging a file in row batches gives what staging it whole gives: the same observations,
//! labels, texts, attributes and report (the same problems, in the same order, at the same file
//! rows), whatever the batch size, for CSV and Parquet, wide and long files, valid or not.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::fixture;
use scalewright::config::{DatasetConfig, Preset};
use scalewright::ingest::{self, IngestError, IngestOptions, Staged, ValidationReport};
use std::path::{Path, PathBuf};

/// Batch sizes tried against the default: tiny ones split every part of a file.
const SMALL_BATCHES: [usize; 3] = [1, 7, 50];

fn options(batch_rows: usize, max_problems: usize) -> IngestOptions {
    IngestOptions {
        batch_rows,
        max_problems,
    }
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Asserts that two staged imports are the same in everything they carry.
fn assert_same_staged(a: &Staged, b: &Staged, what: &str) {
    assert_eq!(a.rows, b.rows, "{what}: rows");
    assert_eq!(a.fingerprint, b.fingerprint, "{what}: fingerprint");
    assert_eq!(a.objects, b.objects, "{what}: objects");
    assert_eq!(a.rater_facets, b.rater_facets, "{what}: rater facets");
    assert_eq!(a.object_texts, b.object_texts, "{what}: texts");
    // (Not assert_eq: the observations print as thousands of numbers.)
    assert!(
        a.observations == b.observations,
        "{what}: observations differ"
    );
    assert_eq!(a.missing_responses, b.missing_responses, "{what}: missing");
    assert_eq!(
        a.duplicates_dropped, b.duplicates_dropped,
        "{what}: duplicates"
    );
    assert_eq!(a.report, b.report, "{what}: report");
}

/// Stages `path` with the default batch and with small ones; they must agree.
fn stages_alike(path: &Path, config: &DatasetConfig) -> Staged {
    let whole = ingest::stage(path, config, &IngestOptions::default()).unwrap();
    for batch in SMALL_BATCHES {
        let batched = ingest::stage(path, config, &options(batch, 50)).unwrap();
        assert_same_staged(&batched, &whole, &format!("batch of {batch} rows"));
    }
    whole
}

fn report_of(result: Result<Staged, IngestError>) -> ValidationReport {
    match result {
        Err(IngestError::Invalid(report)) => *report,
        Err(other) => panic!("expected a validation report, got {other}"),
        Ok(_) => panic!("expected a validation report, the file was accepted"),
    }
}

/// The report of an invalid `path` with the default batch and with small ones, listing
/// `max_problems` of each kind; they must agree.
fn reports_alike(path: &Path, config: &DatasetConfig, max_problems: usize) -> ValidationReport {
    let whole = report_of(ingest::stage(
        path,
        config,
        &options(ingest::reader::DEFAULT_BATCH_ROWS, max_problems),
    ));
    for batch in SMALL_BATCHES {
        let batched = report_of(ingest::stage(path, config, &options(batch, max_problems)));
        assert_eq!(
            batched, whole,
            "batch of {batch} rows, {max_problems} problems listed"
        );
    }
    whole
}

/// Two items, a text, an object attribute and a rater attribute.
fn config() -> DatasetConfig {
    DatasetConfig::from_toml_str(
        r#"
object = "comment_id"
raters = ["annotator_id"]
text = "text"
[attributes]
objects = ["platform"]
raters = ["annotator_*"]
[[items]]
name = "insult"
categories = [0, 1, 2, 3, 4]
[[items]]
name = "hatespeech"
categories = [0, 1, 2]
"#,
        "batches.toml",
    )
    .unwrap()
}

/// One data row of the generated file, by its 0-based index: objects and raters cycle (no two
/// rows share both), texts and attributes vary within elements (with ties), some cells are
/// empty and some texts hold control characters.
fn row(r: usize) -> Vec<u8> {
    let object = r % 13 + 1;
    let rater = r % 9 + 10;
    let insult = if r % 11 == 4 {
        String::new()
    } else {
        (r % 5).to_string()
    };
    let text = match r % 17 {
        3 => format!("\"other text of {object}\""),
        5 => format!("\"ctl\u{1}text of {object}\""),
        8 => String::new(),
        _ => format!("\"text of {object}, quoted \"\"here\"\"\nand a line\""),
    };
    let gender = ["female", "male", "", "female", "male", " male "][(r / 9) % 6];
    let age = (r / 9) % 3 + 20;
    let platform = ["a", "b", "a", "c", "b"][(r / 13) % 5];
    format!(
        "{object},{rater},{insult},{},{text},{gender},{age},{platform},n{r}\n",
        r % 3
    )
    .into_bytes()
}

const HEADER: &[u8] =
    b"comment_id,annotator_id,insult,hatespeech,text,annotator_gender,annotator_age,platform,note\n";

/// The generated file: `rows` rows, then `extra` lines (appended as they are).
fn generated(rows: usize, extra: &[&[u8]]) -> Vec<u8> {
    let mut bytes = HEADER.to_vec();
    for r in 0..rows {
        bytes.extend(row(r));
    }
    for line in extra {
        bytes.extend_from_slice(line);
    }
    bytes
}

#[test]
fn a_valid_file_stages_alike_in_any_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = generated(95, &[]);
    // Identical repeats of rows 2 and 40 (dropped with a warning), an object and a rater with
    // no valid rating, a byte that is not UTF-8 in a column that is not imported.
    content.extend(row(2));
    content.extend(row(40));
    content.extend_from_slice(b"99,77,,,\"lonely\",male,30,a,x\n");
    content.extend_from_slice(b"1,78,,na,,male,30,a,n\xff\n");
    let file = write(dir.path(), "valid.csv", &content);
    let staged = stages_alike(&file, &config());
    assert_eq!(staged.rows, 99);
    assert_eq!(staged.duplicates_dropped, 4);
    let warnings: Vec<String> = staged
        .report
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect();
    for expected in [
        "repeat an identical earlier response",
        "this object has no valid rating",
        "this rater has no valid rating",
        "give an object a different text",
        "control character(s)",
        "the attribute varies within",
        "not valid UTF-8 at line",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(expected)),
            "{expected}: {warnings:#?}"
        );
    }
    assert_eq!(staged.rater_facets[0].attributes.len(), 2);
    assert_eq!(staged.objects.attributes.len(), 1);
}

#[test]
fn the_mhs_sample_stages_alike_in_any_batch_size_from_csv_and_parquet() {
    let csv = fixture("mhs_sample_99rows.csv");
    let from_csv = stages_alike(&csv, &Preset::Mhs.config());
    assert_eq!(from_csv.observations.len(), 990);

    // Parquet in row groups of 10 rows, so that batches and row groups do not line up.
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv))
        .unwrap()
        .finish()
        .unwrap();
    let parquet = dir.path().join("mhs.parquet");
    let mut f = std::fs::File::create(&parquet).unwrap();
    ParquetWriter::new(&mut f)
        .with_row_group_size(Some(10))
        .finish(&mut df)
        .unwrap();
    let from_parquet = stages_alike(&parquet, &Preset::Mhs.config());
    assert_eq!(from_parquet.observations, from_csv.observations);
    assert_eq!(from_parquet.objects.labels, from_csv.objects.labels);
    assert_eq!(from_parquet.object_texts, from_csv.object_texts);
}

#[test]
fn errors_spread_over_batches_are_reported_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = HEADER.to_vec();
    for r in 0..95 {
        let line = match r {
            5 => b",60,1,1,t,male,20,a,x\n".to_vec(),
            12 => b"51,6\x071,1,1,t,male,20,a,x\n".to_vec(),
            20 => b"52,62,2.5,1,t,male,20,a,x\n".to_vec(),
            33 => b"53,63,2,7,t,male,20,a,x\n".to_vec(),
            47 => b"54,64,x,,t,male,20,a,x\n".to_vec(),
            60 => b"55,,1,1,t,male,20,a,x\n".to_vec(),
            71 => b"56,66,1,1,caf\xe9,male,20,a,x\n".to_vec(),
            88 => b"57,67,3,1,t,m\xe9le,20,a,x\n".to_vec(),
            _ => row(r),
        };
        content.extend(line);
    }
    // A conflicting repeat of row 3 and an identical one of row 4.
    let mut conflicting = row(3);
    let comma = conflicting.iter().position(|&b| b == b',').unwrap();
    let comma = comma
        + 1
        + conflicting[comma + 1..]
            .iter()
            .position(|&b| b == b',')
            .unwrap();
    conflicting[comma + 1] = if conflicting[comma + 1] == b'4' {
        b'0'
    } else {
        b'4'
    };
    content.extend(conflicting);
    content.extend(row(4));
    let file = write(dir.path(), "errors.csv", &content);
    let report = reports_alike(&file, &config(), 50);
    assert_eq!(report.errors_total, 8, "{report}");
    let rows: Vec<Option<u64>> = report.errors.iter().map(|p| p.row).collect();
    // UTF-8 first, then ids row by row, then scores item by item, then the duplicate.
    assert_eq!(
        rows,
        [72, 6, 13, 61, 21, 48, 34, 96].map(Some).to_vec(),
        "{report}"
    );
    for max_problems in [1, 3] {
        let short = reports_alike(&file, &config(), max_problems);
        assert_eq!(short.errors_total, 8);
        assert_eq!(short.errors, report.errors[..max_problems].to_vec());
    }
}

#[test]
fn undecodable_attribute_values_are_reported_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = HEADER.to_vec();
    for r in 0..60 {
        let line = match r {
            9 => b"72,82,1,1,t,f\xe9male,20,a,x\n".to_vec(),
            30 => b"70,80,1,1,t,male,20,\xfe,x\n".to_vec(),
            51 => b"71,81,1,1,t,f\xe9male,20,b,x\n".to_vec(),
            _ => row(r),
        };
        content.extend(line);
    }
    let file = write(dir.path(), "attributes.csv", &content);
    let report = reports_alike(&file, &config(), 50);
    let found: Vec<(Option<u64>, Option<&str>)> = report
        .errors
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    // Object attributes first, then rater attributes, each column row by row.
    assert_eq!(
        found,
        [
            (Some(31), Some("platform")),
            (Some(10), Some("annotator_gender")),
            (Some(52), Some("annotator_gender")),
        ]
    );
}

#[test]
fn long_files_stage_alike_and_their_errors_are_reported_alike() {
    let config = DatasetConfig::from_file(&fixture("guilford.toml")).unwrap();
    let staged = stages_alike(&fixture("guilford_creativity_long.csv"), &config);
    assert_eq!(staged.observations.len(), 105);

    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("guilford_creativity_long.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[4] = "1,1,,5".into(); // empty item name
    lines[20] = "1,4,7,5".into(); // unknown item
    lines[33] = "2,3,2,x".into(); // not a number
    lines[50] = "2,4,7,5".into(); // the same unknown item again
    lines[61] = "3,1,1,12".into(); // out of range
    lines[90] = "3,6,0,5".into(); // another unknown item
    let file = write(dir.path(), "long.csv", (lines.join("\n") + "\n").as_bytes());
    let report = reports_alike(&file, &config, 50);
    let rows: Vec<Option<u64>> = report.errors.iter().map(|p| p.row).collect();
    assert_eq!(rows, [4, 33, 61, 90, 20].map(Some).to_vec(), "{report}");
    reports_alike(&file, &config, 2);
}
