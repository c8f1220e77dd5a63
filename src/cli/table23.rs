//! Table 23 (dimensionality and local dependence) as text, in Winsteps' layout, and as CSV.
//! The numbers come from [`scalewright::measure::dimensionality`]; nothing is computed here.

use scalewright::measure::dimensionality::Dimensionality;
use std::fmt::Write as _;

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

/// Tables 23.0 (variance decomposition and cluster correlations), 23.2 (loadings) and 23.99
/// (Yen's Q3, at most `top` pairs) as text.
pub fn table23(run: i64, d: &Dimensionality, top: usize) -> String {
    let mut out = String::new();
    variance_table(&mut out, run, d);
    let _ = writeln!(out);
    cluster_table(&mut out, d);
    let _ = writeln!(out);
    loadings_table(&mut out, d);
    let _ = writeln!(out);
    q3_table(&mut out, d, top);
    out
}

/// One row of Table 23.0: eigenvalue units, percent of the observed variance, of the
/// unexplained variance, and the percent the model expects.
fn variance_line(
    out: &mut String,
    label: &str,
    eigen: f64,
    observed: f64,
    of_unexplained: Option<f64>,
    expected: Option<f64>,
) {
    let _ = writeln!(
        out,
        "  {label:<44} = {eigen:>10.4}  {:>7.1}%  {:>8}  {:>8}",
        100.0 * observed,
        of_unexplained.map_or_else(String::new, |u| format!("{:.1}%", 100.0 * u)),
        expected.map_or_else(String::new, |e| format!("{:.1}%", 100.0 * e)),
    );
}

/// Table 23.0, first part: the standardised residual variance decomposition (raw variance
/// explained by the measures and by each facet, unexplained variance and its contrasts).
fn variance_table(out: &mut String, run: i64, d: &Dimensionality) {
    let v = &d.variance;
    let _ = writeln!(
        out,
        "Table 23.0 Run {run}. Standardised residual variance in eigenvalue units (= item units)"
    );
    let _ = writeln!(
        out,
        "  A row is one {} record: {} records, {} responses used, {} items",
        d.record.facets.join(" x "),
        d.record.records,
        d.record.responses,
        d.items.len()
    );
    let _ = writeln!(
        out,
        "{:>58}  {:>8}  {:>8}  {:>8}",
        "Eigenvalue", "Observed", "", "Expected"
    );
    variance_line(
        out,
        "Total raw variance in observations",
        v.total,
        1.0,
        None,
        Some(1.0),
    );
    variance_line(
        out,
        "  Raw variance explained by measures",
        v.explained,
        v.explained_share,
        None,
        Some(v.modelled_explained_share),
    );
    for f in &v.explained_by {
        variance_line(
            out,
            &format!("    Raw variance explained by {}", f.facet),
            f.eigenvalue,
            f.share,
            None,
            None,
        );
    }
    variance_line(
        out,
        "  Raw unexplained variance (total)",
        v.unexplained,
        1.0 - v.explained_share,
        Some(1.0),
        Some(1.0 - v.modelled_explained_share),
    );
    for c in &d.contrasts {
        variance_line(
            out,
            &format!("    Unexplned variance in {} contrast", ordinal(c.contrast)),
            c.eigenvalue,
            c.variance_share,
            Some(c.unexplained_share),
            None,
        );
    }
}

/// Table 23.0, second part: the correlations between the object measures from the item
/// clusters of the 1st contrast, and each cluster's items and reliability.
fn cluster_table(out: &mut String, d: &Dimensionality) {
    let object = d.record.facets.first().map_or("object", String::as_str);
    let _ = writeln!(
        out,
        "  Approximate relationships between the {object} measures from the item clusters of the 1st contrast"
    );
    let _ = writeln!(
        out,
        "  {:<9} {:>8} {:>8} {:>13} {:>13} {:>19}",
        "Clusters", "Objects", "Pearson", "Disattenuated", "Pearson+Extr", "Disattenuated+Extr"
    );
    for c in &d.cluster_correlations {
        let _ = writeln!(
            out,
            "  {:<9} {:>8} {:>8} {:>13} {:>13} {:>19}",
            format!("{} - {}", c.a, c.b),
            c.objects,
            optional(c.pearson),
            optional(c.disattenuated),
            optional(c.pearson_with_extremes),
            optional(c.disattenuated_with_extremes)
        );
    }
    for c in &d.clusters {
        let _ = writeln!(
            out,
            "  Cluster {}: {} items, reliability {} ({} with extremes): {}",
            c.cluster,
            c.items.len(),
            optional(c.reliability),
            optional(c.reliability_with_extremes),
            c.items.join(", ")
        );
    }
}

