//! Facets interoperability through the command line: Facets specification files ingested
//! unchanged (`ingest --facets`) reproduce Facets' published measures with `fit` and no
//! options; `export --what facets` writes a specification that ingests back to the same
//! estimates; `export --what winsteps` writes a Winsteps control file.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{assert_matches_schema, fixture, json_out, scalewright};
use scalewright::measure::Fit;
use scalewright::store::Project;
use std::path::{Path, PathBuf};

fn spec(name: &str) -> PathBuf {
    fixture("facets").join(name)
}

/// `ingest SPEC --facets` into `db` (a new project) and `fit` with no options; the run.
fn ingest_and_fit(spec: &Path, db: &Path, fit_args: &[&str]) -> Fit {
    scalewright()
        .args(["ingest", "--quiet", "--facets", "--project"])
        .arg(db)
        .arg(spec)
        .assert()
        .success();
    fit(db, fit_args)
}

fn fit(db: &Path, fit_args: &[&str]) -> Fit {
    scalewright()
        .args(["fit", "--quiet", "--project"])
        .arg(db)
        .args(fit_args)
        .assert()
        .success();
    let project = Project::open(db).unwrap();
    let run = project.latest_run().unwrap().unwrap();
    project.load_fit(run).unwrap()
}

/// The measure of element `label` of facet `facet`.
fn measure(fit: &Fit, facet: &str, label: &str) -> f64 {
    let f = fit.facets.iter().find(|f| f.name == facet).unwrap();
    f.elements
        .iter()
        .find(|e| e.label == label)
        .unwrap()
        .measure
}

/// The largest |difference| between the measures of every element of two fits (matched by
/// facet name and element label) and of their thresholds.
fn largest_difference(a: &Fit, b: &Fit) -> f64 {
    let mut largest: f64 = 0.0;
    for fa in &a.facets {
        let fb = b.facets.iter().find(|f| f.name == fa.name).unwrap();
        assert_eq!(fa.elements.len(), fb.elements.len(), "{}", fa.name);
        for e in &fa.elements {
            let other = fb.elements.iter().find(|o| o.label == e.label).unwrap();
            largest = largest.max((e.measure - other.measure).abs());
        }
    }
    for (sa, sb) in a.scales.iter().zip(&b.scales) {
        for (x, y) in sa.thresholds().iter().zip(sb.thresholds()) {
            largest = largest.max((x - y).abs());
        }
    }
    largest
}

