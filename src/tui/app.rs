//! The workbench's state: the [`App`] model keeps what is global (the tab, the help, prompts,
//! the job registry, the status line, the loaded project view) and one state per screen; it
//! hands the shown screen its actions ([`App::handle_on_screen`]) and its frame area.

use super::action::{Action, Command};
use super::jobs::{JobKind, Jobs};
use super::loaded::Loaded;
use super::screen::{Ctx, Effect, Screen, View};
use super::screens::annotate::AnnotateState;
use super::screens::comments::CommentsState;
use super::screens::export::ExportState;
use super::screens::import::ImportState;
use super::screens::items::ItemsState;
use super::screens::overview::OverviewState;
use super::screens::raters::RatersState;
use super::screens::runs::RunsState;
use super::screens::train::TrainState;
use super::screens::wright::WrightState;
use super::state::{Level, Prompt, QueueKind, QuickFacts};
use super::tab::Tab;
use super::theme::Theme;
use crate::store::{Project, StoreError};
use ratatui::layout::Rect;
use ratatui::Frame;
use std::path::{Path, PathBuf};

/// The whole state of the workbench.
#[derive(Debug)]
pub struct App {
    /// The project file.
    pub path: PathBuf,
    /// The reviewer's name: their decisions' source and their rater label when annotating.
    pub reviewer: String,
    /// The screen shown.
    pub tab: Tab,
    /// Whether the key help is shown.
    pub help: bool,
    /// Whether the workbench is to stop.
    pub quit: bool,
    /// The status line's message.
    pub status: Option<(Level, String)>,
    /// What the project holds, read before the background load.
    pub quick: QuickFacts,
    /// The project view, once loaded.
    pub loaded: Option<Loaded>,
    /// Jobs running now (the one record of what runs).
    pub jobs: Jobs,
    /// A reload was asked for while one was running.
    pub reload_pending: bool,
    /// Ratings were added since the last load (reloaded when leaving the Annotate screen).
    pub data_changed: bool,
    /// The modal dialog, if one is open.
    pub prompt: Option<Prompt>,
    /// The Import screen.
    pub import: ImportState,
    /// The Overview screen.
    pub overview: OverviewState,
    /// The Raters screen.
    pub raters: RatersState,
    /// The Items & scale screen.
    pub items: ItemsState,
    /// The Comments screen.
    pub comments: CommentsState,
    /// The Wright map screen.
    pub wright: WrightState,
    /// The Runs screen.
    pub runs: RunsState,
    /// The Train screen.
    pub train: TrainState,
    /// The Export screen.
    pub export: ExportState,
    /// The Annotate screen.
    pub annotate: AnnotateState,
}

/// The screens, borrowed one by one.
struct Screens<'a> {
    import: &'a mut ImportState,
    overview: &'a mut OverviewState,
    raters: &'a mut RatersState,
    items: &'a mut ItemsState,
    comments: &'a mut CommentsState,
    wright: &'a mut WrightState,
    runs: &'a mut RunsState,
    train: &'a mut TrainState,
    export: &'a mut ExportState,
    annotate: &'a mut AnnotateState,
}

impl<'a> Screens<'a> {
    /// The screen of `tab`.
    fn get(self, tab: Tab) -> &'a mut dyn Screen {
        match tab {
            Tab::Import => self.import,
            Tab::Overview => self.overview,
            Tab::Raters => self.raters,
            Tab::Items => self.items,
            Tab::Comments => self.comments,
            Tab::Wright => self.wright,
            Tab::Runs => self.runs,
            Tab::Train => self.train,
            Tab::Export => self.export,
            Tab::Annotate => self.annotate,
        }
    }

    /// Every screen, in tab order.
    fn all(self) -> [&'a mut dyn Screen; 10] {
        [
            self.import,
            self.overview,
            self.raters,
            self.items,
            self.comments,
            self.wright,
            self.runs,
            self.train,
            self.export,
            self.annotate,
        ]
    }
}

impl App {
    /// A workbench on `path` with nothing loaded yet.
    pub fn new(path: &Path, reviewer: &str) -> App {
        App {
            path: path.to_path_buf(),
            reviewer: reviewer.to_string(),
            tab: Tab::Overview,
            help: false,
            quit: false,
            status: None,
            quick: QuickFacts::default(),
            loaded: None,
            jobs: Jobs::default(),
            reload_pending: false,
            data_changed: false,
            prompt: None,
            import: ImportState::default(),
            overview: OverviewState,
            raters: RatersState::default(),
            items: ItemsState::default(),
            comments: CommentsState::default(),
            wright: WrightState,
            runs: RunsState::default(),
            train: TrainState::default(),
            export: ExportState::default(),
            annotate: AnnotateState::default(),
        }
    }

    /// Opens the project (created when missing) and reads what the first frame shows: the data
    /// sets and the facets' sizes. Everything else loads in the background
    /// ([`super::jobs::JobRequest::Load`]).
    pub fn open(path: &Path, reviewer: &str) -> Result<App, StoreError> {
        let project = Project::create_or_open(path)?;
        let mut app = App::new(path, reviewer);
        app.quick = QuickFacts {
            datasets: project.datasets()?,
            facets: project
                .facets()?
                .into_iter()
                .map(|f| {
                    let n = f.len();
                    (f.name, f.role, n)
                })
                .collect(),
        };
        if app.quick.datasets.is_empty() {
            app.tab = Tab::Import;
        }
        Ok(app)
    }

