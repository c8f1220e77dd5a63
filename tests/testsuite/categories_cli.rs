//! `scalewright categories`: Linacre's category guidelines and the collapse advisor on a
//! simulation with a planted rarely chosen category (`simulate --unused-category`), its refits,
//! the description it writes (which `ingest --config` reads back), and the pipeline step.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{assert_matches_schema, json_out, scalewright};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fitted project of 1,000 simulated comments (model raters only) whose `insult` item has a
/// planted, rarely chosen category 2 (its thresholds reversed).
fn planted_project(dir: &Path) -> PathBuf {
    let sim = dir.join("sim");
    scalewright()
        .args(["simulate", "--quiet", "--comments", "1000", "--seed", "3"])
        .args(["--random-responders", "0", "--straight-liners", "0"])
        .args(["--unused-category", "insult:2", "--out"])
        .arg(&sim)
        .assert()
        .success();
    common::fitted_mhs_project(&sim.join("ratings.csv"), &dir.join("planted.db"))
}

fn entry<'a>(answer: &'a Value, item: &str) -> &'a Value {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["item"] == item)
        .unwrap_or_else(|| panic!("no entry for {item}"))
}

fn check(entry: &Value, number: u64) -> &Value {
    entry["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .unwrap()
}

#[test]
fn the_planted_category_is_flagged_and_collapsed_with_a_neighbour() {
    let dir = tempfile::tempdir().unwrap();
    let db = planted_project(dir.path());
    let answer = json_out(
        scalewright()
            .args(["categories", "--json", "--project"])
            .arg(&db),
    );
    assert_matches_schema("categories.schema.json", &answer);
    assert_eq!(answer["run"], 1);
    assert_eq!(answer["items"].as_array().unwrap().len(), 10);
    let insult = entry(&answer, "insult");
    // The planted disorder: the fitted thresholds around category 2 are reversed (truth: 0.95
    // into 2, -1.05 out of it), so guideline 5 fails by well over a logit.
    let five = check(insult, 5);
    assert_eq!(five["passed"], false);
    assert!(five["value"].as_f64().unwrap() < -1.0, "{five}");
    // Category 2 is the rare one: the smallest count, far below its neighbours'.
    let counts: Vec<u64> = insult["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 5);
    assert!(
        counts[2] * 3 < counts[1] && counts[2] * 3 < counts[3],
        "{counts:?}"
    );
    // The proposal merges 2 with a neighbour and keeps four categories.
    let proposal = &insult["proposal"];
    let groups: Vec<Vec<i64>> = serde_json::from_value(proposal["groups"].clone()).unwrap();
    assert_eq!(groups.len(), 4, "{groups:?}");
    let merged: Vec<&Vec<i64>> = groups.iter().filter(|g| g.len() > 1).collect();
    assert!(
        merged == [&vec![1, 2]] || merged == [&vec![2, 3]],
        "{groups:?}"
    );
    let recode = &proposal["recode"];
    assert_eq!(recode["0"], 0);
    assert_eq!(recode["4"], 3);
    assert_eq!(recode["2"], if merged[0][0] == 1 { 1 } else { 2 });
    assert!(proposal["reason"]
        .as_str()
        .unwrap()
        .contains("disordered thresholds"));
    // Unplanted items with ordered true thresholds keep theirs ordered.
    for item in ["sentiment", "respect", "humiliate", "status"] {
        assert_eq!(check(entry(&answer, item), 5)["passed"], true, "{item}");
    }

    // The text report names the planted scale and its proposal.
    let text = scalewright()
        .args(["categories", "--project"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("5*  thresholds advance"), "{text}");
    assert!(
        text.contains("proposal: categories 0 | 1+2 | 3 | 4")
            || text.contains("proposal: categories 0 | 1 | 2+3 | 4")
    );
}

#[test]
fn the_written_description_is_ingested_with_the_collapse() {
    let dir = tempfile::tempdir().unwrap();
    let db = planted_project(dir.path());
    let written = dir.path().join("proposed.toml");
    let answer = json_out(
        scalewright()
            .args(["categories", "--json", "--project"])
            .arg(&db)
            .arg("--write-config")
            .arg(&written),
    );
    assert_eq!(answer["config_written"], written.display().to_string());
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(text.contains("name = \"insult\""));
    // The description reads back through ingest, and the new project's insult item has the
    // collapsed categories: four, 0..=3.
    let again = dir.path().join("again.db");
    scalewright()
        .arg("ingest")
        .arg(dir.path().join("sim/ratings.csv"))
        .arg("--config")
        .arg(&written)
        .args(["--quiet", "--project"])
        .arg(&again)
        .assert()
        .success();
    let info = json_out(
        scalewright()
            .args(["info", "--json", "--project"])
            .arg(&again),
    );
    let insult = info["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "insult")
        .unwrap();
    assert_eq!(insult["min_score"], 0, "{insult}");
    assert_eq!(insult["max_score"], 3, "{insult}");
    // Every item the advisor left alone keeps its range.
    let proposals: Vec<&str> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["proposal"].is_null())
        .map(|e| e["item"].as_str().unwrap())
        .collect();
    let sentiment = info["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "sentiment")
        .unwrap();
    assert!(!proposals.contains(&"sentiment"));
    assert_eq!(sentiment["max_score"], 4);
}

#[test]
fn refitting_the_proposal_orders_the_planted_item_s_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let db = planted_project(dir.path());
    let answer = json_out(
        scalewright()
            .args(["categories", "--refit", "--json", "--project"])
            .arg(&db),
    );
    assert_matches_schema("categories.schema.json", &answer);
    let refits = answer["refits"].as_array().unwrap();
    let proposals = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["proposal"].is_null())
        .count();
    assert!(proposals >= 1);
    // The original, one run per proposal, and all of them together when there are several.
    let together = usize::from(proposals > 1);
    assert_eq!(refits.len(), 1 + proposals + together);
    let original = &refits[0];
    assert_eq!(original["label"], "original");
    assert_eq!(original["run_id"], 1);
    let disordered = |row: &Value| -> Vec<String> {
        serde_json::from_value(row["disordered_scales"].clone()).unwrap()
    };
    assert!(disordered(original).contains(&"insult".to_string()));
    let insult = refits.iter().find(|r| r["label"] == "insult").unwrap();
    assert_eq!(insult["collapsed_ordered"], true);
    assert!(!disordered(insult).contains(&"insult".to_string()));
    assert_ne!(insult["run_id"], 1);
    if together == 1 {
        let all = refits.last().unwrap();
        assert_eq!(all["label"], "all proposals");
        assert_eq!(all["collapsed_ordered"], true);
    }
    // The refitted run stores the recode and has four ordered insult categories (Table 8).
    let run = insult["run_id"].as_i64().unwrap().to_string();
    let table8 = json_out(
        scalewright()
            .args([
                "report",
                "--table",
                "8",
                "--json",
                "--run",
                &run,
                "--project",
            ])
            .arg(&db),
    );
    let scales = table8.as_array().unwrap_or_else(|| panic!("{table8}"));
    let scale = scales.iter().find(|s| s["label"] == "insult").unwrap();
    let thresholds: Vec<f64> = scale["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["threshold"].as_f64())
        .collect();
    assert_eq!(thresholds.len(), 3, "{scale}");
    assert!(thresholds.windows(2).all(|w| w[1] > w[0]), "{thresholds:?}");
}

#[test]
fn a_pipeline_s_categories_step_refits_and_writes_the_description() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    scalewright()
        .args(["simulate", "--quiet", "--comments", "1000", "--seed", "3"])
        .args(["--random-responders", "0", "--straight-liners", "0"])
        .args(["--unused-category", "insult:2", "--out"])
        .arg(&sim)
        .assert()
        .success();
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            "project = \"{}\"\n[ingest]\ndata = \"{}\"\npreset = \"mhs\"\n[categories]\nrefit = true\nwrite_config = \"{}\"\n",
            dir.path().join("p.db").display(),
            sim.join("ratings.csv").display(),
            dir.path().join("proposed.toml").display()
        ),
    )
    .unwrap();
    let report = json_out(scalewright().arg("run").arg(&pipeline).arg("--json"));
    assert_matches_schema("run.schema.json", &report);
    let step = &report["categories"];
    assert_eq!(step["scales"], 10);
    let proposals: Vec<String> = serde_json::from_value(step["proposals"].clone()).unwrap();
    assert!(proposals.contains(&"insult".to_string()), "{proposals:?}");
    let refits = step["refits"].as_array().unwrap();
    assert_eq!(refits[0]["run_id"], report["run_id"]);
    let insult = refits.iter().find(|r| r["label"] == "insult").unwrap();
    assert_eq!(insult["collapsed_ordered"], true);
    assert!(dir.path().join("proposed.toml").exists());
    assert_eq!(
        step["config_written"],
        dir.path().join("proposed.toml").display().to_string()
    );
}
