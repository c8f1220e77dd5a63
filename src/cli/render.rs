//! Plain-text rendering of library results for the terminal (no statistics here).

use scalewright::store::{Distribution, ImportSummary, ProjectSummary};
use std::fmt::Write as _;
use std::path::Path;

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
