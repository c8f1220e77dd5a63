//! Widgets shared by the screens: windowed tables (only visible rows are built), filtered
//! lists with a detail pane, number formatting, text bars, key hints, centred popups.

use super::action::Action;
use super::loaded::Loaded;
use super::state::{Level, Selection, TextFilter};
use super::theme::Theme;
use crate::measure::Fit;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, GraphType, Paragraph, Row, Scrollbar, ScrollbarOrientation,
    ScrollbarState, Table, TableState,
};
use ratatui::Frame;

/// Terminal width from which a table and its detail pane sit side by side (narrower: stacked).
pub const SIDE_BY_SIDE_WIDTH: u16 = 140;

/// Splits `area` into a table and its detail pane: side by side, the table taking
/// `table_percent` of the width, from [`SIDE_BY_SIDE_WIDTH`] columns; stacked halves below.
pub fn table_and_detail(area: Rect, table_percent: u16) -> (Rect, Rect) {
    let [a, b] = if area.width >= SIDE_BY_SIDE_WIDTH {
        Layout::horizontal([
            Constraint::Percentage(table_percent),
            Constraint::Percentage(100 - table_percent.min(100)),
        ])
        .areas(area)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    };
    (a, b)
}

/// The loaded project, or `None` after drawing "loading..." in `area` (the background load has
/// not finished).
pub fn loaded_or_wait<'a>(
    frame: &mut Frame,
    area: Rect,
    loaded: Option<&'a Loaded>,
) -> Option<&'a Loaded> {
    if loaded.is_none() {
        frame.render_widget(Paragraph::new("loading..."), area);
    }
    loaded
}

/// A filtered list with a detail pane of its selected row (the Raters and Comments screens).
pub trait FilteredList {
    /// The list's typed filter, its selection and the number of rows it shows.
    fn list_parts(&mut self) -> (&mut TextFilter, &mut Selection, usize);

    /// Rebuilds the order from the loaded rows and refreshes the detail.
    fn rebuild_loaded(&mut self, loaded: Option<&Loaded>);

    /// Recomputes the selected row's detail.
    fn refresh_detail(&mut self, loaded: Option<&Loaded>);
}

/// The keys every filtered list shares: the filter's own keys while it is typed (the list is
/// rebuilt when its text changed), Up/Down and paging to move the selection (the detail
/// follows), and the search key to start typing the filter. `true` when `action` was one of
/// them.
pub fn filtered_list_keys(
    list: &mut impl FilteredList,
    action: &Action,
    loaded: Option<&Loaded>,
) -> bool {
    if let Some(changed) = list.list_parts().0.handle(action) {
        if changed {
            list.rebuild_loaded(loaded);
        }
        return true;
    }
    match action {
        Action::Select(movement) => {
            let (_, selection, len) = list.list_parts();
            selection.apply(*movement, len);
            list.refresh_detail(loaded);
            true
        }
        Action::Search => {
            list.list_parts().0.editing = true;
            true
        }
        _ => false,
    }
}

/// The style of a message of `level`.
pub fn level_style(level: Level, theme: Theme) -> ratatui::style::Style {
    match level {
        Level::Info => theme.good(),
        Level::Warning => theme.warning(),
        Level::Error => theme.error(),
    }
}

/// The newest run's fit, or `None` after drawing, in a block titled `title`, how to make one.
pub fn fit_or_hint<'a>(
    frame: &mut Frame,
    area: Rect,
    loaded: &'a Loaded,
    title: &str,
) -> Option<&'a Fit> {
    let fit = loaded.fit();
    if fit.is_none() {
        frame.render_widget(
            Paragraph::new("no run yet: fit the model on the Runs screen (6)")
                .block(Block::bordered().title(format!(" {title} "))),
            area,
        );
    }
    fit
}

/// A number with `decimals` decimals, or `-` when missing.
pub fn number(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "-".into(),
    }
}

/// The first row shown when row `selected` of a list must be visible in `height` rows: pages of
/// `height` rows (so the window depends on the selection only, and a frame never needs to
/// remember a scroll position).
pub fn window_start(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected - selected % height
    }
}