    /// The screen of `tab`.
    pub fn screen(&self, tab: Tab) -> &dyn Screen {
        match tab {
            Tab::Import => &self.import,
            Tab::Overview => &self.overview,
            Tab::Raters => &self.raters,
            Tab::Items => &self.items,
            Tab::Comments => &self.comments,
            Tab::Wright => &self.wright,
            Tab::Runs => &self.runs,
            Tab::Train => &self.train,
            Tab::Export => &self.export,
            Tab::Annotate => &self.annotate,
        }
    }

    /// Whether a key goes into a text field rather than the keymap.
    pub fn editing_text(&self) -> bool {
        matches!(
            self.prompt,
            Some(Prompt::Reason { .. } | Prompt::SaveFigure { .. })
        ) || self.screen(self.tab).editing_text()
    }

    /// The project's file name, as the screens show it.
    pub fn project_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        )
    }

    /// Whether a job of `kind` is running (from the job registry).
    pub fn running(&self, kind: JobKind) -> bool {
        self.jobs.is_running(kind)
    }

    /// The shared state the screens draw from.
    pub fn view(&self) -> View<'_> {
        View {
            loaded: self.loaded.as_ref(),
            quick: &self.quick,
            jobs: &self.jobs,
            reviewer: &self.reviewer,
            project_name: self.project_name(),
        }
    }

    /// Draws the shown screen in `area`.
    pub fn draw_screen(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        self.screen(self.tab).draw(frame, area, &self.view(), theme);
    }

    /// Borrows the global fields as a [`Ctx`] (collecting commands in `commands`) and the
    /// screens one by one, field by field (so the borrows stay disjoint).
    fn split<'a>(&'a mut self, commands: &'a mut Vec<Command>) -> (Ctx<'a>, Screens<'a>) {
        let ctx = Ctx {
            tab: self.tab,
            reviewer: self.reviewer.as_str(),
            loaded: &mut self.loaded,
            jobs: &mut self.jobs,
            status: &mut self.status,
            prompt: &mut self.prompt,
            reload_pending: &mut self.reload_pending,
            data_changed: &mut self.data_changed,
            commands,
        };
        let screens = Screens {
            import: &mut self.import,
            overview: &mut self.overview,
            raters: &mut self.raters,
            items: &mut self.items,
            comments: &mut self.comments,
            wright: &mut self.wright,
            runs: &mut self.runs,
            train: &mut self.train,
            export: &mut self.export,
            annotate: &mut self.annotate,
        };
        (ctx, screens)
    }

    /// The global state as a [`Ctx`], collecting commands in `commands`.
    pub fn context<'a>(&'a mut self, commands: &'a mut Vec<Command>) -> Ctx<'a> {
        self.split(commands).0
    }

    /// Sends `action` to the shown screen and carries out what it asks of the app.
    pub fn handle_on_screen(&mut self, action: &Action, commands: &mut Vec<Command>) {
        let tab = self.tab;
        let effect = {
            let (mut ctx, screens) = self.split(commands);
            screens.get(tab).handle(action, &mut ctx)
        };
        match effect {
            None => {}
            Some(Effect::Annotate(queue)) => {
                self.annotate.queue = queue;
                self.build_queue_with(commands);
                self.tab = Tab::Annotate;
            }
            Some(Effect::FlaggedRaterQueue) => {
                let flagged = self
                    .loaded
                    .as_ref()
                    .and_then(|l| self.raters.flagged_rater(l));
                self.annotate.queue = match flagged {
                    Some((element, label)) => QueueKind::RatedBy { element, label },
                    None => QueueKind::LeastCertain,
                };
                self.build_queue_with(commands);
            }
        }
    }

    /// Calls `f` on every screen with the shared context.
    pub fn for_each_screen(
        &mut self,
        commands: &mut Vec<Command>,
        mut f: impl FnMut(&mut dyn Screen, &mut Ctx),
    ) {
        let (mut ctx, screens) = self.split(commands);
        for screen in screens.all() {
            f(screen, &mut ctx);
        }
    }

    /// Calls `f` on the screen of `tab` with the shared context.
    pub fn with_screen<R>(
        &mut self,
        tab: Tab,
        commands: &mut Vec<Command>,
        f: impl FnOnce(&mut dyn Screen, &mut Ctx) -> R,
    ) -> R {
        let (mut ctx, screens) = self.split(commands);
        f(screens.get(tab), &mut ctx)
    }

    /// Fills the Annotate screen's queue (of the kind it is set to) from the library.
    pub fn build_queue(&mut self) {
        let mut commands = Vec::new();
        self.build_queue_with(&mut commands);
    }

    fn build_queue_with(&mut self, commands: &mut Vec<Command>) {
        let (mut ctx, screens) = self.split(commands);
        screens.annotate.build_queue(&mut ctx)
    }
}
