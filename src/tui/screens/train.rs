//! Train: the text predictor's form, its live loss curves (one point per epoch) and the held-out
//! evaluation of the last model trained here against the ridge and mean baselines.

use crate::predict::{EpochReport, Evaluation};
use crate::tui::action::Action;
use crate::tui::jobs::{JobKind, JobMessage, JobRequest};
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::Level;
use crate::tui::theme::Theme;
use crate::tui::widgets::{hints, labelled, line_chart, number, Series};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table};
use ratatui::Frame;

/// The Train screen: the predictor's form, the live epochs and the held-out evaluation.
#[derive(Debug, Clone, Default)]
pub struct TrainState {
    /// The options the form edits (the rest keep their defaults).
    pub options: crate::predict::TrainOptions,
    /// Epochs of the training running now (or the last one started here).
    pub progress: Vec<crate::predict::EpochReport>,
    /// The last finished training's model and evaluation.
    pub outcome: Option<Box<crate::predict::TrainOutcome>>,
}

/// Step of the epoch cap in the form.
pub const EPOCH_STEP: usize = 5;

impl TrainState {
    fn start_training(&mut self, ctx: &mut Ctx) {
        if ctx.jobs.is_running(JobKind::Train) {
            ctx.say(Level::Warning, "a training is already running");
            return;
        }
        if ctx.loaded().is_none_or(|l| l.run.is_none()) {
            ctx.say(
                Level::Warning,
                "fit a run first (6): the predictor learns its measures",
            );
            return;
        }
        self.progress.clear();
        ctx.say(Level::Info, "training...");
        ctx.start(JobRequest::Train(Box::new(self.options.clone())));
    }
}

impl Screen for TrainState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        match action {
            Action::Confirm => self.start_training(ctx),
            Action::Iterations(steps) => {
                let step = EPOCH_STEP as i64 * *steps as i64;
                let value = (self.options.epochs as i64 + step).max(1);
                self.options.epochs = value as usize;
            }
            Action::TogglePerspective => self.options.perspective = !self.options.perspective,
            Action::Cancel if ctx.jobs.is_running(JobKind::Train) => ctx.cancel(JobKind::Train),
            _ => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(self, frame, area, view, theme);
    }

    fn on_job_message(&mut self, message: &JobMessage, ctx: &mut Ctx) {
        match message {
            JobMessage::Epoch(report) => self.progress.push(report.clone()),
            JobMessage::Trained(outcome) => {
                let e = &outcome.evaluation;
                ctx.say(
                    Level::Info,
                    format!(
                        "model {} stored: held-out RMSE {:.3} (ridge {:.3}), r {:.3}",
                        outcome.model_id, e.model.rmse, e.ridge.rmse, e.model.pearson
                    ),
                );
                self.outcome = Some(outcome.clone());
            }
            _ => {}
        }
    }
}

fn draw_screen(state: &TrainState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let [main, hint] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
    let [form_area, evaluation_area] =
        Layout::vertical([Constraint::Length(7), Constraint::Min(0)]).areas(left);
    draw_form(frame, form_area, state, view, theme);
    match &state.outcome {
        Some(outcome) => draw_evaluation(
            frame,
            evaluation_area,
            outcome.model_id,
            &outcome.evaluation,
            theme,
        ),
        None => {
            let text = match view.loaded.and_then(|l| l.latest_model) {
                Some(id) => format!(
                    "model {id} is stored (its predictions are on the Comments screen); \
                     train here to see a new model's held-out evaluation"
                ),
                None => "no model yet: Enter trains one on the newest run's measures".into(),
            };
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(ratatui::widgets::Wrap { trim: true })
                    .block(Block::bordered().title(" held-out evaluation ")),
                evaluation_area,
            );
        }
    }
    let history: &[EpochReport] = if !state.progress.is_empty() {
        &state.progress
    } else {
        state.outcome.as_ref().map_or(&[], |o| &o.history)
    };
    draw_losses(frame, right, history, theme);
    frame.render_widget(
        hints(
            &[
                ("Enter", "train"),
                ("+/-", "epochs"),
                ("p", "perspective"),
                ("c", "cancel"),
            ],
            theme,
        ),
        hint,
    );
}

