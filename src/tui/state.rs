//! State every screen shares: status levels, list selections, what the project holds before the
//! load, the Annotate queue kinds (raters and comments open queues too) and the modal prompts.

use super::action::{Action, Move};
use crate::data::FacetRole;
use crate::quality::Rule;
use crate::store::{DatasetRecord, Decision};

/// How the status line shows a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Done or under way.
    Info,
    /// Refused or worth a look.
    Warning,
    /// Failed.
    Error,
}

/// A selection in a list of `len` rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    /// The selected row.
    pub index: usize,
}

/// Rows a page key moves.
pub const PAGE: usize = 10;

impl Selection {
    /// Moves within `0..len` (stays at 0 for an empty list).
    pub fn apply(&mut self, movement: Move, len: usize) {
        let last = len.saturating_sub(1);
        self.index = match movement {
            Move::Up => self.index.saturating_sub(1),
            Move::Down => (self.index + 1).min(last),
            Move::PageUp => self.index.saturating_sub(PAGE),
            Move::PageDown => (self.index + PAGE).min(last),
            Move::First => 0,
            Move::Last => last,
        };
    }

    /// Keeps the selection within `0..len`.
    pub fn clamp(&mut self, len: usize) {
        self.index = self.index.min(len.saturating_sub(1));
    }
}

/// What the project holds, before the background load completes.
#[derive(Debug, Clone, Default)]
pub struct QuickFacts {
    /// The imported data sets.
    pub datasets: Vec<DatasetRecord>,
    /// (facet name, role, elements)
    pub facets: Vec<(String, FacetRole, usize)>,
}

/// Which comments the Annotate screen offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueKind {
    /// Largest S.E. first.
    LeastCertain,
    /// Most unexpected ratings first.
    MostUnexpected,
    /// The comments a rater rated (adjudication).
    RatedBy {
        /// The rater's element index.
        element: u32,
        /// The rater's label.
        label: String,
    },
    /// One comment chosen on the Comments screen.
    Single {
        /// The comment (object index).
        object: u32,
    },
}

impl QueueKind {
    /// The queue's name, as the Annotate screen titles it.
    pub fn title(&self) -> String {
        match self {
            QueueKind::LeastCertain => "least certain (largest S.E.)".into(),
            QueueKind::MostUnexpected => "most unexpected ratings".into(),
            QueueKind::RatedBy { label, .. } => format!("rated by {label}"),
            QueueKind::Single { .. } => "chosen comment".into(),
        }
    }
}

/// Comments a queue lists at most.
pub const QUEUE_LENGTH: usize = 200;

/// A modal dialog over the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// The reason for a decision on `labels`.
    Reason {
        /// The decision to record.
        decision: Decision,
        /// The raters it applies to.
        labels: Vec<String>,
        /// The reason typed so far.
        text: String,
    },
    /// The file to save a screen's figure to (`.svg` or `.png`), with a default offered.
    SaveFigure {
        /// The run drawn.
        run: i64,
        /// What to draw.
        request: crate::pipeline::PlotRequest,
        /// The path typed so far.
        path: String,
    },
    /// Which flag rule to apply in bulk: (rule, raters it flags).
    Rules {
        /// Each rule with the raters it would exclude.
        rules: Vec<(Rule, Vec<String>)>,
        /// The highlighted rule.
        selection: Selection,
    },
}

/// Types `c` into `text` (or deletes its last character with `None`).
pub fn edit_text(text: &mut String, c: Option<char>) {
    match c {
        Some(c) => text.push(c),
        None => {
            text.pop();
        }
    }
}

/// A list's typed filter (the Raters filter, the Comments search): its text and whether it is
/// being typed. One implementation of the editing keys for every list that filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextFilter {
    /// The text typed so far.
    pub text: String,
    /// Whether it is being typed (every key is text then).
    pub editing: bool,
}

impl TextFilter {
    /// Handles the filter's own actions: `Some(changed)` when `action` was one of them (`changed`:
    /// the text changed, so the list must be rebuilt), `None` when it was not.
    pub fn handle(&mut self, action: &Action) -> Option<bool> {
        match action {
            Action::Confirm if self.editing => {
                self.editing = false;
                Some(false)
            }
            Action::Back if self.editing || !self.text.is_empty() => {
                self.editing = false;
                self.text.clear();
                Some(true)
            }
            Action::Input(c) if self.editing => {
                edit_text(&mut self.text, Some(*c));
                Some(true)
            }
            Action::DeleteChar if self.editing => {
                edit_text(&mut self.text, None);
                Some(true)
            }
            _ => None,
        }
    }

    /// `"<name>: <text>_ "` while typed or set, for a list's title; empty otherwise.
    pub fn title(&self, name: &str) -> String {
        if self.editing || !self.text.is_empty() {
            format!(
                "{name}: {}{} ",
                self.text,
                if self.editing { "_" } else { "" }
            )
        } else {
            String::new()
        }
    }
}
