//! Recodes per run (`fit --recode`, a pipeline's `[fit] recode`): a run that collapses categories
//! of the stored observations must fit exactly as a project whose dataset description recoded
//! them at import, and the run keeps its recode for every later step (Table 4/8, exports,
//! `runs`).

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{csv_column, json_out, sample, sample_project, scalewright};
use std::collections::HashMap;
use std::path::Path;

/// The recode of the tests: violence keeps two categories, respect three.
const RECODE: &str = "[recode]\nviolence = { \"0\" = 0, \"1\" = 0, \"2\" = 0, \"3\" = 1, \"4\" = 1 }\nrespect = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 2, \"4\" = 2 }\n";

/// label -> measure of one facet in a run (full precision, from the CSV report).
fn measures(db: &Path, facet: &str, run: i64) -> HashMap<String, f64> {
    let out = scalewright()
        .args(["report", "--format", "csv", "--facet", facet, "--run"])
        .arg(run.to_string())
        .arg("--project")
        .arg(db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    csv_column(&text, "element")
        .into_iter()
        .zip(csv_column(&text, "measure"))
        .map(|(l, m)| (l, m.parse().unwrap()))
        .collect()
}

/// The MHS preset with the same recode written into its item descriptions.
fn recoded_description() -> String {
    let preset = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config/presets/mhs.toml"),
    )
    .unwrap();
    let with = |text: String, item: &str, recode: &str| {
        let from = format!("name = \"{item}\"\ncategories = [0, 1, 2, 3, 4]\n");
        assert!(text.contains(&from), "{item} not in the preset");
        text.replace(&from, &format!("{from}recode = {recode}\n"))
    };
    let text = with(
        preset,
        "violence",
        "{ \"0\" = 0, \"1\" = 0, \"2\" = 0, \"3\" = 1, \"4\" = 1 }",
    );
    with(
        text,
        "respect",
        "{ \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 2, \"4\" = 2 }",
    )
}

#[test]
fn a_run_recode_fits_as_a_recoded_import_and_stays_with_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_project(dir.path());
    let recode = dir.path().join("collapse.toml");
    std::fs::write(&recode, RECODE).unwrap();
    let fit = json_out(
        scalewright()
            .args(["fit", "--json", "--recode"])
            .arg(&recode)
            .arg("--project")
            .arg(&db),
    );
    assert_eq!(fit["run_id"], 1);
    assert_eq!(fit["recode"]["violence"]["4"], 1);

    // The same recode written into the dataset description at import.
    let config = dir.path().join("recoded.toml");
    std::fs::write(&config, recoded_description()).unwrap();
    let imported = dir.path().join("imported.db");
    scalewright()
        .arg("ingest")
        .arg(sample("ratings.csv"))
        .arg("--config")
        .arg(&config)
        .args(["--quiet", "--project"])
        .arg(&imported)
        .assert()
        .success();
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&imported)
        .assert()
        .success();
    for facet in ["item", "annotator_id", "comment_id"] {
        let run = measures(&db, facet, 1);
        let reimported = measures(&imported, facet, 1);
        assert_eq!(run.len(), reimported.len(), "{facet}");
        let worst = run
            .iter()
            .map(|(l, m)| (m - reimported[l]).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "{facet}: largest difference {worst}");
    }

    // Table 8 shows the recode and the collapsed categories.
    let table8 = json_out(
        scalewright()
            .args(["report", "--json", "--table", "8", "--project"])
            .arg(&db),
    );
    let violence = table8
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == "violence")
        .unwrap();
    assert_eq!(violence["categories"].as_array().unwrap().len(), 2);
    assert_eq!(violence["recode"][0], "0,1,2->0 3,4->1");
    let text = scalewright()
        .args(["report", "--table", "8", "--project"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("Recoded for this run: 0,1->0 2->1 3,4->2"),
        "{text}"
    );

    // A later fit without a recode does not make the recoded run stale.
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let runs = json_out(scalewright().args(["runs", "--json", "--project"]).arg(&db));
    assert_eq!(runs[0]["id"], 2);
    assert!(runs[0].get("recode").is_none());
    assert_eq!(runs[1]["recode"]["respect"]["2"], 1);
    let table4 = json_out(
        scalewright()
            .args([
                "report",
                "--json",
                "--table",
                "4",
                "--run",
                "1",
                "--project",
            ])
            .arg(&db),
    );
    let violent_fours = table4["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["item"] == "violence" && r["score"].as_f64().unwrap() > 1.0)
        .count();
    assert_eq!(violent_fours, 0, "run 1 scores violence 0-1");

    // Exports of the recoded run carry the recode in their provenance.
    let out = dir.path().join("items.csv");
    scalewright()
        .args([
            "export", "--quiet", "--what", "items", "--run", "1", "--out",
        ])
        .arg(&out)
        .arg("--project")
        .arg(&db)
        .assert()
        .success();
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("items.csv.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["provenance"]["recode"]["violence"]["2"], 0);
}

#[test]
fn pipelines_take_a_recode_file_or_the_maps_themselves() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("collapse.toml"), RECODE).unwrap();
    let data = sample("ratings.csv");
    for (name, fit) in [
        ("file", "[fit]\nrecode = \"collapse.toml\"\n".to_string()),
        (
            "inline",
            "[fit.recode]\nviolence = { \"0\" = 0, \"1\" = 0, \"2\" = 0, \"3\" = 1, \"4\" = 1 }\nrespect = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 2, \"4\" = 2 }\n".to_string(),
        ),
    ] {
        let pipeline = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &pipeline,
            format!("project = \"{name}.db\"\n\n[ingest]\ndata = {data:?}\npreset = \"mhs\"\n\n{fit}"),
        )
        .unwrap();
        let done = json_out(scalewright().args(["run", "--json"]).arg(&pipeline));
        assert_eq!(done["run_id"], 1, "{name}");
        let runs = json_out(
            scalewright()
                .args(["runs", "--json", "--project"])
                .arg(dir.path().join(format!("{name}.db"))),
        );
        assert_eq!(
            runs[0]["recode"],
            serde_json::json!({
                "respect": {"0": 0, "1": 0, "2": 1, "3": 2, "4": 2},
                "violence": {"0": 0, "1": 0, "2": 0, "3": 1, "4": 1}
            }),
            "{name}"
        );
    }
}
