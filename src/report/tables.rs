//! The report's tables as HTML, in Facets' column names and number formats (measures and
//! standard errors to two decimals, ZStd to one). Presentation only.
//!
//! Rows omit their optional end tags (`</td>`, `</tr>`; HTML Living Standard §13.1.2.4) so that
//! Table 7 of 40,000 objects stays a few megabytes.

use super::{BiasSection, COLLAPSE_ROWS, REPORT_BIAS_TERMS};
use crate::data::Recode;
use crate::measure::statistics::Separation;
use crate::measure::table7::{self, arranged_by_measure, TABLE7_COLUMNS, TABLE7_TEXT_HEADINGS};
use crate::measure::{FacetMeasures, Fit, ScaleStatistics};
use crate::quality::Flag;
use crate::store::DecisionRecord;
use std::fmt::Write as _;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number to `decimals` places; missing or non-finite values print as Facets' `-`.
fn num(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => "-".to_string(),
    }
}

/// One table: caption, header cells, rows of already-escaped cells. Tables with more than
/// [`COLLAPSE_ROWS`] rows sit in a closed `<details>` whose summary says how many rows it holds.
struct HtmlTable<'a> {
    id: String,
    caption: String,
    header: &'a [&'a str],
    rows: Vec<Vec<String>>,
    /// Columns holding text (left-aligned, sorted as text).
    text_columns: &'a [usize],
    sortable: bool,
}

impl HtmlTable<'_> {
    fn write(&self, out: &mut String) {
        let collapsed = self.rows.len() > COLLAPSE_ROWS;
        if collapsed {
            let _ = write!(
                out,
                "<details id=\"{id}-details\"><summary>{caption}: {n} rows (open to show)</summary>",
                id = self.id,
                caption = escape(&self.caption),
                n = self.rows.len()
            );
        }
        // Text columns are aligned by one rule per table rather than a class on every cell
        // (the rows of Table 7 are most of a report's size).
        if !self.text_columns.is_empty() {
            let selectors: Vec<String> = self
                .text_columns
                .iter()
                .map(|c| format!("#{} td:nth-child({})", self.id, c + 1))
                .collect();
            let _ = write!(
                out,
                "<style>{}{{text-align:left;white-space:normal}}</style>",
                selectors.join(",")
            );
        }
        let _ = write!(
            out,
            "<table id=\"{}\"{}><caption>{}</caption><thead><tr>",
            self.id,
            if self.sortable {
                " class=\"sortable\""
            } else {
                ""
            },
            escape(&self.caption)
        );
        for (c, h) in self.header.iter().enumerate() {
            let class = if self.text_columns.contains(&c) {
                " class=\"text\""
            } else {
                ""
            };
            let _ = write!(out, "<th{class}>{}</th>", escape(h));
        }
        out.push_str("</tr></thead><tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                out.push_str("<td>");
                out.push_str(cell);
            }
            out.push('\n');
        }
        out.push_str("</tbody></table>\n");
        if collapsed {
            out.push_str("</details>\n");
        }
    }
}

/// Table 3: the iteration report.
pub(super) fn table3(fit: &Fit, out: &mut String) {
    let rows = fit
        .history
        .iter()
        .map(|r| {
            vec![
                r.iteration.to_string(),
                format!("{:.4}", r.max_score_residual),
                format!("{:.4}", r.max_change),
                format!("{:.2}", r.log_likelihood),
            ]
        })
        .collect();
    HtmlTable {
        id: "table-3".into(),
        caption: format!(
            "Table 3. Iteration report ({})",
            if fit.converged {
                "converged"
            } else {
                "NOT converged"
            }
        ),
        header: &[
            "Iteration",
            "Max score residual",
            "Max logit change",
            "Log-likelihood",
        ],
        rows,
        text_columns: &[],
        sortable: false,
    }
    .write(out);
}

