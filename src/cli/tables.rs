//! Facets-style text tables of a stored fit (Table 3 iterations, Table 5 global statistics,
//! Table 7 measurement reports, Table 8 category statistics). Presentation only: every number
//! comes from the library's `Fit`.

use scalewright::data::Recode;
use scalewright::measure::bias::{InteractionTable, PairwiseContrast};
use scalewright::measure::statistics::Separation;
use scalewright::measure::table7::{self, arranged_by_measure, TABLE7_COLUMNS};
use scalewright::measure::wright::WrightMap;
use scalewright::measure::{ElementStatus, FacetMeasures, Fit, ScaleStatistics};
use std::fmt::Write as _;

fn opt(v: Option<f64>, width: usize, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:>width$.decimals$}"),
        _ => format!("{:>width$}", "-"),
    }
}

/// Facets' status word for Table 7 ([`ElementStatus::facets_word`]).
pub fn status_word(status: &ElementStatus) -> &'static str {
    status.facets_word()
}

/// Table 3: the iteration report.
pub fn table3(fit: &Fit) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Table 3. Iteration report ({})",
        if fit.converged {
            "converged"
        } else {
            "NOT CONVERGED"
        }
    );
    let _ = writeln!(
        out,
        "  Iter  Max score residual  Max logit change  Log-likelihood"
    );
    for r in &fit.history {
        let _ = writeln!(
            out,
            "  {:>4}  {:>18.4}  {:>16.4}  {:>14.2}",
            r.iteration, r.max_score_residual, r.max_change, r.log_likelihood
        );
    }
    out
}

/// Table 5: the measurable data summary (global statistics).
pub fn table5(fit: &Fit) -> String {
    let g = &fit.global;
    let mut out = String::new();
    let _ = writeln!(out, "Table 5. Measurable data summary");
    let _ = writeln!(
        out,
        "  Responses {} (used in estimation {})",
        g.observations, g.estimation_observations
    );
    let _ = writeln!(
        out,
        "  Log-likelihood {:.2}   Pearson chi-square {:.2}   d.f. {:.0}",
        g.log_likelihood, g.pearson_chi_square, g.degrees_of_freedom
    );
    let _ = writeln!(
        out,
        "  Variance: observed {:.4}, explained by measures {:.4}, residual {:.4}; explained {:.2}%",
        g.observed_variance, g.explained_variance, g.residual_variance, g.explained_percent
    );
    let _ = writeln!(
        out,
        "  Unexpected responses (|StRes| >= {}): {}",
        fit.options.unexpected_z, g.unexpected_responses
    );
    out
}

fn separation_line(label: &str, s: &Separation) -> String {
    format!(
        "  {label:<16} RMSE {:.2}  Adj (True) S.D. {:.2}  Separation {:.2}  Strata {:.2}  Reliability {:.2}",
        s.rmse, s.adjusted_sd, s.separation, s.strata, s.reliability
    )
}

/// The text widths of Table 7's columns ([`TABLE7_COLUMNS`]).
const TABLE7_WIDTHS: [usize; 15] = [8, 6, 7, 7, 8, 6, 6, 5, 5, 6, 5, 6, 5, 5, 6];
/// The columns that start a group Facets sets off with `|`: fit, discrimination, point-measure.
const TABLE7_GROUP_STARTS: [usize; 3] = [7, 11, 12];

/// Table 7 for one facet, arranged by measure (descending), as Facets prints it.
pub fn table7(index: usize, facet: &FacetMeasures) -> String {
    let mut out = String::new();
    let caption = table7::caption(index, facet);
    let _ = writeln!(
        out,
        "{} (arranged by measure; {} orientation, {})",
        caption.title, caption.orientation, caption.centring
    );
    let _ = writeln!(
        out,
        "  {:>8} {:>6} {:>7} {:>7} {:>8} {:>6} {:>6} | {:>5} {:>5} {:>6} {:>5} | {:>6} | {:>5} {:>5} {:>6} | {:<8} Element",
        "Total", "Count", "Obsvd", "Fair(M)", "Measure", "Model", "Real", "Infit", "ZStd", "Outfit", "ZStd", "Estim.", "PtMea", "PtExp", "Displ", "Status"
    );
    let _ = writeln!(
        out,
        "  {:>8} {:>6} {:>7} {:>7} {:>8} {:>6} {:>6} | {:>5} {:>5} {:>6} {:>5} | {:>6} | {:>5} {:>5} {:>6} |",
        "Score", "", "Average", "Average", "", "S.E.", "S.E.", "MnSq", "", "MnSq", "", "Discrm", "", "", ""
    );
    for el in arranged_by_measure(facet) {
        let mut line = String::from(" ");
        for (i, (column, width)) in TABLE7_COLUMNS.iter().zip(TABLE7_WIDTHS).enumerate() {
            if TABLE7_GROUP_STARTS.contains(&i) {
                line.push_str(" |");
            }
            line.push(' ');
            line.push_str(&opt((column.value)(el), width, column.decimals));
        }
        let _ = writeln!(out, "{line} | {:<8} {}", status_word(&el.status), el.label);
    }
    let s = &facet.summary;
    let _ = writeln!(
        out,
        "  Mean (count {}) {:.2}   S.D. (populn) {:.2}   S.D. (sample) {:.2}",
        s.count, s.mean_measure, s.sd_population, s.sd_sample
    );
    let _ = writeln!(
        out,
        "{}",
        separation_line("Model, populn:", &s.model_population)
    );
    let _ = writeln!(
        out,
        "{}",
        separation_line("Model, sample:", &s.model_sample)
    );
    let _ = writeln!(
        out,
        "{}",
        separation_line("Real, populn:", &s.real_population)
    );
    if let Some(c) = &s.fixed {
        let _ = writeln!(
            out,
            "  Fixed (all same) chi-square: {:.1}  d.f.: {:.0}  significance (probability): {:.4}",
            c.chi_square, c.df, c.p
        );
    }
    if let Some(c) = &s.random {
        let _ = writeln!(
            out,
            "  Random (normal) chi-square: {:.1}  d.f.: {:.0}  significance (probability): {:.4}",
            c.chi_square, c.df, c.p
        );
    }
    out
}

