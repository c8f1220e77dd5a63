//! A stored text model's training: the mean training loss (with dropout) and the validation
//! loss of every epoch, the epoch whose weights were kept marked (0: the ridge start).

use super::model::{
    Axis, Colour, Figure, Interval, LayerKind, LegendEntry, LegendSymbol, Line, Marker, Panel,
    Point,
};
use super::scale::{integer_ticks, padded_range};
use super::FigureKind;
use crate::predict::EpochReport;

/// The training figure of model `model_id` (encoder `encoder`); `None` without epochs.
pub fn training_figure(model_id: i64, encoder: &str, history: &[EpochReport]) -> Option<Figure> {
    let last = history.last()?;
    let epochs = history.len() as f64;
    let (y_min, y_max) = padded_range(
        history.iter().flat_map(|e| [e.train_loss, e.valid_loss]),
        0.08,
        0.01,
        (0.0, 1.0),
    );
    let mut x = Axis::numeric("Epoch", 0.5, epochs + 0.5);
    x.ticks = integer_ticks(1, history.len() as i64, 10);
    let mut panel = Panel::new(x, Axis::numeric("Loss", y_min, y_max));
    let series = [
        ("training loss", Colour::Blue, Marker::Circle),
        ("validation loss", Colour::Orange, Marker::Square),
    ];
    let mut legend = Vec::new();
    for (s, (name, colour, marker)) in series.into_iter().enumerate() {
        let value = |e: &EpochReport| if s == 0 { e.train_loss } else { e.valid_loss };
        panel.push(
            format!("{name} line"),
            LayerKind::Line(Line {
                points: history.iter().map(|e| (e.epoch as f64, value(e))).collect(),
                colour,
                width: 2,
                dashed: false,
                label: name.to_string(),
            }),
        );
        panel.push(
            name,
            LayerKind::Points(
                history
                    .iter()
                    .map(|e| Point {
                        x: e.epoch as f64,
                        y: value(e),
                        size: 3.0,
                        marker,
                        colour,
                        label: format!("epoch {}", e.epoch),
                    })
                    .collect(),
            ),
        );
        legend.push(LegendEntry {
            label: name.to_string(),
            colour,
            symbol: LegendSymbol::Marker(marker),
        });
    }
    if last.best_epoch > 0 {
        panel.layers.insert(
            0,
            super::model::Layer {
                series: "best epoch".to_string(),
                kind: LayerKind::Intervals(vec![Interval {
                    at: last.best_epoch as f64,
                    low: y_min,
                    high: y_max,
                    vertical: true,
                    colour: Colour::Green,
                    label: format!("best epoch {}", last.best_epoch),
                }]),
            },
        );
        legend.push(LegendEntry {
            label: "epoch kept".to_string(),
            colour: Colour::Green,
            symbol: LegendSymbol::Line,
        });
    }
    let mut figure = Figure::new(
        FigureKind::Training,
        format!("Training of model {model_id} ({encoder})"),
    );
    figure.legend = legend;
    figure.notes.push(format!(
        "{} of at most {} epochs; weights kept from {}; last validation RMSE {:.3} logits, r {:.3}",
        history.len(),
        last.epochs,
        crate::predict::best_epoch_label(last.best_epoch),
        last.valid_rmse,
        last.valid_pearson
    ));
    figure.panels.push(panel);
    Some(figure)
}
