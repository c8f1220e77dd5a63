//! The first residual contrast (Winsteps Table 23.2's plot): each item's loading on the first
//! principal component of the standardised residuals against its measure (difficulty), coloured
//! by the item cluster of the loading (1 most positive, 3 most negative).

use super::model::{
    Anchor, Axis, Colour, Figure, LayerKind, LegendEntry, LegendSymbol, Line, Marker, Panel, Point,
    TextLabel,
};
use super::scale::padded_range;
use super::FigureKind;
use crate::data::FacetRole;
use crate::measure::{Dimensionality, Fit};

/// The contrast figure; `None` without a first contrast.
pub fn contrast_figure(fit: &Fit, dimensionality: &Dimensionality) -> Option<Figure> {
    let contrast = dimensionality.first_contrast()?;
    let items = fit.facets.iter().find(|f| f.role == FacetRole::Item)?;
    let measure_of = |label: &str| {
        items
            .elements
            .iter()
            .find(|e| e.label == label)
            .map(|e| e.measure)
    };
    let cluster_of = |label: &str| {
        dimensionality
            .clusters
            .iter()
            .find(|c| c.items.iter().any(|i| i == label))
            .map(|c| c.cluster)
    };
    let placed: Vec<(&str, f64, f64, Option<usize>)> = contrast
        .loadings
        .iter()
        .filter_map(|l| {
            let m = measure_of(&l.item)?;
            (m.is_finite() && l.loading.is_finite())
                .then(|| (l.item.as_str(), m, l.loading, cluster_of(&l.item)))
        })
        .collect();
    if placed.is_empty() {
        return None;
    }
    let (x_min, x_max) = padded_range(placed.iter().map(|p| p.1), 0.12, 1.0, (-1.0, 1.0));
    let (y_min, y_max) = padded_range(
        placed.iter().map(|p| p.2).chain([0.0]),
        0.1,
        0.4,
        (-1.0, 1.0),
    );
    let mut panel = Panel::new(
        Axis::numeric(format!("{} measure (logits)", items.name), x_min, x_max),
        Axis::numeric("Loading on contrast 1", y_min.max(-1.0), y_max.min(1.0)),
    );
    panel.push(
        "zero",
        LayerKind::Line(Line {
            points: vec![(x_min, 0.0), (x_max, 0.0)],
            colour: Colour::Grey,
            width: 1,
            dashed: true,
            label: "no loading".to_string(),
        }),
    );
    let colour = |cluster: Option<usize>| match cluster {
        Some(1) => Colour::Vermillion,
        Some(3) => Colour::Blue,
        Some(_) => Colour::Green,
        None => Colour::Grey,
    };
    panel.push(
        items.name.clone(),
        LayerKind::Points(
            placed
                .iter()
                .map(|&(label, m, loading, cluster)| Point {
                    x: m,
                    y: loading,
                    size: 5.0,
                    marker: Marker::Circle,
                    colour: colour(cluster),
                    label: label.to_string(),
                })
                .collect(),
        ),
    );
    panel.push(
        format!("{} labels", items.name),
        LayerKind::Texts(
            placed
                .iter()
                .map(|&(label, m, loading, _)| TextLabel {
                    x: m,
                    y: loading,
                    text: label.to_string(),
                    anchor: Anchor::Left,
                    dx: 8,
                    colour: Colour::Ink,
                    scale: 0.85,
                })
                .collect(),
        ),
    );
    let mut figure = Figure::new(FigureKind::Contrast, "First contrast of the residuals");
    figure.legend = (1..=3)
        .map(|c| LegendEntry {
            label: format!("cluster {c}"),
            colour: colour(Some(c)),
            symbol: LegendSymbol::Marker(Marker::Circle),
        })
        .collect();
    figure.notes.push(format!(
        "eigenvalue {:.2} items ({:.1}% of the unexplained variance, {:.1}% of the total)",
        contrast.eigenvalue,
        100.0 * contrast.unexplained_share,
        100.0 * contrast.variance_share
    ));
    figure.panels.push(panel);
    Some(figure)
}
