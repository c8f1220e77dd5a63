//! Facets Table 7 ("Measurement Report") of one facet: the one definition of its rows and
//! columns. The export's frame (`export::table7_frame`), the HTML report and the command line's
//! text all take their columns, headings, decimals and order from here and differ only in how
//! they lay a cell out.
//!
//! The columns are Facets' (Linacre, Facets manual, "Table 7 Measurement report"): Total Score,
//! Total Count, Obsvd Average, Fair(M) Average, Measure, Model S.E., Real S.E., Infit and
//! Outfit MnSq with their ZStd, Estim. Discrm, PtMea Corr. and its expectation, Displacement,
//! then the element's status and label.

use super::{ElementStatistics, ElementStatus, FacetMeasures};

/// What a Table 7 column holds, for a typed table (an export's column types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table7Kind {
    /// The total score: defined for every element.
    Score,
    /// The count of responses: a whole number.
    Count,
    /// The measure: none for a dropped element ([`reported_measure`]).
    Measure,
    /// A statistic that some elements lack (extreme, dropped).
    Statistic,
}

/// One numeric column of Table 7.
#[derive(Debug, Clone, Copy)]
pub struct Table7Column {
    /// What it holds.
    pub kind: Table7Kind,
    /// The column's name in exports (`model_se`).
    pub name: &'static str,
    /// Facets' heading (`Model S.E.`).
    pub heading: &'static str,
    /// Decimals Facets prints.
    pub decimals: usize,
    /// The element's value (`None`: not defined for it, printed `-`).
    pub value: fn(&ElementStatistics) -> Option<f64>,
}

/// The measure column's value: the element's measure, none for a dropped element (it has no
/// usable response; [`ElementStatistics::measure`] holds 0 for it).
pub fn reported_measure(element: &ElementStatistics) -> Option<f64> {
    (element.status != ElementStatus::Dropped).then_some(element.measure)
}

/// Table 7's numeric columns in Facets' order.
pub const TABLE7_COLUMNS: [Table7Column; 15] = [
    Table7Column {
        kind: Table7Kind::Score,
        name: "total_score",
        heading: "Total Score",
        decimals: 1,
        value: |e| Some(e.total_score),
    },
    Table7Column {
        kind: Table7Kind::Count,
        name: "count",
        heading: "Count",
        decimals: 0,
        value: |e| Some(e.count as f64),
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "observed_average",
        heading: "Obsvd Average",
        decimals: 2,
        value: |e| e.observed_average,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "fair_average",
        heading: "Fair(M) Average",
        decimals: 2,
        value: |e| e.fair_average,
    },
    Table7Column {
        kind: Table7Kind::Measure,
        name: "measure",
        heading: "Measure",
        decimals: 2,
        value: |e| Some(e.measure),
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "model_se",
        heading: "Model S.E.",
        decimals: 2,
        value: |e| e.model_se,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "real_se",
        heading: "Real S.E.",
        decimals: 2,
        value: |e| e.real_se,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "infit",
        heading: "Infit MnSq",
        decimals: 2,
        value: |e| e.infit,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "infit_zstd",
        heading: "Infit ZStd",
        decimals: 1,
        value: |e| e.infit_zstd,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "outfit",
        heading: "Outfit MnSq",
        decimals: 2,
        value: |e| e.outfit,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "outfit_zstd",
        heading: "Outfit ZStd",
        decimals: 1,
        value: |e| e.outfit_zstd,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "discrimination",
        heading: "Estim. Discrm",
        decimals: 2,
        value: |e| e.discrimination,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "ptmea",
        heading: "PtMea Corr.",
        decimals: 2,
        value: |e| e.point_measure,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "ptexp",
        heading: "PtMea Exp.",
        decimals: 2,
        value: |e| e.point_measure_expected,
    },
    Table7Column {
        kind: Table7Kind::Statistic,
        name: "displacement",
        heading: "Displ.",
        decimals: 2,
        value: |e| e.displacement,
    },
];

/// The headings of the two text columns that follow the numbers.
pub const TABLE7_TEXT_HEADINGS: [&str; 2] = ["Status", "Element"];

/// The facet's elements arranged by measure, highest first, as Facets prints Table 7
/// (`Arrange = M`); ties keep element order.
pub fn arranged_by_measure(facet: &FacetMeasures) -> Vec<&ElementStatistics> {
    let mut rows: Vec<&ElementStatistics> = facet.elements.iter().collect();
    rows.sort_by(|a, b| b.measure.total_cmp(&a.measure));
    rows
}

/// Table 7's caption, as Facets states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table7Caption {
    /// `Table 7.2 rater Measurement Report`.
    pub title: String,
    /// `positive` or `negative`.
    pub orientation: &'static str,
    /// `centred` or `non-centred`.
    pub centring: &'static str,
}

/// The caption of facet `index`'s Table 7.
pub fn caption(index: usize, facet: &FacetMeasures) -> Table7Caption {
    Table7Caption {
        title: format!("Table 7.{} {} Measurement Report", index + 1, facet.name),
        orientation: if facet.positive {
            "positive"
        } else {
            "negative"
        },
        centring: if facet.centred {
            "centred"
        } else {
            "non-centred"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_facets_in_its_order_with_unique_export_names() {
        let headings: Vec<&str> = TABLE7_COLUMNS.iter().map(|c| c.heading).collect();
        assert_eq!(headings[0], "Total Score");
        assert_eq!(headings[4], "Measure");
        assert_eq!(headings[14], "Displ.");
        let mut names: Vec<&str> = TABLE7_COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE7_COLUMNS.len());
    }
}
