//! Figures through the command line (`scalewright plot`) and the batch pipeline (`[[plot]]`),
//! on the bundled sample (2,000 comments, 455 raters, 10 items) fitted, flagged, with a bias
//! analysis (rater x item) and a small text model (2 epochs, hashed): every kind is written as
//! SVG and PNG; the SVG is parsed and checked for its axes, labels and one mark per element or
//! bin (counted against the library's own tables), the PNG decoded and its size checked.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use crate::common;

use crate::common::{assert_matches_schema, fitted_sample, json_out, scalewright};
use scalewright::data::FacetRole;
use scalewright::figures::{FigureKind, FigureSize, FONT_FAMILY};
use scalewright::measure::wright::{Binning, WrightMap};
use scalewright::measure::Fit;
use scalewright::store::Project;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The sample project, fitted and flagged (run 1), with a bias analysis and a trained model,
/// built once for every test of this file.
fn project() -> &'static Path {
    static PROJECT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, db) = PROJECT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = fitted_sample(dir.path());
        scalewright()
            .args(["bias", "--quiet", "--between", "rater,item", "--project"])
            .arg(&db)
            .assert()
            .success();
        scalewright()
            .args([
                "train",
                "--quiet",
                "--epochs",
                "2",
                "--hash-bits",
                "12",
                "--project",
            ])
            .arg(&db)
            .assert()
            .success();
        (dir, db)
    });
    db
}

/// A parsed SVG's elements with their class, series and label.
struct Svg {
    text: String,
}

#[derive(Debug)]
struct Element {
    name: String,
    class: String,
    series: Option<String>,
    label: Option<String>,
    text: String,
    font: Option<String>,
}

impl Svg {
    fn read(path: &Path) -> Svg {
        Svg {
            text: std::fs::read_to_string(path).unwrap(),
        }
    }

    fn elements(&self) -> Vec<Element> {
        let doc = roxmltree::Document::parse(&self.text).unwrap();
        doc.descendants()
            .filter(|n| n.is_element())
            .map(|n| Element {
                name: n.tag_name().name().to_string(),
                class: n.attribute("class").unwrap_or("").to_string(),
                series: n.attribute("data-series").map(str::to_string),
                label: n.attribute("data-label").map(str::to_string),
                text: n.text().unwrap_or("").trim().to_string(),
                font: n.attribute("font-family").map(str::to_string),
            })
            .collect()
    }

    fn root_class(&self) -> String {
        let doc = roxmltree::Document::parse(&self.text).unwrap();
        doc.root_element().attribute("class").unwrap().to_string()
    }
}

/// No temporary file of a write (`.NAME.partial-PID`) is left in `dir`.
fn no_partial_file(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .all(|e| !e.file_name().to_string_lossy().contains(".partial"))
}

fn has_class(e: &Element, class: &str) -> bool {
    e.class.split(' ').any(|c| c == class)
}

/// The marks of `class` (sw-bar, sw-point, ...) in `series`.
fn marks<'a>(elements: &'a [Element], class: &str, series: &str) -> Vec<&'a Element> {
    elements
        .iter()
        .filter(|e| has_class(e, "sw-mark") && has_class(e, class))
        .filter(|e| e.series.as_deref() == Some(series))
        .collect()
}

/// The number after the last `: ` or in the last `(...)` of a mark's label.
fn count_in(label: &str) -> usize {
    if let Some(open) = label.rfind('(') {
        let inner = &label[open + 1..label.len() - 1];
        if let Ok(n) = inner.parse() {
            return n;
        }
    }
    label.rsplit(": ").next().unwrap().parse().unwrap()
}

