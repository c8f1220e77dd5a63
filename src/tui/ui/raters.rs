//! Raters: the sortable, filterable table of every rater (only the visible rows are built), and
//! the selected rater's detail: flags, decision, category use per item, standardized residuals
//! over their ratings and the comments they rated with observed vs expected scores.

use super::widgets::{
    clip, hints, loaded_or_wait, number, spark, table_and_detail, windowed_table,
};
use crate::quality::detail::ElementDetail;
use crate::quality::FlagLevel;
use crate::store::Decision;
use crate::tui::app::{App, Loaded, RaterRow, RaterSort};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Cell, Chart, Dataset, GraphType, Paragraph, Row};
use ratatui::Frame;

/// |z| drawn at most in the residual chart (larger values sit on its edge).
const Z_LIMIT: f64 = 5.0;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, app) else {
        return;
    };
    if loaded.rater_facet.is_none() {
        frame.render_widget(Paragraph::new("this design has no rater facet"), area);
        return;
    }
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let (table_area, detail_area) = table_and_detail(main, 58);
    draw_table(frame, table_area, app, loaded, theme);
    draw_detail(frame, detail_area, app, loaded, theme);
    frame.render_widget(
        hints(
            &[
                ("s/S", "sort"),
                ("/", "filter"),
                ("f", "flagged"),
                ("x", "exclude"),
                ("o", "keep"),
                ("R", "by rule"),
                ("a", "adjudicate"),
            ],
            theme,
        ),
        hint,
    );
}

fn decision_word(d: Option<Decision>) -> &'static str {
    match d {
        Some(Decision::Exclude) => "excluded",
        Some(Decision::Keep) => "kept",
        Some(Decision::Undecided) | None => "",
    }
}

fn draw_table(frame: &mut Frame, area: Rect, app: &App, loaded: &Loaded, theme: Theme) {
    let state = &app.raters;
    let header = Row::new(RaterSort::ALL.iter().map(|s| {
        let arrow = if *s == state.sort {
            if state.descending {
                "▼"
            } else {
                "▲"
            }
        } else {
            ""
        };
        Cell::from(format!("{}{arrow}", s.title().trim_end()))
    }));
    let widths = [
        Constraint::Min(7),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(14),
        Constraint::Length(9),
    ];
    let mut title = format!(
        " raters {} of {} ",
        state.order.len(),
        loaded.rater_rows.len()
    );
    if state.flagged_only {
        title.push_str("(flagged) ");
    }
    if state.editing || !state.filter.is_empty() {
        title.push_str(&format!(
            "filter: {}{} ",
            state.filter,
            if state.editing { "_" } else { "" }
        ));
    }
    let rows = &loaded.rater_rows;
    windowed_table(
        frame,
        area,
        Block::bordered().title(title),
        header,
        &widths,
        state.order.len(),
        (!state.order.is_empty()).then_some(state.selection.index),
        theme,
        |i| rater_row(&rows[state.order[i]], theme),
    )
}

fn rater_row(row: &RaterRow, theme: Theme) -> Row<'static> {
    let flag_style = match row.level {
        Some(FlagLevel::Exclude) => theme.error(),
        Some(FlagLevel::Review) => theme.warning(),
        None => Style::new(),
    };
    let flags = row
        .flags
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(",");
    let style = if row.decision == Some(Decision::Exclude) {
        theme.dim()
    } else {
        Style::new()
    };
    Row::new(vec![
        Cell::from(row.label.clone()),
        Cell::from(number(row.severity, 2)),
        Cell::from(number(row.se, 2)),
        Cell::from(number(row.infit, 2)),
        Cell::from(number(row.infit_zstd, 1)),
        Cell::from(number(row.outfit, 2)),
        Cell::from(number(row.outfit_zstd, 1)),
        Cell::from(row.count.to_string()),
        Cell::from(flags).style(flag_style),
        Cell::from(decision_word(row.decision)),
    ])
    .style(style)
}

