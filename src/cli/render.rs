//! Plain-text rendering of library results for the terminal (no statistics here).

use scalewright::measure::wright::WrightMap;
use scalewright::store::{Distribution, ImportSummary, ProjectSummary};
use std::fmt::Write as _;
use std::path::Path;

/// The text summary of an import: rows, responses, elements, and where they went.
pub fn import_summary(s: &ImportSummary, project: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imported {} as dataset {} into {}",
        s.source_path,
        s.dataset_id,
        project.display()
    );
    let _ = writeln!(
        out,
        "  {} rows, {} responses added{}{}",
        s.rows,
        s.observations_added,
        if s.already_present > 0 {
            format!(", {} already in the project", s.already_present)
        } else {
            String::new()
        },
        if s.duplicates_in_file > 0 {
            format!(
                ", {} repeated in the file (counted once)",
                s.duplicates_in_file
            )
        } else {
            String::new()
        }
    );
    let news: Vec<String> = s
        .new_elements
        .iter()
        .map(|(facet, n)| format!("{n} {facet}"))
        .collect();
    let _ = writeln!(out, "  new elements: {}", news.join(", "));
    if s.warnings > 0 {
        let _ = writeln!(out, "  {} warning(s) (listed above)", s.warnings);
    }
    let _ = write!(out, "  sha256 {}", s.sha256);
    out
}

fn distribution(d: &Option<Distribution>) -> String {
    match d {
        None => "-".into(),
        Some(d) => format!(
            "min {} | q1 {:.1} | median {:.1} | q3 {:.1} | max {} | mean {:.2}",
            d.min, d.q1, d.median, d.q3, d.max, d.mean
        ),
    }
}

/// Disjoint subsets listed per facet pair in text output.
const SUBSETS_LISTED: usize = 10;

/// The text summary of a project (`info`): datasets, facets, items and categories, missing data,
/// connectedness.
pub fn project_summary(s: &ProjectSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Project {} (schema v{})", s.project, s.schema_version);
    let _ = writeln!(out, "\nDatasets");
    for d in &s.datasets {
        let _ = writeln!(
            out,
            "  #{:<3} {:<10} {:>8} rows {:>9} responses  {}  {}",
            d.id, d.kind, d.rows, d.observations, d.imported_at, d.source_path
        );
    }
    let _ = writeln!(
        out,
        "\nResponses {}   records (object x rater) {}   missing item responses {}   objects with text {}",
        s.observations, s.records, s.missing_responses, s.objects_with_text
    );
    let _ = writeln!(out, "\nFacets");
    for f in &s.facets {
        let _ = writeln!(
            out,
            "  {:<16} {:<6} {:>7} elements ({} rated)   responses per element: {}",
            f.name,
            f.role.as_str(),
            f.elements,
            f.elements_rated,
            distribution(&f.responses_per_element)
        );
    }
    if s.raters_per_object.is_some() {
        let _ = writeln!(
            out,
            "  raters per object: {}",
            distribution(&s.raters_per_object)
        );
    }
    let _ = writeln!(out, "\nCategory frequencies (count and %)");
    for item in &s.items {
        let cells: Vec<String> = item
            .categories
            .iter()
            .map(|c| format!("{}: {} ({:.1}%)", c.score, c.count, c.percent))
            .collect();
        let _ = writeln!(
            out,
            "  {:<16} n={:<8} missing={:<6} {}",
            item.name,
            item.responses,
            item.missing,
            cells.join("  ")
        );
    }
    let _ = writeln!(out, "\nConnectedness");
    if s.connectedness.connected {
        let _ = writeln!(
            out,
            "  Subset connection O.K.: every facet pair forms one network."
        );
    } else {
        for pair in s.connectedness.disconnected_pairs() {
            let _ = writeln!(
                out,
                "  {} x {}: {} disjoint subsets; measures in different subsets are not comparable",
                pair.first_facet,
                pair.second_facet,
                pair.subsets.len()
            );
            for (k, sub) in pair.subsets.iter().take(SUBSETS_LISTED).enumerate() {
                let _ = writeln!(
                    out,
                    "    subset {}: {} {} and {} {}, {} responses (e.g. {} / {})",
                    k + 1,
                    sub.first_elements,
                    pair.first_facet,
                    sub.second_elements,
                    pair.second_facet,
                    sub.observations,
                    sub.first_examples.join(", "),
                    sub.second_examples.join(", ")
                );
            }
            if pair.subsets.len() > SUBSETS_LISTED {
                let _ = writeln!(
                    out,
                    "    ... and {} more subsets (all are in --json)",
                    pair.subsets.len() - SUBSETS_LISTED
                );
            }
        }
    }
    out
}

