//! Exports: the documented columns and provenance, readable by polars and by pandas; failures
//! leave no partial file and no export record.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{fitted_sample, sample, scalewright};
use std::path::Path;

fn export(db: &Path, args: &[&str], out: &Path) {
    scalewright()
        .args(["export", "--quiet", "--project"])
        .arg(db)
        .args(args)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

fn exports_recorded(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM exports", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn exports_carry_the_documented_columns_and_provenance() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());

    let csv = dir.path().join("objects.csv");
    export(
        &db,
        &["--what", "objects", "--mhs-columns", "--rescale", "50,10"],
        &csv,
    );
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.clone()))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(df.height(), 2000);
    for name in [
        "comment_id",
        "hate_speech_score",
        "std_err",
        "infitms",
        "outfitms",
        "count",
        "status",
        "fair_average",
        "measure_rescaled",
        "se_rescaled",
    ] {
        assert!(df.column(name).is_ok(), "missing column {name}");
    }
    let m = df
        .column("hate_speech_score")
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap();
    let r = df
        .column("measure_rescaled")
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap();
    assert!((r - (50.0 + 10.0 * m)).abs() < 1e-9);
    let sidecar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("objects.csv.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sidecar["provenance"]["run_id"], 1);
    assert_eq!(sidecar["provenance"]["what"], "objects");
    assert_eq!(
        sidecar["provenance"]["data_sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(sidecar["rows"], 2000);

    let parquet = dir.path().join("raters.parquet");
    export(&db, &["--what", "raters", "--mhs-columns"], &parquet);
    let mut file = std::fs::File::open(&parquet).unwrap();
    let mut reader = ParquetReader::new(&mut file);
    let metadata = reader.get_metadata().unwrap().clone();
    let df = reader.finish().unwrap();
    assert_eq!(df.height(), 455);
    for name in [
        "annotator_id",
        "annotator_severity",
        "annotator_infitms",
        "annotator_outfitms",
        "flags",
        "decision",
    ] {
        assert!(df.column(name).is_ok(), "missing column {name}");
    }
    let kv = metadata.key_value_metadata().as_ref().unwrap();
    let provenance = kv
        .iter()
        .find(|k| k.key == "scalewright.provenance")
        .and_then(|k| k.value.clone())
        .unwrap();
    let provenance: serde_json::Value = serde_json::from_str(&provenance).unwrap();
    assert_eq!(provenance["what"], "raters");
    // Random responders are flagged in the export.
    let flagged = df
        .column("flags")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .filter(|f| f.is_some_and(|f| f.contains("distorting")))
        .count();
    assert!(flagged >= 20, "{flagged}");

    let json = dir.path().join("items.json");
    export(&db, &["--what", "items"], &json);
    let body: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(body["provenance"]["what"], "items");
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert!(
        rows[0]["threshold_4"].is_number() && rows[9]["threshold_4"].is_null(),
        "hatespeech has 2 thresholds"
    );

    let joined = dir.path().join("joined.parquet");
    scalewright()
        .args(["export", "--quiet", "--what", "joined", "--join"])
        .arg(sample("ratings.csv"))
        .arg("--project")
        .arg(&db)
        .arg("--out")
        .arg(&joined)
        .assert()
        .success();
    let df = ParquetReader::new(std::fs::File::open(&joined).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 7731);
    assert_eq!(df.width(), 18 + 7);
    assert_eq!(df.column("hate_speech_score").unwrap().null_count(), 0);
    assert_eq!(exports_recorded(&db), 4);

    // pandas reads the same files (CI installs pandas and pyarrow).
    let script = format!(
        "import pandas as pd, json\n\
         o = pd.read_csv({csv:?}); assert len(o) == 2000 and 'hate_speech_score' in o.columns\n\
         r = pd.read_parquet({parquet:?}); assert len(r) == 455 and 'annotator_severity' in r.columns\n\
         j = pd.read_parquet({joined:?}); assert len(j) == 7731\n\
         i = json.load(open({json:?})); assert len(pd.DataFrame(i['rows'])) == 10\n\
         print('pandas ok')\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "pandas could not read the exports (pip install pandas pyarrow): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `export --plausible-values N` on an MML run: N draws per object (and rescaled), the same
/// seed the same draws, another seed other draws, the draws recorded in the provenance; their
/// spread over objects is the fitted population's, wider than the shrunken EAPs'.
#[test]
fn plausible_values_of_an_mml_run() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let db = common::sample_project(dir.path());
    scalewright()
        .args(["fit", "--quiet", "--method", "mml", "--project"])
        .arg(&db)
        .assert()
        .success();
    let read = |name: &str| {
        CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(dir.path().join(name)))
            .unwrap()
            .finish()
            .unwrap()
    };
    let column = |df: &DataFrame, name: &str| -> Vec<f64> {
        df.column(name)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    };
    for (name, seed) in [("a.csv", "7"), ("b.csv", "7"), ("c.csv", "8")] {
        export(
            &db,
            &[
                "--plausible-values",
                "5",
                "--seed",
                seed,
                "--rescale",
                "50,10",
            ],
            &dir.path().join(name),
        );
    }
    let (a, b, c) = (read("a.csv"), read("b.csv"), read("c.csv"));
    for k in 1..=5 {
        let pv = column(&a, &format!("pv{k}"));
        assert_eq!(pv, column(&b, &format!("pv{k}")), "same seed, same draws");
        assert_ne!(
            pv,
            column(&c, &format!("pv{k}")),
            "another seed, other draws"
        );
        let rescaled = column(&a, &format!("pv{k}_rescaled"));
        assert!((rescaled[0] - (50.0 + 10.0 * pv[0])).abs() < 1e-9);
    }
    let variance = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64
    };
    let eap = variance(&column(&a, "measure"));
    let pv = (1..=5)
        .map(|k| variance(&column(&a, &format!("pv{k}"))))
        .sum::<f64>()
        / 5.0;
    assert!(pv > eap, "PV variance {pv:.3} vs EAP variance {eap:.3}");
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("a.csv.json")).unwrap())
            .unwrap();
    assert_eq!(
        sidecar["provenance"]["plausible_values"],
        serde_json::json!({"draws": 5, "seed": 7})
    );
}
