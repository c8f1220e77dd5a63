//! `scalewright quality`: flags per rule, mean-square bands, Facets' inter-rater agreement and
//! Krippendorff's alpha on the sample data.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{fitted_sample, json_out, scalewright};

#[test]
fn quality_report_on_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());
    let report = json_out(
        scalewright()
            .args(["quality", "--json", "--project"])
            .arg(&db),
    );
    assert_eq!(report["raters"], 455);
    // The 37 planted poor raters, and one honest rater the diagnosis flags for halo (at a false
    // discovery rate of 5%, 1 of 38 is within the allowance; tests/testsuite/flags_truth.rs).
    assert_eq!(report["raters_recommended_for_exclusion"], 38);
    assert_eq!(report["flagged_per_rule"]["straight_lining"], 14);
    // Infit bands count every rater with fit statistics (extreme raters have none).
    let bands = &report["infit"];
    let total: u64 = ["muted", "productive", "unproductive", "distorting"]
        .iter()
        .map(|k| bands[k].as_u64().unwrap())
        .sum();
    assert!(total > 400 && total <= 455, "{total}");
    assert!(
        bands["distorting"].as_u64().unwrap() >= 20,
        "the random responders distort"
    );
    // The data follow the model with independent raters: observed exact agreement close to the
    // model's expectation (within 3 percentage points).
    let a = &report["agreement"];
    let (obs, exp) = (
        a["observed_percent"].as_f64().unwrap(),
        a["expected_percent"].as_f64().unwrap(),
    );
    assert!(a["opportunities"].as_u64().unwrap() > 100_000);
    assert!(
        (obs - exp).abs() < 3.0,
        "observed {obs:.1}% vs expected {exp:.1}%"
    );
    // Ordinal alpha is moderate for every item and above the nominal alpha (ordered categories).
    for item in report["alpha"].as_array().unwrap() {
        let (ordinal, nominal) = (
            item["ordinal"].as_f64().unwrap(),
            item["nominal"].as_f64().unwrap(),
        );
        assert!((0.3..0.8).contains(&ordinal), "{item}");
        assert!(ordinal > nominal, "{item}");
    }
}