/// Table 7 of one facet as CSV (the library's Table 7 rows, written by polars).
pub fn table7_csv(
    facet: &scalewright::measure::FacetMeasures,
) -> polars::prelude::PolarsResult<String> {
    write_csv(&mut scalewright::export::table7_frame(facet)?)
}

/// Table 8 of every scale as CSV (written by polars); the `recode` column gives the run's recode
/// of the scale's items (empty without one).
pub fn table8_csv(
    fit: &scalewright::measure::Fit,
    recode: Option<&scalewright::data::Recode>,
) -> polars::prelude::PolarsResult<String> {
    use polars::prelude::*;
    let mut scale = Vec::new();
    let mut recoded = Vec::new();
    let mut score = Vec::new();
    let mut count = Vec::new();
    let mut percent = Vec::new();
    let mut average = Vec::new();
    let mut expected = Vec::new();
    let mut outfit = Vec::new();
    let mut threshold = Vec::new();
    let mut threshold_se = Vec::new();
    let mut disordered = Vec::new();
    for s in &fit.scales {
        let lines = crate::cli::tables::scale_recode(s, recode);
        let line = (!lines.is_empty()).then(|| lines.join("; "));
        for c in &s.categories {
            scale.push(s.label.clone());
            recoded.push(line.clone());
            score.push(c.score);
            count.push(c.count as u64);
            percent.push(c.percent);
            average.push(c.average_measure);
            expected.push(c.expected_measure);
            outfit.push(c.outfit);
            threshold.push(c.threshold);
            threshold_se.push(c.threshold_se);
            disordered.push(c.disordered);
        }
    }
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("scale".into(), scale),
        Column::new("score".into(), score),
        Column::new("count".into(), count),
        Column::new("percent".into(), percent),
        Column::new("average_measure".into(), average),
        Column::new("expected_measure".into(), expected),
        Column::new("outfit".into(), outfit),
        Column::new("threshold".into(), threshold),
        Column::new("threshold_se".into(), threshold_se),
        Column::new("disordered".into(), disordered),
        Column::new("recode".into(), recoded),
    ])?;
    write_csv(&mut df)
}

fn write_csv(df: &mut polars::prelude::DataFrame) -> polars::prelude::PolarsResult<String> {
    use polars::prelude::*;
    let mut buffer = Vec::new();
    CsvWriter::new(&mut buffer)
        .include_header(true)
        .finish(df)?;
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}

