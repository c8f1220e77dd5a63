//! The rater fit map: each rater's severity (Table 7 measure) against its infit mean-square,
//! point area by its number of responses, over Linacre's mean-square bands at the project's
//! flag-rule limits ([`FlagRules::band`]: muted, productive, unproductive, distorting). Raters
//! flagged for review, flagged for exclusion, and excluded by a decision in force have their
//! own markers; the most flagged are labelled.

use super::model::{
    Anchor, Axis, Band, Colour, Figure, LayerKind, LegendEntry, LegendSymbol, Marker, Panel, Point,
    TextLabel,
};
use super::scale::{format_value, padded_range};
use super::FigureKind;
use crate::measure::{FacetMeasures, Fit};
use crate::quality::{Flag, FlagLevel, FlagRules};
use std::collections::BTreeMap;

/// Flagged or excluded raters labelled at most.
pub const MAX_LABELLED: usize = 15;
/// Radius of the smallest point and the largest radius of the largest, in pixels.
const RADIUS: (f64, f64) = (2.0, 9.0);

/// The radius of the largest point with `n` raters drawn (smaller when many points crowd).
fn largest_radius(n: usize) -> f64 {
    (RADIUS.1 * (60.0 / n.max(1) as f64).sqrt()).clamp(4.0, RADIUS.1)
}

/// How a rater is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RaterMark {
    /// No flag.
    Plain,
    /// A flag recommending review.
    Review,
    /// A flag recommending exclusion.
    Exclude,
    /// Excluded by a decision in force.
    Excluded,
}

impl RaterMark {
    fn marker(self) -> (Marker, Colour, &'static str) {
        match self {
            RaterMark::Plain => (Marker::Circle, Colour::Blue, "not flagged"),
            RaterMark::Review => (Marker::Triangle, Colour::Orange, "flagged for review"),
            RaterMark::Exclude => (Marker::Diamond, Colour::Vermillion, "flagged for exclusion"),
            RaterMark::Excluded => (Marker::Cross, Colour::Ink, "excluded (decision)"),
        }
    }
}

/// A rater on the map: element index, infit mean-square and measure.
type ShownRater = (usize, f64, f64);

/// The rater fit map of facet `facet` of `fit`: `flags` raised on the run, `excluded` the
/// element indices of the facet excluded by decisions in force.
pub fn raters_figure(
    fit: &Fit,
    facet: usize,
    rules: &FlagRules,
    flags: &[Flag],
    excluded: &[u32],
) -> Figure {
    let measures: &FacetMeasures = &fit.facets[facet];
    let marks = rater_marks(facet, flags, excluded);
    let shown: Vec<ShownRater> = measures
        .elements
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let infit = e.infit?;
            (infit.is_finite() && e.measure.is_finite()).then_some((i, infit, e.measure))
        })
        .collect();
    let most = measures
        .elements
        .iter()
        .map(|e| e.count)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let x_max = shown
        .iter()
        .map(|s| s.1)
        .fold(rules.distorting_mnsq + 0.5, f64::max)
        * 1.04;
    let (y_min, y_max) = padded_range(shown.iter().map(|s| s.2), 0.08, 1.0, (-1.0, 1.0));
    let mut panel = Panel::new(
        Axis::numeric("Infit mean-square", 0.0, x_max),
        Axis::numeric(
            format!("Severity of {} (logits)", measures.name),
            y_min,
            y_max,
        ),
    );
    let (shaded, mut legend) = mean_square_bands(rules, x_max);
    panel.push("bands", LayerKind::Bands(shaded));
    let (points, labelled, used) = rater_points(measures, &shown, &marks, most);
    panel.push(measures.name.clone(), LayerKind::Points(points));
    panel.push(
        format!("{} labels", measures.name),
        LayerKind::Texts(rater_labels(measures, labelled)),
    );
    legend.extend(mark_legend(used));
    let mut figure = Figure::new(
        FigureKind::Raters,
        format!("Rater fit map: {}", measures.name),
    );
    figure.legend = legend;
    figure.notes.push(format!(
        "{} of {} {} shown; point area by responses (largest {}); bands at the project's flag-rule limits",
        shown.len(),
        measures.elements.len(),
        measures.name,
        most as usize
    ));
    if shown.len() < measures.elements.len() {
        figure.notes.push(format!(
            "{} without an infit mean-square (extreme or dropped) are left out",
            measures.elements.len() - shown.len()
        ));
    }
    figure.panels.push(panel);
    figure
}

