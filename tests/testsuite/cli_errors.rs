//! Every error the command line reports, as one table of (arguments, exit code, stderr
//! fragment) run by one loop. The cases run in one directory holding two small projects built
//! once (the 99-row MHS sample: `fresh.db` with no run, `fitted.db` fitted and flagged) and the
//! broken input files below; each case also runs with `--json`, whose answer must be JSON
//! carrying the same exit code. Afterwards nothing the failed commands touched has changed.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common::{fixture, project_digest, scalewright};
use std::path::Path;

/// The dataset description of two items for the small files below (a shared fixture).
fn small_config() -> String {
    std::fs::read_to_string(fixture("small_two_items.toml")).unwrap()
}

/// The input files of the cases, by name (written into the case directory).
fn input_files() -> Vec<(&'static str, String)> {
    vec![
        (
            "bad-value.csv",
            "comment_id,annotator_id,insult,hatespeech,text,annotator_gender\n1,10,9,2,t,f\n"
                .into(),
        ),
        ("small.toml", small_config()),
        (
            "broken.toml",
            small_config().replace("categories = [0, 1, 2]", "categories = [0]"),
        ),
        (
            "anchors-facet.csv",
            "facet,element,category,value\nannotator_id,10873,,0.5\nannotator,7,,0.1\n".into(),
        ),
        (
            "anchors-value.csv",
            "facet,element,category,value\nannotator_id,10873,,high\n".into(),
        ),
        ("bad-rules.toml", "muted_mnsq = 1.5\n".into()),
        ("bad-diagnosis.toml", "[diagnosis]\nreplicates = 3\n".into()),
        ("unknown-diagnosis.toml", "[diagnosis]\nreplicate = 30\n".into()),
        (
            "pipe-export.toml",
            "project = \"x.db\"\n[[export]]\nwhat = \"objects\"\nout = \"t.xlsx\"\n".into(),
        ),
        (
            "pipe-rules.toml",
            "project = \"x.db\"\n[flag_rules]\nmuted_mnsq = 1.5\n".into(),
        ),
        (
            "pipe-diagnosis.toml",
            "project = \"x.db\"\n[flag_rules.diagnosis]\nreplicates = 3\n".into(),
        ),
        (
            "pipe-ingest.toml",
            "project = \"x.db\"\n[ingest]\ndata = \"d.csv\"\n".into(),
        ),
        (
            "pipe-ingest-both.toml",
            "project = \"x.db\"\n[ingest]\ndata = \"d.csv\"\npreset = \"mhs\"\nconfig = \"small.toml\"\n".into(),
        ),
        (
            "pipe-predict.toml",
            "project = \"x.db\"\n[[predict]]\ninput = \"new.csv\"\nout = \"p.csv\"\n".into(),
        ),
        (
            "pipe-train.toml",
            "project = \"x.db\"\n[train]\nepochs = 0\n".into(),
        ),
        ("draft.toml", "# an existing draft\n".into()),
        (
            "pipe-categories.toml",
            "project = \"x.db\"\n[categories]\nrefit = \"yes\"\n".into(),
        ),
        (
            "pipe-plan.toml",
            "project = \"x.db\"\n[plan]\ntarget_reliability = 1.5\n".into(),
        ),
        (
            "pipe-plot.toml",
            "project = \"x.db\"\n[[plot]]\nwhat = \"wright\"\nout = \"w.svg\"\nwidth = 100\n".into(),
        ),
        (
            "pipe-plot-kind.toml",
            "project = \"x.db\"\n[[plot]]\nwhat = \"map\"\nout = \"w.svg\"\n".into(),
        ),
        (
            "pipe-compare.toml",
            "project = \"x.db\"\n[compare]\nruns = []\n".into(),
        ),
        (
            "recode-item.toml",
            "[recode]\nviolense = { \"0\" = 0, \"1\" = 1 }\n".into(),
        ),
        (
            "recode-code.toml",
            "[recode]\nviolence = { \"0\" = 0, \"1\" = 0, \"2\" = 0, \"3\" = 1, \"4\" = 1, \"5\" = 2 }\n"
                .into(),
        ),
        (
            "recode-missing.toml",
            "[recode]\nviolence = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 1 }\n".into(),
        ),
        (
            "pipe-recode.toml",
            "project = \"x.db\"\n[fit.recode]\nviolence = { \"low\" = 0 }\n".into(),
        ),
    ]
}

