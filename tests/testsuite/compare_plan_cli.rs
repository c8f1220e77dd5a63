//! `scalewright compare` and `scalewright plan` on the sample project: the JSON answers match
//! their schemas and the numbers follow from the stored runs.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{assert_matches_schema, fitted_sample, json_out, scalewright};

#[test]
fn compare_and_plan_on_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());
    // A second run: the rating scale.
    scalewright()
        .args(["fit", "--scale", "rsm", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let c = json_out(
        scalewright()
            .args(["compare", "--runs", "1,2", "--json", "--project"])
            .arg(&db),
    );
    assert_matches_schema("compare.schema.json", &c);
    let runs = c["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["scale_model"], "pcm");
    assert_eq!(runs[1]["scale_model"], "rsm");
    for r in runs {
        assert_eq!(r["likelihood"], "joint");
        let (lnl, k, n) = (
            r["log_likelihood"].as_f64().unwrap(),
            r["parameters"].as_f64().unwrap(),
            r["sample_size"].as_f64().unwrap(),
        );
        assert!((r["aic"].as_f64().unwrap() - (-2.0 * lnl + 2.0 * k)).abs() < 1e-6);
        assert!((r["bic"].as_f64().unwrap() - (-2.0 * lnl + k * n.ln())).abs() < 1e-6);
    }
    // Partial credit has a threshold set per item, the rating scale one: 9 items of 0..=4 and
    // one of 0..=2 give 9 x 3 + 1 free thresholds against 3 (the extreme elements differ too:
    // an object at every item's lowest observed category is extreme under partial credit only).
    let count = |r: &serde_json::Value, key: &str| r["parameter_count"][key].as_i64().unwrap();
    assert_eq!(count(&runs[0], "thresholds"), 28);
    assert_eq!(count(&runs[1], "thresholds"), 3);
    for r in runs {
        assert_eq!(count(r, "population"), 0);
        assert_eq!(
            count(r, "total"),
            count(r, "elements") - count(r, "centring_constraints") + count(r, "thresholds")
        );
        assert_eq!(r["parameters"].as_i64().unwrap(), count(r, "total"));
    }
    // Both are JMLE: no likelihood-ratio test, and a note says why.
    assert!(c["lr_test"].is_null());
    assert_eq!(c["same_observations"], true);
    assert!(c["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("not a basis for inference")));

    let p = json_out(
        scalewright()
            .args([
                "plan",
                "--run",
                "1",
                "--raters-per-object",
                "1,2,4,8",
                "--target-reliability",
                "0.9",
                "--json",
                "--project",
            ])
            .arg(&db),
    );
    assert_matches_schema("plan.schema.json", &p);
    assert_eq!(p["run"], 1);
    let designs = p["designs"].as_array().unwrap();
    assert_eq!(designs.len(), 4);
    let reliability: Vec<f64> = designs
        .iter()
        .map(|d| d["reliability"].as_f64().unwrap())
        .collect();
    assert!(
        reliability.windows(2).all(|w| w[0] < w[1]),
        "{reliability:?}"
    );
    for d in designs {
        let (rmse, sd, g) = (
            d["rmse"].as_f64().unwrap(),
            d["true_sd"].as_f64().unwrap(),
            d["separation"].as_f64().unwrap(),
        );
        assert!((g - sd / rmse).abs() < 1e-9);
        assert!((d["reliability"].as_f64().unwrap() - g * g / (1.0 + g * g)).abs() < 1e-9);
    }
    let needed = p["needed_for_target"].as_u64().unwrap();
    assert_eq!(p["target_design"]["raters_per_object"], needed);
    assert!(p["target_design"]["reliability"].as_f64().unwrap() >= 0.9);

    // The text answers name the runs and the designs.
    let text = scalewright()
        .args(["compare", "--runs", "2,1", "--project"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("likelihood-ratio test: none"), "{text}");

    // A pipeline on the same project: fit a rating scale again, plan from it and compare it
    // with run 1 (the pipeline's run last).
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            "project = {db:?}\n[fit]\nscale = \"rsm\"\n[plan]\nraters_per_object = [2, 4]\n\
             target_reliability = 0.9\n[compare]\nruns = [1]\n"
        ),
    )
    .unwrap();
    let report = json_out(scalewright().arg("run").arg(&pipeline).arg("--json"));
    assert_matches_schema("run.schema.json", &report);
    let run = report["run_id"].as_i64().unwrap();
    assert_eq!(run, 3);
    assert_matches_schema("plan.schema.json", &report["plan"]);
    assert_eq!(report["plan"]["run"], run);
    assert_eq!(report["plan"]["designs"].as_array().unwrap().len(), 2);
    assert_matches_schema("compare.schema.json", &report["comparison"]);
    let compared: Vec<i64> = report["comparison"]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_i64().unwrap())
        .collect();
    assert_eq!(compared, [1, run]);
    // The same data and model as run 2: the same log-likelihood.
    let again = json_out(
        scalewright()
            .args(["compare", "--runs", "2,3", "--json", "--project"])
            .arg(&db),
    );
    let lnl = |i: usize| again["runs"][i]["log_likelihood"].as_f64().unwrap();
    assert!((lnl(0) - lnl(1)).abs() < 1e-6 * lnl(0).abs());

    // A run on recoded observations (violence's 0..=4 collapsed to three categories): other
    // observations, so no test, and the comparison says to compare separation and fit only.
    let recode = dir.path().join("recode.toml");
    std::fs::write(
        &recode,
        "[recode]\nviolence = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 1, \"4\" = 2 }\n",
    )
    .unwrap();
    scalewright()
        .args(["fit", "--quiet", "--recode"])
        .arg(&recode)
        .arg("--project")
        .arg(&db)
        .assert()
        .success();
    let c = json_out(
        scalewright()
            .args(["compare", "--runs", "1,4", "--json", "--project"])
            .arg(&db),
    );
    assert_matches_schema("compare.schema.json", &c);
    assert_eq!(c["same_observations"], false);
    assert!(c["lr_test"].is_null());
    assert!(c["notes"][0]
        .as_str()
        .unwrap()
        .contains("different observations"));
}