/// Each rater's strongest mark: its flags on `facet` (exclusion over review), overridden by an
/// exclusion decision in force.
fn rater_marks(facet: usize, flags: &[Flag], excluded: &[u32]) -> BTreeMap<u32, RaterMark> {
    let mut marks: BTreeMap<u32, RaterMark> = BTreeMap::new();
    for flag in flags.iter().filter(|f| f.facet == facet) {
        let mark = match flag.level {
            FlagLevel::Exclude => RaterMark::Exclude,
            FlagLevel::Review => RaterMark::Review,
        };
        let entry = marks.entry(flag.element).or_insert(mark);
        *entry = (*entry).max(mark);
    }
    for &e in excluded {
        marks.insert(e, RaterMark::Excluded);
    }
    marks
}

/// Linacre's mean-square bands at the flag-rule limits (muted, productive, unproductive,
/// distorting) up to `x_max`, and their legend entries.
fn mean_square_bands(rules: &FlagRules, x_max: f64) -> (Vec<Band>, Vec<LegendEntry>) {
    let bands = [
        (0.0, rules.muted_mnsq, Colour::Sky, "muted"),
        (
            rules.muted_mnsq,
            rules.unproductive_mnsq,
            Colour::Green,
            "productive",
        ),
        (
            rules.unproductive_mnsq,
            rules.distorting_mnsq,
            Colour::Orange,
            "unproductive",
        ),
        (
            rules.distorting_mnsq,
            x_max,
            Colour::Vermillion,
            "distorting",
        ),
    ];
    let mut legend = Vec::new();
    let mut shaded = Vec::new();
    for (lo, hi, colour, name) in bands {
        let label = if name == "distorting" {
            format!("{name} > {}", format_value(lo, 1))
        } else if name == "muted" {
            format!("{name} < {}", format_value(hi, 1))
        } else {
            format!("{name} {}-{}", format_value(lo, 1), format_value(hi, 1))
        };
        shaded.push(Band {
            x0: Some(lo),
            x1: Some(hi.max(lo)),
            y0: None,
            y1: None,
            colour,
            label: label.clone(),
        });
        legend.push(LegendEntry {
            label,
            colour,
            symbol: LegendSymbol::Box,
        });
    }
    (shaded, legend)
}

/// A marked rater to label: its mark, element index, infit and measure.
type LabelledRater = (RaterMark, usize, f64, f64);

/// One point per shown rater (area by its responses relative to the `most`), plain raters
/// first so the marked ones are drawn on top; the marked raters to label; and which marks
/// were used.
fn rater_points(
    measures: &FacetMeasures,
    shown: &[ShownRater],
    marks: &BTreeMap<u32, RaterMark>,
    most: f64,
) -> (Vec<Point>, Vec<LabelledRater>, [bool; 4]) {
    let mut points = Vec::new();
    let mut labelled: Vec<LabelledRater> = Vec::new();
    let mut used = [false; 4];
    let largest = largest_radius(shown.len());
    for &(i, infit, measure) in shown {
        let element = &measures.elements[i];
        let mark = marks.get(&(i as u32)).copied().unwrap_or(RaterMark::Plain);
        used[mark as usize] = true;
        let (marker, colour, _) = mark.marker();
        let share = (element.count as f64 / most).sqrt();
        points.push(Point {
            x: infit,
            y: measure,
            size: RADIUS.0 + (largest - RADIUS.0) * share,
            marker,
            colour,
            label: element.label.clone(),
        });
        if mark != RaterMark::Plain {
            labelled.push((mark, i, infit, measure));
        }
    }
    points.sort_by_key(|p| p.marker != Marker::Circle);
    (points, labelled, used)
}

/// Labels of the most strongly marked raters (at most [`MAX_LABELLED`]).
fn rater_labels(measures: &FacetMeasures, mut labelled: Vec<LabelledRater>) -> Vec<TextLabel> {
    labelled.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    labelled
        .iter()
        .take(MAX_LABELLED)
        .map(|&(_, i, infit, measure)| TextLabel {
            x: infit,
            y: measure,
            text: measures.elements[i].label.clone(),
            anchor: Anchor::Left,
            dx: 10,
            colour: Colour::Ink,
            scale: 0.85,
        })
        .collect()
}

/// Legend entries of the marks used, in the order plain, review, exclude, excluded.
fn mark_legend(used: [bool; 4]) -> Vec<LegendEntry> {
    [
        RaterMark::Plain,
        RaterMark::Review,
        RaterMark::Exclude,
        RaterMark::Excluded,
    ]
    .into_iter()
    .filter(|&mark| used[mark as usize])
    .map(|mark| {
        let (marker, colour, label) = mark.marker();
        LegendEntry {
            label: label.to_string(),
            colour,
            symbol: LegendSymbol::Marker(marker),
        }
    })
    .collect()
}