/// (command line, exit code, a fragment of stderr). Arguments are split on whitespace; paths are
/// relative to the case directory.
#[rustfmt::skip]
const CASES: &[(&str, i32, &str)] = &[
    // No command, and no sample data here to open.
    ("",                                                                        3, "the sample data sample-data/mhs-sim/ratings.csv is not here"),
    // Usage errors found by clap.
    ("nosuchcommand",                                                           2, "unrecognized subcommand"),
    ("report",                                                                  2, "--project <PROJECT>"),
    ("ingest mhs99.csv --project new.db",                                       2, "--config <CONFIG>"),
    ("fit --project fresh.db --method nope",                                    2, "invalid method `nope`: expected one of jmle, mml"),
    ("exclude --project fitted.db --reason x",                                  2, "--rule <RULE>"),
    ("init-config",                                                             2, "<DATA>"),
    // Ingest: bad data, bad descriptions, re-import.
    ("ingest bad-value.csv --config small.toml --project new.db",               3, "row 1, column `insult`, value \"9\""),
    ("ingest bad-value.csv --config broken.toml --project new.db",              3, "items[1].categories"),
    ("ingest x.csv --preset nope --project new.db",                             3, "unknown preset `nope`"),
    ("ingest mhs99.csv --preset mhs --project fresh.db",                        4, "already imported"),
    ("info --project missing.db",                                               3, "does not exist"),
    ("open --project missing.db",                                               3, "does not exist"),
    ("init-config mhs99.csv --out draft.toml",                                  1, "must not exist"),
    // Simulation settings.
    ("simulate --out sim --raters-per-comment x",                               2, "--raters-per-comment takes N or MIN-MAX"),
    ("simulate --out sim --comments 40",                                        2, "must exceed reference_comments"),
    ("simulate --out sim --rater-mix subtle",                                   2, "--rater-mix takes `realistic` or `none`, got `subtle`"),
    ("simulate --out sim --unused-category sentiment",                          2, "takes ITEM:K, e.g. insult:2; got `sentiment`"),
    ("simulate --out sim --unused-category sentiment:4",                        2, "category 4 of sentiment is not interior: K must be 1..=3"),
    ("simulate --out sim --unused-category nope:2",                             2, "names no item: `nope`"),
    ("simulate --out sim --second-dimension 1.5",                               2, "`second_dimension.correlation` must be a correlation in [-1, 1], got 1.5"),
    ("simulate --out sim --second-dimension 0.3 --second-dimension-items violence,nope", 2, "names `nope`, not an item"),
    ("simulate --out sim --second-dimension-items violence",                    2, "--second-dimension <R>"),
    // A project without runs.
    ("report --project fresh.db",                                               3, "has no runs yet"),
    ("flag --project fresh.db",                                                 3, "has no runs yet"),
    ("quality --project fresh.db",                                              3, "has no runs yet"),
    ("export --project fresh.db --out e.csv",                                   3, "has no runs yet"),
    ("bias --project fresh.db --between rater,item",                            3, "has no runs yet"),
    ("exclude --project fresh.db --rule muted --reason x",                      3, "has no runs yet"),
    ("train --project fresh.db",                                                3, "no fitted run"),
    ("categories --project fresh.db",                                           3, "has no runs yet"),
    // Fitting: a disconnected network, bad anchors, unknown facets.
    ("fit --project fresh.db",                                                  6, "comment_id x annotator_id split into 99 subsets"),
    ("clean --project fresh.db",                                                6, "split into 99 subsets"),
    ("fit --project fresh.db --allow-disconnected --anchor anchors-facet.csv",  3, "row 2, column `facet`: no facet `annotator`"),
    ("fit --project fresh.db --allow-disconnected --anchor anchors-value.csv",  3, "row 1, column `value`: \"high\" is not a number"),
    ("fit --project fresh.db --allow-disconnected --non-centred nope",          3, "non-centred: no facet `nope`; facets: comment_id, annotator_id, item"),
    // Recodes per run: the file, the item and the code named; no run stored.
    ("fit --project fitted.db --recode recode-item.toml",                       3, "recode file recode-item.toml: recode: `violense` is not an item of the project (items: sentiment, respect"),
    ("fit --project fitted.db --recode recode-code.toml",                       3, "recode file recode-code.toml: recode of item `violence`: code 5 is not a category of the item (its categories are 0-4)"),
    ("fit --project fitted.db --recode recode-missing.toml",                    3, "recode of item `violence`: category 4 has no recoded value (map every category 0-4)"),
    ("fit --project fitted.db --recode nofile.toml",                            3, "recode file nofile.toml: No such file"),
    ("run pipe-recode.toml",                                                    3, "pipe-recode.toml: fit: recode of item `violence`: code `low` is not an integer category"),
    // Reports.
    ("report --project fitted.db --facet nope",                                 3, "no facet `nope` in run 1; facets: comment_id, annotator_id, item"),
    ("report --project fitted.db --table 9",                                    2, "--table takes 3, 4, 5, 6, 7, 8 or 23"),
    ("report --project fitted.db --format csv",                                 2, "CSV holds one table"),
    ("report --project fitted.db --format csv --table 5",                       2, "CSV output is for --table 7 (with --facet) or --table 8"),
    ("report --project fitted.db --xfile --table 3",                            2, "cannot be used with"),
    // Review.
    ("flag --project fitted.db --rules bad-rules.toml",                         3, "bad-rules.toml: flag rule setting `distorting_mnsq/unproductive_mnsq/muted_mnsq`"),
    ("flag --project fitted.db --rules bad-diagnosis.toml",                     3, "bad-diagnosis.toml: flag rule setting `diagnosis.replicates`: must be at least 10"),
    ("flag --project fitted.db --rules unknown-diagnosis.toml",                 3, "unknown field `replicate`, expected one of `enabled`, `false_discovery_rate`, `replicates`, `seed`, `min_records`"),
    ("exclude --project fitted.db --rule nope --reason x",                      2, "unknown rule `nope`; rules: distorting, unproductive, muted"),
    ("keep --project fitted.db --raters missing.txt --reason x",                1, "reading missing.txt"),
    // Exports.
    ("export --project fitted.db --rescale 50 --out x.csv",                     2, "invalid rescale `50`: expected INTERCEPT,SLOPE with finite numbers and a non-zero slope, e.g. 50,10"),
    ("export --project fitted.db --rescale 50,0 --out x.csv",                   2, "invalid rescale `50,0`"),
    ("export --project fitted.db --out no/such/dir/objects.csv",                1, "writing"),
    ("export --project fitted.db --out objects.xlsx",                           3, "unknown export format"),
    ("export --project fitted.db --what joined --out joined.csv",               3, "--join FILE"),
    ("export --project fitted.db --plausible-values 5 --out pv.csv",            3, "plausible values: run 1 was fitted by jmle; plausible values are draws from an MML posterior (fit with --method mml)"),
    ("export --project fitted.db --what raters --plausible-values 5 --out pv.csv", 3, "plausible values: they are columns of the objects export, not of `raters`"),
    ("export --project fitted.db --plausible-values 0 --out pv.csv",            2, "plausible values: expected a whole number of draws, 1 or more, got `0`"),
    ("export --project fitted.db --seed 3 --out pv.csv",                        2, "--plausible-values <N>"),
    // Bias.
    // Figures (before the bias cases: a bias analysis stored by them would satisfy `plot --what bias`).
    ("plot --project fresh.db --what wright --out w.svg",                       3, "has no runs yet"),
    ("plot --project fitted.db --what map --out w.svg",                         2, "unknown figure kind `map` (expected one of: wright, curves, raters, bias, distribution, training, contrast, plan, quality)"),
    ("plot --project fitted.db --what wright --out w.pdf",                      2, "cannot write a figure to w.pdf: the file name must end in .svg or .png"),
    ("plot --project fitted.db --what wright --out no/such/dir/w.svg",          1, "cannot write the figure to no/such/dir/w.svg"),
    ("plot --project fitted.db --what bias --out b.svg",                        3, "no bias analysis in run 1: analyse the bias between rater and item first (scalewright bias --project fitted.db --run 1 --between rater,item)"),
    ("plot --project fitted.db --what training --out t.svg",                    3, "no trained model for run 1: train a text model on the run first (scalewright train --project fitted.db --run 1)"),
    ("plot --project fitted.db --what training --model 7 --out t.svg",          3, "the project has no trained model 7"),
    ("plot --project fitted.db --what curves --item nope --out c.svg",          3, "run 1 has no item or scale `nope` (its items are: sentiment, respect, insult"),
    ("plot --project fitted.db --what raters --facet nope --out r.svg",         3, "run 1 has no facet `nope` (its facets are: comment_id, annotator_id, item)"),
    ("plot --project fitted.db --what wright --width 100 --out w.svg",          2, "figure size 100x600 is out of range: width and height must lie between 400 and 8000 pixels"),
    ("plot --project fitted.db --what wright --run 99 --out w.svg",             3, "run 99"),
    ("plot --project fitted.db --what wright",                                  2, "--out <OUT>"),
    ("run pipe-plot.toml",                                                      3, "pipe-plot.toml: plot[0].width: 100 is less than the minimum of 400"),
    ("run pipe-plot-kind.toml",                                                 3, "pipe-plot-kind.toml: plot[0].what: "),
    ("bias --project fitted.db --between rater",                                2, "--between takes two terms"),
    ("bias --project fitted.db --between rater,item --pairwise 3",              2, "--pairwise takes 1 or 2"),
    ("bias --project fitted.db --between item,rater --pairwise 1 --level nope", 3, "term 1 has no level `nope`"),
    ("bias --project fitted.db --between annotator_id,comment_id.nope",         3, "no attribute `nope`"),
    ("bias --project fitted.db --between annotator,item",                       3, "`annotator` is not a facet"),
    // The category advisor.
    ("categories --project fitted.db --run 99",                                 3, "run 99"),
    ("categories --project fitted.db --write-config no/such/dir/proposed.toml", 1, "cannot write no/such/dir/proposed.toml"),
    ("run pipe-categories.toml",                                                3, "pipe-categories.toml: categories.refit"),
    // Model comparison and design planning.
    ("compare --project fitted.db --runs 1,99",                                 3, "run 99"),
    ("compare --project fitted.db --runs 1",                                    3, "compare needs two or more runs, got 1"),
    ("compare --project fitted.db --runs 1,1",                                  3, "run 1 is named twice"),
    ("compare --project fitted.db",                                             2, "--runs <RUNS>"),
    ("plan --project fresh.db --raters-per-object 2",                           3, "has no runs yet"),
    ("plan --project fitted.db --raters-per-object 0",                          3, "raters per object must be at least 1"),
    ("plan --project fitted.db --raters-per-object 2 --target-reliability 1.5", 3, "strictly between 0 and 1, got 1.5"),
    ("plan --project fitted.db --raters-per-object 2 --run 99",                 3, "run 99"),
    // The text predictor.
    ("predict --project fitted.db --out p.csv",                                 3, "has no trained model (run `scalewright train`)"),
    // Pipelines.
    ("run missing.toml",                                                        3, "cannot read pipeline missing.toml"),
    ("run pipe-export.toml",                                                    3, "pipe-export.toml: export[0].out: \"t.xlsx\" does not match"),
    ("run pipe-rules.toml",                                                     3, "pipe-rules.toml: flag_rules.distorting_mnsq/unproductive_mnsq/muted_mnsq: need 0 < muted < 1"),
    ("run pipe-diagnosis.toml",                                                 3, "pipe-diagnosis.toml: flag_rules.diagnosis.replicates: 3 is less than the minimum of 10"),
    ("run pipe-ingest.toml",                                                    3, "pipe-ingest.toml: ingest: give the description as `preset` (mhs or mhs-collapsed), as `config` (a TOML file) or say `facets = true` (the file is a Facets specification), one of them"),
    ("run pipe-ingest-both.toml",                                               3, "pipe-ingest-both.toml: ingest: give the description as `preset` (mhs or mhs-collapsed), as `config` (a TOML file) or say `facets = true` (the file is a Facets specification), only one of them"),
    ("run pipe-predict.toml",                                                   3, "pipe-predict.toml: predict: needs a `train` step"),
    ("run pipe-plan.toml",                                                      3, "pipe-plan.toml: plan.target_reliability: "),
    ("run pipe-compare.toml",                                                   3, "pipe-compare.toml: compare.runs: "),
    ("run pipe-train.toml",                                                     3, "pipe-train.toml: train.epochs: 0 is less than the minimum of 1"),
];