/// Facets' published Guilford run (Facets manual, "Creativity" example, Guilford.txt as
/// Facets ships it): `ingest --facets` and `fit` with no options reproduce Table 7's raw totals
/// exactly and the published measures within .01 logit (the measures the manual prints: judge
/// Brahe .24, examinees David -.46 and Edward .42; largest difference .008, David -.468).
#[test]
fn guilford_reproduces_the_published_table_7() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let answer = json_out(
        scalewright()
            .args(["ingest", "--facets", "--json", "--project"])
            .arg(&db)
            .arg(spec("guilford.txt")),
    );
    assert_matches_schema("ingest.schema.json", &answer);
    assert_eq!(answer["summary"]["observations_added"], 105);
    assert_eq!(answer["model"]["update"], "facets");
    let fit = fit(&db, &[]);
    assert!(fit.converged);
    let published = [
        ("Senior scientists", "Brahe", 0.24),
        ("Junior Scientists", "David", -0.46),
        ("Junior Scientists", "Edward", 0.42),
    ];
    let mut largest: f64 = 0.0;
    for (facet, label, value) in published {
        let got = measure(&fit, facet, label);
        largest = largest.max((got - value).abs());
        assert!((got - value).abs() <= 0.01, "{label}: {got:.4} vs {value}");
    }
    assert!(largest < 0.01, "largest |difference| {largest:.4}");
    // Raw totals of Table 7: judges 171/156/181, examinees 70/94/64/57/87/54/82, traits
    // 114/108/92/115/79.
    let totals = |facet: &str| -> Vec<f64> {
        let f = fit.facets.iter().find(|f| f.name == facet).unwrap();
        f.elements.iter().map(|e| e.total_score).collect()
    };
    assert_eq!(totals("Senior scientists"), [171.0, 156.0, 181.0]);
    assert_eq!(
        totals("Junior Scientists"),
        [70.0, 94.0, 64.0, 57.0, 87.0, 54.0, 82.0]
    );
    assert_eq!(totals("item"), [114.0, 108.0, 92.0, 115.0, 79.0]);
    // The specification's orientation and centring: examinees positive and centred, judges
    // negative and floating; the spec's Unexpected = 2 is the run's.
    let examinees = fit
        .facets
        .iter()
        .find(|f| f.name == "Junior Scientists")
        .unwrap();
    let judges = fit
        .facets
        .iter()
        .find(|f| f.name == "Senior scientists")
        .unwrap();
    assert!(examinees.positive && examinees.centred);
    assert!(!judges.positive && !judges.centred);
    assert_eq!(fit.options.unexpected_z, 2.0);
    // Table 13 of the same run (the spec's `?B,?B` terms): Brahe x David +.71 (S.E. .29,
    // expected 17.3), Brahe x Edward -1.27 (S.E. .36, expected 27.0).
    let bias = json_out(
        scalewright()
            .args([
                "bias",
                "--json",
                "--between",
                "Senior scientists,Junior Scientists",
                "--project",
            ])
            .arg(&db),
    );
    let cell = |judge: &str, examinee: &str| {
        bias["table13"]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["labels"][0] == judge && c["labels"][1] == examinee)
            .unwrap()
            .clone()
    };
    for (examinee, value, se, expected) in
        [("David", 0.71, 0.29, 17.3), ("Edward", -1.27, 0.36, 27.0)]
    {
        let c = cell("Brahe", examinee);
        let got = |k: &str| c[k].as_f64().unwrap();
        assert!((got("bias") - value).abs() <= 0.015, "{examinee}: {c}");
        assert!((got("model_se") - se).abs() <= 0.01, "{examinee}: {c}");
        assert!(
            (got("expected_score") - expected).abs() <= 0.05,
            "{examinee}: {c}"
        );
    }
    // The fit's own options still override the model: the accelerated path to tight criteria
    // reaches the fully converged solution (Brahe .245), which Facets' early stop does not.
    let converged = self::fit(
        &db,
        &[
            "--update",
            "accelerated",
            "--max-change",
            "0.0001",
            "--max-residual",
            "0.001",
        ],
    );
    assert_eq!(
        converged.options.update,
        scalewright::measure::JmleUpdate::Accelerated
    );
    assert!((measure(&converged, "Senior scientists", "Brahe") - 0.245).abs() < 0.002);
}

/// A four-facet specification as Minifac users write it (students x raters x topics x criteria,
/// inline data with element ranges, one shared rating scale declared 0-5 whose categories 4
/// and 5 are never observed) ingests unchanged and fits; Facets' own output for these data is
/// not published, so the check is against the same data read from a CSV file with a dataset
/// description and fitted with the same options: every measure and threshold agrees to 1e-6.
#[test]
fn a_four_facet_minifac_specification_fits_as_the_same_data_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let from_spec = ingest_and_fit(&spec("writing_minifac.txt"), &db, &[]);
    assert!(from_spec.converged);
    assert_eq!(from_spec.facets.len(), 4);
    // One shared scale with the four observed categories only.
    assert_eq!(from_spec.scales.len(), 1);
    let scores: Vec<i32> = from_spec.scales[0]
        .categories
        .iter()
        .map(|c| c.score)
        .collect();
    assert_eq!(scores, [0, 1, 2, 3]);

    // The same ratings as a long CSV with a dataset description.
    let text = std::fs::read_to_string(spec("writing_minifac.txt")).unwrap();
    let labels = |header: &str| -> Vec<String> {
        let start = text.find(header).unwrap() + header.len();
        text[start..]
            .lines()
            .skip(1)
            .take_while(|l| *l != "*")
            .map(|l| l.split_once(" = ").unwrap().1.to_string())
            .collect()
    };
    let (students, raters, topics, criteria) = (
        labels("1,Students"),
        labels("2,Raters"),
        labels("3,Topics"),
        labels("4,Criteria"),
    );
    let mut csv = String::from("student,rater,topic,criterion,score\n");
    let data = &text[text.find("Data =").unwrap()..];
    for line in data.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let at = |list: &[String], i: &str| list[i.parse::<usize>().unwrap() - 1].clone();
        for (c, score) in f[4..].iter().enumerate() {
            csv.push_str(&format!(
                "{},{},{},{},{score}\n",
                at(&students, f[0]),
                at(&raters, f[1]),
                at(&topics, f[2]),
                criteria[c]
            ));
        }
    }
    let csv_path = dir.path().join("writing.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let mut toml = String::from("layout = \"long\"\nobject = \"student\"\nraters = [\"rater\", \"topic\"]\n[long]\nitem = \"criterion\"\nscore = \"score\"\n");
    for c in &criteria {
        toml.push_str(&format!(
            "[[items]]\nname = \"{c}\"\ncategories = [0, 1, 2, 3, 4, 5]\n"
        ));
    }
    let toml_path = dir.path().join("writing.toml");
    std::fs::write(&toml_path, toml).unwrap();
    let csv_db = dir.path().join("csv.db");
    scalewright()
        .args(["ingest", "--quiet", "--project"])
        .arg(&csv_db)
        .arg(&csv_path)
        .arg("--config")
        .arg(&toml_path)
        .assert()
        .success();
    let from_csv = fit(&csv_db, &["--scale", "rsm", "--update", "facets"]);
    let mut renamed = from_csv.clone();
    for (f, name) in ["Students", "Raters", "Topics", "item"].iter().enumerate() {
        renamed.facets[f].name = name.to_string();
    }
    let largest = largest_difference(&from_spec, &renamed);
    assert!(largest < 1e-6, "largest |difference| {largest:e}");
}

