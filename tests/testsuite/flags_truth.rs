//! The default flag rules find the planted random responders and straight-liners of the sample
//! data (precision and recall >= 0.95), and cleaning improves the comment measures.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{csv_column, pearson, sample, truth};
use scalewright::config::Preset;
use scalewright::ingest::{self, IngestOptions};
use scalewright::measure::{self, FitOptions, NoObserver};
use scalewright::quality::{flag_elements, FlagLevel, FlagRules};
use scalewright::store::Project;
use std::collections::{HashMap, HashSet};

#[test]
fn default_rules_find_the_planted_poor_raters() {
    let dir = tempfile::tempdir().unwrap();
    let staged = ingest::stage(
        &sample("ratings.csv"),
        &Preset::Mhs.config(),
        &IngestOptions::default(),
    )
    .unwrap();
    let mut project = Project::create_or_open(&dir.path().join("p.db")).unwrap();
    project.import(&staged).unwrap();
    let data = project.ratings().unwrap();
    let fit = measure::fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let flags = flag_elements(&data, &fit, 1, &FlagRules::default());
    let flagged: HashSet<String> = flags
        .iter()
        .filter(|f| f.level == FlagLevel::Exclude)
        .map(|f| f.label.clone())
        .collect();

    let kinds = truth("truth_raters.csv", "annotator_id", "kind");
    let poor: HashSet<String> = kinds
        .iter()
        .filter(|(_, k)| *k != "normal")
        .map(|(l, _)| l.clone())
        .collect();
    let true_positive = flagged.intersection(&poor).count() as f64;
    let precision = true_positive / flagged.len() as f64;
    let recall = true_positive / poor.len() as f64;
    let mut by_rule: HashMap<String, (usize, usize)> = HashMap::new();
    for f in &flags {
        let entry = by_rule.entry(f.rule.name().to_string()).or_default();
        if poor.contains(&f.label) {
            entry.0 += 1
        } else {
            entry.1 += 1
        }
    }
    eprintln!("flagged {} of {} poor; precision {precision:.3} recall {recall:.3}; by rule (poor, normal): {by_rule:?}", flagged.len(), poor.len());
    let missed: Vec<_> = poor
        .difference(&flagged)
        .map(|l| (l.clone(), kinds[l].clone()))
        .collect();
    eprintln!("missed: {missed:?}");
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3}"
    );

    // Cleaning: refit without the flagged raters; the comment measures correlate with the truth
    // at least as well as before (measured on the sample: 0.970 before, 0.988 after).
    let rater_facet = 1;
    let excluded: HashSet<u32> = flags
        .iter()
        .filter(|f| f.level == FlagLevel::Exclude)
        .map(|f| f.element)
        .collect();
    let cleaned_data = data.filter(|n| !excluded.contains(&data.elements[rater_facet][n]));
    let cleaned = measure::fit(&cleaned_data, &FitOptions::default(), &mut NoObserver).unwrap();
    let truth = truth("truth_comments.csv", "comment_id", "measure");
    let r = |fit: &measure::Fit| {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for e in &fit.facets[0].elements {
            if e.status == measure::ElementStatus::Measured {
                x.push(e.measure);
                y.push(truth[&e.label].parse::<f64>().unwrap());
            }
        }
        pearson(&x, &y)
    };
    let (before, after) = (r(&fit), r(&cleaned));
    eprintln!("r(comments, truth): before {before:.4}, after {after:.4}");
    assert!(
        after >= before,
        "cleaning made the measures worse: {before:.4} -> {after:.4}"
    );
}

/// `flag` on a simulation with the realistic rater mix, end to end through the binary: the JSON
/// matches schemas/flag.schema.json, the diagnosis names the planted reversed items and careless
/// segments (within one record), the raters export carries the diagnosis columns, and `exclude --rule` takes a type.
#[test]
fn flag_names_how_each_planted_rater_fails() {
    use crate::common::{assert_matches_schema, fitted_mhs_project, json_out, scalewright};
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    scalewright()
        .args(["simulate", "--quiet", "--comments", "3000", "--seed", "7"])
        .args(["--rater-mix", "realistic", "--out"])
        .arg(&sim)
        .assert()
        .success();
    let db = fitted_mhs_project(&sim.join("ratings.csv"), &dir.path().join("p.db"));
    let out = json_out(scalewright().args(["flag", "--json", "--project"]).arg(&db));
    assert_matches_schema("flag.schema.json", &out);

    let kinds = truth_in(&sim, "kind");
    let reversed = truth_in(&sim, "reversed_item");
    let careless_from = truth_in(&sim, "careless_from");
    let raters = out["diagnosis"]["raters"].as_array().unwrap();
    let (mut reversed_named, mut reversed_total) = (0, 0);
    let (mut careless_located, mut careless_total) = (0, 0);
    for rater in raters {
        let label = rater["label"].as_str().unwrap();
        let types: Vec<&str> = rater["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        match kinds[label].as_str() {
            "reversed_item" => {
                reversed_total += 1;
                let named = format!("reversed on `{}`", reversed[label]);
                reversed_named += usize::from(types.contains(&named.as_str()));
            }
            "careless" => {
                careless_total += 1;
                let from: usize = careless_from[label].parse().unwrap();
                careless_located += usize::from(types.iter().any(|t| {
                    t.strip_prefix("careless from response ")
                        .and_then(|k| k.parse::<usize>().ok())
                        .is_some_and(|k| k.abs_diff(from) <= 1)
                }));
            }
            _ => {}
        }
    }
    // Measured: every reversed rater is named with its item; 12 of 12 careless raters get the
    // record their segment starts at (in the file's order, which the store keeps).
    assert!(
        reversed_total >= 5 && reversed_named as f64 >= 0.8 * reversed_total as f64,
        "{reversed_named} of {reversed_total} reversed raters named with their item"
    );
    assert!(
        careless_total >= 5 && careless_located as f64 >= 0.6 * careless_total as f64,
        "{careless_located} of {careless_total} careless raters located"
    );

    let export = dir.path().join("raters.csv");
    scalewright()
        .args(["export", "--quiet", "--what", "raters", "--project"])
        .arg(&db)
        .arg("--out")
        .arg(&export)
        .assert()
        .success();
    let text = std::fs::read_to_string(&export).unwrap();
    let types = csv_column(&text, "quality_type");
    let q = csv_column(&text, "quality_q");
    assert!(
        types.iter().any(|t| t.contains("reversed on `")),
        "no reversed type exported"
    );
    assert!(q
        .iter()
        .filter(|v| !v.is_empty())
        .all(|v| v.parse::<f64>().unwrap() <= 0.05));

    scalewright()
        .args([
            "exclude",
            "--quiet",
            "--rule",
            "halo",
            "--reason",
            "halo",
            "--project",
        ])
        .arg(&db)
        .assert()
        .success();
}

/// Column `value` of the simulation's truth_raters.csv by annotator id.
fn truth_in(sim: &std::path::Path, value: &str) -> HashMap<String, String> {
    let text = std::fs::read_to_string(sim.join("truth_raters.csv")).unwrap();
    csv_column(&text, "annotator_id")
        .into_iter()
        .zip(csv_column(&text, value))
        .collect()
}