/// What a project holds that a command could change: its data (digest) and the number of
/// runs, flags, decisions, exports and models.
fn stored(db: &Path) -> (String, Vec<i64>) {
    let conn = rusqlite::Connection::open(db).expect("open project");
    let counts = ["runs", "flags", "decisions", "exports", "models"]
        .iter()
        .map(|table| {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .expect("count")
        })
        .collect();
    (project_digest(db), counts)
}

/// The names of the files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_error_has_its_exit_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut cmd = scalewright();
        cmd.current_dir(dir.path()).args(args);
        cmd
    };
    std::fs::copy(
        fixture("mhs_sample_99rows.csv"),
        dir.path().join("mhs99.csv"),
    )
    .unwrap();
    for (name, text) in input_files() {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    for db in ["fresh.db", "fitted.db"] {
        run(&[
            "ingest",
            "mhs99.csv",
            "--preset",
            "mhs",
            "--quiet",
            "--project",
            db,
        ])
        .assert()
        .success();
    }
    // The 99-row sample is disconnected (one rater per comment); the fit may stop at its cap.
    let fit = run(&[
        "fit",
        "--allow-disconnected",
        "--quiet",
        "--project",
        "fitted.db",
    ])
    .output()
    .unwrap();
    assert!(matches!(fit.status.code(), Some(0 | 5)), "{fit:?}");
    run(&["flag", "--quiet", "--project", "fitted.db"])
        .assert()
        .success();
    let before = [
        stored(&dir.path().join("fresh.db")),
        stored(&dir.path().join("fitted.db")),
    ];
    assert_eq!(before[1].1[0], 1, "one run in fitted.db");
    let files_before = listing(dir.path());

    let mut failures = Vec::new();
    for (line, code, fragment) in CASES {
        let args: Vec<&str> = line.split_whitespace().collect();
        let out = run(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(*code) || !stderr.contains(fragment) {
            failures.push(format!(
                "{args:?}: exit {:?} (want {code}), stderr {stderr:?} (want {fragment:?})",
                out.status.code()
            ));
        }
        // With --json the exit code is the same, and unless clap refused the command line,
        // stdout is one JSON answer naming the error and its code. (`--json` overrides
        // `--format`, so the cases that choose a format run without it.)
        if args.contains(&"--format") {
            continue;
        }
        let json_args: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
        let out = run(&json_args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let clap_error = String::from_utf8_lossy(&out.stderr).contains("try '--help'");
        if out.status.code() != Some(*code) {
            failures.push(format!(
                "{json_args:?}: exit {:?} (want {code})",
                out.status.code()
            ));
        } else if clap_error {
            if !stdout.is_empty() {
                failures.push(format!("{json_args:?}: clap error with stdout {stdout:?}"));
            }
        } else {
            match serde_json::from_str::<serde_json::Value>(&stdout) {
                Ok(answer) if answer["exit_code"] == *code && answer["error"].is_string() => {}
                Ok(answer) if answer["imported"] == false && answer["validation"].is_object() => {}
                _ => failures.push(format!("{json_args:?}: stdout {stdout:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing a failed command touched has changed, and nothing was left behind.
    let after = [
        stored(&dir.path().join("fresh.db")),
        stored(&dir.path().join("fitted.db")),
    ];
    assert_eq!(after, before, "the projects are unchanged");
    assert_eq!(listing(dir.path()), files_before, "no file was created");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("draft.toml")).unwrap(),
        "# an existing draft\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Facets specification files (`ingest SPEC --facets`): every malformed specification is refused
// with its line, keyword and value named, exit code 3, and no project is created.

/// A small valid specification; each case below breaks one line of it.
const FACETS_SPEC: &str = "Title = small\nFacets = 3\nPositive = 1\nNon-centered = 1\nModels = ?,?,?,R4\nLabels =\n1,Persons\n1 = Ann\n2 = Bo\n*\n2,Raters\n1 = R1\n2 = R2\n*\n3,Items\n1-3\n*\nData =\n1,1,1-3,1,2,3\n1,2,1-3,2,1,3\n2,1,1-3,0,1,2\n2,2,1-3,1,1,2\n";

/// (file name, the specification, a fragment of stderr).
fn facets_cases() -> Vec<(&'static str, String, &'static str)> {
    let labels_start = FACETS_SPEC.find("Labels =").unwrap();
    let data_start = FACETS_SPEC.find("Data =").unwrap();
    let (head, _) = FACETS_SPEC.split_once("Data =\n").unwrap();
    vec![
        (
            "no-labels.txt",
            format!("{}{}", &FACETS_SPEC[..labels_start], &FACETS_SPEC[data_start..]),
            "no-labels.txt, line 6: Labels: Labels= is missing",
        ),
        (
            "undeclared.txt",
            FACETS_SPEC.replace("2,2,1-3,1,1,2", "2,3,1-3,1,1,2"),
            "undeclared.txt, line 22: Data `3`: element 3 of facet 2 (Raters) is not declared in Labels=",
        ),
        (
            "above-max.txt",
            FACETS_SPEC.replace("2,2,1-3,1,1,2", "2,2,1-3,1,5,2"),
            "above-max.txt, line 22: Data `5`: score 5 is outside the model's categories 0-4",
        ),
        (
            "backwards.txt",
            FACETS_SPEC.replace("1-3\n*", "3-1\n*"),
            "backwards.txt, line 16: Labels `3-1`: the element range `3-1` runs backwards",
        ),
        (
            "backwards-data.txt",
            FACETS_SPEC.replace("2,1,1-3,0,1,2", "2,1,3-1,0,1,2"),
            "backwards-data.txt, line 21: Data `3-1`: the element range 3-1 runs backwards",
        ),
        (
            "no-data-file.txt",
            format!("{head}Data file = missing.dat\n"),
            "no-data-file.txt, line 18: Data file",
        ),
        (
            "weight.txt",
            FACETS_SPEC.replace("?,?,?,R4", "?,?,?,R4,2"),
            "weight.txt, line 5: Models `?,?,?,R4,2`: model weight `2` is not supported",
        ),
    ]
}

#[test]
fn malformed_facets_specifications_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, text, fragment) in facets_cases() {
        std::fs::write(dir.path().join(name), text).unwrap();
        for json in [false, true] {
            let mut cmd = scalewright();
            cmd.current_dir(dir.path())
                .args(["ingest", name, "--facets", "--project", "new.db"]);
            if json {
                cmd.arg("--json");
            }
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(3) || !(json || stderr.contains(fragment)) {
                failures.push(format!(
                    "{name} (json {json}): exit {:?}, stderr {stderr:?} (want {fragment:?})",
                    out.status.code()
                ));
            }
            if json {
                let answer: serde_json::Value =
                    serde_json::from_slice(&out.stdout).unwrap_or_default();
                if answer["exit_code"] != 3
                    || !answer["error"].as_str().unwrap_or("").contains(fragment)
                {
                    failures.push(format!("{name}: --json answer {answer}"));
                }
            }
        }
        assert!(
            !dir.path().join("new.db").exists(),
            "{name}: no project is created"
        );
    }
    // A valid specification into a project that already holds data: refused (4), unchanged.
    std::fs::write(dir.path().join("ok.txt"), FACETS_SPEC).unwrap();
    scalewright()
        .current_dir(dir.path())
        .args([
            "ingest",
            "ok.txt",
            "--facets",
            "--quiet",
            "--project",
            "full.db",
        ])
        .assert()
        .success();
    let before = stored(&dir.path().join("full.db"));
    std::fs::write(
        dir.path().join("ok2.txt"),
        FACETS_SPEC.replace("small", "again"),
    )
    .unwrap();
    let out = scalewright()
        .current_dir(dir.path())
        .args(["ingest", "ok2.txt", "--facets", "--project", "full.db"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(4) || !stderr.contains("imported into a new project") {
        failures.push(format!(
            "second spec: exit {:?}, {stderr}",
            out.status.code()
        ));
    }
    assert_eq!(
        stored(&dir.path().join("full.db")),
        before,
        "the project is unchanged"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