/// A long rating scale: a real Minifac 4.5.0 run (`raterbias_minifac.txt`: students x raters x
/// criteria x items, 256 ratings on 21 observed categories of R23; repository ZGY6/mfrmapp,
/// `2026Raterbias10.txt` and its output `2026Raterbias10.out.txt`). Neither program converges
/// fully on so long a scale: both stop part way along the slow direction in which measures and
/// thresholds widen together, at the .5 score-residual criterion. `ingest --facets` and `fit`
/// with no options stop close to where Minifac stopped: every measure and model S.E. of its
/// Table 7 within .011 logit (measured: measures .010, Item4 -1.650 vs -1.66; S.E.s .005), after
/// about as many iterations as its Table 3 (114; ours 110).
#[test]
fn a_long_scale_minifac_run_reproduces_the_published_table_7() {
    /// Table 7 prints two decimals (±.005 of rounding); the published values are matched
    /// within this (logits).
    const TOLERANCE: f64 = 0.011;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let fit = ingest_and_fit(&spec("raterbias_minifac.txt"), &db, &[]);
    assert!(fit.converged);
    assert_eq!(fit.options.update, scalewright::measure::JmleUpdate::Facets);
    assert_eq!(fit.scales.len(), 1);
    assert_eq!(fit.scales[0].categories.len(), 21);
    // Table 7.1-7.4: element, measure, model S.E.
    let published = [
        ("Student1", -0.26, 0.06),
        ("Student2", -0.56, 0.07),
        ("Student3", -1.27, 0.07),
        ("Student4", 0.61, 0.06),
        ("Rater1", 0.01, 0.10),
        ("Rater2", 0.09, 0.10),
        ("Rater3", -0.03, 0.10),
        ("Rater4", 0.12, 0.10),
        ("Rater5", -0.02, 0.10),
        ("Rater6", -0.35, 0.09),
        ("Rater7", 0.32, 0.10),
        ("Rater8", -0.13, 0.09),
        ("comp", 0.05, 0.05),
        ("inte", -0.05, 0.05),
        ("Item1", -0.07, 0.06),
        ("Item2", 0.45, 0.06),
        ("Item3", 1.28, 0.08),
        ("Item4", -1.66, 0.07),
    ];
    let mut largest: f64 = 0.0;
    for (label, value, se) in published {
        let element = fit
            .facets
            .iter()
            .flat_map(|f| &f.elements)
            .find(|e| e.label == label)
            .unwrap();
        let got_se = element.model_se.unwrap();
        largest = largest
            .max((element.measure - value).abs())
            .max((got_se - se).abs());
        assert!(
            (element.measure - value).abs() <= TOLERANCE,
            "{label}: measure {:.4} vs {value}",
            element.measure
        );
        assert!(
            (got_se - se).abs() <= TOLERANCE,
            "{label}: S.E. {got_se:.4} vs {se}"
        );
    }
    assert!(largest <= TOLERANCE, "largest |difference| {largest:.4}");
    // Table 3: Minifac stopped after 114 iterations (2 PROX, 112 JMLE); ours within 15%.
    let iterations = fit.history.len();
    assert!(
        (97..=131).contains(&iterations),
        "{iterations} iterations vs Minifac's 114"
    );
}

