//! Drawing the frame: the tab bar, the shown screen (each screen draws itself, see
//! [`super::screen::Screen::draw`]), the status line, prompts and the key help. Every function
//! here reads the state (`&App`) and draws; none changes state or computes statistics.

use super::action::Action;
use super::app::App;
use super::event::{Context, KEYMAP, SPECIAL_KEYS};
use super::state::Prompt;
use super::tab::Tab;
use super::theme::Theme;
use super::widgets::{self, level_style};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, Tabs, Wrap};
use ratatui::Frame;

/// A tab's title in the tab bar: its key and name (a short name when `compact`).
pub fn tab_title(tab: Tab, compact: bool) -> String {
    if compact {
        format!("{} {}", tab.key(), tab.short())
    } else {
        format!("{} {}", tab.key(), tab.title())
    }
}

/// Columns the tab bar takes with full titles (each title padded by a space on both sides,
/// one-column dividers between them).
pub fn full_tab_bar_width() -> u16 {
    Tab::ALL
        .iter()
        .map(|t| tab_title(*t, false).chars().count() as u16 + 3)
        .sum::<u16>()
        - 1
}

/// Whether a terminal `width` columns wide shows the short tab titles.
pub fn compact_tabs(width: u16) -> bool {
    width < full_tab_bar_width()
}

/// The tab whose title is at column `column` of the tab bar of a terminal `width` columns wide
/// (as [`draw`] draws it: each title padded by one space each side, titles separated by a
/// one-column divider).
pub fn tab_at_column(column: u16, width: u16) -> Option<Tab> {
    let compact = compact_tabs(width);
    let mut x = 0u16;
    for tab in Tab::ALL {
        let width = tab_title(tab, compact).chars().count() as u16 + 2;
        if column >= x && column < x + width {
            return Some(tab);
        }
        x += width + 1;
    }
    None
}

/// Draws the whole workbench: tab bar, the current screen, status line, and any popup.
pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let [bar, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let selected = Tab::ALL.iter().position(|t| *t == app.tab);
    let compact = compact_tabs(frame.area().width);
    let tabs = Tabs::new(Tab::ALL.iter().map(|t| tab_title(*t, compact)))
        .select(selected)
        .highlight_style(theme.active())
        .divider("|");
    frame.render_widget(tabs, bar);
    app.draw_screen(frame, body, theme);
    draw_status(frame, status, app, theme);
    if let Some(prompt) = &app.prompt {
        draw_prompt(frame, prompt, theme);
    }
    if app.help {
        draw_help(frame, app, theme);
    }
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let mut spans = Vec::new();
    if !app.jobs.is_empty() {
        let names: Vec<&str> = app.jobs.kinds().map(|j| j.name()).collect();
        spans.push(Span::styled(
            format!("[{}] ", names.join(", ")),
            theme.warning(),
        ));
    }
    match &app.status {
        Some((level, text)) => spans.push(Span::styled(text.clone(), level_style(*level, theme))),
        None => spans.push(Span::styled(
            format!("{}  ? keys  q quit", app.project_name()),
            theme.dim(),
        )),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_prompt(frame: &mut Frame, prompt: &Prompt, theme: Theme) {
    match prompt {
        Prompt::Reason {
            decision,
            labels,
            text,
        } => {
            let area = widgets::centered(frame.area(), 60, 7);
            frame.render_widget(Clear, area);
            let who = match labels.as_slice() {
                [one] => format!("rater {one}"),
                many => format!("{} raters", many.len()),
            };
            let lines = vec![
                Line::from(format!("{} {who}", decision.as_str())),
                Line::from(vec![
                    Span::styled("reason: ", theme.header()),
                    Span::raw(format!("{text}_")),
                ]),
                Line::from(""),
                Line::styled("Enter records the decision; Esc cancels", theme.dim()),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered().title(" decision ")),
                area,
            );
        }
        Prompt::SaveFigure { run, request, path } => {
            let area = widgets::centered(frame.area(), 64, 7);
            frame.render_widget(Clear, area);
            let lines = vec![
                Line::from(format!("the {} figure of run {run}", request.kind)),
                Line::from(vec![
                    Span::styled("file: ", theme.header()),
                    Span::raw(format!("{path}_")),
                ]),
                Line::from(""),
                Line::styled(
                    "Enter saves (.svg or .png by the name); Esc cancels",
                    theme.dim(),
                ),
            ];
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered().title(" save figure ")),
                area,
            );
        }
        Prompt::Rules { rules, selection } => {
            let height = (rules.len() as u16 + 4).min(frame.area().height);
            let area = widgets::centered(frame.area(), 64, height);
            frame.render_widget(Clear, area);
            let rows = rules.iter().enumerate().map(|(i, (rule, labels))| {
                let row = Row::new(vec![rule.name().to_string(), labels.len().to_string()]);
                if i == selection.index {
                    row.style(theme.selected())
                } else {
                    row
                }
            });
            let table = Table::new(rows, [Constraint::Length(20), Constraint::Length(8)])
                .header(Row::new(vec!["rule", "raters"]).style(theme.header()))
                .block(
                    Block::bordered()
                        .title(" exclude every rater flagged by (Enter; Esc cancels) "),
                );
            frame.render_widget(table, area);
        }
    }
}

fn draw_help(frame: &mut Frame, app: &App, theme: Theme) {
    let area = widgets::centered(frame.area(), 100, frame.area().height.saturating_sub(2));
    frame.render_widget(Clear, area);
    let mut lines: Vec<Line> = Vec::new();
    let section = |title: String, context: Context, lines: &mut Vec<Line>| {
        lines.push(Line::styled(title, theme.header()));
        // Bindings that open screens are listed once; bindings with the same help share a line.
        let mut entries: Vec<(String, &str)> = Vec::new();
        let mut screens = Vec::new();
        for binding in KEYMAP.iter().filter(|b| b.context == context) {
            if matches!((binding.action)(), Action::GoTo(_)) {
                screens.push(binding.keys);
                continue;
            }
            match entries.last_mut() {
                Some((keys, help)) if *help == binding.help => {
                    keys.push_str(", ");
                    keys.push_str(binding.keys);
                }
                _ => entries.push((binding.keys.to_string(), binding.help)),
            }
        }
        if !screens.is_empty() {
            entries.insert(
                entries.len().min(2),
                (screens.join(" "), "open that screen"),
            );
        }
        for (keys, help) in entries {
            lines.push(Line::from(format!(" {keys:<10} {help}")));
        }
    };
    section(
        format!("{} screen", app.tab.title()),
        Context::Screen(app.tab),
        &mut lines,
    );
    section("everywhere".into(), Context::Global, &mut lines);
    lines.push(Line::styled("more", theme.header()));
    for (context, keys, help) in SPECIAL_KEYS {
        lines.push(Line::from(format!(" {keys:<10} {help} ({context})")));
    }
    lines.push(Line::styled(
        format!("project: {}", app.project_name()),
        theme.dim(),
    ));
    let block = Block::bordered().title(" keys (any key closes) ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if lines.len() <= inner.height as usize {
        frame.render_widget(Paragraph::new(lines), inner);
    } else {
        // Two columns when one does not fit.
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(inner);
        let half = lines.len().div_ceil(2);
        let second = lines.split_off(half);
        // Lines too long for a column are cut (the terminal is narrow; `?` on a wider one shows
        // them whole).
        frame.render_widget(Paragraph::new(lines), left);
        frame.render_widget(Paragraph::new(second), right);
    }
}
