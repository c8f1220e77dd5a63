//! Terminal events to actions. [`KEYMAP`] is the one table of keys: the event mapping reads it
//! and the `?` help lists it, so the two cannot disagree.

use super::action::{Action, Move};
use super::app::App;
use super::state::Prompt;
use super::tab::Tab;
use crate::store::Decision;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// On every screen.
    Global,
    /// On this screen only.
    Screen(Tab),
}

/// One key binding.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys.
    pub codes: &'static [KeyCode],
    /// How the help shows the keys.
    pub keys: &'static str,
    /// Where it applies.
    pub context: Context,
    /// What it does, for the help.
    pub help: &'static str,
    /// The action it sends.
    pub action: fn() -> Action,
}

const fn bind(
    codes: &'static [KeyCode],
    keys: &'static str,
    context: Context,
    help: &'static str,
    action: fn() -> Action,
) -> Binding {
    Binding {
        codes,
        keys,
        context,
        help,
        action,
    }
}

use Context::{Global, Screen};
use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Up};

/// Every key of the workbench. Screen bindings are looked up before global ones; typing into a
/// text field and answering on the Annotate screen are handled before the table.
pub const KEYMAP: &[Binding] = &[
    bind(&[Char('?')], "?", Global, "show or hide this help", || {
        Action::ToggleHelp
    }),
    bind(&[Char('q')], "q, Ctrl-C", Global, "quit", || Action::Quit),
    bind(&[KeyCode::Tab], "Tab", Global, "next screen", || {
        Action::NextTab
    }),
    bind(&[BackTab], "Shift-Tab", Global, "previous screen", || {
        Action::PreviousTab
    }),
    bind(&[Char('0')], "0", Global, "Import screen", || {
        Action::GoTo(Tab::Import)
    }),
    bind(&[Char('1')], "1", Global, "Overview screen", || {
        Action::GoTo(Tab::Overview)
    }),
    bind(&[Char('2')], "2", Global, "Raters screen", || {
        Action::GoTo(Tab::Raters)
    }),
    bind(&[Char('3')], "3", Global, "Items & scale screen", || {
        Action::GoTo(Tab::Items)
    }),
    bind(&[Char('4')], "4", Global, "Comments screen", || {
        Action::GoTo(Tab::Comments)
    }),
    bind(&[Char('5')], "5", Global, "Wright map screen", || {
        Action::GoTo(Tab::Wright)
    }),
    bind(&[Char('6')], "6", Global, "Runs screen", || {
        Action::GoTo(Tab::Runs)
    }),
    bind(&[Char('7')], "7", Global, "Train screen", || {
        Action::GoTo(Tab::Train)
    }),
    bind(&[Char('8')], "8", Global, "Export screen", || {
        Action::GoTo(Tab::Export)
    }),
    bind(&[Char('9')], "9", Global, "Annotate screen", || {
        Action::GoTo(Tab::Annotate)
    }),
    bind(&[Up, Char('k')], "Up, k", Global, "move up", || {
        Action::Select(Move::Up)
    }),
    bind(&[Down, Char('j')], "Down, j", Global, "move down", || {
        Action::Select(Move::Down)
    }),
    bind(&[PageUp], "PgUp", Global, "page up", || {
        Action::Select(Move::PageUp)
    }),
    bind(&[PageDown], "PgDn", Global, "page down", || {
        Action::Select(Move::PageDown)
    }),
    bind(&[Home, Char('g')], "Home, g", Global, "first row", || {
        Action::Select(Move::First)
    }),
    bind(&[End, Char('G')], "End, G", Global, "last row", || {
        Action::Select(Move::Last)
    }),
    bind(&[Left], "Left", Global, "change the field's value", || {
        Action::Cycle(-1)
    }),
    bind(
        &[Right],
        "Right",
        Global,
        "change the field's value",
        || Action::Cycle(1),
    ),
    bind(
        &[Enter],
        "Enter",
        Global,
        "confirm, edit the field, start",
        || Action::Confirm,
    ),
    bind(
        &[Esc],
        "Esc",
        Global,
        "close, stop editing, clear the filter",
        || Action::Back,
    ),
    // Raters
    bind(
        &[Char('s')],
        "s",
        Screen(Tab::Raters),
        "sort by the next column",
        || Action::NextSort,
    ),
    bind(
        &[Char('S')],
        "S",
        Screen(Tab::Raters),
        "reverse the order",
        || Action::ReverseSort,
    ),
    bind(
        &[Char('/')],
        "/",
        Screen(Tab::Raters),
        "filter by id, rule, type",
        || Action::Search,
    ),
    bind(
        &[Char('f')],
        "f",
        Screen(Tab::Raters),
        "only flagged raters / all",
        || Action::ToggleFlagged,
    ),
    bind(
        &[Char('x')],
        "x",
        Screen(Tab::Raters),
        "exclude the rater (asks a reason)",
        || Action::Decide(Decision::Exclude),
    ),
    bind(
        &[Char('o')],
        "o",
        Screen(Tab::Raters),
        "keep the rater (asks a reason)",
        || Action::Decide(Decision::Keep),
    ),
    bind(
        &[Char('u')],
        "u",
        Screen(Tab::Raters),
        "reset the rater to undecided",
        || Action::Decide(Decision::Undecided),
    ),
    bind(
        &[Char('R')],
        "R",
        Screen(Tab::Raters),
        "exclude every rater a flag rule flags",
        || Action::BulkRule,
    ),
    bind(
        &[Char('a')],
        "a",
        Screen(Tab::Raters),
        "adjudicate: annotate this rater's comments",
        || Action::Annotate,
    ),
    // Comments
    bind(
        &[Char('/')],
        "/",
        Screen(Tab::Comments),
        "search by id or text",
        || Action::Search,
    ),
    bind(
        &[Char('s')],
        "s",
        Screen(Tab::Comments),
        "sort by id / measure / S.E.",
        || Action::NextSort,
    ),
    bind(
        &[Char('a')],
        "a",
        Screen(Tab::Comments),
        "annotate this comment",
        || Action::Annotate,
    ),
    // Runs
    bind(
        &[Char('m')],
        "m",
        Screen(Tab::Runs),
        "method: JMLE / MML",
        || Action::CycleMethod,
    ),
    bind(
        &[Char('t')],
        "t",
        Screen(Tab::Runs),
        "scale: partial credit / rating scale",
        || Action::CycleScale,
    ),
    bind(
        &[Char('+')],
        "+",
        Screen(Tab::Runs),
        "raise the iteration cap",
        || Action::Iterations(1),
    ),
    bind(
        &[Char('-')],
        "-",
        Screen(Tab::Runs),
        "lower the iteration cap",
        || Action::Iterations(-1),
    ),
    bind(
        &[Char('c')],
        "c",
        Screen(Tab::Runs),
        "cancel the running fit",
        || Action::Cancel,
    ),
    bind(
        &[Char(' ')],
        "Space",
        Screen(Tab::Runs),
        "mark the run (two marked: compare)",
        || Action::Mark,
    ),
    // Items & scale
    bind(
        &[Char('c')],
        "c",
        Screen(Tab::Items),
        "fit a run with the proposed collapse of the item's categories",
        || Action::FitCollapse,
    ),
    bind(
        &[Char('p')],
        "p",
        Screen(Tab::Runs),
        "design plan of the selected run: raters for reliability .9",
        || Action::Plan,
    ),
    // Train
    bind(
        &[Char('+')],
        "+",
        Screen(Tab::Train),
        "raise the epoch cap",
        || Action::Iterations(1),
    ),
    bind(
        &[Char('-')],
        "-",
        Screen(Tab::Train),
        "lower the epoch cap",
        || Action::Iterations(-1),
    ),
    bind(
        &[Char('p')],
        "p",
        Screen(Tab::Train),
        "perspective-aware heads on / off",
        || Action::TogglePerspective,
    ),
    bind(
        &[Char('c')],
        "c",
        Screen(Tab::Train),
        "cancel the running training",
        || Action::Cancel,
    ),
    // Figures of the Wright map, Items & scale and Raters screens
    bind(
        &[Char('p')],
        "p",
        Screen(Tab::Wright),
        "save the Wright map as a figure (.svg or .png; asks for the file)",
        || Action::SaveFigure,
    ),
    bind(
        &[Char('p')],
        "p",
        Screen(Tab::Items),
        "save the item's category curves as a figure (.svg or .png; asks for the file)",
        || Action::SaveFigure,
    ),
    bind(
        &[Char('p')],
        "p",
        Screen(Tab::Raters),
        "save the rater fit map as a figure (.svg or .png; asks for the file)",
        || Action::SaveFigure,
    ),
    // Export
    bind(
        &[Char('w')],
        "w",
        Screen(Tab::Export),
        "write the export",
        || Action::Execute,
    ),
    bind(
        &[Char('h')],
        "h",
        Screen(Tab::Export),
        "write the run's HTML report (tables, flags, bias, figures) to the report file",
        || Action::WriteReport,
    ),
    bind(
        &[Char('c')],
        "c",
        Screen(Tab::Export),
        "cancel the report being written",
        || Action::Cancel,
    ),
    // Import
    bind(
        &[Char('p')],
        "p",
        Screen(Tab::Import),
        "preview and validate the file",
        || Action::Preview,
    ),
    bind(
        &[Char('i')],
        "i",
        Screen(Tab::Import),
        "import the previewed file",
        || Action::Execute,
    ),
    // Annotate
    bind(
        &[Char('n')],
        "n",
        Screen(Tab::Annotate),
        "next comment of the queue",
        || Action::Skip,
    ),
    bind(
        &[Char(']')],
        "]",
        Screen(Tab::Annotate),
        "next queue",
        || Action::NextQueue,
    ),
];

