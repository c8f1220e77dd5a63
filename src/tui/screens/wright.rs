//! Wright map: every facet's measured elements on one logit ruler (objects: higher = more of
//! the construct; raters: more severe higher; items: more difficult higher). Facets with many
//! elements show counts as `#` marks; a facet with few elements shows their labels.

use crate::figures::FigureKind;
use crate::measure::wright::Binning;
use crate::pipeline::PlotRequest;
use crate::tui::action::Action;
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::theme::Theme;
use crate::tui::widgets::{fit_or_hint, loaded_or_wait};
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Row, Table};
use ratatui::Frame;

/// Facets with at most this many elements are drawn with their labels.
const LABELLED_FACET: usize = 12;

/// The Wright map screen (stateless: the binned map is the loaded run's, see
/// [`crate::tui::loaded::RunView::wright`]).
#[derive(Debug, Default)]
pub struct WrightState;

impl Screen for WrightState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        if matches!(action, Action::SaveFigure) {
            ctx.ask_figure_path(PlotRequest::new(FigureKind::Wright));
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(frame, area, view, theme);
    }
}

fn draw_screen(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, view.loaded) else {
        return;
    };
    let Some(fit) = fit_or_hint(frame, area, loaded, "Wright map") else {
        return;
    };
    let rows = area.height.saturating_sub(3) as usize;
    let Some(cell) = loaded.run.as_ref().and_then(|r| r.wright.as_ref()) else {
        return;
    };
    // The library bins the map (the same rule as `report --table 6`): one row per screen line.
    // The load built it; a new height bins the same elements again (no label copies).
    let mut map = cell.borrow_mut();
    if map.centres.len() != rows && !map.rebin(Binning::Rows(rows)) {
        return;
    }
    let map = &*map;
    let block = Block::bordered().title(format!(
        " Wright map: one logit ruler, one row = {:.2} logits; # marks counts ",
        map.step
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let ruler_width = 7u16;
    let n_facets = map.facets.len() as u16;
    let column_width = (inner.width.saturating_sub(ruler_width) / n_facets.max(1)).max(4);
    let mut cells: Vec<Vec<String>> = vec![vec![String::new(); map.facets.len()]; rows];
    for (f, facet) in map.facets.iter().enumerate() {
        let labelled = facet.elements.len() <= LABELLED_FACET;
        let max = facet.rows.iter().map(Vec::len).max().unwrap_or(0);
        let per_mark = max.div_ceil(column_width.saturating_sub(1) as usize).max(1);
        for (r, in_row) in facet.rows.iter().enumerate() {
            cells[r][f] = if labelled {
                in_row
                    .iter()
                    .map(|&e| facet.elements[e].label.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else if !in_row.is_empty() {
                "#".repeat(in_row.len().div_ceil(per_mark))
            } else {
                String::new()
            };
        }
    }
    let header: Vec<String> = std::iter::once("logit".to_string())
        .chain(fit.facets.iter().map(|f| {
            let sign = if f.positive { "+" } else { "-" };
            format!("{sign}{}", f.name)
        }))
        .collect();
    let table_rows = map.centres.iter().enumerate().map(|(r, centre)| {
        let mut row = vec![format!("{centre:>6.2}")];
        row.extend(cells[r].iter().cloned());
        Row::new(row)
    });
    let mut widths = vec![Constraint::Length(ruler_width)];
    widths.extend((0..n_facets).map(|_| Constraint::Length(column_width)));
    let table = Table::new(table_rows, widths)
        .header(Row::new(header).style(theme.header()))
        .column_spacing(0);
    frame.render_widget(table, inner);
}