/// Table 5: the measurable data summary, one statistic a row.
pub(super) fn table5(fit: &Fit, out: &mut String) {
    let g = &fit.global;
    let rows: Vec<(String, String)> = vec![
        ("Responses".into(), g.observations.to_string()),
        (
            "Responses used in estimation".into(),
            g.estimation_observations.to_string(),
        ),
        ("Log-likelihood".into(), format!("{:.2}", g.log_likelihood)),
        (
            "Pearson chi-square".into(),
            format!("{:.2}", g.pearson_chi_square),
        ),
        (
            "Degrees of freedom".into(),
            format!("{:.0}", g.degrees_of_freedom),
        ),
        (
            "Observed variance".into(),
            format!("{:.4}", g.observed_variance),
        ),
        (
            "Variance explained by measures".into(),
            format!("{:.4}", g.explained_variance),
        ),
        (
            "Residual variance".into(),
            format!("{:.4}", g.residual_variance),
        ),
        (
            "Explained (%)".into(),
            format!("{:.2}", g.explained_percent),
        ),
        (
            format!(
                "Unexpected responses (|StRes| >= {})",
                fit.options.unexpected_z
            ),
            g.unexpected_responses.to_string(),
        ),
    ];
    let rows = rows
        .into_iter()
        .map(|(name, value)| vec![escape(&name), value])
        .collect();
    HtmlTable {
        id: "table-5".into(),
        caption: "Table 5. Measurable data summary".into(),
        header: &["Statistic", "Value"],
        rows,
        text_columns: &[0],
        sortable: false,
    }
    .write(out);
}

/// Table 7 of facet `index`: every element, arranged by measure (descending), sortable, with the
/// facet's summary (mean, S.D., separation, reliability, chi-squares) under it. Columns,
/// headings and decimals are [`TABLE7_COLUMNS`]'.
pub(super) fn table7(index: usize, facet: &FacetMeasures, out: &mut String) {
    let rows = arranged_by_measure(facet)
        .into_iter()
        .map(|el| {
            let mut cells: Vec<String> = TABLE7_COLUMNS
                .iter()
                .map(|c| num((c.value)(el), c.decimals))
                .collect();
            cells.push(el.status.facets_word().to_string());
            cells.push(escape(&el.label));
            cells
        })
        .collect();
    let header: Vec<&str> = TABLE7_COLUMNS
        .iter()
        .map(|c| c.heading)
        .chain(TABLE7_TEXT_HEADINGS)
        .collect();
    let caption = table7::caption(index, facet);
    HtmlTable {
        id: format!("table-7-{}", index + 1),
        caption: format!(
            "{} ({} orientation, {})",
            caption.title, caption.orientation, caption.centring
        ),
        header: &header,
        rows,
        text_columns: &[TABLE7_COLUMNS.len(), TABLE7_COLUMNS.len() + 1],
        sortable: true,
    }
    .write(out);
    facet_summary(facet, out);
}

/// The summary lines under a Table 7.
fn facet_summary(facet: &FacetMeasures, out: &mut String) {
    let s = &facet.summary;
    let _ = write!(
        out,
        "<p class=\"summary\">Mean (count {}) {:.2}; S.D. (populn) {:.2}; S.D. (sample) {:.2}</p>\n<ul class=\"summary\">",
        s.count, s.mean_measure, s.sd_population, s.sd_sample
    );
    let line = |label: &str, sep: &Separation| {
        format!(
            "<li>{label} RMSE {:.2}, Adj (True) S.D. {:.2}, Separation {:.2}, Strata {:.2}, Reliability {:.2}</li>",
            sep.rmse, sep.adjusted_sd, sep.separation, sep.strata, sep.reliability
        )
    };
    out.push_str(&line("Model, populn:", &s.model_population));
    out.push_str(&line("Model, sample:", &s.model_sample));
    out.push_str(&line("Real, populn:", &s.real_population));
    if let Some(c) = &s.fixed {
        let _ = write!(
            out,
            "<li>Fixed (all same) chi-square {:.1}, d.f. {:.0}, significance (probability) {:.4}</li>",
            c.chi_square, c.df, c.p
        );
    }
    if let Some(c) = &s.random {
        let _ = write!(
            out,
            "<li>Random (normal) chi-square {:.1}, d.f. {:.0}, significance (probability) {:.4}</li>",
            c.chi_square, c.df, c.p
        );
    }
    out.push_str("</ul>\n");
}

