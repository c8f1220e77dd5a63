//! Clean bytes: control characters in ids (an error naming row, column and position) and in
//! texts (removed, with one counted warning), and the hint when a header looks split on another
//! separator than the description's.

use super::*;

/// The separators a file may use instead of the description's.
pub(super) const OTHER_SEPARATORS: [u8; 4] = [b',', b';', b'\t', b'|'];

pub(super) fn separator_name(separator: u8) -> String {
    match separator {
        b'\t' => "tab".into(),
        s => format!("`{}`", s as char),
    }
}

/// When the header looks split on another separator than `separator` (few columns, names full
/// of another separator), says so.
pub(super) fn separator_hint(header: &[String], separator: u8) -> Option<String> {
    let (other, count) = OTHER_SEPARATORS
        .iter()
        .filter(|&&s| s != separator)
        .map(|&s| {
            (
                s,
                header
                    .iter()
                    .map(|h| h.bytes().filter(|&b| b == s).count())
                    .sum::<usize>(),
            )
        })
        .max_by_key(|&(_, n)| n)?;
    if count == 0 || count < header.len() {
        return None;
    }
    let toml = match other {
        b'\t' => "\\t".to_string(),
        s => (s as char).to_string(),
    };
    Some(format!(
        "the header has {} column(s) when split on {} but contains {count} {}: the file probably uses {} as its separator (set `separator = \"{toml}\"` in the description)",
        header.len(),
        separator_name(separator),
        separator_name(other),
        separator_name(other),
    ))
}

/// The first control character of `text` (NUL, escapes, tabs, line breaks...) with its 1-based
/// character position.
pub(super) fn control_char(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|(_, c)| c.is_control())
        .map(|(i, c)| (i + 1, c))
}

pub(super) fn char_name(c: char) -> String {
    match c {
        '\0' => "NUL (U+0000)".into(),
        '\t' => "a tab (U+0009)".into(),
        '\n' => "a line break (U+000A)".into(),
        '\r' => "a carriage return (U+000D)".into(),
        c => format!("control character U+{:04X}", c as u32),
    }
}

/// An id holding a control character is refused: it would make an element that looks like
/// another one (`3\0 20` prints as `3 20`) and put raw control bytes into exports.
pub(super) fn report_control_char(
    report: &mut ValidationReport,
    row: Option<u64>,
    column: &str,
    id: &str,
    what: &str,
) {
    if let Some((position, c)) = control_char(id) {
        report.error(
            row,
            Some(column),
            Some(id),
            format!(
                "the {what} contains {} at character {position}; ids must be printable text (remove the character from the file)",
                char_name(c)
            ),
        );
    }
}

/// Removes control characters from free text (texts, attribute values), keeping tabs and line
/// breaks, and counts what it removed.
#[derive(Debug, Default)]
pub(super) struct ControlChars {
    pub(super) removed: usize,
    pub(super) values: usize,
    pub(super) first_row: Option<u64>,
}

impl ControlChars {
    pub(super) fn clean<'t>(&mut self, text: &'t str, row: u64) -> std::borrow::Cow<'t, str> {
        let keep = |c: char| !c.is_control() || matches!(c, '\t' | '\n' | '\r');
        if text.chars().all(keep) {
            return std::borrow::Cow::Borrowed(text);
        }
        let clean: String = text.chars().filter(|&c| keep(c)).collect();
        self.removed += text.chars().count() - clean.chars().count();
        self.values += 1;
        if row > 0 {
            self.first_row.get_or_insert(row);
        }
        std::borrow::Cow::Owned(clean)
    }

    pub(super) fn warn(&self, report: &mut ValidationReport, column: Option<&str>, what: &str) {
        if self.removed > 0 {
            report.warning(
                self.first_row,
                column,
                None,
                format!(
                    "removed {} control character(s) (NUL and other non-printing characters; tabs and line breaks are kept) from {} {what}(s)",
                    self.removed, self.values
                ),
            );
        }
    }
}