/// What every figure has: the root's classes, axes, tick labels and axis titles, every text
/// in the embedded font's family, the title.
fn check_common(svg: &Svg, kind: FigureKind, title: &str) -> Vec<Element> {
    assert_eq!(svg.root_class(), format!("sw-figure sw-figure-{kind}"));
    let elements = svg.elements();
    let count = |class: &str| elements.iter().filter(|e| has_class(e, class)).count();
    assert!(
        count("sw-axis-x") >= 1 && count("sw-axis-y") >= 1,
        "{kind}: axes"
    );
    assert!(count("sw-tick-label-x") >= 2, "{kind}: x tick labels");
    assert!(count("sw-tick-label-y") >= 2, "{kind}: y tick labels");
    assert!(count("sw-axis-title") >= 1, "{kind}: axis titles");
    let texts: Vec<&Element> = elements.iter().filter(|e| e.name == "text").collect();
    assert!(texts.iter().all(|t| t.font.as_deref() == Some(FONT_FAMILY)));
    assert_eq!(FONT_FAMILY, "DejaVu Sans, sans-serif");
    let heading: Vec<&&Element> = texts.iter().filter(|t| has_class(t, "sw-title")).collect();
    assert_eq!(heading.len(), 1);
    assert_eq!(heading[0].text, title);
    assert!(
        !svg.text.contains("http://") || svg.text.matches("http://").count() == 1,
        "{kind}: the only URL is the SVG namespace"
    );
    elements
}

fn fit_of(project: &Project) -> Fit {
    project.load_fit(1).unwrap()
}

fn facet(fit: &Fit, role: FacetRole) -> usize {
    fit.facets.iter().position(|f| f.role == role).unwrap()
}