/// Table 13 as CSV (written by polars).
pub fn bias_csv(
    table: &scalewright::measure::bias::InteractionTable,
) -> polars::prelude::PolarsResult<String> {
    use polars::prelude::*;
    let c = &table.cells;
    let mut df = DataFrame::new_infer_height(vec![
        Column::new(
            table.terms[0].facet_name.as_str().into(),
            c.iter().map(|x| x.labels[0].clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            table.terms[1]
                .attribute
                .clone()
                .unwrap_or_else(|| table.terms[1].facet_name.clone())
                .as_str()
                .into(),
            c.iter().map(|x| x.labels[1].clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "observed".into(),
            c.iter().map(|x| x.observed_score).collect::<Vec<_>>(),
        ),
        Column::new(
            "expected".into(),
            c.iter().map(|x| x.expected_score).collect::<Vec<_>>(),
        ),
        Column::new(
            "count".into(),
            c.iter().map(|x| x.count as u64).collect::<Vec<_>>(),
        ),
        Column::new("bias".into(), c.iter().map(|x| x.bias).collect::<Vec<_>>()),
        Column::new(
            "se".into(),
            c.iter().map(|x| x.model_se).collect::<Vec<_>>(),
        ),
        Column::new("t".into(), c.iter().map(|x| x.t).collect::<Vec<_>>()),
        Column::new("df".into(), c.iter().map(|x| x.df).collect::<Vec<_>>()),
        Column::new("p".into(), c.iter().map(|x| x.p).collect::<Vec<_>>()),
        Column::new(
            "infit".into(),
            c.iter().map(|x| x.infit).collect::<Vec<_>>(),
        ),
        Column::new(
            "outfit".into(),
            c.iter().map(|x| x.outfit).collect::<Vec<_>>(),
        ),
        Column::new(
            "extreme".into(),
            c.iter().map(|x| x.extreme.is_some()).collect::<Vec<_>>(),
        ),
    ])?;
    write_csv(&mut df)
}

/// One response of the residual file, with its element labels.
#[derive(serde::Serialize)]
pub struct ResidualRow {
    /// The observation's number in the run's data (from 1).
    pub observation: usize,
    /// The element label of each facet.
    pub elements: Vec<String>,
    /// The observed score.
    pub score: f64,
    /// The model's expected score.
    pub expected: f64,
    /// The model variance of the score.
    pub variance: f64,
    /// Score minus expectation.
    pub residual: f64,
    /// The residual over its model standard deviation.
    pub standardized: f64,
}

/// Residual rows with element labels (the residual file and Table 4).
pub fn residual_rows(
    data: &scalewright::data::RatingData,
    residuals: &[scalewright::measure::ObservationResidual],
) -> Vec<ResidualRow> {
    residuals
        .iter()
        .map(|r| ResidualRow {
            observation: r.observation + 1,
            elements: data
                .facets
                .iter()
                .zip(&data.elements)
                .map(|(f, column)| f.labels[column[r.observation] as usize].clone())
                .collect(),
            score: r.score,
            expected: r.expected,
            variance: r.variance,
            residual: r.residual,
            standardized: r.standardized,
        })
        .collect()
}

/// Residuals as CSV (Winsteps XFILE columns: EXPECTATION, VARIANCE, RESIDUAL, ZSCORE), written by
/// polars.
pub fn residuals_csv(
    data: &scalewright::data::RatingData,
    residuals: &[scalewright::measure::ObservationResidual],
) -> polars::prelude::PolarsResult<String> {
    use polars::prelude::*;
    let rows = residual_rows(data, residuals);
    let mut columns = vec![Column::new(
        "observation".into(),
        rows.iter()
            .map(|r| r.observation as u64)
            .collect::<Vec<_>>(),
    )];
    for (f, facet) in data.facets.iter().enumerate() {
        columns.push(Column::new(
            facet.name.as_str().into(),
            rows.iter()
                .map(|r| r.elements[f].clone())
                .collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new(
        "score".into(),
        rows.iter().map(|r| r.score).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "expectation".into(),
        rows.iter().map(|r| r.expected).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "variance".into(),
        rows.iter().map(|r| r.variance).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "residual".into(),
        rows.iter().map(|r| r.residual).collect::<Vec<_>>(),
    ));
    columns.push(Column::new(
        "zscore".into(),
        rows.iter().map(|r| r.standardized).collect::<Vec<_>>(),
    ));
    let mut df = DataFrame::new_infer_height(columns)?;
    write_csv(&mut df)
}

/// Wright-map data: every element on the map ([`scalewright::measure::wright`]: every element
/// the fit did not drop) of every facet on the one logit ruler, in each facet's orientation
/// (objects: higher = more; other facets: higher = more severe / difficult).
pub fn wright_map(map: Option<&WrightMap>) -> Vec<serde_json::Value> {
    map.map(|m| m.facets.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|f| {
            serde_json::json!({
                "facet": f.name,
                "positive": f.positive,
                "elements": f.elements.iter().map(|e| serde_json::json!({"element": e.label, "measure": e.measure})).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The Wright map (Table 6) as CSV: facet, element, measure.
pub fn wright_map_csv(map: Option<&WrightMap>) -> polars::prelude::PolarsResult<String> {
    use polars::prelude::*;
    let (mut facet, mut element, mut measure) = (Vec::new(), Vec::new(), Vec::new());
    for f in map.map(|m| m.facets.as_slice()).unwrap_or_default() {
        for e in &f.elements {
            facet.push(f.name.clone());
            element.push(e.label.clone());
            measure.push(e.measure);
        }
    }
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("facet".into(), facet),
        Column::new("element".into(), element),
        Column::new("measure".into(), measure),
    ])?;
    write_csv(&mut df)
}
