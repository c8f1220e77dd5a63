//! Runs: the fit form, the stored runs (mark two to compare them: measures, and the models'
//! log-likelihood, parameters, AIC, BIC and likelihood-ratio test), the convergence of the
//! running fit (or of the newest run) as a live chart, and the design plan of the selected run
//! (how many raters per object for reliability .9), computed off the UI thread.

use crate::measure::{IterationReport, Method, ScaleModel};
use crate::pipeline::{FitSettings, LikelihoodKind, PlanSettings, RunComparison, RunPlan};
use crate::tui::action::Action;
use crate::tui::jobs::{JobKind, JobMessage, JobRequest};
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::{Level, Selection};
use crate::tui::theme::Theme;
use crate::tui::widgets::{hints, labelled, line_chart, number, windowed_table, Series};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Wrap};
use ratatui::Frame;

/// The fit form and the runs list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsState {
    /// The estimation method.
    pub method: Method,
    /// Rating scale (shared thresholds) rather than partial credit.
    pub rating_scale: bool,
    /// The iteration cap.
    pub max_iterations: usize,
    /// Iterations of the fit running now (or the last one started here).
    pub progress: Vec<IterationReport>,
    /// The selected run.
    pub selection: Selection,
    /// Runs marked for comparison (at most two).
    pub marked: Vec<i64>,
    /// The comparison of the two marked runs.
    pub comparison: Option<RunComparison>,
    /// The design plan panel is open.
    pub plan_open: bool,
    /// The design plan of the run it was opened on (once computed).
    pub plan: Option<RunPlan>,
}

/// The reliability the planning panel answers for.
pub const PLAN_TARGET: f64 = 0.9;
/// The numbers of raters per object the planning panel lists.
pub const PLAN_RATERS: [usize; 6] = [1, 2, 3, 4, 6, 8];

/// Step of the iteration cap in the form.
pub const ITERATION_STEP: usize = 50;

impl Default for RunsState {
    fn default() -> Self {
        RunsState {
            method: Method::Jmle,
            rating_scale: false,
            max_iterations: crate::measure::Convergence::default().max_iterations,
            progress: Vec::new(),
            selection: Selection::default(),
            marked: Vec::new(),
            comparison: None,
            plan_open: false,
            plan: None,
        }
    }
}

/// The fit the form describes: the library's [`FitSettings`] (the job resolves them against
/// the project, fits and flags, as a pipeline's fit step does).
pub fn fit_settings(state: &RunsState) -> FitSettings {
    FitSettings {
        method: state.method,
        scale: if state.rating_scale {
            ScaleModel::RatingScale
        } else {
            ScaleModel::default()
        },
        max_iterations: state.max_iterations,
        note: "workbench".into(),
        ..FitSettings::default()
    }
}

impl RunsState {
    /// Opens the design plan of the selected run (starting its computation) or closes it.
    fn toggle_plan(&mut self, ctx: &mut Ctx) {
        if self.plan_open {
            self.plan_open = false;
            return;
        }
        let Some(run) = ctx
            .loaded()
            .and_then(|l| l.runs.get(self.selection.index))
            .map(|r| r.id)
        else {
            ctx.say(Level::Warning, "no run to plan from: fit first");
            return;
        };
        self.plan_open = true;
        if self.plan.as_ref().is_some_and(|p| p.run == run) {
            return;
        }
        self.plan = None;
        if !ctx.jobs.is_running(JobKind::Plan) {
            ctx.start(JobRequest::Plan {
                run,
                settings: PlanSettings {
                    raters_per_object: PLAN_RATERS.to_vec(),
                    target_reliability: Some(PLAN_TARGET),
                    ..PlanSettings::default()
                },
            });
        }
    }

    fn start_fit(&mut self, ctx: &mut Ctx) {
        if ctx.jobs.is_running(JobKind::Fit) {
            ctx.say(Level::Warning, "a fit is already running");
            return;
        }
        let request = fit_settings(self);
        self.progress.clear();
        ctx.say(Level::Info, "fitting...");
        ctx.start(JobRequest::Fit(request));
    }

    fn toggle_method(&mut self) {
        self.method = match self.method {
            Method::Jmle => Method::Mml,
            Method::Mml => Method::Jmle,
        }
    }