/// The marks each kind must have, counted against the library's tables.
fn check_marks(kind: FigureKind, elements: &[Element], project: &Project) {
    let fit = fit_of(project);
    let objects = &fit.facets[facet(&fit, FacetRole::Object)];
    let raters = &fit.facets[facet(&fit, FacetRole::Rater)];
    let items = &fit.facets[facet(&fit, FacetRole::Item)];
    match kind {
        FigureKind::Wright => {
            let rows = scalewright::figures::wright::rows_for(FigureSize::DEFAULT);
            let map = WrightMap::new(&fit, Binning::Rows(rows)).unwrap();
            for f in [
                facet(&fit, FacetRole::Object),
                facet(&fit, FacetRole::Rater),
            ] {
                let column = &map.facets[f];
                let bars = marks(elements, "sw-bar", &column.name);
                let filled = column.rows.iter().filter(|r| !r.is_empty()).count();
                assert_eq!(
                    bars.len(),
                    filled,
                    "one bar per non-empty row of {}",
                    column.name
                );
                let total: usize = bars
                    .iter()
                    .map(|b| count_in(b.label.as_ref().unwrap()))
                    .sum();
                assert_eq!(
                    total,
                    column.elements.len(),
                    "{}: every element binned",
                    column.name
                );
            }
            let points = marks(elements, "sw-point", &items.name);
            let labels: BTreeSet<&str> =
                points.iter().map(|p| p.label.as_deref().unwrap()).collect();
            let expected: BTreeSet<&str> =
                items.elements.iter().map(|e| e.label.as_str()).collect();
            assert_eq!(points.len(), 10);
            assert_eq!(labels, expected, "one point per item, labelled");
            let ticks: Vec<&str> = elements
                .iter()
                .filter(|e| has_class(e, "sw-tick-label-x"))
                .map(|e| e.text.as_str())
                .collect();
            assert_eq!(ticks, ["+comment_id", "-annotator_id", "-item"]);
        }
        FigureKind::Raters => {
            let shown = raters.elements.iter().filter(|e| e.infit.is_some()).count();
            let points = marks(elements, "sw-point", &raters.name);
            assert_eq!(points.len(), shown, "one point per rater with an infit");
            assert_eq!(
                marks(elements, "sw-band", "bands").len(),
                4,
                "Linacre's four bands"
            );
            let flags = project.flags(1).unwrap();
            let excluded: BTreeSet<&str> = flags
                .iter()
                .filter(|f| f.level == scalewright::quality::FlagLevel::Exclude)
                .filter(|f| raters.elements[f.element as usize].infit.is_some())
                .map(|f| f.label.as_str())
                .collect();
            let diamonds: BTreeSet<&str> = points
                .iter()
                .filter(|p| has_class(p, "sw-marker-diamond"))
                .map(|p| p.label.as_deref().unwrap())
                .collect();
            assert!(!excluded.is_empty());
            assert_eq!(
                diamonds, excluded,
                "raters flagged for exclusion are diamonds"
            );
        }
        FigureKind::Distribution => {
            let on_map = objects
                .elements
                .iter()
                .filter(|e| scalewright::measure::wright::on_map(e.status))
                .count();
            let bars = marks(elements, "sw-bar", &objects.name);
            let total: usize = bars
                .iter()
                .map(|b| count_in(b.label.as_ref().unwrap()))
                .sum();
            assert_eq!(total, on_map, "every object in one bin");
            let with_se = objects
                .elements
                .iter()
                .filter(|e| scalewright::measure::wright::on_map(e.status) && e.model_se.is_some())
                .count();
            assert_eq!(marks(elements, "sw-point", &objects.name).len(), with_se);
            assert_eq!(marks(elements, "sw-line", "information").len(), 1);
        }
        FigureKind::Curves => {
            let scale = &fit.scales[0];
            assert_eq!(
                marks(elements, "sw-line", "categories").len(),
                scale.categories.len(),
                "one curve per category"
            );
            assert_eq!(
                marks(elements, "sw-interval", "thresholds").len(),
                scale.thresholds().len(),
                "one mark per threshold"
            );
            let observed = marks(elements, "sw-point", "observed averages");
            let responses: usize = observed
                .iter()
                .map(|p| count_in(p.label.as_ref().unwrap()))
                .sum();
            let owner = &items.elements[scale.element.unwrap() as usize];
            assert!(
                responses <= owner.count && responses * 10 >= owner.count * 8,
                "{responses} of {} responses",
                owner.count
            );
        }
        FigureKind::Bias => {
            let value = project.run_table(1, "bias:rater x item").unwrap().unwrap();
            let table: scalewright::measure::bias::InteractionTable =
                serde_json::from_value(value).unwrap();
            let rows = scalewright::figures::bias::rows_for(FigureSize::DEFAULT);
            let points = marks(elements, "sw-point", "terms");
            assert_eq!(points.len(), rows.min(table.cells.len()));
            assert_eq!(
                marks(elements, "sw-interval", "95% intervals").len(),
                points.len()
            );
            let largest = table
                .cells
                .iter()
                .max_by(|a, b| a.t.abs().total_cmp(&b.t.abs()))
                .unwrap();
            assert!(
                points
                    .iter()
                    .any(|p| p.label.as_deref().unwrap().contains(&largest.labels[0])),
                "the largest |t| term is drawn"
            );
        }
        FigureKind::Training => {
            let model = project.models().unwrap().pop().unwrap();
            let epochs = model.metrics["history"].as_array().unwrap().len();
            assert_eq!(epochs, 2);
            assert_eq!(marks(elements, "sw-point", "training loss").len(), epochs);
            assert_eq!(marks(elements, "sw-point", "validation loss").len(), epochs);
        }
        FigureKind::Contrast => {
            assert_eq!(marks(elements, "sw-point", &items.name).len(), 10);
            assert_eq!(
                marks(elements, "sw-label", &format!("{} labels", items.name)).len(),
                10
            );
        }
        FigureKind::Plan => {
            assert_eq!(marks(elements, "sw-point", "forecast").len(), 12);
        }
        FigureKind::Quality => {
            // One point per rater the diagnosis flagged with finite α and ω, in the series of
            // its most significant type.
            let flags = project.flags(1).unwrap();
            let drawn: BTreeSet<u32> = flags
                .iter()
                .filter(|f| f.rater_type.is_some() && f.evidence.contains_key("discrimination"))
                .map(|f| f.element)
                .collect();
            let points: usize = scalewright::quality::Rule::DIAGNOSIS
                .iter()
                .map(|rule| marks(elements, "sw-point", rule.name()).len())
                .sum();
            assert!(!drawn.is_empty(), "the sample has diagnosis flags");
            assert_eq!(points, drawn.len(), "one point per flagged rater");
        }
    }
}

