//! The [`Screen`] trait every workbench screen implements (ratatui's component pattern): a screen
//! owns its state, handles the actions sent to it while it is shown, hears job messages and
//! write results, and draws itself. What the screens share travels in a [`Ctx`] (to change) or
//! a [`View`] (to draw); the app (`App` in the `app` module) keeps those and dispatches.

use super::action::{Action, Command, Written};
use super::jobs::{JobKind, JobMessage, JobRequest, Jobs};
use super::loaded::Loaded;
use super::state::{Level, Prompt, QueueKind, QuickFacts};
use super::tab::Tab;
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::Frame;

/// One workbench screen: its state, its key handling and its drawing.
pub trait Screen {
    /// Applies an action sent to this screen (the one shown); may ask the app for more.
    fn handle(&mut self, action: &Action, ctx: &mut Ctx) -> Option<Effect>;

    /// Draws the screen in `area` from its state and the shared `view`.
    fn draw(&self, frame: &mut Frame, area: Rect, view: &View, theme: Theme);

    /// Whether keys go into a text field of the screen rather than the keymap.
    fn editing_text(&self) -> bool {
        false
    }

    /// The screen is being shown (also when it already was).
    fn on_enter(&mut self, _ctx: &mut Ctx) {}

    /// The screen is being left for another.
    fn on_leave(&mut self, _ctx: &mut Ctx) {}

    /// A new project view was installed in `ctx.loaded`.
    fn on_loaded(&mut self, _ctx: &mut Ctx) {}

    /// A background job reported (every screen hears every message).
    fn on_job_message(&mut self, _message: &JobMessage, _ctx: &mut Ctx) {}

    /// A write the runtime performed succeeded (the app reports failures).
    fn on_written(&mut self, _written: &Written, _ctx: &mut Ctx) {}
}

/// What a screen asks of the app beyond its own state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Open the Annotate screen on this queue.
    Annotate(QueueKind),
    /// Switch the Annotate queue to the flagged rater's comments (the Raters screen knows which).
    FlaggedRaterQueue,
}

/// The shared state a screen may change while it handles something.
pub struct Ctx<'a> {
    /// The screen shown.
    pub tab: Tab,
    /// The reviewer's name (their rater label when annotating).
    pub reviewer: &'a str,
    /// The project view, once loaded.
    pub loaded: &'a mut Option<Loaded>,
    /// The jobs running now.
    pub jobs: &'a mut Jobs,
    /// The status line's message.
    pub status: &'a mut Option<(Level, String)>,
    /// The modal dialog, if one is open.
    pub prompt: &'a mut Option<Prompt>,
    /// A reload was asked for while one was running.
    pub reload_pending: &'a mut bool,
    /// Ratings were added since the last load.
    pub data_changed: &'a mut bool,
    /// The side effects the runtime will perform.
    pub commands: &'a mut Vec<Command>,
}

impl Ctx<'_> {
    /// Starts a job and records it as running (a load asked for during a load runs after it).
    pub fn start(&mut self, request: JobRequest) {
        let kind = request.kind();
        if kind == JobKind::Load && self.jobs.is_running(JobKind::Load) {
            *self.reload_pending = true;
            return;
        }
        let job = self.jobs.start(kind);
        self.commands.push(Command::Start { job, request });
    }

    /// Asks the running job of `kind` (the newest, the one this screen started) to stop after
    /// its current step, and says so; jobs of other kinds go on.
    pub fn cancel(&mut self, kind: JobKind) {
        let Some(job) = self.jobs.running_job(kind) else {
            return;
        };
        self.commands.push(Command::CancelJob(job));
        self.say(Level::Info, format!("cancelling the {}...", kind.name()));
    }

    /// Asks for the file to save the newest run's figure `request` to, offering
    /// `run<ID>-<kind>[-<item>].svg` in the working folder; says what is missing without a run.
    pub fn ask_figure_path(&mut self, request: crate::pipeline::PlotRequest) {
        let Some(run) = self
            .loaded()
            .and_then(|l| l.run.as_ref())
            .map(|r| r.record.id)
        else {
            self.say(Level::Warning, "no run to draw: fit first (Runs, 6)");
            return;
        };
        let path = default_figure_path(run, &request);
        *self.prompt = Some(Prompt::SaveFigure { run, request, path });
    }

    /// Shows `text` on the status line.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        *self.status = Some((level, text.into()));
    }

    /// The project view, once loaded.
    pub fn loaded(&self) -> Option<&Loaded> {
        self.loaded.as_ref()
    }
}

/// The file a figure is offered to be saved to: `run<ID>-<kind>[-<item>].svg`, the item's name
/// reduced to letters, digits, `-` and `_`.
pub fn default_figure_path(run: i64, request: &crate::pipeline::PlotRequest) -> String {
    let item = request.item.as_deref().map_or(String::new(), |item| {
        let safe: String = item
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("-{safe}")
    });
    format!("run{run}-{}{item}.svg", request.kind)
}

/// The shared state a screen draws from.
pub struct View<'a> {
    /// The project view, once loaded.
    pub loaded: Option<&'a Loaded>,
    /// What the project holds, known before the load.
    pub quick: &'a QuickFacts,
    /// The jobs running now.
    pub jobs: &'a Jobs,
    /// The reviewer's name.
    pub reviewer: &'a str,
    /// The project's file name.
    pub project_name: String,
}