fn draw_detail(frame: &mut Frame, area: Rect, app: &App, loaded: &Loaded, theme: Theme) {
    let Some(row) = app.raters.selected_row().map(|i| &loaded.rater_rows[i]) else {
        frame.render_widget(Block::bordered().title(" rater "), area);
        return;
    };
    let block = Block::bordered().title(format!(" rater {} ", row.label));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(detail) = &app.raters.detail else {
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(inner);

    // Left: decision, flags, category use per item.
    let mut lines: Vec<Line> = Vec::new();
    if let Some(d) = loaded.decisions.get(&row.label) {
        lines.push(Line::styled(
            format!("{}: {}", d.decision.as_str(), d.reason),
            theme.warning(),
        ));
    }
    if let Some(run) = &loaded.run {
        for flag in run
            .flags
            .iter()
            .filter(|f| Some(f.facet) == loaded.rater_facet && f.element == row.element)
        {
            lines.push(Line::styled(
                clip(&flag.message, left.width as usize),
                if flag.level == FlagLevel::Exclude {
                    theme.error()
                } else {
                    theme.warning()
                },
            ));
        }
    }
    lines.push(Line::styled("category use (low → high)", theme.header()));
    let label_width = detail
        .category_use
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(4)
        .min(12);
    for usage in &detail.category_use {
        let max = usage.counts.iter().map(|c| c.1).max().unwrap_or(0);
        let sparks: String = usage.counts.iter().map(|c| spark(c.1, max)).collect();
        let counts = usage
            .counts
            .iter()
            .map(|c| c.1.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<label_width$} ",
                clip(&usage.label, label_width)
            )),
            Span::styled(sparks, theme.series(0)),
            Span::raw(format!(" {counts}")),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), left);

    // Right: residual chart (when there is room) and the ratings, most unexpected first.
    let chart_height = if right.height >= 16 {
        right.height / 2
    } else {
        0
    };
    let [chart_area, list_area] =
        Layout::vertical([Constraint::Length(chart_height), Constraint::Min(0)]).areas(right);
    if chart_height > 0 {
        draw_residual_chart(frame, chart_area, detail, theme);
    }
    draw_ratings(frame, list_area, loaded, detail, theme);
}

fn draw_residual_chart(frame: &mut Frame, area: Rect, detail: &ElementDetail, theme: Theme) {
    let points: Vec<(f64, f64)> = detail
        .responses
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.standardized
                .map(|z| (i as f64, z.clamp(-Z_LIMIT, Z_LIMIT)))
        })
        .collect();
    let n = detail.responses.len().max(1) as f64;
    let bands = [[(0.0, 2.0), (n, 2.0)], [(0.0, -2.0), (n, -2.0)]];
    let mut datasets = vec![Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Scatter)
        .style(theme.series(0))
        .data(&points)];
    for band in &bands {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(band),
        );
    }
    let chart = Chart::new(datasets)
        .block(Block::new().title("standardized residuals (|z| ≥ 2 beyond the lines)"))
        .x_axis(Axis::default().bounds([0.0, n]))
        .y_axis(
            Axis::default()
                .bounds([-Z_LIMIT, Z_LIMIT])
                .labels(["-5", "0", "5"]),
        );
    frame.render_widget(chart, area);
}

fn draw_ratings(
    frame: &mut Frame,
    area: Rect,
    loaded: &Loaded,
    detail: &ElementDetail,
    theme: Theme,
) {
    let data = &loaded.data;
    let mut lines = vec![Line::styled(
        format!(
            "{:<10} {:<10} {:>3} {:>5} {:>5}",
            "comment", "item", "obs", "exp", "z"
        ),
        theme.header(),
    )];
    for r in detail
        .unexpected(0.0)
        .iter()
        .take(area.height.saturating_sub(1) as usize)
    {
        let object =
            &data.objects().labels[data.elements[data.object_facet][r.observation] as usize];
        let item = &data.items().labels[data.elements[data.item_facet][r.observation] as usize];
        let z = r.standardized.unwrap_or(0.0);
        let style = if z.abs() >= 3.0 {
            theme.error()
        } else if z.abs() >= 2.0 {
            theme.warning()
        } else {
            Style::new()
        };
        lines.push(Line::styled(
            format!(
                "{:<10} {:<10} {:>3} {:>5} {:>5}",
                clip(object, 10),
                clip(item, 10),
                r.observed,
                number(r.expected, 2),
                number(r.standardized, 1)
            ),
            style,
        ));
    }
    if detail.responses.iter().all(|r| r.standardized.is_none()) {
        lines.truncate(1);
        for r in detail
            .responses
            .iter()
            .take(area.height.saturating_sub(1) as usize)
        {
            let object =
                &data.objects().labels[data.elements[data.object_facet][r.observation] as usize];
            let item = &data.items().labels[data.elements[data.item_facet][r.observation] as usize];
            lines.push(Line::from(format!(
                "{:<10} {:<10} {:>3}",
                clip(object, 10),
                clip(item, 10),
                r.observed
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}
