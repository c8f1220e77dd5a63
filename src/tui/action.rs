//! Everything that can happen to the workbench: what a key means ([`Action`]), what a background
//! job reports ([`JobMessage`] of a numbered job, wrapped in [`Action::Job`]) and the results of the writes the
//! runtime performed ([`Action::Written`]); and the side effects a transition asks the runtime
//! for ([`Command`]).

use super::jobs::{JobEvent, JobId, JobRequest};
use super::tab::Tab;
use crate::store::{Decision, RecordedRating};
use std::path::PathBuf;

/// A direction or distance to move a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// To the first row.
    First,
    /// To the last row.
    Last,
}

/// A state transition request.
#[derive(Debug)]
pub enum Action {
    /// Stop the workbench.
    Quit,
    /// Show or hide the key help.
    ToggleHelp,
    /// Open this screen.
    GoTo(Tab),
    /// Open the next screen.
    NextTab,
    /// Open the previous screen.
    PreviousTab,
    /// Move the screen's selection (or its focused field).
    Select(Move),
    /// Enter: open, confirm, start (what it does depends on the screen).
    Confirm,
    /// Esc: close a popup, stop editing, clear a filter.
    Back,
    /// A character typed into the text field being edited.
    Input(char),
    /// Backspace in the text field being edited.
    DeleteChar,
    /// Tab in a path field: complete the path.
    Complete,
    /// Start editing the screen's search or filter text.
    Search,
    /// Raters: sort by the next column / reverse the order.
    NextSort,
    /// Raters: reverse the order.
    ReverseSort,
    /// Raters: show only flagged raters, or all.
    ToggleFlagged,
    /// Raters: ask for a reason, then record this decision on the selected rater.
    Decide(Decision),
    /// Raters: choose a flag rule and apply its decision to every rater it flags.
    BulkRule,
    /// Raters/Comments: annotate the selection (a flagged rater's comments, or this comment).
    Annotate,
    /// Forms: change the focused field's value (left/right).
    Cycle(i32),
    /// Runs: the next estimation method / scale model.
    CycleMethod,
    /// Runs: partial credit or rating scale.
    CycleScale,
    /// Runs: change the iteration cap by steps; Train: the epoch cap.
    Iterations(i32),
    /// Train: perspective-aware heads on or off.
    TogglePerspective,
    /// Export: write the file. Import: import the previewed file.
    Execute,
    /// Wright map, Items & scale, Raters: save the view's figure (asks for the file, SVG or PNG).
    SaveFigure,
    /// Export: write the run's HTML report to the report field's file.
    WriteReport,
    /// Runs: cancel the running job.
    Cancel,
    /// Runs: mark or unmark the selected run for comparison.
    Mark,
    /// Items & scale: fit a run with the selected item's proposed collapse of categories.
    FitCollapse,
    /// Runs: open (computing it) or close the design plan of the selected run.
    Plan,
    /// Annotate: answer the current item with this raw code.
    Answer(i64),
    /// Annotate: the next queue kind.
    NextQueue,
    /// Annotate: skip to the next comment of the queue.
    Skip,
    /// Import: preview the file under the chosen description.
    Preview,
    /// Import: save the drafted description beside the data file, to edit it.
    SaveDraft,
    /// Mouse: scroll the list under the pointer.
    Scroll(i32),
    /// Mouse: a click on the tab bar at `column` of a terminal `width` columns wide.
    ClickTab {
        /// The clicked column.
        column: u16,
        /// The terminal's width.
        width: u16,
    },
    /// The terminal was resized (a redraw follows by itself).
    Resize,
    /// A background job reported.
    Job(JobEvent),
    /// The runtime performed a write.
    Written(Written),
}

/// The outcome of a write the runtime performed for a [`Command`].
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// Decisions recorded on raters.
    Decisions {
        /// The raters' labels.
        labels: Vec<String>,
        /// The decision recorded.
        decision: Decision,
        /// Its reason.
        reason: String,
        /// Raters updated, or the error.
        result: Result<usize, String>,
    },
    /// A rating of the reviewer recorded.
    Rating {
        /// The comment (object index).
        object: u32,
        /// The item's name.
        item: String,
        /// The rating stored, or the error.
        result: Result<RecordedRating, String>,
    },
    /// A description file written.
    Description {
        /// The file.
        path: std::path::PathBuf,
        /// Written, or the error.
        result: Result<(), String>,
    },
}

/// A side effect for the runtime.
#[derive(Debug)]
pub enum Command {
    /// Start a background job as job `job` (numbered by the registry when it was recorded).
    Start {
        /// The job's number.
        job: JobId,
        /// What to run.
        request: JobRequest,
    },
    /// Stop job `job` (a fit, a training, a report) after its current iteration (epoch, part);
    /// every other job goes on.
    CancelJob(JobId),
    /// Record `decision` on the raters `labels` of facet `facet` in one transaction.
    Decide {
        /// The rater facet's name.
        facet: String,
        /// The raters' labels.
        labels: Vec<String>,
        /// The decision.
        decision: Decision,
        /// Its reason.
        reason: String,
        /// The run the decision was made on.
        run_id: Option<i64>,
    },
    /// Write a new description file (never overwriting one).
    WriteDescription {
        /// The new file.
        path: PathBuf,
        /// Its TOML text.
        text: String,
    },
    /// Record the reviewer's answer `raw` to `item` for the object labelled `object_label`.
    Rate {
        /// The comment (object index).
        object: u32,
        /// The comment's label.
        object_label: String,
        /// The item's name.
        item: String,
        /// The raw code answered.
        raw: i64,
    },
}