    /// Marks or unmarks the selected run; with two marked, starts their comparison.
    fn mark(&mut self, ctx: &mut Ctx) {
        let Some(id) = ctx
            .loaded()
            .and_then(|l| l.runs.get(self.selection.index))
            .map(|r| r.id)
        else {
            return;
        };
        if let Some(i) = self.marked.iter().position(|m| *m == id) {
            self.marked.remove(i);
        } else {
            self.marked.push(id);
            if self.marked.len() > 2 {
                self.marked.remove(0);
            }
        }
        self.comparison = None;
        if let [first, second] = self.marked[..] {
            ctx.start(JobRequest::Compare {
                first: first.min(second),
                second: first.max(second),
            });
        }
    }
}

impl Screen for RunsState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        match action {
            Action::Select(movement) => {
                let len = ctx.loaded().map_or(0, |l| l.runs.len());
                self.selection.apply(*movement, len);
            }
            Action::Confirm => self.start_fit(ctx),
            Action::CycleMethod | Action::Cycle(_) => self.toggle_method(),
            Action::CycleScale => self.rating_scale = !self.rating_scale,
            Action::Iterations(steps) => {
                let step = ITERATION_STEP as i64 * *steps as i64;
                let value = (self.max_iterations as i64 + step).max(ITERATION_STEP as i64);
                self.max_iterations = value as usize;
            }
            Action::Cancel if ctx.jobs.is_running(JobKind::Fit) => ctx.cancel(JobKind::Fit),
            Action::Mark => self.mark(ctx),
            Action::Plan => self.toggle_plan(ctx),
            _ => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(self, frame, area, view, theme);
    }

    fn on_loaded(&mut self, ctx: &mut Ctx) {
        self.selection
            .clamp(ctx.loaded().map_or(0, |l| l.runs.len()));
    }

    fn on_job_message(&mut self, message: &JobMessage, ctx: &mut Ctx) {
        match message {
            JobMessage::Progress(report) => self.progress.push(report.clone()),
            JobMessage::FitDone {
                run_id,
                converged,
                iterations,
                flags,
            } => {
                ctx.say(
                    if *converged {
                        Level::Info
                    } else {
                        Level::Warning
                    },
                    format!(
                        "run {run_id} {} after {iterations} iterations; {flags} flags raised",
                        if *converged {
                            "converged"
                        } else {
                            "did not converge"
                        }
                    ),
                );
                ctx.start(JobRequest::Load);
            }
            JobMessage::Compared(comparison) => self.comparison = Some(comparison.clone()),
            JobMessage::Planned(plan) => self.plan = Some((**plan).clone()),
            _ => {}
        }
    }
}

/// Smallest value drawn on the log-scale convergence chart.
const LOG_FLOOR: f64 = 1e-4;

fn draw_screen(state: &RunsState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let [form_area, list_area] =
        Layout::vertical([Constraint::Length(6), Constraint::Min(0)]).areas(left);
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
            if view.jobs.is_running(JobKind::Fit) {
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

    let runs: &[crate::store::RunRecord] = view.loaded.map_or(&[], |l| &l.runs);
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
                match &r.recode {
                    Some(recode) => format!("{} [recode {}]", r.note, recode.describe().join("; ")),
                    None => r.note.clone(),
                },
            ])
        },
    );

    let comparison_height = if state.comparison.is_some() { 13 } else { 0 };
    let [chart_area, compare_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(comparison_height)]).areas(right);
    if state.plan_open {
        draw_plan(frame, chart_area, state, view, theme);
    } else {
        draw_chart(frame, chart_area, state, view, theme);
    }
    if let Some(c) = &state.comparison {
        draw_comparison(frame, compare_area, c, theme);
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
                ("p", "plan"),
            ],
            theme,
        ),
        hint,
    );
}

fn draw_chart(frame: &mut Frame, area: Rect, state: &RunsState, view: &View, theme: Theme) {
    let (history, title): (&[IterationReport], String) = if !state.progress.is_empty() {
        (&state.progress, " convergence of this fit (log10) ".into())
    } else if let Some(run) = view.loaded.and_then(|l| l.run.as_ref()) {
        (
            &run.fit.history,
            format!(" convergence of run {} (log10) ", run.record.id),
        )
    } else {
        (&[], " convergence ".into())
    };
    draw_convergence(frame, area, history, title, theme);
}

