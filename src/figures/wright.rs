//! The variable map (Facets Table 6) as a figure: one logit ruler, one column per facet. The
//! objects are a histogram (one bar per non-empty row, its count beside it); a facet small
//! enough to label has one point per element at its measure and the labels of each row written
//! beside them (cut with `+N` when the column is too narrow); a larger facet is binned like the
//! objects. Rows are those of [`crate::measure::wright::WrightMap`] with `Binning::Rows`, as
//! many as the figure's height gives readable lines.

use super::model::{Anchor, Axis, Bar, Colour, Figure, LayerKind, Panel, Point, TextLabel, Tick};
use super::scale::{format_value, nice_ticks};
use super::{FigureKind, FigureSize};
use crate::data::FacetRole;
use crate::measure::wright::{Binning, MapFacet, WrightMap};
use crate::measure::Fit;

/// Pixels per row of the map (one line of labels).
const ROW_PIXELS: f64 = 17.0;
/// Fewest and most rows.
const ROWS: (usize, usize) = (8, 60);
/// Pixels of an average character of the labels (DejaVu Sans at the label size).
const CHAR_PIXELS: f64 = 7.2;
/// Pixels of the figure's height taken by the title, axis and margins.
const CHROME_PIXELS: f64 = 130.0;

/// How a facet's column is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnStyle {
    /// A histogram of counts per row.
    Histogram,
    /// One point per element and its label.
    Labelled,
}

/// The rows a figure of `size` shows.
pub fn rows_for(size: FigureSize) -> usize {
    (((size.height as f64 - CHROME_PIXELS) / ROW_PIXELS).floor() as usize).clamp(ROWS.0, ROWS.1)
}

/// Whether a facet is labelled or binned on a map of `rows` rows: objects are always binned;
/// another facet is labelled when it has at most two elements per row on average.
pub fn column_style(role: FacetRole, elements: usize, rows: usize) -> ColumnStyle {
    if role == FacetRole::Object || elements > 2 * rows {
        ColumnStyle::Histogram
    } else {
        ColumnStyle::Labelled
    }
}

/// The Wright map of `fit` for a figure of `size`; `None` when no element has a measure.
pub fn wright_figure(fit: &Fit, size: FigureSize) -> Option<Figure> {
    let rows = rows_for(size);
    let map = WrightMap::new(fit, Binning::Rows(rows))?;
    // Objects first, then the other facets in model order.
    let mut order: Vec<usize> = (0..fit.facets.len()).collect();
    order.sort_by_key(|&f| fit.facets[f].role != FacetRole::Object);
    let columns = order.len();
    let half = map.step / 2.0;
    let top = map.centres.first().copied().unwrap_or(0.0) + half;
    let bottom = map.centres.last().copied().unwrap_or(0.0) - half;
    let pad = (top - bottom) * 0.02;
    let mut y = Axis::numeric("Measure (logits)", bottom - pad, top + pad);
    y.ticks = nice_ticks(y.min, y.max, 10);
    let x = Axis {
        label: String::new(),
        min: 0.0,
        max: columns as f64,
        ticks: order
            .iter()
            .enumerate()
            .map(|(c, &f)| Tick {
                value: c as f64 + 0.5,
                label: format!(
                    "{}{}",
                    if fit.facets[f].positive { "+" } else { "-" },
                    fit.facets[f].name
                ),
            })
            .collect(),
        grid: false,
    };
    let mut panel = Panel::new(x, y);
    let column_pixels = (size.width as f64 - 120.0) / columns as f64;
    let mut notes = Vec::new();
    for (c, &f) in order.iter().enumerate() {
        let facet = &map.facets[f];
        let colour = Colour::series(c);
        let style = column_style(fit.facets[f].role, facet.elements.len(), rows);
        match style {
            ColumnStyle::Histogram => {
                histogram_column(&mut panel, &map, facet, c, colour);
                if fit.facets[f].role != FacetRole::Object {
                    notes.push(format!(
                        "{}: {} elements, binned (counts per row)",
                        facet.name,
                        facet.elements.len()
                    ));
                }
            }
            ColumnStyle::Labelled => {
                labelled_column(&mut panel, &map, facet, c, colour, column_pixels);
            }
        }
    }
    let mut figure = Figure::new(FigureKind::Wright, "Variable map (Wright map)");
    notes.insert(
        0,
        format!(
            "{} rows of {} logits; + higher is more (objects), - higher is more severe or difficult",
            map.centres.len(),
            format_value(map.step, 2)
        ),
    );
    figure.notes = notes;
    figure.panels.push(panel);
    Some(figure)
}