/// Table 8 of scale number `index` (from 1), with the run's recode of its items above it.
pub(super) fn table8(
    index: usize,
    scale: &ScaleStatistics,
    recode: Option<&Recode>,
    out: &mut String,
) {
    let recode_lines = recode.map_or_else(Vec::new, |r| {
        r.describe_scale(scale.element.map(|_| scale.label.as_str()))
    });
    for line in recode_lines {
        let _ = writeln!(
            out,
            "<p class=\"recode\">Recoded for this run: {}</p>",
            escape(&line)
        );
    }
    let rows = scale
        .categories
        .iter()
        .map(|c| {
            vec![
                c.score.to_string(),
                c.count.to_string(),
                format!("{:.0}%", c.percent),
                num(c.average_measure, 2),
                num(c.expected_measure, 2),
                num(c.outfit, 2),
                num(c.threshold, 2),
                num(c.threshold_se, 2),
                if c.disordered {
                    "disordered".to_string()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    HtmlTable {
        id: format!("table-8-{index}"),
        caption: format!(
            "Table 8. Category statistics: {}{}{}",
            scale.label,
            if scale.anchored { " (anchored)" } else { "" },
            if scale.is_disordered() {
                " (disordered thresholds)"
            } else {
                ""
            }
        ),
        header: &[
            "Score",
            "Used",
            "%",
            "Avge Meas",
            "Exp. Meas",
            "Outfit MnSq",
            "Andrich Threshold",
            "S.E.",
            "Note",
        ],
        rows,
        text_columns: &[8],
        sortable: false,
    }
    .write(out);
}

/// The rater flags raised on the run, facet and element named.
pub(super) fn flags(run_id: i64, fit: &Fit, flags: &[Flag], out: &mut String) {
    let rows = flags
        .iter()
        .map(|f| {
            vec![
                escape(fit.facets.get(f.facet).map_or("?", |x| x.name.as_str())),
                escape(&f.label),
                f.rule.name().to_string(),
                match f.level {
                    crate::quality::FlagLevel::Review => "review".to_string(),
                    crate::quality::FlagLevel::Exclude => "exclude".to_string(),
                },
                escape(&f.message),
            ]
        })
        .collect();
    HtmlTable {
        id: "flags".into(),
        caption: format!("Flags raised on run {run_id} ({})", flags.len()),
        header: &["Facet", "Element", "Rule", "Level", "Why"],
        rows,
        text_columns: &[0, 1, 2, 3, 4],
        sortable: true,
    }
    .write(out);
}

/// The rater diagnosis: one row per rater it flagged, with its types in words (most significant
/// first), that finding's `z` and `q`, the rater's generalized-model `α` and `ω` with S.E.s, and
/// what excluding it would change (mean shift of its comments, object reliability after).
pub(super) fn rater_quality(run_id: i64, flags: &[Flag], out: &mut String) {
    let by_rater = crate::quality::diagnosis_findings(flags);
    let q = |f: &Flag| f.evidence.get("q").copied().unwrap_or(1.0);
    let number = |f: &Flag, key: &str, decimals: usize| {
        f.evidence
            .get(key)
            .map_or(String::new(), |v| format!("{v:.decimals$}"))
    };
    let mut rows: Vec<(f64, Vec<String>)> = by_rater
        .values()
        .map(|list| {
            let best = list[0];
            let types: Vec<&str> = list
                .iter()
                .filter_map(|f| f.rater_type.as_deref())
                .collect();
            let with_se = |value: &str, se: &str| {
                let (v, s) = (number(best, value, 2), number(best, se, 2));
                if v.is_empty() {
                    String::new()
                } else {
                    format!("{v} ± {s}")
                }
            };
            (
                q(best),
                vec![
                    escape(&best.label),
                    escape(&types.join("; ")),
                    number(best, "z", 1),
                    format!("{:.2e}", q(best)),
                    with_se("discrimination", "discrimination_se"),
                    with_se("stretch", "stretch_se"),
                    number(best, "exclusion_mean_shift", 2),
                    number(best, "exclusion_reliability", 4),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    HtmlTable {
        id: "rater-quality-table".into(),
        caption: format!(
            "Raters the diagnosis flags on run {run_id} ({}), most significant first",
            rows.len()
        ),
        header: &[
            "Rater",
            "Type",
            "z",
            "q",
            "Discrimination α",
            "Stretch ω",
            "Shift if excluded",
            "Reliability without",
        ],
        rows: rows.into_iter().map(|r| r.1).collect(),
        text_columns: &[0, 1, 4, 5],
        sortable: true,
    }
    .write(out);
}

/// The decisions in force (exclude / keep), with reason, source and time.
pub(super) fn decisions(decisions: &[DecisionRecord], out: &mut String) {
    let rows = decisions
        .iter()
        .map(|d| {
            vec![
                escape(&d.facet),
                escape(&d.label),
                d.decision.as_str().to_string(),
                escape(&d.reason),
                escape(&d.source),
                escape(&d.decided_at),
            ]
        })
        .collect();
    HtmlTable {
        id: "decisions".into(),
        caption: format!("Decisions in force ({})", decisions.len()),
        header: &["Facet", "Element", "Decision", "Reason", "By", "When"],
        rows,
        text_columns: &[0, 1, 2, 3, 4, 5],
        sortable: true,
    }
    .write(out);
}

/// The largest terms (by |t|) of the newest bias analysis: Facets' Table 13.
pub(super) fn bias(section: &BiasSection, out: &mut String) {
    let table = &section.table;
    let mut cells: Vec<&crate::measure::bias::InteractionCell> = table.cells.iter().collect();
    cells.sort_by(|x, y| y.t.abs().total_cmp(&x.t.abs()));
    let rows = cells
        .iter()
        .take(REPORT_BIAS_TERMS)
        .map(|c| {
            vec![
                format!("{:.1}", c.observed_score),
                format!("{:.2}", c.expected_score),
                c.count.to_string(),
                format!("{:.2}", c.observed_minus_expected_average),
                format!("{:.2}", c.bias),
                format!("{:.2}", c.model_se),
                format!("{:.2}", c.t),
                format!("{:.0}", c.df),
                num(c.p, 4),
                num(c.infit, 2),
                num(c.outfit, 2),
                escape(&c.labels[0]),
                escape(&c.labels[1]),
            ]
        })
        .collect();
    HtmlTable {
        id: "table-13".into(),
        caption: format!(
            "Table 13. Bias/Interaction report: {} (the {} largest of {} terms by |t|; positive bias: scored higher than expected)",
            section.name,
            REPORT_BIAS_TERMS.min(table.cells.len()),
            table.cells.len()
        ),
        header: &[
            "Observd Score",
            "Expctd Score",
            "Count",
            "Obs-Exp Average",
            "Bias Size",
            "Model S.E.",
            "t",
            "d.f.",
            "Prob.",
            "Infit MnSq",
            "Outfit MnSq",
            "Term 1",
            "Term 2",
        ],
        rows,
        text_columns: &[11, 12],
        sortable: true,
    }
    .write(out);
    let s = &table.summary;
    let _ = write!(
        out,
        "<p class=\"summary\">Cells {}; mean bias {:.2}; S.D. {:.2}; mean S.E. {:.2}",
        s.cells, s.mean_bias, s.sd_bias_population, s.mean_se
    );
    if let Some(c) = &s.fixed {
        let _ = write!(
            out,
            "; fixed (all = 0) chi-square {:.1}, d.f. {:.0}, significance (probability) {:.4}",
            c.chi_square, c.df, c.p
        );
    }
    out.push_str("</p>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">R&D 'q'</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D &#39;q&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn missing_numbers_print_as_a_dash() {
        assert_eq!(num(None, 2), "-");
        assert_eq!(num(Some(f64::NAN), 2), "-");
        assert_eq!(num(Some(-0.456), 2), "-0.46");
    }
}