#[test]
fn every_kind_renders_to_svg_and_png() {
    let db = project();
    let out = tempfile::tempdir().unwrap();
    let opened = Project::open(db).unwrap();
    for kind in FigureKind::ALL {
        let svg_path = out.path().join(format!("{kind}.svg"));
        let answer = json_out(
            scalewright()
                .args(["plot", "--json", "--what", kind.name(), "--project"])
                .arg(db)
                .arg("--out")
                .arg(&svg_path),
        );
        assert_matches_schema("plot.schema.json", &answer);
        assert_eq!(answer["kind"], kind.name());
        assert_eq!(answer["format"], "svg");
        assert_eq!(answer["run_id"], 1);
        let svg = Svg::read(&svg_path);
        assert_eq!(answer["bytes"], svg.text.len());
        let elements = check_common(&svg, kind, answer["title"].as_str().unwrap());
        check_marks(kind, &elements, &opened);

        let png_path = out.path().join(format!("{kind}.png"));
        scalewright()
            .args([
                "plot", "--quiet", "--width", "640", "--height", "480", "--what",
            ])
            .arg(kind.name())
            .arg("--project")
            .arg(db)
            .arg("--out")
            .arg(&png_path)
            .assert()
            .success();
        let decoder = png::Decoder::new(std::fs::File::open(&png_path).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (640, 480), "{kind}");
        // Text and marks are drawn: many dark (ink) pixels, and colour.
        let rgb: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(3).collect();
        let dark = rgb.iter().filter(|p| p.iter().all(|&c| c < 80)).count();
        let coloured = rgb
            .iter()
            .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
            .count();
        assert!(dark > 500, "{kind}: {dark} dark pixels (text)");
        assert!(coloured > 200, "{kind}: {coloured} coloured pixels");
    }
}

#[test]
fn svg_output_is_deterministic() {
    let db = project();
    let out = tempfile::tempdir().unwrap();
    for kind in [FigureKind::Wright, FigureKind::Raters, FigureKind::Curves] {
        let mut texts = Vec::new();
        for copy in 0..2 {
            let path = out.path().join(format!("{kind}-{copy}.svg"));
            scalewright()
                .args(["plot", "--quiet", "--what", kind.name(), "--project"])
                .arg(db)
                .arg("--out")
                .arg(&path)
                .assert()
                .success();
            texts.push(std::fs::read(&path).unwrap());
        }
        assert_eq!(texts[0], texts[1], "{kind}");
    }
}

