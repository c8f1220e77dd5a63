//! `scalewright report --html`: one self-contained HTML file per run, checked by parsing it.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{assert_matches_schema, fitted_sample, json_out, scalewright};
use predicates::prelude::*;
use scraper::{Html, Selector};
use std::path::Path;

fn select(html: &Html, css: &str) -> Vec<String> {
    let selector = Selector::parse(css).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect()
}

fn count(html: &Html, css: &str) -> usize {
    html.select(&Selector::parse(css).unwrap()).count()
}

/// `report --html PATH --json` of the project's newest run: the summary.
fn write_report(db: &Path, path: &Path) -> serde_json::Value {
    json_out(
        scalewright()
            .args(["report", "--json", "--project"])
            .arg(db)
            .arg("--html")
            .arg(path),
    )
}

/// `report --table 7 --json` of the project's newest run.
fn table7_json(db: &Path) -> serde_json::Value {
    json_out(
        scalewright()
            .args(["report", "--table", "7", "--json", "--project"])
            .arg(db),
    )
}

/// Every attribute that could fetch something (`src`, `href`, `xlink:href`, `action`, `data`)
/// points inside the page; the style sheet imports nothing and loads no `url(...)`.
fn assert_no_external_reference(text: &str, html: &Html) {
    let every = Selector::parse("*").unwrap();
    for element in html.select(&every) {
        for (name, value) in element.value().attrs() {
            if ["src", "href", "xlink:href", "action", "data", "srcset"].contains(&name) {
                assert!(
                    value.starts_with('#'),
                    "<{} {name}=\"{value}\"> refers outside the page",
                    element.value().name()
                );
            }
        }
        assert!(
            !["link", "iframe", "img", "object", "embed"].contains(&element.value().name()),
            "a <{}> element",
            element.value().name()
        );
    }
    for style in select(html, "style") {
        assert!(
            !style.contains("@import") && !style.contains("url("),
            "the style sheet loads something"
        );
    }
    // The SVG namespace names a namespace; it is never fetched.
    let without_namespaces = text.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_namespaces.contains("http://") && !without_namespaces.contains("https://"));
}