/// Keys handled outside the table, for the help.
pub const SPECIAL_KEYS: &[(&str, &str, &str)] = &[
    (
        "Annotate",
        "0-9",
        "answer the current item with this code (saved at once)",
    ),
    ("text fields", "Tab", "complete a path (Import)"),
    ("text fields", "Enter, Esc", "stop editing"),
    ("mouse", "wheel, click", "scroll lists; click a tab"),
];

/// The action for a key on the current screen, from [`KEYMAP`].
pub fn lookup(tab: Tab, code: KeyCode) -> Option<Action> {
    let find = |context: Context| {
        KEYMAP
            .iter()
            .find(|b| b.context == context && b.codes.contains(&code))
            .map(|b| (b.action)())
    };
    find(Screen(tab)).or_else(|| find(Global))
}

/// Maps a terminal event to an action (or none); `width` is the terminal's width (to find the
/// tab under a click).
pub fn map_event(app: &App, event: &Event, width: u16) -> Option<Action> {
    match event {
        Event::Resize(_, _) => Some(Action::Resize),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll(1)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-1)),
            MouseEventKind::Down(MouseButton::Left) if mouse.row == 0 => Some(Action::ClickTab {
                column: mouse.column,
                width,
            }),
            _ => None,
        },
        Event::Key(key) => map_key(app, key),
        _ => None,
    }
}