/// export --what facets -> ingest --facets -> fit gives the same estimates (1e-6), for the
/// Guilford project and for a project ingested from CSV + TOML (no stored model).
#[test]
fn a_facets_export_ingests_back_to_the_same_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let original = ingest_and_fit(&spec("guilford.txt"), &db, &[]);
    let out = dir.path().join("g_export.txt");
    scalewright()
        .args(["export", "--quiet", "--what", "facets", "--project"])
        .arg(&db)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let again = ingest_and_fit(&out, &dir.path().join("g2.db"), &[]);
    let largest = largest_difference(&original, &again);
    assert!(largest < 1e-6, "Guilford round trip: {largest:e}");

    // With the run's anchors: the anchored judges and traits keep their values exactly.
    let anchored = dir.path().join("g_anchors.txt");
    scalewright()
        .args([
            "export",
            "--quiet",
            "--what",
            "facets",
            "--anchors",
            "--project",
        ])
        .arg(&db)
        .arg("--out")
        .arg(&anchored)
        .assert()
        .success();
    let text = std::fs::read_to_string(&anchored).unwrap();
    assert!(text.contains("1,Senior scientists,A"), "{text}");
    let refit = ingest_and_fit(&anchored, &dir.path().join("g3.db"), &[]);
    for label in ["Avogadro", "Brahe", "Cavendish"] {
        let (a, b) = (
            measure(&original, "Senior scientists", label),
            measure(&refit, "Senior scientists", label),
        );
        assert!((a - b).abs() < 1e-6, "{label}: {a} vs {b}");
    }

    // A project from CSV + TOML: partial credit per item, objects positive and floating.
    let csv_db = dir.path().join("csv.db");
    scalewright()
        .args(["ingest", "--quiet", "--project"])
        .arg(&csv_db)
        .arg(fixture("guilford_creativity_long.csv"))
        .arg("--config")
        .arg(fixture("guilford.toml"))
        .assert()
        .success();
    let from_csv = fit(&csv_db, &[]);
    let out = dir.path().join("csv_export.txt");
    scalewright()
        .args(["export", "--quiet", "--what", "facets", "--project"])
        .arg(&csv_db)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // The re-ingested project's model says Facets' path; --update accelerated fits as the
    // original did.
    let again = ingest_and_fit(
        &out,
        &dir.path().join("csv2.db"),
        &["--update", "accelerated"],
    );
    let largest = largest_difference(&from_csv, &again);
    assert!(largest < 1e-6, "CSV project round trip: {largest:e}");
}

/// export --what winsteps: a control file Winsteps reads, with the rater facet folded into the
/// persons (default) or the items.
#[test]
fn a_winsteps_export_folds_the_raters_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    ingest_and_fit(&spec("guilford.txt"), &db, &[]);
    let write = |fold: &str| -> String {
        let out = dir.path().join(format!("g_{fold}.con"));
        scalewright()
            .args([
                "export",
                "--quiet",
                "--what",
                "winsteps",
                "--fold",
                fold,
                "--project",
            ])
            .arg(&db)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        std::fs::read_to_string(out).unwrap()
    };
    let persons = write("persons");
    assert!(persons.contains("\nNI = 5\n"), "{persons}");
    assert!(persons.contains("\nXWIDE = 1\n"));
    assert!(persons.contains("CODES = \"0123456789\""));
    assert!(!persons.contains("ISGROUPS"), "one shared rating scale");
    let records: Vec<&str> = persons
        .split("END NAMES\n")
        .nth(1)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(records.len(), 21);
    assert_eq!(records[0], "Anne|Avogadro    55353");
    let items = write("items");
    assert!(items.contains("\nNI = 15\n"), "{items}");
    let records: Vec<&str> = items.split("END NAMES\n").nth(1).unwrap().lines().collect();
    assert_eq!(records.len(), 7);
    // Anne: Avogadro's five ratings, then Brahe's, then Cavendish's.
    assert_eq!(records[0], "Anne   553536546355573");
}

/// `Positive=` per facet: the judges positively oriented (leniency instead of severity) give
/// the same fit with the judges' measures negated and every other measure unchanged.
#[test]
fn positive_orientation_per_facet_flips_only_that_facet() {
    let dir = tempfile::tempdir().unwrap();
    let original = ingest_and_fit(&spec("guilford.txt"), &dir.path().join("a.db"), &[]);
    let text = std::fs::read_to_string(spec("guilford.txt"))
        .unwrap()
        .replace("Positive = 2 ", "Positive = 1,2 ");
    let lenient_spec = dir.path().join("lenient.txt");
    std::fs::write(&lenient_spec, text).unwrap();
    let lenient = ingest_and_fit(&lenient_spec, &dir.path().join("b.db"), &[]);
    let judges = lenient
        .facets
        .iter()
        .find(|f| f.name == "Senior scientists")
        .unwrap();
    assert!(judges.positive);
    for label in ["Avogadro", "Brahe", "Cavendish"] {
        let (a, b) = (
            measure(&original, "Senior scientists", label),
            measure(&lenient, "Senior scientists", label),
        );
        assert!((a + b).abs() < 1e-9, "{label}: {a} vs {b}");
    }
    for label in ["Anne", "David", "George"] {
        let (a, b) = (
            measure(&original, "Junior Scientists", label),
            measure(&lenient, "Junior Scientists", label),
        );
        assert!((a - b).abs() < 1e-9, "{label}: {a} vs {b}");
    }
}

