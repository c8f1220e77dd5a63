//! Bias/interaction terms (Facets Table 13) with 95% intervals: one row per term, its bias in
//! logits (positive: scored higher than the main effects expect, Facets' `Bias = Ability`) and
//! `bias ± 1.96 S.E.`. Terms significant at 5% (two-sided, Student's t on the cell's d.f. as in
//! Table 13) are drawn in vermillion; extreme cells (all responses in the bottom or top
//! category, estimated from an adjusted score) as rings. Large tables show the terms with the
//! largest |t| (as many as the figure's height gives readable rows).

use super::model::{
    Axis, Colour, Figure, Interval, LayerKind, LegendEntry, LegendSymbol, Line, Marker, Panel,
    Point, Tick,
};
use super::scale::{nice_ticks, padded_range};
use super::{FigureKind, FigureSize};
use crate::measure::bias::{InteractionCell, InteractionTable};

/// The normal quantile of a two-sided 95% interval.
pub const Z_95: f64 = 1.96;
/// Pixels per row of terms.
const ROW_PIXELS: f64 = 17.0;
/// Pixels of the figure's height taken by the title, legend, axis and notes.
const CHROME_PIXELS: f64 = 190.0;
/// Characters of a row label at most.
const LABEL_CHARS: usize = 34;

/// The terms a figure of `size` shows at most.
pub fn rows_for(size: FigureSize) -> usize {
    (((size.height as f64 - CHROME_PIXELS) / ROW_PIXELS).floor() as usize).clamp(5, 80)
}

/// Whether a term is significant at 5%.
pub fn significant(cell: &InteractionCell) -> bool {
    match cell.p {
        Some(p) => p < 0.05,
        None => cell.t.abs() >= Z_95,
    }
}

fn row_label(table: &InteractionTable, cell: &InteractionCell) -> String {
    let text = format!(
        "{} {} × {} {}",
        table.terms[0].facet_name, cell.labels[0], table.terms[1].facet_name, cell.labels[1]
    );
    if text.chars().count() <= LABEL_CHARS {
        return text;
    }
    let short = format!("{} × {}", cell.labels[0], cell.labels[1]);
    if short.chars().count() <= LABEL_CHARS {
        short
    } else {
        let cut: String = short.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// The bias figure of `table` for a figure of `size`.
pub fn bias_figure(table: &InteractionTable, size: FigureSize) -> Figure {
    let usable: Vec<&InteractionCell> = table
        .cells
        .iter()
        .filter(|c| c.bias.is_finite() && c.model_se.is_finite())
        .collect();
    let limit = rows_for(size);
    let mut shown: Vec<&InteractionCell> = usable.clone();
    shown.sort_by(|a, b| {
        b.t.abs()
            .total_cmp(&a.t.abs())
            .then(a.levels.cmp(&b.levels))
    });
    shown.truncate(limit);
    // Largest bias on top: row 0 at the bottom.
    shown.sort_by(|a, b| a.bias.total_cmp(&b.bias).then(b.levels.cmp(&a.levels)));
    let rows = shown.len().max(1) as f64;
    let (x_min, x_max) = padded_range(
        shown
            .iter()
            .flat_map(|c| [c.bias - Z_95 * c.model_se, c.bias + Z_95 * c.model_se])
            .chain([0.0]),
        0.05,
        1.0,
        (-1.0, 1.0),
    );
    let y = Axis {
        label: String::new(),
        min: -0.5,
        max: rows - 0.5,
        ticks: shown
            .iter()
            .enumerate()
            .map(|(i, c)| Tick {
                value: i as f64,
                label: row_label(table, c),
            })
            .collect(),
        grid: false,
    };
    let mut x = Axis::numeric("Bias (logits; + scored higher than expected)", x_min, x_max);
    x.ticks = nice_ticks(x_min, x_max, 8);
    let mut panel = Panel::new(x, y);
    panel.push(
        "zero",
        LayerKind::Line(Line {
            points: vec![(0.0, -0.5), (0.0, rows - 0.5)],
            colour: Colour::Grey,
            width: 1,
            dashed: true,
            label: "no bias".to_string(),
        }),
    );
    let colour_of = |c: &InteractionCell| {
        if significant(c) {
            Colour::Vermillion
        } else {
            Colour::Blue
        }
    };
    let intervals = shown
        .iter()
        .enumerate()
        .map(|(i, c)| Interval {
            at: i as f64,
            low: c.bias - Z_95 * c.model_se,
            high: c.bias + Z_95 * c.model_se,
            vertical: false,
            colour: colour_of(c),
            label: row_label(table, c),
        })
        .collect();
    panel.push("95% intervals", LayerKind::Intervals(intervals));
    let points = shown
        .iter()
        .enumerate()
        .map(|(i, c)| Point {
            x: c.bias,
            y: i as f64,
            size: 4.0,
            marker: if c.extreme.is_some() {
                Marker::Ring
            } else {
                Marker::Circle
            },
            colour: colour_of(c),
            label: row_label(table, c),
        })
        .collect();
    panel.push("terms", LayerKind::Points(points));
    let names = format!(
        "{} × {}",
        table.terms[0]
            .attribute
            .as_deref()
            .unwrap_or(&table.terms[0].facet_name),
        table.terms[1]
            .attribute
            .as_deref()
            .unwrap_or(&table.terms[1].facet_name)
    );
    let mut figure = Figure::new(FigureKind::Bias, format!("Bias/interaction: {names}"));
    figure.legend = vec![
        LegendEntry {
            label: "significant at 5%".to_string(),
            colour: Colour::Vermillion,
            symbol: LegendSymbol::Marker(Marker::Circle),
        },
        LegendEntry {
            label: "not significant".to_string(),
            colour: Colour::Blue,
            symbol: LegendSymbol::Marker(Marker::Circle),
        },
        LegendEntry {
            label: "extreme cell".to_string(),
            colour: Colour::Grey,
            symbol: LegendSymbol::Marker(Marker::Ring),
        },
    ];
    let significant_count = usable.iter().filter(|c| significant(c)).count();
    figure.notes.push(format!(
        "{} of {} terms shown (largest |t| first); {} significant at 5%; bars: bias ± 1.96 S.E.",
        shown.len(),
        table.cells.len(),
        significant_count
    ));
    if let Some(fixed) = &table.summary.fixed {
        figure.notes.push(format!(
            "fixed (all = 0) chi-square {:.1} on {:.0} d.f., p = {:.3}",
            fixed.chi_square, fixed.df, fixed.p
        ));
    }
    figure.panels.push(panel);
    figure
}