/// Maps a key press to an action.
pub fn map_key(app: &App, key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, Char('c')).then_some(Action::Quit);
    }
    if let Some(Prompt::Rules { .. }) = app.prompt {
        return match key.code {
            Up | Char('k') => Some(Action::Select(Move::Up)),
            Down | Char('j') => Some(Action::Select(Move::Down)),
            Enter => Some(Action::Confirm),
            Esc | Char('q') => Some(Action::Back),
            _ => None,
        };
    }
    if app.editing_text() {
        return match key.code {
            Char(c) => Some(Action::Input(c)),
            KeyCode::Backspace => Some(Action::DeleteChar),
            Enter => Some(Action::Confirm),
            Esc => Some(Action::Back),
            KeyCode::Tab => Some(Action::Complete),
            _ => None,
        };
    }
    if app.tab == Tab::Annotate && app.prompt.is_none() {
        if let Char(c) = key.code {
            if let Some(d) = c.to_digit(10) {
                return Some(Action::Answer(d as i64));
            }
        }
    }
    lookup(app.tab, key.code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn map_event_80(app: &App, event: &Event) -> Option<Action> {
        map_event(app, event, 80)
    }

    fn press(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn keys_map_by_screen_then_globally() {
        let mut app = App::new(Path::new("p.db"), "lead");
        assert!(matches!(
            map_event_80(&app, &press(Char('2'))),
            Some(Action::GoTo(Tab::Raters))
        ));
        app.tab = Tab::Raters;
        assert!(matches!(
            map_event_80(&app, &press(Char('s'))),
            Some(Action::NextSort)
        ));
        assert!(matches!(
            map_event_80(&app, &press(Char('x'))),
            Some(Action::Decide(Decision::Exclude))
        ));
        // On Annotate digits answer instead of switching screens.
        app.tab = Tab::Annotate;
        assert!(matches!(
            map_event_80(&app, &press(Char('2'))),
            Some(Action::Answer(2))
        ));
        // While a filter is edited, letters are text.
        app.tab = Tab::Raters;
        app.raters.filter.editing = true;
        assert!(matches!(
            map_event_80(&app, &press(Char('q'))),
            Some(Action::Input('q'))
        ));
        let ctrl_c = Event::Key(KeyEvent::new(Char('c'), KeyModifiers::CONTROL));
        assert!(matches!(map_event_80(&app, &ctrl_c), Some(Action::Quit)));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                if a.context == b.context {
                    for code in a.codes {
                        assert!(
                            !b.codes.contains(code),
                            "{code:?} bound twice: {} / {}",
                            a.help,
                            b.help
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_tab_has_its_digit_key() {
        for tab in Tab::ALL {
            let code = Char(tab.key());
            assert!(
                KEYMAP
                    .iter()
                    .any(|b| b.context == Global && b.codes.contains(&code)),
                "{tab:?}"
            );
        }
    }
}