/// A dummy facet (`4,Session,D`) is anchored at 0 and changes no measure: Guilford with every
/// rating given a session fits exactly as without; the traits stay the item facet.
#[test]
fn a_dummy_facet_is_anchored_at_zero_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let original = ingest_and_fit(&spec("guilford.txt"), &dir.path().join("a.db"), &[]);
    let text = std::fs::read_to_string(spec("guilford.txt"))
        .unwrap()
        .replace("Facets = 3", "Facets = 4")
        .replace(
            "Model = ?B,?B,?,Creativity",
            "Model = ?B,?B,?,?B,Creativity",
        )
        .replace(
            "*\nData =",
            "*\n4,Session,D\n1 = morning\n2 = afternoon\n*\nData =",
        );
    let (head, data) = text.split_once("ratings\n").unwrap();
    let data: Vec<String> = data
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').collect();
            format!(
                "{},{},{},{},{}",
                fields[0],
                fields[1],
                fields[2],
                1 + i % 2,
                fields[3..].join(",")
            )
        })
        .collect();
    let with_session = dir.path().join("session.txt");
    std::fs::write(
        &with_session,
        format!("{head}ratings\n{}\n", data.join("\n")),
    )
    .unwrap();
    let fit = ingest_and_fit(&with_session, &dir.path().join("b.db"), &[]);
    let names: Vec<&str> = fit.facets.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["Junior Scientists", "Senior scientists", "Session", "item"]
    );
    for label in ["morning", "afternoon"] {
        assert_eq!(measure(&fit, "Session", label), 0.0);
    }
    let largest = largest_difference(&original, &{
        let mut without = fit.clone();
        without.facets.retain(|f| f.name != "Session");
        without
    });
    assert!(largest < 1e-9, "largest |difference| {largest:e}");
    // The four-facet specification (inline data, the shared R9 scale whose extreme category 0
    // is never observed) against Facets' published measures (Facets manual, Creativity and
    // its dummy-facet variant): within .02 logit.
    for (facet, label, published) in [
        ("Senior scientists", "Brahe", 0.24),
        ("Junior Scientists", "David", -0.46),
        ("Junior Scientists", "Edward", 0.42),
    ] {
        let got = measure(&fit, facet, label);
        assert!(
            (got - published).abs() <= 0.02,
            "{label}: {got:.4} vs {published}"
        );
    }
    let scale = &fit.scales[0];
    assert_eq!(scale.categories.first().map(|c| c.score), Some(1));
}

/// A pipeline file takes a Facets specification as its `[ingest]` (`facets = true`): Guilford's
/// model becomes the project's, the fit reproduces the published measures, and a second run
/// skips the import.
#[test]
fn a_pipeline_ingests_a_facets_specification() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("guilford.toml");
    std::fs::write(
        &pipeline,
        format!(
            "project = \"g.db\"\n\n[ingest]\ndata = {:?}\nfacets = true\n\n[report]\nhtml = \"g.html\"\n",
            spec("guilford.txt")
        ),
    )
    .unwrap();
    let report = json_out(scalewright().arg("run").arg(&pipeline).arg("--json"));
    assert_matches_schema("run.schema.json", &report);
    assert_eq!(report["ingest_skipped"], false);
    let project = scalewright::store::Project::open(&dir.path().join("g.db")).unwrap();
    let run = report["run_id"].as_i64().unwrap();
    let fit = project.load_fit(run).unwrap();
    assert!((measure(&fit, "Senior scientists", "Brahe") - 0.24).abs() <= 0.01);
    assert!(dir.path().join("g.html").exists());
    let again = json_out(scalewright().arg("run").arg(&pipeline).arg("--json"));
    assert_eq!(again["ingest_skipped"], true);
    // `object` without `facets` is refused by the schema, naming the key.
    std::fs::write(
        &pipeline,
        "project = \"g.db\"\n\n[ingest]\ndata = \"x.csv\"\npreset = \"mhs\"\nobject = \"2\"\n",
    )
    .unwrap();
    scalewright()
        .arg("run")
        .arg(&pipeline)
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "ingest.object: names the object facet of a Facets specification",
        ));
}