/// The comparison of two runs: how far the measures moved, and the two models.
fn draw_comparison(frame: &mut Frame, area: Rect, c: &RunComparison, theme: Theme) {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut lines = vec![
        Line::styled(
            format!("run {} vs run {}", c.first, c.second),
            theme.header(),
        ),
        Line::from(format!(
            "{} objects: r {}, max shift {}",
            c.objects_compared,
            number(c.measure_correlation, 3),
            number(c.largest_shift, 2)
        )),
        Line::from(format!(
            "separation {}/{}, rel. {}/{}",
            number(Some(c.object_separation[0]), 2),
            number(Some(c.object_separation[1]), 2),
            number(Some(c.object_reliability[0]), 2),
            number(Some(c.object_reliability[1]), 2)
        )),
        Line::from(format!(
            "iterations {}/{}, converged {}/{}",
            c.iterations[0],
            c.iterations[1],
            yes(c.converged[0]),
            yes(c.converged[1])
        )),
    ];
    for m in &c.models.runs {
        lines.push(Line::from(format!(
            "{} {} {}: {} lnL {:.1}, k {}",
            m.run,
            m.method.as_str(),
            m.scale_model,
            match m.likelihood {
                LikelihoodKind::Joint => "joint",
                LikelihoodKind::Marginal => "marginal",
            },
            m.log_likelihood,
            m.parameters
        )));
        lines.push(Line::from(format!("  AIC {:.1}, BIC {:.1}", m.aic, m.bic)));
    }
    let jmle = c
        .models
        .runs
        .iter()
        .any(|m| m.method == crate::measure::Method::Jmle);
    lines.push(match &c.models.lr_test {
        Some(t) => Line::styled(
            format!(
                "LR test {} in {}: chi2 {:.2}, {} d.f., p {:.4}",
                t.restricted, t.general, t.chi_square, t.df, t.p
            ),
            theme.active(),
        ),
        None if !c.models.same_observations => {
            Line::from("no LR test: different observations; compare separation and fit")
        }
        None if jmle => Line::from("no LR test: JMLE likelihoods are not a basis for inference"),
        None => Line::from("no LR test: the models are not nested; compare AIC/BIC"),
    });
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" comparison ")),
        area,
    );
}

/// The design plan of a run: the number of raters per object that reaches [`PLAN_TARGET`]
/// first, then the forecast per number of raters per object.
fn draw_plan(frame: &mut Frame, area: Rect, state: &RunsState, view: &View, theme: Theme) {
    let mut lines = Vec::new();
    let title = match &state.plan {
        None => {
            lines.push(Line::from(if view.jobs.is_running(JobKind::Plan) {
                "computing the design plan..."
            } else {
                "no plan (p on a run computes it)"
            }));
            " design plan ".to_string()
        }
        Some(planned) => {
            let p = &planned.plan;
            lines.push(Line::styled(
                match (&p.target_design, p.target_reliability) {
                    (Some(d), Some(t)) => format!(
                        "reliability {t:.2}: {} raters per object",
                        d.raters_per_object
                    ),
                    (None, Some(t)) => format!(
                        "reliability {t:.2}: not reached with {} raters",
                        crate::quality::plan::MAX_RATERS_SEARCHED
                    ),
                    _ => String::new(),
                },
                theme.active(),
            ));
            lines.push(Line::from(format!(
                "{} objects, {} raters, {} items",
                p.objects, p.raters, p.items
            )));
            lines.push(Line::styled(
                format!(
                    "{:>3} {:>6} {:>7} {:>6} {:>6}",
                    "R", "RMSE", "true SD", "sep.", "rel."
                ),
                theme.header(),
            ));
            for d in &p.designs {
                lines.push(Line::from(format!(
                    "{:>3} {:>6.3} {:>7.3} {:>6.2} {:>6.3}",
                    d.raters_per_object, d.rmse, d.true_sd, d.separation, d.reliability
                )));
            }
            format!(" design plan of run {} ", planned.run)
        }
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
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