/// The recode lines that concern `scale`: its item's (per-item scales) or every item's (a
/// shared rating scale).
pub fn scale_recode(scale: &ScaleStatistics, recode: Option<&Recode>) -> Vec<String> {
    recode.map_or_else(Vec::new, |r| {
        r.describe_scale(scale.element.map(|_| scale.label.as_str()))
    })
}

/// Table 8 for one scale; `recode` is the run's recode (its lines for this scale's items are
/// printed under the heading).
pub fn table8(scale: &ScaleStatistics, recode: Option<&Recode>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Table 8. Category statistics: {}{}{}",
        scale.label,
        if scale.anchored { " (anchored)" } else { "" },
        if scale.is_disordered() {
            "  ** disordered thresholds **"
        } else {
            ""
        }
    );
    for line in scale_recode(scale, recode) {
        let _ = writeln!(out, "  Recoded for this run: {line}");
    }
    let _ = writeln!(
        out,
        "  {:>5} {:>7} {:>6} {:>9} {:>9} {:>7} {:>10} {:>6}",
        "Score", "Used", "%", "Avge Meas", "Exp. Meas", "Outfit", "Threshold", "S.E."
    );
    for c in &scale.categories {
        let _ = writeln!(
            out,
            "  {:>5} {:>7} {:>5.0}% {} {} {} {} {}{}",
            c.score,
            c.count,
            c.percent,
            opt(c.average_measure, 9, 2),
            opt(c.expected_measure, 9, 2),
            opt(c.outfit, 7, 2),
            opt(c.threshold, 10, 2),
            opt(c.threshold_se, 6, 2),
            if c.disordered { "  <- disordered" } else { "" }
        );
    }
    out
}

fn term_name(table: &InteractionTable, t: usize) -> String {
    let term = &table.terms[t];
    match &term.attribute {
        Some(a) => format!("{}.{a}", term.facet_name),
        None => term.facet_name.clone(),
    }
}

/// Table 13: bias/interaction cells, largest |t| first (at most `top` rows).
pub fn table13(table: &InteractionTable, top: usize) -> String {
    let mut out = String::new();
    let (a, b) = (term_name(table, 0), term_name(table, 1));
    let _ = writeln!(
        out,
        "Table 13. Bias/Interaction report: {a} x {b} (positive bias: scored higher than expected)"
    );
    let _ = writeln!(
        out,
        "  {:>8} {:>8} {:>5} {:>8} | {:>6} {:>6} {:>6} {:>5} {:>7} | {:>5} {:>6} | {:<14} {}",
        "Observd",
        "Expctd",
        "Count",
        "Obs-Exp",
        "Bias",
        "S.E.",
        "t",
        "d.f.",
        "Prob.",
        "Infit",
        "Outfit",
        a,
        b
    );
    let mut order: Vec<&scalewright::measure::bias::InteractionCell> = table.cells.iter().collect();
    order.sort_by(|x, y| y.t.abs().total_cmp(&x.t.abs()));
    for c in order.iter().take(top) {
        let _ = writeln!(
            out,
            "  {:>8.1} {:>8.2} {:>5} {:>8.2} | {:>6.2} {:>6.2} {:>6.2} {:>5.0} {} | {} {} | {:<14} {}{}",
            c.observed_score,
            c.expected_score,
            c.count,
            c.observed_minus_expected_average,
            c.bias,
            c.model_se,
            c.t,
            c.df,
            opt(c.p, 7, 4),
            opt(c.infit, 5, 2),
            opt(c.outfit, 6, 2),
            c.labels[0],
            c.labels[1],
            if c.extreme.is_some() { "  (extreme)" } else { "" }
        );
    }
    if table.cells.len() > top {
        let _ = writeln!(
            out,
            "  ... {} more cells (--top N, or --format csv for all)",
            table.cells.len() - top
        );
    }
    let s = &table.summary;
    let _ = writeln!(
        out,
        "  Cells {}  mean bias {:.2}  S.D. {:.2}  mean S.E. {:.2}",
        s.cells, s.mean_bias, s.sd_bias_population, s.mean_se
    );
    if let Some(c) = &s.fixed {
        let _ = writeln!(
            out,
            "  Fixed (all = 0) chi-square: {:.1}  d.f.: {:.0}  significance (probability): {:.4}",
            c.chi_square, c.df, c.p
        );
    }
    out
}

