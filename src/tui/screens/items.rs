//! Items & scale: item difficulties, the selected item's thresholds with disorder marks, its
//! category probability curves as a chart, Linacre's category guidelines for its scale with the
//! proposed collapse ([`crate::quality::categories`], computed by the load job), and a key that
//! fits a run with that collapse.

use crate::figures::FigureKind;
use crate::pipeline::PlotRequest;
use crate::quality::categories::ScaleCategories;
use crate::tui::action::Action;
use crate::tui::jobs::{JobKind, JobRequest};
use crate::tui::loaded::Loaded;
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::Level;
use crate::tui::state::Selection;
use crate::tui::theme::Theme;
use crate::tui::widgets::{fit_or_hint, hints, loaded_or_wait, number, windowed_table};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Row};
use ratatui::Frame;

/// The Items & scale screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemsState {
    /// The selected item.
    pub selection: Selection,
    /// The selected item's scale: its index in the fit's scales.
    pub scale: Option<usize>,
    /// Its category probability curves `P_k(η)` (from the library), for the chart.
    pub curves: Vec<Vec<(f64, f64)>>,
    /// The selected item's scale in the run's category advice (its index in
    /// [`crate::pipeline::CategoryAdvice::scales`]).
    pub checks: Option<usize>,
}

/// Points per category probability curve.
pub const CURVE_POINTS: usize = 121;
/// Logits shown beyond the outermost thresholds in the curves chart.
pub const CURVE_MARGIN: f64 = 3.0;

impl ItemsState {
    /// The scale of the selected item and its curves, from the loaded fit.
    pub fn refresh(&mut self, loaded: Option<&Loaded>) {
        self.scale = None;
        self.curves.clear();
        self.checks = loaded.and_then(|l| {
            // Before the first import there are no facets at all.
            let items = l.data.facets.get(l.data.item_facet)?;
            let label = items.labels.get(self.selection.index)?;
            let advice = l.run.as_ref()?.categories.as_ref()?;
            advice.scales.iter().position(|s| s.items.contains(label))
        });
        let Some(fit) = loaded.and_then(|l| l.fit()) else {
            return;
        };
        let item = self.selection.index as u32;
        let scale = match fit.scale_facet {
            Some(_) => fit.scales.iter().position(|s| s.element == Some(item)),
            None => (!fit.scales.is_empty()).then_some(0),
        };
        let Some(s) = scale else {
            return;
        };
        let thresholds = fit.scales[s].thresholds();
        let lowest = thresholds.iter().copied().fold(0.0, f64::min);
        let highest = thresholds.iter().copied().fold(0.0, f64::max);
        self.curves = fit.scales[s].category_curves(
            lowest - CURVE_MARGIN,
            highest + CURVE_MARGIN,
            CURVE_POINTS,
        );
        self.scale = Some(s);
    }
}

impl ItemsState {
    /// Fits a run with the selected item's proposed collapse (the run's options, the proposal's
    /// recode after the run's own) through the job runner.
    fn fit_collapse(&mut self, ctx: &mut Ctx) {
        if ctx.jobs.is_running(JobKind::Fit) {
            ctx.say(Level::Warning, "a fit is already running");
            return;
        }
        let settings = ctx.loaded().and_then(|l| {
            let run = l.run.as_ref()?;
            let advice = run.categories.as_ref()?;
            let scale = advice.scales.get(self.checks?)?;
            Some((scale.scale.clone(), advice.fit_settings(scale, &run.fit)?))
        });
        match settings {
            Some((scale, settings)) => {
                ctx.say(
                    Level::Info,
                    format!("fitting the proposed collapse of {scale}..."),
                );
                ctx.start(JobRequest::Fit(settings));
            }
            None => ctx.say(
                Level::Warning,
                "no proposed collapse for this item (its essential category checks pass)",
            ),
        }
    }
}

impl Screen for ItemsState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        match action {
            Action::Select(movement) => {
                let len = ctx.loaded().map_or(0, |l| l.n_items());
                self.selection.apply(*movement, len);
                self.refresh(ctx.loaded());
            }
            Action::FitCollapse => self.fit_collapse(ctx),
            Action::SaveFigure => {
                let item = ctx.loaded().and_then(|l| {
                    let scale = l.run.as_ref()?.fit.scales.get(self.scale?)?;
                    scale.element.map(|_| scale.label.clone())
                });
                ctx.ask_figure_path(PlotRequest {
                    item,
                    ..PlotRequest::new(FigureKind::Curves)
                });
            }
            _ => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(self, frame, area, view, theme);
    }

    fn on_loaded(&mut self, ctx: &mut Ctx) {
        let loaded = ctx.loaded();
        self.selection.clamp(loaded.map_or(0, |l| l.n_items()));
        self.refresh(loaded);
    }
}

