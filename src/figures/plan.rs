//! The design plan (a D-study, [`crate::quality::plan`]): the forecast object reliability
//! against the number of raters per object, the target reliability and the number of raters
//! that reaches it, and any simulated refits' mean reliability.

use super::model::{
    Axis, Colour, Figure, LayerKind, LegendEntry, LegendSymbol, Line, Marker, Panel, Point,
};
use super::scale::{format_value, integer_ticks};
use super::FigureKind;
use crate::quality::plan::DesignPlan;

/// The plan figure.
pub fn plan_figure(plan: &DesignPlan) -> Figure {
    let most = plan
        .designs
        .iter()
        .map(|d| d.raters_per_object)
        .chain(plan.simulated.iter().map(|s| s.raters_per_object))
        .chain(plan.needed_for_target)
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    let mut x = Axis::numeric("Raters per object", 0.5, most + 0.5);
    x.ticks = integer_ticks(1, most as i64, 12);
    let mut panel = Panel::new(x, Axis::numeric("Object reliability", 0.0, 1.0));
    let mut legend = vec![LegendEntry {
        label: "forecast (information)".to_string(),
        colour: Colour::Blue,
        symbol: LegendSymbol::Marker(Marker::Circle),
    }];
    if let Some(target) = plan.target_reliability {
        panel.push(
            "target",
            LayerKind::Line(Line {
                points: vec![(0.5, target), (most + 0.5, target)],
                colour: Colour::Green,
                width: 1,
                dashed: true,
                label: format!("target {}", format_value(target, 2)),
            }),
        );
        legend.push(LegendEntry {
            label: format!("target {}", format_value(target, 2)),
            colour: Colour::Green,
            symbol: LegendSymbol::Line,
        });
    }
    panel.push(
        "forecast line",
        LayerKind::Line(Line {
            points: plan
                .designs
                .iter()
                .map(|d| (d.raters_per_object as f64, d.reliability))
                .collect(),
            colour: Colour::Blue,
            width: 2,
            dashed: false,
            label: "forecast".to_string(),
        }),
    );
    panel.push(
        "forecast",
        LayerKind::Points(
            plan.designs
                .iter()
                .map(|d| Point {
                    x: d.raters_per_object as f64,
                    y: d.reliability,
                    size: 4.0,
                    marker: Marker::Circle,
                    colour: Colour::Blue,
                    label: format!(
                        "{} raters: reliability {}",
                        d.raters_per_object,
                        format_value(d.reliability, 3)
                    ),
                })
                .collect(),
        ),
    );
    if let Some(d) = &plan.target_design {
        panel.push(
            "needed for target",
            LayerKind::Points(vec![Point {
                x: d.raters_per_object as f64,
                y: d.reliability,
                size: 6.0,
                marker: Marker::Diamond,
                colour: Colour::Green,
                label: format!("{} raters reach the target", d.raters_per_object),
            }]),
        );
    }
    if !plan.simulated.is_empty() {
        panel.push(
            "simulated",
            LayerKind::Points(
                plan.simulated
                    .iter()
                    .map(|s| Point {
                        x: s.raters_per_object as f64,
                        y: s.reliability,
                        size: 5.0,
                        marker: Marker::Ring,
                        colour: Colour::Orange,
                        label: format!(
                            "{} raters: simulated reliability {}",
                            s.raters_per_object,
                            format_value(s.reliability, 3)
                        ),
                    })
                    .collect(),
            ),
        );
        legend.push(LegendEntry {
            label: "simulated refits (mean)".to_string(),
            colour: Colour::Orange,
            symbol: LegendSymbol::Marker(Marker::Ring),
        });
    }
    let mut figure = Figure::new(
        FigureKind::Plan,
        "Design plan: reliability by raters per object",
    );
    figure.legend = legend;
    figure.notes.push(format!(
        "{} objects (true SD {:.2} logits), {} raters, {} items",
        plan.objects, plan.true_sd, plan.raters, plan.items
    ));
    figure.panels.push(panel);
    figure
}
