//! The rater diagnosis ([`crate::quality::diagnosis`]) as a figure: every rater the diagnosis
//! flagged at its generalized-model discrimination `α` (x) and threshold stretch `ω` (y), each
//! coloured by its most significant type, with the Rasch values `α = ω = 1` marked. Low `α` is
//! low discrimination (random responding near 0), `ω > 1` central tendency, `ω < 1` extreme
//! responding; halo, reversed-item, modal and careless raters may sit anywhere.

use std::collections::BTreeMap;

use super::model::{
    Axis, Colour, Figure, LayerKind, LegendEntry, LegendSymbol, Line, Marker, Panel, Point,
};
use super::scale::format_value;
use super::FigureKind;
use crate::quality::{diagnosis_findings, Flag, Rule};

/// Shortest span of either axis (logit-scale units of the slopes).
const MIN_SPAN: f64 = 2.0;

/// The figure of the diagnosis flags `flags` (those with a rater type; a rater's most
/// significant one decides its colour). `None` without any.
pub fn quality_figure(flags: &[Flag]) -> Option<Figure> {
    let strongest: Vec<&Flag> = diagnosis_findings(flags)
        .into_values()
        .filter_map(|list| list.first().copied())
        .collect();
    if strongest.is_empty() {
        return None;
    }
    let mut by_rule: BTreeMap<&'static str, Vec<Point>> = BTreeMap::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut without_estimates = 0;
    let (mut lo, mut hi) = ((0.0_f64, 0.0_f64), (1.5_f64, 1.5_f64));
    for flag in &strongest {
        *counts.entry(flag.rule.name()).or_default() += 1;
        let (Some(&alpha), Some(&omega)) = (
            flag.evidence.get("discrimination"),
            flag.evidence.get("stretch"),
        ) else {
            without_estimates += 1;
            continue;
        };
        lo = (lo.0.min(alpha), lo.1.min(omega));
        hi = (hi.0.max(alpha), hi.1.max(omega));
        by_rule.entry(flag.rule.name()).or_default().push(Point {
            x: alpha,
            y: omega,
            size: 4.0,
            marker: Marker::Circle,
            colour: Colour::Ink,
            label: format!(
                "{}: {} (α {}, ω {})",
                flag.label,
                flag.rater_type.as_deref().unwrap_or(""),
                format_value(alpha, 2),
                format_value(omega, 2)
            ),
        });
    }
    let pad = |a: f64, b: f64| {
        let span = (b - a).max(MIN_SPAN);
        let middle = (a + b) / 2.0;
        (middle - span / 2.0 - 0.1, middle + span / 2.0 + 0.1)
    };
    let (x0, x1) = pad(lo.0, hi.0);
    let (y0, y1) = pad(lo.1, hi.1);
    let mut panel = Panel::new(
        Axis::numeric("Discrimination α (1 = the scale's)", x0, x1),
        Axis::numeric("Threshold stretch ω (> 1 central, < 1 extreme)", y0, y1),
    );
    for (points, colour) in [
        (vec![(1.0, y0), (1.0, y1)], Colour::Grey),
        (vec![(x0, 1.0), (x1, 1.0)], Colour::Grey),
    ] {
        panel.push(
            "rasch",
            LayerKind::Line(Line {
                points,
                colour,
                width: 1,
                dashed: true,
                label: "the Rasch model (α = ω = 1)".to_string(),
            }),
        );
    }
    let mut legend = Vec::new();
    for (i, rule) in Rule::DIAGNOSIS.iter().enumerate() {
        let Some(mut points) = by_rule.remove(rule.name()) else {
            continue;
        };
        let colour = Colour::series(i);
        for point in &mut points {
            point.colour = colour;
        }
        legend.push(LegendEntry {
            label: format!("{} ({})", rule.name().replace('_', " "), points.len()),
            colour,
            symbol: LegendSymbol::Marker(Marker::Circle),
        });
        panel.push(rule.name(), LayerKind::Points(points));
    }
    let mut figure = Figure::new(
        FigureKind::Quality,
        "Rater diagnosis: how each flagged rater fails",
    );
    figure.legend = legend;
    let total: usize = counts.values().sum();
    figure.notes.push(format!(
        "{total} rater(s) flagged by the diagnosis, by most significant type: {}",
        counts
            .iter()
            .map(|(rule, n)| format!("{} {n}", rule.replace('_', " ")))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if without_estimates > 0 {
        figure.notes.push(format!(
            "{without_estimates} flagged rater(s) without finite α, ω (e.g. straight-lining) are not drawn"
        ));
    }
    figure.panels.push(panel);
    Some(figure)
}