/// One bar per non-empty row, its length the row's share of the column's fullest row, with the
/// count beside it.
fn histogram_column(
    panel: &mut Panel,
    map: &WrightMap,
    facet: &MapFacet,
    c: usize,
    colour: Colour,
) {
    let most = facet.rows.iter().map(Vec::len).max().unwrap_or(0).max(1) as f64;
    let half = map.step / 2.0 * 0.88;
    let left = c as f64 + 0.06;
    let room = 0.62;
    let mut bars = Vec::new();
    let mut counts = Vec::new();
    for (row, members) in facet.rows.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        let centre = map.centres[row];
        let right = left + room * members.len() as f64 / most;
        bars.push(Bar {
            x0: left,
            x1: right,
            y0: centre - half,
            y1: centre + half,
            colour,
            label: format!(
                "{} {}: {}",
                facet.name,
                format_value(centre, 2),
                members.len()
            ),
        });
        counts.push(TextLabel {
            x: right,
            y: centre,
            text: members.len().to_string(),
            anchor: Anchor::Left,
            dx: 4,
            colour: Colour::Ink,
            scale: 0.8,
        });
    }
    panel.push(facet.name.clone(), LayerKind::Bars(bars));
    panel.push(format!("{} counts", facet.name), LayerKind::Texts(counts));
}

/// One point per element at its measure, and per row its elements' labels (cut to the
/// column's width with `+N`).
fn labelled_column(
    panel: &mut Panel,
    map: &WrightMap,
    facet: &MapFacet,
    c: usize,
    colour: Colour,
    column_pixels: f64,
) {
    let x = c as f64 + 0.08;
    let points = facet
        .elements
        .iter()
        .map(|e| Point {
            x,
            y: e.measure,
            size: 3.0,
            marker: super::Marker::Circle,
            colour,
            label: e.label.clone(),
        })
        .collect();
    let max_chars = ((column_pixels * 0.86) / CHAR_PIXELS).floor().max(6.0) as usize;
    let labels = facet
        .rows
        .iter()
        .enumerate()
        .filter(|(_, members)| !members.is_empty())
        .map(|(row, members)| {
            let names: Vec<&str> = members
                .iter()
                .map(|&i| facet.elements[i].label.as_str())
                .collect();
            TextLabel {
                x,
                y: map.centres[row],
                text: fit_labels(&names, max_chars),
                anchor: Anchor::Left,
                dx: 7,
                colour: Colour::Ink,
                scale: 0.9,
            }
        })
        .collect();
    panel.push(facet.name.clone(), LayerKind::Points(points));
    panel.push(format!("{} labels", facet.name), LayerKind::Texts(labels));
}

/// As many of `names` as fit in `max_chars` characters, space-separated, then `+N` for the
/// rest (a single long name is cut with `…`).
pub fn fit_labels(names: &[&str], max_chars: usize) -> String {
    let mut text = String::new();
    for (i, name) in names.iter().enumerate() {
        let rest = names.len() - i - 1;
        let suffix = if rest > 0 {
            format!(" +{rest}")
        } else {
            String::new()
        };
        let sep = if text.is_empty() { 0 } else { 1 };
        let fits =
            text.chars().count() + sep + name.chars().count() + suffix.chars().count() <= max_chars;
        if !fits {
            if text.is_empty() {
                let keep = max_chars.saturating_sub(1 + suffix.chars().count()).max(1);
                let cut: String = name.chars().take(keep).collect();
                return format!("{cut}…{suffix}");
            }
            return format!("{text} +{}", names.len() - i);
        }
        if sep == 1 {
            text.push(' ');
        }
        text.push_str(name);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_to_the_column_with_the_rest_counted() {
        assert_eq!(fit_labels(&["r1", "r2", "r3"], 20), "r1 r2 r3");
        assert_eq!(
            fit_labels(&["rater1", "rater2", "rater3"], 16),
            "rater1 rater2 +1"
        );
        assert_eq!(fit_labels(&["rater1", "rater2", "rater3"], 12), "rater1 +2");
        assert_eq!(fit_labels(&["averyverylongname"], 8), "averyve…");
        assert_eq!(fit_labels(&["averyverylongname", "b"], 10), "averyv… +1");
    }

    #[test]
    fn objects_are_binned_and_small_facets_labelled() {
        assert_eq!(
            column_style(FacetRole::Object, 3, 20),
            ColumnStyle::Histogram
        );
        assert_eq!(
            column_style(FacetRole::Rater, 40, 20),
            ColumnStyle::Labelled
        );
        assert_eq!(
            column_style(FacetRole::Rater, 41, 20),
            ColumnStyle::Histogram
        );
        assert_eq!(rows_for(FigureSize::new(900, 600).unwrap()), 27);
    }
}
