//! Object measures, their standard errors and the test information.
//!
//! - **Top panel**: a histogram of the object measures (every object with a measure: measured,
//!   anchored and extreme ones at their extreme-score estimates).
//! - **Middle panel**: each object's model S.E. against its measure (above
//!   [`MAX_OBJECT_POINTS`] objects: per measure bin the mean S.E. as a point and the range as an
//!   interval), with the S.E. the test information predicts, `1/√I(θ)`, as a dashed line.
//! - **Bottom panel**: the test information `I(θ)` of the mean design: the model variance of a
//!   rating (Wright & Masters 1982, eq. 5.4.2) summed over the items, at every other facet's mean
//!   measure, times the mean number of ratings per item an object received,
//!
//! ```text
//! I(θ) = r̄ · Σ_i W(θ − D_i − Σ_f C̄_f; F_i),   r̄ = mean object count / items.
//! ```
//!
//! Facets has no test-information graph; Winsteps' Table 20 plots the same function for a
//! persons x items test.

use super::model::{
    Axis, Bar, Colour, Figure, Interval, LayerKind, LegendEntry, LegendSymbol, Line, Marker, Panel,
    Point,
};
use super::scale::{format_value, nice_step, padded_range};
use super::FigureKind;
use crate::data::FacetRole;
use crate::measure::model::score_moments;
use crate::measure::wright::on_map;
use crate::measure::Fit;

/// Above this many objects the S.E. panel shows bins instead of one point per object.
pub const MAX_OBJECT_POINTS: usize = 2000;
/// About this many histogram bins.
const BINS: usize = 30;
/// Points of the information curve.
const CURVE_POINTS: usize = 121;

/// One item as the information takes it: its location (difficulty plus the other facets' mean
/// measures) and the threshold sets it is rated on.
pub type InformationItem = (f64, Vec<Vec<f64>>);

/// The test information at `theta`: `r̄ · Σ_i W(θ − location_i; F_i)` over `items`, each item
/// a location (difficulty plus the other facets' mean measures) and the threshold sets it is
/// rated on (averaged when it has several).
pub fn test_information(theta: f64, items: &[InformationItem], ratings_per_item: f64) -> f64 {
    let mut scratch = Vec::new();
    let mut total = 0.0;
    for (location, scales) in items {
        if scales.is_empty() {
            continue;
        }
        let mut w = 0.0;
        for thresholds in scales {
            scratch.resize(thresholds.len() + 1, 0.0);
            w += score_moments(theta - location, thresholds, &mut scratch).variance;
        }
        total += w / scales.len() as f64;
    }
    ratings_per_item * total
}

/// The items of a fit as [`test_information`] takes them, and the mean ratings per item per
/// object. `None` without an item facet or object with responses.
pub fn information_design(fit: &Fit) -> Option<(Vec<InformationItem>, f64)> {
    let item_facet = fit.facets.iter().position(|f| f.role == FacetRole::Item)?;
    let object_facet = fit
        .facets
        .iter()
        .position(|f| f.role == FacetRole::Object)?;
    let others: f64 = fit
        .facets
        .iter()
        .enumerate()
        .filter(|(f, _)| *f != item_facet && *f != object_facet)
        .map(|(_, facet)| {
            let active: Vec<f64> = facet
                .elements
                .iter()
                .filter(|e| e.status.is_active())
                .map(|e| e.measure)
                .collect();
            if active.is_empty() {
                0.0
            } else {
                active.iter().sum::<f64>() / active.len() as f64
            }
        })
        .sum();
    let all_scales: Vec<Vec<f64>> = fit.scales.iter().map(|s| s.thresholds()).collect();
    let items: Vec<InformationItem> = fit.facets[item_facet]
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| on_map(e.status))
        .map(|(i, e)| {
            let scales = if fit.scale_facet == Some(item_facet) {
                fit.scales
                    .iter()
                    .filter(|s| s.element == Some(i as u32))
                    .map(|s| s.thresholds())
                    .collect()
            } else {
                all_scales.clone()
            };
            (e.measure + others, scales)
        })
        .collect();
    let objects: Vec<usize> = fit.facets[object_facet]
        .elements
        .iter()
        .filter(|e| on_map(e.status) && e.count > 0)
        .map(|e| e.count)
        .collect();
    if items.is_empty() || objects.is_empty() {
        return None;
    }
    let mean_count = objects.iter().sum::<usize>() as f64 / objects.len() as f64;
    let n = items.len() as f64;
    Some((items, mean_count / n))
}

/// An object on the map: its label, measure and model S.E. (when finite).
type ObjectMeasure<'a> = (&'a str, f64, Option<f64>);

/// The histogram bins of the object measures: `bins` bins of width `step` from `first · step`
/// to `last · step`, with the count and the S.E.s of the objects in each.
struct MeasureBins {
    step: f64,
    first: i64,
    last: i64,
    counts: Vec<usize>,
    ses: Vec<Vec<f64>>,
}

