//! Overview: the data set, the rating network's connectedness, the last run's convergence and
//! facet summaries (separation, reliability), flag counts and the suggested next step.

use crate::quality::FlagLevel;
use crate::store::Decision;
use crate::tui::action::Action;
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::theme::Theme;
use crate::tui::widgets::{loaded_or_wait, number};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, Wrap};
use ratatui::Frame;
use std::collections::BTreeMap;

/// The Overview screen (it has no state of its own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverviewState;

impl Screen for OverviewState {
    fn handle(&mut self, _action: &Action, _ctx: &mut Ctx) -> Option<Effect> {
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(frame, area, view, theme);
    }
}

fn draw_screen(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    draw_data(frame, left, view, theme);
    draw_run(frame, right, view, theme);
}

fn draw_data(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let datasets = &view.quick.datasets;
    let files = datasets
        .iter()
        .filter(|d| d.kind == crate::store::DatasetKind::File)
        .count();
    let annotations: i64 = datasets
        .iter()
        .filter(|d| d.kind == crate::store::DatasetKind::Annotation)
        .map(|d| d.observations)
        .sum();
    lines.push(Line::styled("Data", theme.header()));
    lines.push(Line::from(format!(
        "{files} file(s) imported, {annotations} workbench rating(s)"
    )));
    for (name, role, n) in &view.quick.facets {
        lines.push(Line::from(format!(
            "  {:<14} {:>8} {}",
            name,
            n,
            role.as_str()
        )));
    }
    match view.loaded {
        None => lines.push(Line::styled("loading the observations...", theme.dim())),
        Some(loaded) => {
            let s = &loaded.summary;
            lines.push(Line::from(format!(
                "{} responses in {} records; {} missing",
                s.observations, s.records, s.missing_responses
            )));
            if let Some(d) = &s.raters_per_object {
                lines.push(Line::from(format!(
                    "raters per comment: median {:.0}, {}-{}",
                    d.median, d.min, d.max
                )));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled("Rating network", theme.header()));
            if s.connectedness.connected {
                lines.push(Line::styled(
                    "connected: one frame of reference",
                    theme.good(),
                ));
            } else {
                for pair in s.connectedness.disconnected_pairs() {
                    lines.push(Line::styled(
                        format!(
                            "disconnected: {} x {} in {} subsets",
                            pair.first_facet,
                            pair.second_facet,
                            pair.subsets.len()
                        ),
                        theme.error(),
                    ));
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" project ")),
        area,
    );
}

fn draw_run(frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let block = Block::bordered().title(" last run ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(loaded) = loaded_or_wait(frame, inner, view.loaded) else {
        return;
    };
    let mut head: Vec<Line> = Vec::new();
    let facets_height = match &loaded.run {
        None => {
            head.push(Line::from("no run yet"));
            0
        }
        Some(run) => {
            let r = &run.record;
            head.push(Line::from(vec![
                Span::raw(format!("run {} ({}): ", r.id, r.method)),
                Span::styled(
                    format!("{} in {} iterations", r.status, r.iterations),
                    if r.status == crate::store::RunStatus::Converged {
                        theme.good()
                    } else {
                        theme.warning()
                    },
                ),
            ]));
            if run.stale {
                head.push(Line::styled(
                    "decisions or ratings changed since: fit again",
                    theme.warning(),
                ));
            }
            run.fit.facets.len() as u16 + 1
        }
    };
    // Flags per rule and decisions.
    let mut tail: Vec<Line> = Vec::new();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut to_exclude = 0;
    for row in &loaded.rater_rows {
        for rule in &row.flags {
            *per_rule.entry(rule.name()).or_default() += 1;
        }
        if row.level == Some(FlagLevel::Exclude) && row.decision != Some(Decision::Exclude) {
            to_exclude += 1;
        }
    }
    let excluded = loaded
        .rater_rows
        .iter()
        .filter(|r| r.decision == Some(Decision::Exclude))
        .count();
    if loaded.run.is_some() {
        tail.push(Line::styled("Flags", theme.header()));
        if per_rule.is_empty() {
            tail.push(Line::from("none"));
        } else {
            tail.push(Line::from(
                per_rule
                    .iter()
                    .map(|(rule, n)| format!("{rule} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        tail.push(Line::from(format!("{excluded} rater(s) excluded")));
    }
    tail.push(Line::styled("Next step", theme.header()));
    let next = if loaded.data.is_empty() {
        "import data (0)".to_string()
    } else if let Some(run) = &loaded.run {
        if to_exclude > 0 {
            format!(
                "{to_exclude} rater(s) flagged for exclusion: review them (2), R excludes by rule"
            )
        } else if run.stale {
            "fit again to apply the changes (6)".to_string()
        } else {
            "export the measures (8) or annotate uncertain comments (9)".to_string()
        }
    } else {
        "fit the model (6)".to_string()
    };
    tail.push(Line::styled(next, theme.active()));

    let [head_area, facets_area, tail_area] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Length(facets_height),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head), head_area);
    if let Some(run) = &loaded.run {
        let rows = run.fit.facets.iter().map(|f| {
            let s = &f.summary;
            Row::new(vec![
                f.name.clone(),
                s.count.to_string(),
                number(Some(s.mean_measure), 2),
                number(Some(s.model_population.separation), 2),
                number(Some(s.model_population.reliability), 2),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Min(10),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
            ],
        )
        .header(Row::new(vec!["facet", "n", "mean", "sep.", "rel."]).style(theme.header()));
        frame.render_widget(table, facets_area);
    }
    frame.render_widget(Paragraph::new(tail).wrap(Wrap { trim: false }), tail_area);
}