#[test]
fn a_missing_prerequisite_is_told_apart_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_sample(dir.path());
    let project = Project::open(&db).unwrap();
    let request = scalewright::pipeline::PlotRequest::new(FigureKind::Bias);
    let e = scalewright::pipeline::build_figure(&project, 1, &request).unwrap_err();
    assert!(e.is_missing_prerequisite(), "{e}");
    // The library speaks of the thing; the command line adds its command (cli_errors).
    assert_eq!(
        e.to_string(),
        "no bias analysis in run 1: analyse the bias between rater and item first"
    );
    let e = scalewright::pipeline::build_figure(
        &project,
        1,
        &scalewright::pipeline::PlotRequest::new(FigureKind::Training),
    )
    .unwrap_err();
    assert!(e.is_missing_prerequisite(), "{e}");
    assert_eq!(
        e.to_string(),
        "no trained model for run 1: train a text model on the run first"
    );
    let unknown = scalewright::pipeline::PlotRequest {
        item: Some("nope".into()),
        ..scalewright::pipeline::PlotRequest::new(FigureKind::Curves)
    };
    let e = scalewright::pipeline::build_figure(&project, 1, &unknown).unwrap_err();
    assert!(!e.is_missing_prerequisite());
    assert!(
        e.to_string().contains("its items are: sentiment, respect"),
        "{e}"
    );

    let out = dir.path().join("bias.svg");
    let e = scalewright::pipeline::plot_run(&project, 1, &request, &out).unwrap_err();
    assert!(e.is_missing_prerequisite());
    assert!(!out.exists());
    assert!(no_partial_file(dir.path()));
    // An earlier file at the path is kept whole when a figure fails.
    std::fs::write(&out, "earlier").unwrap();
    scalewright::pipeline::plot_run(&project, 1, &request, &out).unwrap_err();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "earlier");
    // And replaced whole when it succeeds.
    let wright = scalewright::pipeline::PlotRequest::new(FigureKind::Wright);
    let outcome = scalewright::pipeline::plot_run(&project, 1, &wright, &out).unwrap();
    assert_eq!(std::fs::read(&out).unwrap().len(), outcome.bytes);
    assert!(no_partial_file(dir.path()));

    // After an exclusion the run's observations are no longer in force: the contrast (which
    // needs them) is a missing prerequisite, the curves are drawn without observed averages.
    drop(project);
    scalewright()
        .args([
            "exclude",
            "--quiet",
            "--rule",
            "distorting",
            "--reason",
            "test",
            "--project",
        ])
        .arg(&db)
        .assert()
        .success();
    let project = Project::open(&db).unwrap();
    let contrast = scalewright::pipeline::PlotRequest::new(FigureKind::Contrast);
    let e = scalewright::pipeline::build_figure(&project, 1, &contrast).unwrap_err();
    assert!(e.is_missing_prerequisite(), "{e}");
    assert!(
        e.to_string()
            .ends_with("fit again to draw its residual contrast"),
        "{e}"
    );
    let curves = scalewright::pipeline::PlotRequest::new(FigureKind::Curves);
    let figure = scalewright::pipeline::build_figure(&project, 1, &curves).unwrap();
    assert_eq!(figure.marks("observed averages"), 0);
    assert!(figure
        .notes
        .iter()
        .any(|n| n.contains("observed averages left out")));
}

#[test]
fn a_pipeline_draws_its_plot_steps() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            "project = \"p.db\"\n\
             [ingest]\ndata = \"{}\"\npreset = \"mhs\"\n\n\
             [[plot]]\nwhat = \"wright\"\nout = \"figs-wright.svg\"\n\n\
             [[plot]]\nwhat = \"raters\"\nout = \"raters.PNG\"\nwidth = 500\nheight = 400\n",
            common::sample("ratings.csv").display()
        ),
    )
    .unwrap();
    let report = json_out(scalewright().args(["run", "--json"]).arg(&pipeline));
    assert_matches_schema("run.schema.json", &report);
    let plots = report["plots"].as_array().unwrap();
    assert_eq!(plots.len(), 2);
    assert_eq!(plots[0]["kind"], "wright");
    assert_eq!(plots[1]["format"], "png");
    let svg = Svg::read(&dir.path().join("figs-wright.svg"));
    assert_eq!(svg.root_class(), "sw-figure sw-figure-wright");
    let decoder = png::Decoder::new(std::fs::File::open(dir.path().join("raters.PNG")).unwrap());
    let info = decoder.read_info().unwrap();
    assert_eq!((info.info().width, info.info().height), (500, 400));

    // A bad step is refused before anything runs, naming its key.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "project = \"q.db\"\n[[plot]]\nwhat = \"wright\"\nout = \"w.pdf\"\n",
    )
    .unwrap();
    let out = scalewright().arg("run").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml: plot[0].out"));
    assert!(!dir.path().join("q.db").exists());
}