impl MeasureBins {
    /// Bins of about [`BINS`] per padded measure range, at a nice step.
    fn of(measured: &[ObjectMeasure]) -> MeasureBins {
        let (x_min, x_max) = padded_range(measured.iter().map(|m| m.1), 0.05, 1.0, (-1.0, 1.0));
        let step = nice_step((x_max - x_min) / BINS as f64);
        let first = (x_min / step).floor() as i64;
        let last = (x_max / step).ceil() as i64;
        let bins = (last - first).max(1) as usize;
        let bin_of = |m: f64| (((m / step).floor() as i64 - first).max(0) as usize).min(bins - 1);
        let mut counts = vec![0usize; bins];
        let mut ses: Vec<Vec<f64>> = vec![Vec::new(); bins];
        for &(_, m, se) in measured {
            counts[bin_of(m)] += 1;
            if let Some(se) = se {
                ses[bin_of(m)].push(se);
            }
        }
        MeasureBins {
            step,
            first,
            last,
            counts,
            ses,
        }
    }

    /// The measure range the bins cover (every panel's x axis).
    fn range(&self) -> (f64, f64) {
        (self.first as f64 * self.step, self.last as f64 * self.step)
    }

    /// The lower edge of bin `b`.
    fn lower(&self, b: usize) -> f64 {
        (self.first + b as i64) as f64 * self.step
    }
}

/// The distribution figure of `fit`; `None` without an object facet with measures.
pub fn distribution_figure(fit: &Fit) -> Option<Figure> {
    let object_facet = fit
        .facets
        .iter()
        .position(|f| f.role == FacetRole::Object)?;
    let objects = &fit.facets[object_facet];
    let measured: Vec<ObjectMeasure> = objects
        .elements
        .iter()
        .filter(|e| on_map(e.status) && e.measure.is_finite())
        .map(|e| {
            (
                e.label.as_str(),
                e.measure,
                e.model_se.filter(|s| s.is_finite()),
            )
        })
        .collect();
    if measured.is_empty() {
        return None;
    }
    let bins = MeasureBins::of(&measured);
    let name = objects.name.as_str();
    let histogram = histogram_panel(&bins, name);
    let design = information_design(fit);
    let curve = information_curve(design.as_ref(), bins.range());
    let errors = errors_panel(&measured, &bins, &curve, name);
    let information = information_panel(curve, bins.range());
    let mut figure = Figure::new(
        FigureKind::Distribution,
        format!("Distribution of {name} measures"),
    );
    figure.legend = distribution_legend(name);
    figure.notes = distribution_notes(design.as_ref(), measured.len(), name);
    figure.panels = vec![histogram, errors, information];
    Some(figure)
}

/// Top panel: the histogram of the object measures.
fn histogram_panel(bins: &MeasureBins, name: &str) -> Panel {
    let (x_lo, x_hi) = bins.range();
    let step = bins.step;
    let most = bins.counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut histogram = Panel::new(
        Axis::numeric("", x_lo, x_hi),
        Axis::numeric("Count", 0.0, most * 1.08),
    );
    let bars = bins
        .counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(b, &n)| {
            let x0 = bins.lower(b);
            Bar {
                x0,
                x1: x0 + step,
                y0: 0.0,
                y1: n as f64,
                colour: Colour::Blue,
                label: format!(
                    "{}-{}: {n}",
                    format_value(x0, 2),
                    format_value(x0 + step, 2)
                ),
            }
        })
        .collect();
    histogram.push(name, LayerKind::Bars(bars));
    histogram
}

/// The test information `I(θ)` at [`CURVE_POINTS`] measures across `(x_lo, x_hi)`; empty
/// without an information design.
fn information_curve(
    design: Option<&(Vec<InformationItem>, f64)>,
    (x_lo, x_hi): (f64, f64),
) -> Vec<(f64, f64)> {
    match design {
        Some((items, r)) => (0..CURVE_POINTS)
            .map(|i| {
                let theta = x_lo + (x_hi - x_lo) * i as f64 / (CURVE_POINTS - 1) as f64;
                (theta, test_information(theta, items, *r))
            })
            .collect(),
        None => Vec::new(),
    }
}