/// Table 23.2: every item's cluster and loadings on the contrasts, by 1st-contrast loading.
fn loadings_table(out: &mut String, d: &Dimensionality) {
    let _ = writeln!(
        out,
        "Table 23.2 Loadings of the items on the contrasts (1st contrast: by loading)"
    );
    let mut header = format!("  {:<7}", "Cluster");
    for c in &d.contrasts {
        let _ = write!(header, " {:>8}", format!("C{}", c.contrast));
    }
    let _ = writeln!(out, "{header}  Item");
    let cluster_of = |item: &str| {
        d.clusters
            .iter()
            .find(|c| c.items.iter().any(|i| i == item))
            .map_or(0, |c| c.cluster)
    };
    let mut rows: Vec<usize> = (0..d.items.len()).collect();
    if let Some(first) = d.contrasts.first() {
        rows.sort_by(|&a, &b| {
            first.loadings[b]
                .loading
                .total_cmp(&first.loadings[a].loading)
        });
    }
    for i in rows {
        let item = &d.items[i];
        let mut row = format!("  {:<7}", cluster_of(item));
        for c in &d.contrasts {
            let _ = write!(row, " {:>8.3}", c.loadings[i].loading);
        }
        let _ = writeln!(out, "{row}  {item}");
    }
}

/// Table 23.99: local dependence, Yen's Q3 of the item pairs (at most `top`), largest first.
fn q3_table(out: &mut String, d: &Dimensionality, top: usize) {
    let q = &d.q3;
    let _ = writeln!(
        out,
        "Table 23.99 Local dependence: Yen's Q3 (raw residual correlations), largest first; mean Q3 {}, max {}; * = Q3* = Q3 - mean above {:.2}",
        optional(q.mean),
        optional(q.max),
        q.mark
    );
    let _ = writeln!(
        out,
        "  {:>8} {:>8} {:>8} {:>8}    Items",
        "Q3", "Q3*", "StRes r", "Records"
    );
    for p in q.pairs.iter().take(top) {
        let _ = writeln!(
            out,
            "  {:>8.4} {:>8.4}{} {:>8} {:>8}    {} / {}",
            p.q3,
            p.q3_star,
            if p.marked { "*" } else { " " },
            p.correlation
                .map_or_else(|| "-".into(), |r| format!("{r:.4}")),
            p.records,
            p.a,
            p.b
        );
    }
    if q.pairs.len() > top {
        let _ = writeln!(
            out,
            "  ... {} more pairs (--top N, or --format csv / --json for all)",
            q.pairs.len() - top
        );
    }
}

/// Table 23 as CSV (written by polars): one `loading` row per contrast and item, then one `q3`
/// row per item pair. Columns: `kind` (`loading` or `q3`), `contrast`, `eigenvalue`, `item`,
/// `loading`, `cluster` (1st contrast only) for loading rows; `item_a`, `item_b`, `q3`,
/// `q3_star`, `correlation` (standardised residuals), `records`, `marked` for q3 rows; the other
/// columns are empty.
pub fn table23_csv(d: &Dimensionality) -> polars::prelude::PolarsResult<String> {
    use polars::prelude::*;
    let mut kind: Vec<&str> = Vec::new();
    let mut contrast: Vec<Option<u32>> = Vec::new();
    let mut eigenvalue: Vec<Option<f64>> = Vec::new();
    let mut item: Vec<Option<String>> = Vec::new();
    let mut loading: Vec<Option<f64>> = Vec::new();
    let mut cluster: Vec<Option<u32>> = Vec::new();
    let mut item_a: Vec<Option<String>> = Vec::new();
    let mut item_b: Vec<Option<String>> = Vec::new();
    let mut q3: Vec<Option<f64>> = Vec::new();
    let mut q3_star: Vec<Option<f64>> = Vec::new();
    let mut correlation: Vec<Option<f64>> = Vec::new();
    let mut records: Vec<Option<u64>> = Vec::new();
    let mut marked: Vec<Option<bool>> = Vec::new();
    for c in &d.contrasts {
        for l in &c.loadings {
            kind.push("loading");
            contrast.push(Some(c.contrast as u32));
            eigenvalue.push(Some(c.eigenvalue));
            item.push(Some(l.item.clone()));
            loading.push(Some(l.loading));
            cluster.push(if c.contrast == 1 {
                d.clusters
                    .iter()
                    .find(|k| k.items.contains(&l.item))
                    .map(|k| k.cluster as u32)
            } else {
                None
            });
            item_a.push(None);
            item_b.push(None);
            q3.push(None);
            q3_star.push(None);
            correlation.push(None);
            records.push(None);
            marked.push(None);
        }
    }
    for p in &d.q3.pairs {
        kind.push("q3");
        contrast.push(None);
        eigenvalue.push(None);
        item.push(None);
        loading.push(None);
        cluster.push(None);
        item_a.push(Some(p.a.clone()));
        item_b.push(Some(p.b.clone()));
        q3.push(Some(p.q3));
        q3_star.push(Some(p.q3_star));
        correlation.push(p.correlation);
        records.push(Some(p.records as u64));
        marked.push(Some(p.marked));
    }
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("kind".into(), kind),
        Column::new("contrast".into(), contrast),
        Column::new("eigenvalue".into(), eigenvalue),
        Column::new("item".into(), item),
        Column::new("loading".into(), loading),
        Column::new("cluster".into(), cluster),
        Column::new("item_a".into(), item_a),
        Column::new("item_b".into(), item_b),
        Column::new("q3".into(), q3),
        Column::new("q3_star".into(), q3_star),
        Column::new("correlation".into(), correlation),
        Column::new("records".into(), records),
        Column::new("marked".into(), marked),
    ])?;
    let mut buffer = Vec::new();
    CsvWriter::new(&mut buffer)
        .include_header(true)
        .finish(&mut df)?;
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}
