//! Overview: the data set, the rating network's connectedness, the last run's convergence and
//! facet summaries (separation, reliability), flag counts, the suggested next step, and the
//! run's dimensionality (Winsteps Table 23's first contrast, the largest Yen's Q3* pairs;
//! computed with the load, off the UI thread).

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
    if let Some(run) = &loaded.run {
        dimensionality_lines(&mut tail, run.dimensionality.as_ref(), theme);
    }

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

/// Items shown on each side of the first contrast, and locally dependent pairs shown.
const SHOWN: usize = 2;

/// The first contrast (eigenvalue, share, the items loading most each way) and the largest
/// Q3* pairs.
fn dimensionality_lines<'a>(
    lines: &mut Vec<Line<'a>>,
    table: Option<&Result<crate::measure::Dimensionality, String>>,
    theme: Theme,
) {
    lines.push(Line::styled("Dimensionality (Table 23)", theme.header()));
    let d = match table {
        None => {
            lines.push(Line::styled("fit again to analyse", theme.dim()));
            return;
        }
        Some(Err(message)) => {
            lines.push(Line::styled(message.clone(), theme.dim()));
            return;
        }
        Some(Ok(d)) => d,
    };
    if let Some(first) = d.first_contrast() {
        lines.push(Line::from(vec![
            Span::raw("1st contrast "),
            Span::styled(
                format!("{:.2}", first.eigenvalue),
                if first.eigenvalue >= 2.0 {
                    theme.warning()
                } else {
                    theme.good()
                },
            ),
            Span::raw(format!(
                " eigenvalue units ({:.1}% of variance)",
                100.0 * first.variance_share
            )),
        ]));
        let mut loadings: Vec<_> = first.loadings.iter().collect();
        loadings.sort_by(|a, b| b.loading.total_cmp(&a.loading));
        let side = |items: Vec<&crate::measure::dimensionality::Loading>| {
            items
                .iter()
                .map(|l| format!("{} {:.2}", l.item, l.loading))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let positive: Vec<_> = loadings
            .iter()
            .copied()
            .filter(|l| l.loading > 0.0)
            .take(SHOWN)
            .collect();
        let negative: Vec<_> = loadings
            .iter()
            .rev()
            .copied()
            .filter(|l| l.loading < 0.0)
            .take(SHOWN)
            .collect();
        lines.push(Line::from(format!(" + {}", side(positive))));
        lines.push(Line::from(format!(" - {}", side(negative))));
    }
    let marked: Vec<_> = d.marked_pairs().take(SHOWN).collect();
    if marked.is_empty() {
        lines.push(Line::from(format!(
            "Q3* > {:.1}: none (largest Q3 {})",
            d.q3.mark,
            d.q3.max.map_or_else(|| "-".into(), |m| format!("{m:.2}"))
        )));
    } else {
        let more = d.marked_pairs().count() - marked.len();
        lines.push(Line::styled(
            format!(
                "Q3* > {:.1}: {}{}",
                d.q3.mark,
                marked
                    .iter()
                    .map(|p| format!("{}/{} {:.2}", p.a, p.b, p.q3_star))
                    .collect::<Vec<_>>()
                    .join(", "),
                if more > 0 {
                    format!(" (+{more})")
                } else {
                    String::new()
                }
            ),
            theme.warning(),
        ));
    }
}