/// Middle panel: the objects' model S.E.s (points, or per-bin means and ranges above
/// [`MAX_OBJECT_POINTS`] objects) and the S.E. the information predicts, `1/√I(θ)`.
fn errors_panel(
    measured: &[ObjectMeasure],
    bins: &MeasureBins,
    curve: &[(f64, f64)],
    name: &str,
) -> Panel {
    let (x_lo, x_hi) = bins.range();
    let se_curve: Vec<(f64, f64)> = curve
        .iter()
        .filter(|(_, i)| *i > 0.0)
        .map(|&(t, i)| (t, 1.0 / i.sqrt()))
        .collect();
    let se_max = measured
        .iter()
        .filter_map(|m| m.2)
        .fold(0.0f64, f64::max)
        .max(0.1);
    let mut errors = Panel::new(
        Axis::numeric("", x_lo, x_hi),
        Axis::numeric("Model S.E.", 0.0, se_max * 1.1),
    );
    errors.weight = 1.2;
    if measured.len() <= MAX_OBJECT_POINTS {
        errors.push(name, LayerKind::Points(object_se_points(measured)));
    } else {
        let (ranges, means) = binned_se(bins);
        errors.push(format!("{name} S.E. range"), LayerKind::Intervals(ranges));
        errors.push(name, LayerKind::Points(means));
    }
    let clipped: Vec<(f64, f64)> = se_curve
        .iter()
        .map(|&(t, s)| (t, s.min(errors.y.max)))
        .collect();
    errors.push(
        "predicted S.E.",
        LayerKind::Line(Line {
            points: clipped,
            colour: Colour::Vermillion,
            width: 2,
            dashed: true,
            label: "1/sqrt(information)".to_string(),
        }),
    );
    errors
}

/// One point per object with an S.E.: its measure against its model S.E.
fn object_se_points(measured: &[ObjectMeasure]) -> Vec<Point> {
    measured
        .iter()
        .filter_map(|&(label, m, se)| {
            Some(Point {
                x: m,
                y: se?,
                size: 2.5,
                marker: Marker::Circle,
                colour: Colour::Blue,
                label: label.to_string(),
            })
        })
        .collect()
}

/// Per measure bin with S.E.s: the range of the S.E.s as an interval and their mean as a
/// point, at the bin centre.
fn binned_se(bins: &MeasureBins) -> (Vec<Interval>, Vec<Point>) {
    let step = bins.step;
    let mut ranges = Vec::new();
    let mut means = Vec::new();
    for (b, values) in bins.ses.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
        let centre = bins.lower(b) + step / 2.0;
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let label = format!("{} ({} objects)", format_value(centre, 2), values.len());
        ranges.push(Interval {
            at: centre,
            low: lo,
            high: hi,
            vertical: true,
            colour: Colour::Sky,
            label: label.clone(),
        });
        means.push(Point {
            x: centre,
            y: mean,
            size: 3.0,
            marker: Marker::Circle,
            colour: Colour::Blue,
            label,
        });
    }
    (ranges, means)
}

/// Bottom panel: the test information of the mean design.
fn information_panel(curve: Vec<(f64, f64)>, (x_lo, x_hi): (f64, f64)) -> Panel {
    let info_max = curve.iter().map(|c| c.1).fold(0.0f64, f64::max).max(1e-3);
    let mut information = Panel::new(
        Axis::numeric("Measure (logits)", x_lo, x_hi),
        Axis::numeric("Information", 0.0, info_max * 1.1),
    );
    information.weight = 0.9;
    information.push(
        "information",
        LayerKind::Line(Line {
            points: curve,
            colour: Colour::Green,
            width: 2,
            dashed: false,
            label: "test information".to_string(),
        }),
    );
    information
}

/// The legend: objects, the predicted S.E. and the test information.
fn distribution_legend(name: &str) -> Vec<LegendEntry> {
    vec![
        LegendEntry {
            label: format!("{name} (count; S.E. in logits)"),
            colour: Colour::Blue,
            symbol: LegendSymbol::Box,
        },
        LegendEntry {
            label: "S.E. predicted by the information".to_string(),
            colour: Colour::Vermillion,
            symbol: LegendSymbol::Line,
        },
        LegendEntry {
            label: "test information (mean design)".to_string(),
            colour: Colour::Green,
            symbol: LegendSymbol::Line,
        },
    ]
}

/// The notes: the design the information is computed for, and binned S.E.s.
fn distribution_notes(
    design: Option<&(Vec<InformationItem>, f64)>,
    objects: usize,
    name: &str,
) -> Vec<String> {
    let mut notes = Vec::new();
    match design {
        Some((items, r)) => notes.push(format!(
            "{} {name}; information of {} items at {:.2} ratings per item (mean design), other facets at their mean",
            objects,
            items.len(),
            r
        )),
        None => notes.push("no item facet: the test information is not drawn".to_string()),
    }
    if objects > MAX_OBJECT_POINTS {
        notes.push(format!(
            "more than {MAX_OBJECT_POINTS} {name}: S.E.s per bin (mean and range)"
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_of_a_dichotomy_is_p_times_one_minus_p() {
        // One dichotomous item at 0.5 (threshold 0), two ratings per item.
        let items = vec![(0.5, vec![vec![0.0]])];
        let p = 1.0 / (1.0 + (-(1.2f64 - 0.5)).exp());
        let expected = 2.0 * p * (1.0 - p);
        assert!((test_information(1.2, &items, 2.0) - expected).abs() < 1e-12);
        // Two scales on one item: their mean.
        let items = vec![(0.0, vec![vec![0.0], vec![0.0]])];
        assert!((test_information(0.0, &items, 1.0) - 0.25).abs() < 1e-12);
    }
}