#[test]
fn the_report_holds_every_table_of_the_run_and_nothing_external() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());
    scalewright()
        .args(["bias", "--between", "rater,item", "--quiet", "--project"])
        .arg(&db)
        .assert()
        .success();
    let path = dir.path().join("report.html");
    let summary = write_report(&db, &path);
    assert_matches_schema("report.schema.json", &summary);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(summary["bytes"].as_u64().unwrap() as usize, text.len());
    assert_eq!(summary["bias"], true);
    let html = Html::parse_document(&text);
    assert_no_external_reference(&text, &html);

    // Tables 3 and 5, one Table 7 per facet with every element, one Table 8 per scale.
    let fit = json_out(
        scalewright()
            .args(["report", "--json", "--project"])
            .arg(&db),
    );
    assert_eq!(
        count(&html, "#table-3 tbody tr"),
        fit["history"].as_array().unwrap().len()
    );
    assert_eq!(count(&html, "#table-5 tbody tr"), 10);
    let facets = table7_json(&db);
    let facets = facets.as_array().unwrap();
    assert_eq!(facets.len(), 3);
    let mut rows = 0;
    for (i, facet) in facets.iter().enumerate() {
        let elements = facet["elements"].as_array().unwrap();
        let id = format!("#table-7-{}", i + 1);
        assert_eq!(
            count(&html, &format!("{id} tbody tr")),
            elements.len(),
            "{id}"
        );
        assert_eq!(count(&html, &format!("{id} thead th")), 17);
        rows += elements.len();
    }
    assert_eq!(summary["table7_rows"].as_u64().unwrap() as usize, rows);
    assert_eq!(
        count(&html, "table[id^=table-8-]"),
        fit["scales"].as_array().unwrap().len()
    );

    // A row holds the element's numbers as Table 7 prints them (measure to two decimals).
    let raters = &facets[1]["elements"];
    let first = &raters[0];
    let label = first["label"].as_str().unwrap();
    let row = Selector::parse("#table-7-2 tbody tr").unwrap();
    let cells: Vec<String> = html
        .select(&row)
        .map(|r| {
            r.select(&Selector::parse("td").unwrap())
                .map(|c| c.text().collect::<String>().trim().to_string())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.last().map(String::as_str) == Some(label))
        .unwrap();
    assert_eq!(
        cells[4],
        format!("{:.2}", first["measure"].as_f64().unwrap())
    );
    assert_eq!(cells[1], first["count"].to_string());
    // Long tables are collapsible and sortable; short ones are shown open.
    assert_eq!(
        count(&html, "details#table-7-1-details > table.sortable"),
        1
    );
    assert_eq!(count(&html, "details#table-7-3-details"), 0);
    assert!(count(&html, "script") == 1 && text.contains("aria-sort"));

    // Flags, decisions, bias and provenance.
    let flags = json_out(scalewright().args(["flag", "--json", "--project"]).arg(&db));
    let flagged = flags["flags"].as_array().map_or(0, Vec::len);
    assert!(flagged > 0);
    assert_eq!(count(&html, "#flags tbody tr"), flagged);
    assert_eq!(count(&html, "#table-13 tbody tr"), 25);

    // Every figure the run has what it needs for is inline SVG with its caption; the one it
    // lacks (no trained model) says how to make it.
    let drawn: Vec<&str> = summary["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let scales = fit["scales"].as_array().unwrap().len();
    for kind in [
        "wright",
        "distribution",
        "raters",
        "bias",
        "contrast",
        "plan",
    ] {
        assert!(drawn.contains(&kind), "{kind} in {drawn:?}");
    }
    assert_eq!(
        drawn.iter().filter(|d| d.starts_with("curves:")).count(),
        scales
    );
    assert_eq!(count(&html, "figure > svg"), drawn.len());
    assert_eq!(count(&html, "figure > figcaption"), drawn.len() + 1);
    assert_eq!(count(&html, "svg.sw-figure-wright"), 1);
    let missing = summary["figures_missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert!(missing[0]
        .as_str()
        .unwrap()
        .starts_with("training: no trained model"));
    let note = select(&html, "figure#figure-training p.missing").join("");
    assert!(
        note.contains("no trained model for run 1: train a text model on the run first"),
        "{note}"
    );
    let provenance = select(&html, "#provenance dd").join("\n");
    assert!(provenance.contains(env!("CARGO_PKG_VERSION")));
    let data_sha = json_out(scalewright().args(["runs", "--json", "--project"]).arg(&db));
    let fingerprint = data_sha[0]["data_fingerprint"].as_str().unwrap();
    assert!(provenance.contains(fingerprint), "{provenance}");
}

#[test]
fn a_run_without_bias_analysis_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());
    let path = dir.path().join("plain.html");
    let summary = write_report(&db, &path);
    assert_eq!(summary["bias"], false);
    let html = Html::parse_document(&std::fs::read_to_string(&path).unwrap());
    let missing = select(&html, "#table-13").join("");
    assert!(
        missing.contains("No bias analysis in run 1") && missing.contains("scalewright bias"),
        "{missing}"
    );
}

#[test]
fn an_unwritable_report_path_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());
    let path = dir.path().join("no-such-folder").join("report.html");
    scalewright()
        .args(["report", "--project"])
        .arg(&db)
        .arg("--html")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "cannot write {}",
            path.display()
        )));
    assert!(!path.exists());
    // An earlier report is replaced whole, and no partial file is left beside it.
    let good = dir.path().join("report.html");
    std::fs::write(&good, "earlier").unwrap();
    scalewright()
        .args(["report", "--quiet", "--project"])
        .arg(&db)
        .arg("--html")
        .arg(&good)
        .assert()
        .success();
    assert!(std::fs::read_to_string(&good)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_pipeline_report_step_writes_the_report_of_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::sample("ratings.csv");
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            "project = \"study.db\"\n\n[ingest]\ndata = {data:?}\npreset = \"mhs\"\n\n[report]\nhtml = \"study.html\"\n"
        ),
    )
    .unwrap();
    let report = json_out(scalewright().arg("run").arg(&pipeline).arg("--json"));
    assert_matches_schema("run.schema.json", &report);
    assert_matches_schema("report.schema.json", &report["report"]);
    assert_eq!(report["report"]["run_id"], report["run_id"]);
    let text = std::fs::read_to_string(dir.path().join("study.html")).unwrap();
    assert!(text.contains("<table id=\"table-7-2\""));
}
