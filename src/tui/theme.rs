//! Colours and emphasis. With `NO_COLOR` set (https://no-color.org) the workbench uses no
//! colour at all, only bold, reversed, underlined and dim text.

use ratatui::style::{Color, Modifier, Style};

/// The styles every screen draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used.
    pub color: bool,
}

impl Theme {
    /// Colours unless the `NO_COLOR` environment variable is set to a non-empty value.
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// No colour: only bold, reversed, underlined and dim text (tests and `NO_COLOR`).
    pub const PLAIN: Theme = Theme { color: false };

    fn colored(self, color: Color, fallback: Modifier) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new().add_modifier(fallback)
        }
    }

    /// Table headers and section titles.
    pub fn header(self) -> Style {
        self.colored(Color::Cyan, Modifier::empty())
            .add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// The active tab, the focused field.
    pub fn active(self) -> Style {
        self.colored(Color::Yellow, Modifier::UNDERLINED)
            .add_modifier(Modifier::BOLD)
    }

    /// Secondary text.
    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    /// Errors and exclusions.
    pub fn error(self) -> Style {
        self.colored(Color::Red, Modifier::BOLD)
    }

    /// Warnings, flags to review, running jobs.
    pub fn warning(self) -> Style {
        self.colored(Color::Yellow, Modifier::empty())
    }

    /// Good news: converged, connected, done.
    pub fn good(self) -> Style {
        self.colored(Color::Green, Modifier::empty())
    }

    /// The n-th data series of a chart.
    pub fn series(self, n: usize) -> Style {
        const COLORS: [Color; 6] = [
            Color::Cyan,
            Color::Yellow,
            Color::Green,
            Color::Magenta,
            Color::Red,
            Color::Blue,
        ];
        if self.color {
            Style::new().fg(COLORS[n % COLORS.len()])
        } else {
            Style::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_colour_only_modifiers_remain() {
        for style in [
            Theme::PLAIN.header(),
            Theme::PLAIN.selected(),
            Theme::PLAIN.active(),
            Theme::PLAIN.error(),
            Theme::PLAIN.warning(),
            Theme::PLAIN.good(),
            Theme::PLAIN.series(2),
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert!(Theme::PLAIN
            .selected()
            .add_modifier
            .contains(Modifier::REVERSED));
        let colour = Theme { color: true };
        assert_eq!(colour.error().fg, Some(Color::Red));
        assert_eq!(colour.selected().bg, Some(Color::DarkGray));
    }
}