fn draw_screen(state: &ItemsState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, view.loaded) else {
        return;
    };
    let Some(fit) = fit_or_hint(frame, area, loaded, "items") else {
        return;
    };
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let [right, checks_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(12)]).areas(right);
    let items = &fit.facets[loaded.data.item_facet];
    let n_items = items.elements.len() as u16;
    let [table_area, scale_area] = Layout::vertical([
        Constraint::Length((n_items + 3).min(left.height / 2 + 2)),
        Constraint::Min(0),
    ])
    .areas(left);
    let selected = state.selection.index;
    windowed_table(
        frame,
        table_area,
        Block::bordered().title(" items "),
        Row::new(vec!["item", "measure", "S.E.", "infit", "outfit"]),
        &[
            Constraint::Min(10),
            Constraint::Length(7),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(6),
        ],
        items.elements.len(),
        Some(selected),
        theme,
        |i| {
            let e = &items.elements[i];
            Row::new(vec![
                e.label.clone(),
                number(Some(e.measure), 2),
                number(e.model_se, 2),
                number(e.infit, 2),
                number(e.outfit, 2),
            ])
        },
    );

    // Thresholds of the selected item's scale.
    let mut lines: Vec<Line> = Vec::new();
    if let Some(scale) = state.scale.and_then(|s| fit.scales.get(s)) {
        lines.push(Line::styled(
            format!(
                "{:>5} {:>6} {:>4} {:>9} {:>5}",
                "score", "used", "%", "threshold", "S.E."
            ),
            theme.header(),
        ));
        for c in &scale.categories {
            let line = format!(
                "{:>5} {:>6} {:>4.0} {:>9} {:>5}{}",
                c.score,
                c.count,
                c.percent,
                number(c.threshold, 2),
                number(c.threshold_se, 2),
                if c.disordered { "  disordered" } else { "" }
            );
            lines.push(if c.disordered {
                Line::styled(line, theme.error())
            } else {
                Line::from(line)
            });
        }
        if scale.is_disordered() {
            lines.push(Line::styled(
                "thresholds disordered: consider collapsing categories",
                theme.warning(),
            ));
        }
    }
    let title = format!(
        " scale of {} ",
        items
            .elements
            .get(selected)
            .map(|e| e.label.as_str())
            .unwrap_or("")
    );
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        scale_area,
    );

    // Category probability curves.
    let curves = &state.curves;
    let (from, to) = curves
        .first()
        .and_then(|c| Some((c.first()?.0, c.last()?.0)))
        .unwrap_or((-4.0, 4.0));
    let datasets: Vec<Dataset> = curves
        .iter()
        .enumerate()
        .map(|(k, points)| {
            Dataset::default()
                .name(format!("{k}"))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.series(k))
                .data(points)
        })
        .collect();
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(" category probabilities P(k | η) "))
        .x_axis(
            Axis::default()
                .title("η (logits)")
                .bounds([from, to])
                .labels([
                    format!("{from:.1}"),
                    format!("{:.1}", (from + to) / 2.0),
                    format!("{to:.1}"),
                ]),
        )
        .y_axis(Axis::default().bounds([0.0, 1.0]).labels(["0", ".5", "1"]));
    frame.render_widget(chart, right);
    let advice = loaded.run.as_ref().and_then(|r| r.categories.as_ref());
    let scale = advice.and_then(|a| state.checks.and_then(|i| a.scales.get(i)));
    draw_checks(frame, checks_area, scale, advice.is_some(), theme);
    let keys: &[(&str, &str)] = match scale.and_then(|s| s.proposal.as_ref()) {
        Some(_) => &[("Up/Down", "item"), ("c", "fit the proposed collapse")],
        None => &[("Up/Down", "item")],
    };
    frame.render_widget(hints(keys, theme), hint);
}

/// Linacre's eight guidelines for the selected item's scale and the proposed collapse.
fn draw_checks(
    frame: &mut Frame,
    area: Rect,
    scale: Option<&ScaleCategories>,
    computed: bool,
    theme: Theme,
) {
    let mut lines: Vec<Line> = Vec::new();
    match scale {
        None if !computed => lines.push(Line::from(
            "the run is stale: fit again to check its categories",
        )),
        None => lines.push(Line::from("no scale for this item in the run")),
        Some(scale) => {
            for check in &scale.checks {
                let line = format!(
                    "{}{} {:>6} {} {}",
                    check.number,
                    if check.essential { "*" } else { " " },
                    check.formatted_value(),
                    if check.passed { "pass" } else { "FAIL" },
                    check.name
                );
                lines.push(match (check.passed, check.essential) {
                    (true, _) => Line::from(line),
                    (false, true) => Line::styled(line, theme.error()),
                    (false, false) => Line::styled(line, theme.warning()),
                });
            }
            match &scale.proposal {
                Some(p) => {
                    lines.push(Line::styled(
                        format!("proposal: {} (c: fit it)", p.describe_groups()),
                        theme.warning(),
                    ));
                    lines.push(Line::from(p.reason.clone()));
                }
                None if scale.essential_failures().next().is_some() => lines.push(Line::from(
                    "proposal: none (no collapse passes the essential checks)",
                )),
                None => lines.push(Line::from("proposal: none (essential checks pass)")),
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(" category checks (Linacre 2002; * essential) ")),
        area,
    );
}
