//! Annotate: the reviewer rates comments as a rater of the project. A queue to pick from
//! (least certain, most unexpected ratings, a flagged rater's comments), the comment's text, and
//! the items with their categories; a number key answers the current item and is saved at once.

use super::widgets::{clip, hints, loaded_or_wait, number};
use crate::tui::app::{App, QueueKind};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, app) else {
        return;
    };
    let state = &app.annotate;
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let [queue_area, work_area] =
        Layout::horizontal([Constraint::Length(26), Constraint::Min(0)]).areas(main);

    // The queue.
    let value_name = match state.queue {
        QueueKind::LeastCertain => "S.E.",
        QueueKind::MostUnexpected => "unexp.",
        QueueKind::RatedBy { .. } => "|z|",
        QueueKind::Single { .. } => "",
    };
    let height = queue_area.height.saturating_sub(3) as usize;
    let start = super::widgets::window_start(state.selection.index, height);
    let mut lines = vec![Line::styled(
        format!("{:<10} {:>6}", "comment", value_name),
        theme.header(),
    )];
    for (i, entry) in state.entries.iter().enumerate().skip(start).take(height) {
        let done = state.rated.contains(&entry.object);
        let text = format!(
            "{}{:<9} {:>6}",
            if done { "✓" } else { " " },
            clip(&entry.label, 9),
            match state.queue {
                QueueKind::MostUnexpected => format!("{:.0}", entry.value),
                QueueKind::Single { .. } => String::new(),
                _ => number(Some(entry.value), 2),
            }
        );
        lines.push(if i == state.selection.index {
            Line::styled(text, theme.selected())
        } else {
            Line::from(text)
        });
    }
    if state.entries.is_empty() {
        lines.push(Line::styled("(empty)", theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" {} ", clip(&state.queue.title(), 22)))),
        queue_area,
    );

    // The comment and the items.
    let Some(entry) = state.current() else {
        frame.render_widget(
            Paragraph::new("nothing to annotate in this queue; ] switches queues")
                .block(Block::bordered()),
            work_area,
        );
        frame.render_widget(hints(&[("]", "next queue")], theme), hint);
        return;
    };
    let n_items = loaded.items.len() as u16;
    let [text_area, items_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(n_items + 2)]).areas(work_area);
    let measure = loaded
        .comment_rows
        .get(entry.object as usize)
        .map_or(String::new(), |r| {
            format!(
                "measure {} (S.E. {})",
                number(r.measure, 2),
                number(r.se, 2)
            )
        });
    frame.render_widget(
        Paragraph::new(loaded.text(entry.object).to_string())
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(format!(" comment {}: {measure} ", entry.label))),
        text_area,
    );
    let name_width = loaded
        .items
        .iter()
        .map(|i| i.name.chars().count())
        .max()
        .unwrap_or(4);
    let item_lines: Vec<Line> = loaded
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let answer = state.answers.get(&(entry.object, item.idx));
            let current = i == state.item;
            let codes: Vec<Span> = item
                .config
                .categories
                .iter()
                .map(|c| {
                    let text = format!(" {c} ");
                    if answer == Some(c) {
                        Span::styled(text, theme.selected())
                    } else {
                        Span::raw(text)
                    }
                })
                .collect();
            let mut spans = vec![Span::styled(
                format!(
                    "{}{:<name_width$} ",
                    if current { ">" } else { " " },
                    item.name
                ),
                if current {
                    theme.active()
                } else {
                    theme.header()
                },
            )];
            spans.extend(codes);
            if item.config.reversed {
                spans.push(Span::styled(" (reversed)", theme.dim()));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(item_lines).block(Block::bordered().title(format!(
            " your ratings as {} (codes as in the data) ",
            app.reviewer
        ))),
        items_area,
    );
    frame.render_widget(
        hints(
            &[
                ("0-9", "answer"),
                ("Up/Down", "item"),
                ("n/PgDn", "next comment"),
                ("]", "queue"),
                ("Tab", "leave"),
            ],
            theme,
        ),
        hint,
    );
}
