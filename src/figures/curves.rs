//! Category probability curves (Facets' Graphs, "Probability curves" and "Expected score
//! ICC"): for one rating scale, the probability of each category against the linear predictor
//! relative to the item, `η = B − ΣC − D` (Wright & Masters 1982, eq. 3.1.6, through
//! [`crate::measure::ScaleStatistics::category_curves`]), its Rasch-Andrich thresholds (a
//! disordered threshold, below the one before it, is marked), and the expected score
//! `base + Σ k P_k(η)` with the observed average score of the scale's responses per bin of `η`.

use super::model::{
    Anchor, Axis, Colour, Figure, Interval, LayerKind, LegendEntry, LegendSymbol, Line, Marker,
    Panel, Point, TextLabel,
};
use super::scale::format_value;
use super::FigureKind;
use crate::data::RatingData;
use crate::measure::model::score_moments;
use crate::measure::{Fit, ScaleStatistics};

/// Points per curve.
const CURVE_POINTS: usize = 161;
/// Width of the bins of observed averages, in logits.
pub const OBSERVED_BIN: f64 = 0.5;
/// Logits drawn beyond the outermost thresholds.
const REACH: f64 = 3.0;
/// The categories' colours (vermillion is kept for disordered thresholds and observations).
const CATEGORY_COLOURS: [Colour; 7] = [
    Colour::Blue,
    Colour::Orange,
    Colour::Green,
    Colour::Sky,
    Colour::Purple,
    Colour::Yellow,
    Colour::Grey,
];

/// Which scale (and which item's responses) to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CurveSelection {
    /// The scale (index into `Fit::scales`) named on the command line, if any.
    pub scale: Option<usize>,
    /// The item (facet, element) named, if any: its scale, and only its responses.
    pub item: Option<(usize, u32)>,
}

/// The scale a selection draws: the one named, else the item's own scale, else the first.
pub fn selected_scale(fit: &Fit, selection: &CurveSelection) -> Option<usize> {
    if let Some(s) = selection.scale {
        return Some(s);
    }
    if let (Some((facet, element)), Some(owner)) = (selection.item, fit.scale_facet) {
        if owner == facet {
            if let Some(s) = fit.scales.iter().position(|s| s.element == Some(element)) {
                return Some(s);
            }
        }
    }
    (!fit.scales.is_empty()).then_some(0)
}

/// Observed average score per bin of `η` for the responses on `scale` (of `item` only when
/// given): `(bin centre, mean score, responses)`, bins of [`OBSERVED_BIN`] logits.
pub fn observed_averages(
    fit: &Fit,
    data: &RatingData,
    scale: usize,
    item: Option<(usize, u32)>,
) -> Vec<(f64, f64, usize)> {
    let target = &fit.scales[scale];
    let base = target.categories.first().map_or(0, |c| c.score) as f64;
    let mut bins: std::collections::BTreeMap<i64, (f64, usize)> = Default::default();
    for n in 0..data.len() {
        if let Some((facet, element)) = item {
            if data.elements.get(facet).and_then(|c| c.get(n)) != Some(&element) {
                continue;
            }
        }
        let Some(location) = fit.locate(data, n) else {
            continue;
        };
        if !std::ptr::eq(location.scale, target) || !location.used {
            continue;
        }
        let bin = (location.eta / OBSERVED_BIN).floor() as i64;
        let entry = bins.entry(bin).or_insert((0.0, 0));
        entry.0 += base + location.category as f64;
        entry.1 += 1;
    }
    bins.into_iter()
        .map(|(b, (sum, n))| ((b as f64 + 0.5) * OBSERVED_BIN, sum / n as f64, n))
        .collect()
}

/// The curves figure; `None` when the fit has no scale with a threshold.
pub fn curves_figure(
    fit: &Fit,
    data: Option<&RatingData>,
    selection: &CurveSelection,
) -> Option<Figure> {
    let index = selected_scale(fit, selection)?;
    let scale: &ScaleStatistics = fit.scales.get(index)?;
    let thresholds = scale.thresholds();
    if thresholds.is_empty() {
        return None;
    }
    let lo = thresholds.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = thresholds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = ((lo - REACH).min(-4.0), (hi + REACH).max(4.0));
    let curves = scale.category_curves(range.0, range.1, CURVE_POINTS);

    let mut legend = Vec::new();
    let mut probability = probability_panel(scale, &curves, range, &mut legend);
    let (marks, disordered) = threshold_marks(scale);
    probability.layers.insert(
        0,
        super::model::Layer {
            series: "thresholds".to_string(),
            kind: LayerKind::Intervals(marks),
        },
    );
    let mut score = score_panel(scale, &thresholds, &curves, range);
    let mut notes = Vec::new();
    if fit.scales.len() > 1 && selection.scale.is_none() && selection.item.is_none() {
        notes.push(format!(
            "{} rating scales: the first is drawn (name another item to draw its scale)",
            fit.scales.len()
        ));
    }
    match data {
        Some(data) => {
            let (points, responses) = observed_points(fit, data, index, selection.item, range);
            notes.push(format!(
                "observed averages of {responses} responses in bins of {OBSERVED_BIN} logits"
            ));
            score.push("observed averages", LayerKind::Points(points));
            legend.push(LegendEntry {
                label: "observed average".to_string(),
                colour: Colour::Vermillion,
                symbol: LegendSymbol::Marker(Marker::Diamond),
            });
        }
        None => notes.push(
            "the observations in force are not the run's: observed averages left out".to_string(),
        ),
    }
    legend.push(LegendEntry {
        label: "expected score".to_string(),
        colour: Colour::Ink,
        symbol: LegendSymbol::Line,
    });
    threshold_order_notes(&disordered, &mut legend, &mut notes);
    let subject = curves_subject(fit, selection, scale);
    let mut figure = Figure::new(FigureKind::Curves, format!("Category curves: {subject}"));
    if subject != scale.label {
        figure.subtitle = Some(format!("scale {}", scale.label));
    }
    figure.legend = legend;
    figure.notes = notes;
    figure.panels = vec![probability, score];
    Some(figure)
}

