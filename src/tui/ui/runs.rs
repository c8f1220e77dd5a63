//! Runs: the fit form, the stored runs (mark two to compare them) and the convergence of the
//! running fit (or of the newest run) as a live chart.

use super::widgets::{hints, labelled, line_chart, number, windowed_table, Series};
use crate::measure::{IterationReport, Method};
use crate::tui::app::App;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row};
use ratatui::Frame;

/// Smallest value drawn on the log-scale convergence chart.
const LOG_FLOOR: f64 = 1e-4;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let [form_area, list_area] =
        Layout::vertical([Constraint::Length(6), Constraint::Min(0)]).areas(left);
    let state = &app.runs;
    let field = |name: &str, value: String| labelled(name, 15, value, theme);
    let form = vec![
        field(
            "method (m)",
            match state.method {
                Method::Jmle => "JMLE (Facets)".into(),
                Method::Mml => "MML (EAP)".into(),
            },
        ),
        field(
            "scale (t)",
            if state.rating_scale {
                "rating scale (shared)".into()
            } else {
                "partial credit (per item)".into()
            },
        ),
        field(
            "iterations (±)",
            format!("at most {}", state.max_iterations),
        ),
        Line::styled(
            if state.running {
                "fitting... c cancels"
            } else {
                "Enter starts the fit"
            },
            theme.active(),
        ),
    ];
    frame.render_widget(
        Paragraph::new(form).block(Block::bordered().title(" new fit ")),
        form_area,
    );

    let runs: &[crate::store::RunRecord] = app.loaded.as_ref().map_or(&[], |l| &l.runs);
    windowed_table(
        frame,
        list_area,
        Block::bordered().title(" runs (Space marks two to compare) "),
        Row::new(vec!["", "run", "method", "status", "iter.", "note"]),
        &[
            Constraint::Length(1),
            Constraint::Length(4),
            Constraint::Length(6),
            Constraint::Length(13),
            Constraint::Length(5),
            Constraint::Min(4),
        ],
        runs.len(),
        (!runs.is_empty()).then_some(state.selection.index),
        theme,
        |i| {
            let r = &runs[i];
            Row::new(vec![
                if state.marked.contains(&r.id) {
                    "*"
                } else {
                    ""
                }
                .to_string(),
                r.id.to_string(),
                r.method.to_string(),
                r.status.to_string(),
                r.iterations.to_string(),
                r.note.clone(),
            ])
        },
    );

    let comparison_height = if state.comparison.is_some() { 8 } else { 0 };
    let [chart_area, compare_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(comparison_height)]).areas(right);
    let (history, title): (&[IterationReport], String) = if !state.progress.is_empty() {
        (&state.progress, " convergence of this fit (log10) ".into())
    } else if let Some(run) = app.loaded.as_ref().and_then(|l| l.run.as_ref()) {
        (
            &run.fit.history,
            format!(" convergence of run {} (log10) ", run.record.id),
        )
    } else {
        (&[], " convergence ".into())
    };
    draw_convergence(frame, chart_area, history, title, theme);
    if let Some(c) = &state.comparison {
        let lines = vec![
            Line::styled(
                format!("run {} vs run {}", c.first, c.second),
                theme.header(),
            ),
            Line::from(format!(
                "objects compared {}: r = {}",
                c.objects_compared,
                number(c.measure_correlation, 3)
            )),
            Line::from(format!(
                "largest shift {} logits",
                number(c.largest_shift, 2)
            )),
            Line::from(format!(
                "separation {} / {}",
                number(Some(c.object_separation[0]), 2),
                number(Some(c.object_separation[1]), 2)
            )),
            Line::from(format!(
                "reliability {} / {}",
                number(Some(c.object_reliability[0]), 2),
                number(Some(c.object_reliability[1]), 2)
            )),
            Line::from(format!(
                "iterations {} / {}, converged {} / {}",
                c.iterations[0], c.iterations[1], c.converged[0], c.converged[1]
            )),
        ];
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" comparison ")),
            compare_area,
        );
    }
    frame.render_widget(
        hints(
            &[
                ("Enter", "fit"),
                ("m", "method"),
                ("t", "scale"),
                ("+/-", "iterations"),
                ("c", "cancel"),
                ("Space", "mark"),
            ],
            theme,
        ),
        hint,
    );
}

fn draw_convergence(
    frame: &mut Frame,
    area: Rect,
    history: &[IterationReport],
    title: String,
    theme: Theme,
) {
    let log = |v: f64| v.max(LOG_FLOOR).log10();
    let residual: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.iteration as f64, log(r.max_score_residual)))
        .collect();
    let change: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.iteration as f64, log(r.max_change)))
        .collect();
    let last = history.last().map_or(1.0, |r| r.iteration as f64).max(1.0);
    let top = residual
        .iter()
        .chain(&change)
        .map(|p| p.1)
        .fold(1.0, f64::max)
        .ceil();
    let bottom = LOG_FLOOR.log10();
    let series = [
        Series {
            name: "max score residual",
            points: &residual,
        },
        Series {
            name: "max change (logits)",
            points: &change,
        },
    ];
    let status = history.last().map_or(String::new(), |r| {
        format!(
            "iteration {}: residual {:.3}, change {:.4}",
            r.iteration, r.max_score_residual, r.max_change
        )
    });
    let chart = line_chart(
        title,
        status,
        &series,
        ([1.0, last], ["1".to_string(), format!("{last:.0}")]),
        ([bottom, top], [format!("{bottom:.0}"), format!("{top:.0}")]),
        theme,
    );
    frame.render_widget(chart, area);
}