/// Table 14: pairwise contrasts of a target's local measure between two contexts.
pub fn table14(table: &InteractionTable, contrasts: &[PairwiseContrast]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Table 14. Pairwise bias report ({} x {})",
        term_name(table, 0),
        term_name(table, 1)
    );
    let _ = writeln!(
        out,
        "  {:<12} {:<12} {:>7} {:>5} {:<12} {:>7} {:>5} | {:>8} {:>6} {:>6} {:>5} {:>7}",
        "Target",
        "Context",
        "Measure",
        "S.E.",
        "Context",
        "Measure",
        "S.E.",
        "Contrast",
        "S.E.",
        "t",
        "d.f.",
        "Prob."
    );
    for c in contrasts {
        let _ = writeln!(
            out,
            "  {:<12} {:<12} {:>7.2} {:>5.2} {:<12} {:>7.2} {:>5.2} | {:>8.2} {:>6.2} {:>6.2} {} {}",
            c.target_label,
            c.context_labels[0],
            c.local_measures[0],
            c.standard_errors[0],
            c.context_labels[1],
            c.local_measures[1],
            c.standard_errors[1],
            c.contrast,
            c.joint_se,
            c.t,
            opt(c.df, 5, 0),
            opt(c.p, 7, 4)
        );
    }
    out
}

/// Table 4: unexpected responses, largest |StRes| first.
pub fn table4(data: &scalewright::data::RatingData, fit: &Fit, top: usize) -> String {
    let mut out = String::new();
    let unexpected = fit.unexpected(data);
    let _ = writeln!(
        out,
        "Table 4. Unexpected responses (|StRes| >= {}): {} of {}",
        fit.options.unexpected_z,
        unexpected.len(),
        data.len()
    );
    let names: Vec<&str> = data.facets.iter().map(|f| f.name.as_str()).collect();
    let _ = writeln!(
        out,
        "  {:>5} {:>6} {:>7} {:>6}  {}",
        "Score",
        "Exp.",
        "Resd",
        "StRes",
        names.join("  ")
    );
    for r in unexpected.iter().take(top) {
        let labels: Vec<&str> = data
            .facets
            .iter()
            .zip(&data.elements)
            .map(|(f, column)| f.labels[column[r.observation] as usize].as_str())
            .collect();
        let _ = writeln!(
            out,
            "  {:>5} {:>6.2} {:>7.2} {:>6.2}  {}",
            r.score,
            r.expected,
            r.residual,
            r.standardized,
            labels.join("  ")
        );
    }
    if unexpected.len() > top {
        let _ = writeln!(
            out,
            "  ... {} more (--top N, or --format csv)",
            unexpected.len() - top
        );
    }
    out
}

/// Logits per row of the text Wright map (Facets' Table 6 binning).
pub const RULER_STEP: f64 = 0.5;
/// Columns of the text Wright map per facet.
const RULER_WIDTH: usize = 14;

/// Table 6: all facets on one logit ruler, binned by the library ([`WrightMap`], half-logit
/// rows): up to three labels per cell, more as `#` marks with the count.
pub fn table6(map: Option<&WrightMap>) -> String {
    let mut out = String::new();
    let Some(map) = map else {
        return "Table 6. Wright map: no measured elements\n".into();
    };
    let _ = writeln!(out, "Table 6. Wright map (one row = {} logit; counts of elements; objects: more +, others: more severe/difficult +)", map.step);
    let mut header = format!("  {:>7} |", "Measure");
    for f in &map.facets {
        header.push_str(&format!(
            " {:<RULER_WIDTH$}|",
            format!("{}{}", if f.positive { "+" } else { "-" }, f.name)
        ));
    }
    let _ = writeln!(out, "{header}");
    for (row, centre) in map.centres.iter().enumerate() {
        let mut line = format!("  {centre:>7.1} |");
        for facet in &map.facets {
            let in_row: Vec<&str> = facet.rows[row]
                .iter()
                .map(|&e| facet.elements[e].label.as_str())
                .collect();
            let cell = match in_row.len() {
                0 => String::new(),
                n if n <= 3 => in_row.join(" "),
                n => format!(
                    "{} {n}",
                    "#".repeat((n as f64).log2().ceil().clamp(1.0, 8.0) as usize)
                ),
            };
            line.push_str(&format!(" {:<RULER_WIDTH$.RULER_WIDTH$}|", cell));
        }
        let _ = writeln!(out, "{line}");
    }
    out
}