/// Top panel: one probability curve per category, each labelled with its score at its peak
/// (the category entries go into `legend`).
fn probability_panel(
    scale: &ScaleStatistics,
    curves: &[Vec<(f64, f64)>],
    (from, to): (f64, f64),
    legend: &mut Vec<LegendEntry>,
) -> Panel {
    let mut probability = Panel::new(
        Axis::numeric("", from, to),
        Axis::numeric("Probability", 0.0, 1.0),
    );
    probability.title = Some("Category probability curves".to_string());
    probability.weight = 1.2;
    let mut peaks = Vec::new();
    for (k, (curve, category)) in curves.iter().zip(&scale.categories).enumerate() {
        let colour = CATEGORY_COLOURS[k % CATEGORY_COLOURS.len()];
        probability.push(
            "categories",
            LayerKind::Line(Line {
                points: curve.clone(),
                colour,
                width: 2,
                dashed: false,
                label: format!("category {}", category.score),
            }),
        );
        if let Some(&(x, y)) = curve.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            peaks.push(TextLabel {
                x,
                y: (y + 0.04).min(0.97),
                text: category.score.to_string(),
                anchor: Anchor::Centre,
                dx: 0,
                colour,
                scale: 1.0,
            });
        }
        legend.push(LegendEntry {
            label: format!("category {}", category.score),
            colour,
            symbol: LegendSymbol::Line,
        });
    }
    probability.push("category scores", LayerKind::Texts(peaks));
    probability
}

/// The Rasch-Andrich thresholds: a vertical mark each, disordered ones in vermillion; and
/// the scores of the categories whose threshold is disordered.
fn threshold_marks(scale: &ScaleStatistics) -> (Vec<Interval>, Vec<i32>) {
    let mut marks = Vec::new();
    let mut disordered = Vec::new();
    for category in scale.categories.iter() {
        let Some(f) = category.threshold else {
            continue;
        };
        let colour = if category.disordered {
            disordered.push(category.score);
            Colour::Vermillion
        } else {
            Colour::Grey
        };
        marks.push(Interval {
            at: f,
            low: 0.0,
            high: 1.0,
            vertical: true,
            colour,
            label: format!(
                "threshold {} {}{}",
                category.score,
                format_value(f, 2),
                if category.disordered {
                    " (disordered)"
                } else {
                    ""
                }
            ),
        });
    }
    (marks, disordered)
}

/// Bottom panel: the expected score `base + Σ k P_k(η)` (the ICC).
fn score_panel(
    scale: &ScaleStatistics,
    thresholds: &[f64],
    curves: &[Vec<(f64, f64)>],
    (from, to): (f64, f64),
) -> Panel {
    let base = scale.categories.first().map_or(0, |c| c.score) as f64;
    let top = base + (scale.categories.len() - 1) as f64;
    let mut scratch = vec![0.0; thresholds.len() + 1];
    let expected: Vec<(f64, f64)> = curves[0]
        .iter()
        .map(|&(eta, _)| {
            (
                eta,
                base + score_moments(eta, thresholds, &mut scratch).expected,
            )
        })
        .collect();
    let mut score = Panel::new(
        Axis::numeric("Measure relative to the item (logits)", from, to),
        Axis::numeric("Score", base, top),
    );
    score.title = Some("Expected score and observed averages".to_string());
    score.push(
        "expected score",
        LayerKind::Line(Line {
            points: expected,
            colour: Colour::Ink,
            width: 2,
            dashed: false,
            label: "expected score".to_string(),
        }),
    );
    score
}

/// The observed averages inside `(from, to)` as points, and the responses over all bins.
fn observed_points(
    fit: &Fit,
    data: &RatingData,
    scale: usize,
    item: Option<(usize, u32)>,
    (from, to): (f64, f64),
) -> (Vec<Point>, usize) {
    let observed = observed_averages(fit, data, scale, item);
    let points: Vec<Point> = observed
        .iter()
        .filter(|(c, _, _)| *c >= from && *c <= to)
        .map(|&(centre, mean, n)| Point {
            x: centre,
            y: mean,
            size: 3.5,
            marker: Marker::Diamond,
            colour: Colour::Vermillion,
            label: format!(
                "{}: {} ({n})",
                format_value(centre, 2),
                format_value(mean, 2)
            ),
        })
        .collect();
    let responses: usize = observed.iter().map(|o| o.2).sum();
    (points, responses)
}

/// The note on the threshold order, and the legend entry of disordered thresholds.
fn threshold_order_notes(
    disordered: &[i32],
    legend: &mut Vec<LegendEntry>,
    notes: &mut Vec<String>,
) {
    if disordered.is_empty() {
        notes.push("thresholds ordered".to_string());
    } else {
        legend.push(LegendEntry {
            label: "disordered threshold".to_string(),
            colour: Colour::Vermillion,
            symbol: LegendSymbol::Line,
        });
        notes.push(format!(
            "disordered threshold(s) at categor{} {}",
            if disordered.len() == 1 { "y" } else { "ies" },
            disordered
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// What the title names: the selected item, else the scale.
fn curves_subject(fit: &Fit, selection: &CurveSelection, scale: &ScaleStatistics) -> String {
    match selection.item {
        Some((facet, element)) => fit.facets[facet]
            .elements
            .get(element as usize)
            .map(|e| e.label.clone())
            .unwrap_or_else(|| scale.label.clone()),
        None => scale.label.clone(),
    }
}