fn draw_form(frame: &mut Frame, area: Rect, state: &TrainState, view: &View, theme: Theme) {
    let options = &state.options;
    let field = |name: &str, value: String| labelled(name, 16, value, theme);
    let run = view
        .loaded
        .and_then(|l| l.run.as_ref())
        .map_or("none: fit one first (6)".to_string(), |r| {
            format!("run {} ({})", r.record.id, r.record.method)
        });
    let lines = vec![
        field("targets", run),
        field(
            "text",
            format!(
                "hashed n-grams, 2^{} buckets x {}",
                options.hash_bits, options.embedding_dim
            ),
        ),
        field("epochs (+/-)", format!("at most {}", options.epochs)),
        field(
            "perspective (p)",
            if options.perspective {
                "rater severity enters the item heads".into()
            } else {
                "off".into()
            },
        ),
        Line::styled(
            if view.jobs.is_running(JobKind::Train) {
                "training... c cancels (nothing is stored)"
            } else {
                "Enter trains and stores a model"
            },
            theme.active(),
        ),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" new model ")),
        area,
    );
}

fn draw_evaluation(
    frame: &mut Frame,
    area: Rect,
    model_id: i64,
    evaluation: &Evaluation,
    theme: Theme,
) {
    let measure_rows = [
        ("model", &evaluation.model),
        ("ridge", &evaluation.ridge),
        ("mean", &evaluation.mean),
    ];
    let mut rows: Vec<Row> = measure_rows
        .iter()
        .map(|(name, m)| {
            Row::new(vec![
                name.to_string(),
                number(Some(m.rmse), 3),
                number(Some(m.mae), 3),
                number(Some(m.pearson), 3),
                number(Some(m.r_squared), 3),
            ])
        })
        .collect();
    rows.push(Row::new(vec!["item", "acc.", "QWK", "F1", "MAE"]).style(theme.header()));
    rows.extend(evaluation.items.iter().map(|i| {
        Row::new(vec![
            i.item.clone(),
            number(Some(i.accuracy), 2),
            number(Some(i.quadratic_kappa), 2),
            number(Some(i.macro_f1), 2),
            number(Some(i.label_mae), 2),
        ])
    }));
    let table = Table::new(
        rows,
        [
            Constraint::Min(8),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(vec!["measure", "RMSE", "MAE", "r", "R²"]).style(theme.header()))
    .block(Block::bordered().title(format!(
        " model {model_id}: {} held-out comments, best {} ",
        evaluation.test_comments,
        crate::predict::best_epoch_label(evaluation.best_epoch)
    )));
    frame.render_widget(table, area);
}

fn draw_losses(frame: &mut Frame, area: Rect, history: &[EpochReport], theme: Theme) {
    let train: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.epoch as f64, r.train_loss))
        .collect();
    let valid: Vec<(f64, f64)> = history
        .iter()
        .map(|r| (r.epoch as f64, r.valid_loss))
        .collect();
    let last = history.last().map_or(1.0, |r| r.epochs as f64).max(1.0);
    let top = train
        .iter()
        .chain(&valid)
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let series = [
        Series {
            name: "training loss",
            points: &train,
        },
        Series {
            name: "validation loss",
            points: &valid,
        },
    ];
    let status = history.last().map_or(String::new(), |r| {
        format!(
            "epoch {}/{}: validation RMSE {:.3}, r {:.3} (best: {})",
            r.epoch,
            r.epochs,
            r.valid_rmse,
            r.valid_pearson,
            crate::predict::best_epoch_label(r.best_epoch)
        )
    });
    let chart = line_chart(
        " loss per epoch ".into(),
        status,
        &series,
        ([1.0, last], ["1".to_string(), format!("{last:.0}")]),
        ([0.0, top], ["0".to_string(), format!("{top:.2}")]),
        theme,
    );
    frame.render_widget(chart, area);
}
