//! The workbench's screens as tabs: their order, keys and titles (used by the actions, the
//! keymap, the app and the drawing alike, so it depends on nothing else).

/// The screens, in tab order; the number is the key that opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    /// Import a data file.
    Import,
    /// The project at a glance.
    Overview,
    /// Review raters.
    Raters,
    /// Items and their rating scales.
    Items,
    /// Comments and their measures.
    Comments,
    /// Every facet on one logit ruler.
    Wright,
    /// Fit, compare runs.
    Runs,
    /// Train the text predictor.
    Train,
    /// Export measures.
    Export,
    /// Rate comments yourself.
    Annotate,
}

impl Tab {
    /// The tab bar, in order.
    pub const ALL: [Tab; 10] = [
        Tab::Import,
        Tab::Overview,
        Tab::Raters,
        Tab::Items,
        Tab::Comments,
        Tab::Wright,
        Tab::Runs,
        Tab::Train,
        Tab::Export,
        Tab::Annotate,
    ];

    /// The digit that opens the tab.
    pub fn key(self) -> char {
        match self {
            Tab::Import => '0',
            Tab::Overview => '1',
            Tab::Raters => '2',
            Tab::Items => '3',
            Tab::Comments => '4',
            Tab::Wright => '5',
            Tab::Runs => '6',
            Tab::Train => '7',
            Tab::Export => '8',
            Tab::Annotate => '9',
        }
    }

    /// The screen's name in the tab bar and the help.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Import => "Import",
            Tab::Overview => "Overview",
            Tab::Raters => "Raters",
            Tab::Items => "Items & scale",
            Tab::Comments => "Comments",
            Tab::Wright => "Wright map",
            Tab::Runs => "Runs",
            Tab::Train => "Train",
            Tab::Export => "Export",
            Tab::Annotate => "Annotate",
        }
    }

    /// A three-letter name for narrow terminals.
    pub fn short(self) -> &'static str {
        match self {
            Tab::Import => "Imp",
            Tab::Overview => "Ovw",
            Tab::Raters => "Rat",
            Tab::Items => "Itm",
            Tab::Comments => "Com",
            Tab::Wright => "Map",
            Tab::Runs => "Run",
            Tab::Train => "Trn",
            Tab::Export => "Exp",
            Tab::Annotate => "Ann",
        }
    }

    /// The tab a digit opens.
    pub fn from_key(key: char) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == key)
    }

    fn position(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The tab after this one (wrapping).
    pub fn next(self) -> Tab {
        Tab::ALL[(self.position() + 1) % Tab::ALL.len()]
    }

    /// The tab before this one (wrapping).
    pub fn previous(self) -> Tab {
        Tab::ALL[(self.position() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}
