//! Annotate: the reviewer rates comments as a rater of the project. A queue to pick from
//! (least certain, most unexpected ratings, a flagged rater's comments), the comment's text, and
//! the items with their categories; a number key answers the current item and is saved at once.

use crate::quality::queues::{self, QueueEntry};
use crate::tui::action::{Action, Command, Move, Written};
use crate::tui::jobs::{JobMessage, JobRequest};
use crate::tui::screen::{Ctx, Effect, Screen, View};
use crate::tui::state::{Level, QueueKind, Selection, QUEUE_LENGTH};
use crate::tui::tab::Tab;
use crate::tui::theme::Theme;
use crate::tui::widgets::{clip, hints, loaded_or_wait, number, window_start};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::collections::{HashMap, HashSet};

/// The Annotate screen.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotateState {
    /// The queue shown.
    pub queue: QueueKind,
    /// Its comments, in queue order.
    pub entries: Vec<QueueEntry>,
    /// The comment being answered.
    pub selection: Selection,
    /// The item being answered (index into `Loaded::items`).
    pub item: usize,
    /// This session's answers: (object, item idx) -> raw code.
    pub answers: HashMap<(u32, u32), i64>,
    /// Objects the reviewer has rated (before this session and in it).
    pub rated: HashSet<u32>,
}

impl Default for AnnotateState {
    fn default() -> Self {
        AnnotateState {
            queue: QueueKind::LeastCertain,
            entries: Vec::new(),
            selection: Selection::default(),
            item: 0,
            answers: HashMap::new(),
            rated: HashSet::new(),
        }
    }
}

impl AnnotateState {
    /// The queue entry being answered.
    pub fn current(&self) -> Option<&QueueEntry> {
        self.entries.get(self.selection.index)
    }
}

impl AnnotateState {
    /// Fills the queue from the library's queue functions.
    pub fn build_queue(&mut self, ctx: &mut Ctx) {
        let Some(loaded) = ctx.loaded.as_ref() else {
            self.entries.clear();
            return;
        };
        let skip = &self.rated;
        let fit = loaded.fit();
        let entries = match (&self.queue, &loaded.run) {
            (QueueKind::LeastCertain, Some(run)) => {
                queues::least_certain(&loaded.data, &run.fit, skip, QUEUE_LENGTH)
            }
            (QueueKind::MostUnexpected, Some(run)) => {
                queues::most_unexpected_from(&loaded.data, &run.unexpected, skip, QUEUE_LENGTH)
            }
            (QueueKind::RatedBy { element, .. }, _) => match &loaded.rater_index {
                Some(index) => {
                    queues::rated_by(&loaded.data, fit, index, *element, skip, QUEUE_LENGTH)
                }
                None => Vec::new(),
            },
            (QueueKind::Single { object }, _) => vec![QueueEntry {
                object: *object,
                label: loaded.data.objects().labels[*object as usize].clone(),
                value: 0.0,
            }],
            (_, None) => {
                *ctx.status = Some((
                    Level::Info,
                    "this queue needs a fit: start one on the Runs screen (6)".into(),
                ));
                Vec::new()
            }
        };
        self.entries = entries;
        self.selection = Default::default();
        self.item = 0;
    }

    fn answer(&mut self, raw: i64, ctx: &mut Ctx) {
        let Some(loaded) = ctx.loaded.as_ref() else {
            return;
        };
        let Some(entry) = self.current() else {
            ctx.say(Level::Info, "the queue is empty");
            return;
        };
        let Some(item) = loaded.items.get(self.item) else {
            return;
        };
        if !item.config.categories.contains(&raw) {
            let categories = item
                .config
                .categories
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let text = format!("{raw} is not a category of {} ({categories})", item.name);
            ctx.say(Level::Warning, text);
            return;
        }
        let command = Command::Rate {
            object: entry.object,
            object_label: entry.label.clone(),
            item: item.name.clone(),
            raw,
        };
        ctx.commands.push(command);
    }
}

impl Screen for AnnotateState {
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect> {
        match action {
            Action::Select(movement @ (Move::Up | Move::Down)) => {
                let len = ctx.loaded().map_or(0, |l| l.items.len());
                let mut s = Selection { index: self.item };
                s.apply(*movement, len);
                self.item = s.index;
            }
            Action::Select(movement) => {
                let movement = match movement {
                    Move::PageUp => Move::Up,
                    Move::PageDown => Move::Down,
                    other => *other,
                };
                self.selection.apply(movement, self.entries.len());
                self.item = 0;
            }
            Action::Answer(raw) => self.answer(*raw, ctx),
            Action::NextQueue => match self.queue {
                QueueKind::LeastCertain => {
                    self.queue = QueueKind::MostUnexpected;
                    self.build_queue(ctx);
                }
                QueueKind::MostUnexpected => return Some(Effect::FlaggedRaterQueue),
                _ => {
                    self.queue = QueueKind::LeastCertain;
                    self.build_queue(ctx);
                }
            },
            Action::Skip => {
                self.selection.apply(Move::Down, self.entries.len());
                self.item = 0;
            }
            _ => {}
        }
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
        draw_screen(self, frame, area, view, theme);
    }

    fn on_enter(&mut self, ctx: &mut Ctx) {
        if self.entries.is_empty() {
            self.build_queue(ctx);
        }
    }

    /// Ratings added here are reloaded when the screen is left.
    fn on_leave(&mut self, ctx: &mut Ctx) {
        if *ctx.data_changed {
            *ctx.data_changed = false;
            ctx.start(JobRequest::Load);
        }
    }

    fn on_loaded(&mut self, ctx: &mut Ctx) {
        if let Some(loaded) = ctx.loaded() {
            if let Some(index) = &loaded.rater_index {
                self.rated = queues::objects_rated_by(&loaded.data, index, ctx.reviewer);
            }
        }
        if ctx.tab == Tab::Annotate {
            self.build_queue(ctx);
        }
    }

    fn on_job_message(&mut self, message: &JobMessage, _ctx: &mut Ctx) {
        // A new run reorders the queues: they are rebuilt from it.
        if let JobMessage::FitDone { .. } = message {
            self.entries.clear();
        }
    }

    fn on_written(&mut self, written: &Written, ctx: &mut Ctx) {
        let Written::Rating {
            object,
            item,
            result: Ok(recorded),
        } = written
        else {
            return;
        };
        self.answers.insert((*object, recorded.item), recorded.raw);
        self.rated.insert(*object);
        let n_items = ctx.loaded().map_or(0, |l| l.items.len());
        let label = self.current().map(|e| e.label.clone()).unwrap_or_default();
        ctx.say(
            Level::Info,
            format!("saved: comment {label}, {item} = {}", recorded.raw),
        );
        if self.item + 1 < n_items {
            self.item += 1;
        } else {
            if self.selection.index + 1 < self.entries.len() {
                self.selection.index += 1;
            }
            self.item = 0;
        }
    }
}

fn draw_screen(state: &AnnotateState, frame: &mut Frame, area: Rect, view: &View, theme: Theme) {
    let Some(loaded) = loaded_or_wait(frame, area, view.loaded) else {
        return;
    };
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
    let start = window_start(state.selection.index, height);
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
            view.reviewer
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