/// Draws a table of `len` rows of which only the visible ones are built by `row(i)`, with the
/// `selected` row highlighted and a scrollbar when the rows do not fit.
#[allow(clippy::too_many_arguments)]
pub fn windowed_table<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    header: Row<'a>,
    widths: &[Constraint],
    len: usize,
    selected: Option<usize>,
    theme: Theme,
    mut row: impl FnMut(usize) -> Row<'a>,
) {
    let inner = block.inner(area);
    // One line for the header.
    let height = inner.height.saturating_sub(1) as usize;
    let start = window_start(selected.unwrap_or(0), height);
    let end = (start + height).min(len);
    let rows: Vec<Row> = (start..end).map(&mut row).collect();
    let table = Table::new(rows, widths.to_vec())
        .header(header.style(theme.header()))
        .row_highlight_style(theme.selected())
        .block(block);
    let mut state = TableState::default().with_selected(selected.map(|s| s - start));
    frame.render_stateful_widget(table, area, &mut state);
    if len > height && height > 0 {
        let mut scroll = ScrollbarState::new(len.saturating_sub(height)).position(start);
        // Beside the rows: below the top border and the header, above the bottom border.
        let track = Rect {
            y: area.y + 2,
            height: area.height.saturating_sub(3),
            ..area
        };
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight),
            track,
            &mut scroll,
        );
    }
}

/// A horizontal bar of `width` cells for `value` out of `max` (eighths of a cell).
pub fn bar(value: f64, max: f64, width: usize) -> String {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    if max <= 0.0 || value <= 0.0 {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * width as f64 * 8.0).round() as usize;
    let mut text = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        text.push(EIGHTHS[eighths % 8 - 1]);
    }
    text
}

/// A column of a vertical mini bar chart: one block character for `value` out of `max`.
pub fn spark(value: usize, max: usize) -> char {
    const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if max == 0 || value == 0 {
        return LEVELS[0];
    }
    LEVELS[((value as f64 / max as f64) * 8.0).ceil().clamp(1.0, 8.0) as usize]
}

/// A line of key hints: `key` in the header style, then what it does.
pub fn hints(pairs: &[(&str, &str)], theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key.to_string(), theme.header()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

/// A form line: the field's name padded to `width` in the header style, then its value.
pub fn labelled(name: &str, width: usize, value: String, theme: Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<width$}"), theme.header()),
        Span::raw(value),
    ])
}

/// An editable form field: `>` and the active style when focused, a `_` cursor while editing.
/// `width` counts the marker column.
pub fn form_field(
    name: &str,
    width: usize,
    mut value: String,
    focused: bool,
    editing: bool,
    theme: Theme,
) -> Line<'static> {
    if focused && editing {
        value.push('_');
    }
    let name_width = width.saturating_sub(1);
    Line::from(vec![
        Span::styled(
            format!("{}{name:<name_width$}", if focused { ">" } else { " " }),
            if focused {
                theme.active()
            } else {
                theme.header()
            },
        ),
        Span::raw(value),
    ])
}

/// One line series of a [`line_chart`].
pub struct Series<'a> {
    /// The legend's name.
    pub name: &'static str,
    /// The (x, y) points.
    pub points: &'a [(f64, f64)],
}

/// A bordered chart of line series drawn in Braille, with `status` on the bottom border and
/// only the end labels on each axis.
pub fn line_chart<'a>(
    title: String,
    status: String,
    series: &[Series<'a>],
    x: ([f64; 2], [String; 2]),
    y: ([f64; 2], [String; 2]),
    theme: Theme,
) -> Chart<'a> {
    let datasets = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Dataset::default()
                .name(s.name)
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.series(i))
                .data(s.points)
        })
        .collect();
    Chart::new(datasets)
        .block(Block::bordered().title(title).title_bottom(status))
        .x_axis(Axis::default().bounds(x.0).labels(x.1))
        .y_axis(Axis::default().bounds(y.0).labels(y.1))
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Truncates `text` to `width` characters (with an ellipsis), on one line.
pub fn clip(text: &str, width: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= width {
        flat
    } else {
        let mut out: String = flat.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_page_through_the_rows() {
        assert_eq!(window_start(0, 10), 0);
        assert_eq!(window_start(9, 10), 0);
        assert_eq!(window_start(10, 10), 10);
        assert_eq!(window_start(25, 10), 20);
        assert_eq!(window_start(3, 0), 0);
    }

    #[test]
    fn bars_scale_in_eighths() {
        assert_eq!(bar(1.0, 1.0, 4), "████");
        assert_eq!(bar(0.5, 1.0, 4), "██");
        assert_eq!(bar(1.0, 16.0, 2), "▏");
        assert_eq!(bar(0.0, 1.0, 4), "");
        assert_eq!(spark(0, 5), ' ');
        assert_eq!(spark(5, 5), '█');
        assert_eq!(spark(1, 100), '▁');
    }

    #[test]
    fn clipping_keeps_one_line() {
        assert_eq!(clip("a\nb", 5), "a b");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
