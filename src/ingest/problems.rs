//! Validation problems: each names the file, the row, the column, the value and what was expected.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// Whether a problem stops the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Refuses the import.
    Error,
    /// Reported; the import goes on.
    Warning,
}

/// One problem found in a rating file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as given.
    pub file: String,
    /// The data row (1 = first row after the header), when the problem is in one row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The column, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The offending value as it appears in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value {value:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The most characters of a value a problem quotes (a runaway quoted field can hold megabytes).
pub const MAX_QUOTED_CHARS: usize = 200;

/// `value`, cut to [`MAX_QUOTED_CHARS`] characters (with `…` when cut).
pub fn bounded_value(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        None => value.to_string(),
        Some((cut, _)) => format!("{}…", &value[..cut]),
    }
}

/// Every problem found in one file, up to a limit per severity (the totals count all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// The data file.
    pub file: PathBuf,
    /// The errors listed (at most the limit per kind).
    pub errors: Vec<Problem>,
    /// The warnings listed (at most the limit per kind).
    pub warnings: Vec<Problem>,
    /// All errors, listed or not.
    pub errors_total: usize,
    /// All warnings, listed or not.
    pub warnings_total: usize,
    /// How many problems of each severity are kept.
    pub limit: usize,
}

impl ValidationReport {
    /// An empty report for `file` listing at most `limit` problems of each kind.
    pub fn new(file: PathBuf, limit: usize) -> Self {
        ValidationReport {
            file,
            errors: Vec::new(),
            warnings: Vec::new(),
            errors_total: 0,
            warnings_total: 0,
            limit,
        }
    }

    fn file_name(&self) -> String {
        self.file.display().to_string()
    }

    /// Records a problem (kept if under the limit, always counted).
    pub fn push(
        &mut self,
        severity: Severity,
        row: Option<u64>,
        column: Option<&str>,
        value: Option<&str>,
        message: impl Into<String>,
    ) {
        let (list, total) = match severity {
            Severity::Error => (&mut self.errors, &mut self.errors_total),
            Severity::Warning => (&mut self.warnings, &mut self.warnings_total),
        };
        *total += 1;
        if list.len() < self.limit {
            let file = self.file.display().to_string();
            list.push(Problem {
                severity,
                file,
                row,
                column: column.map(str::to_string),
                value: value.map(bounded_value),
                message: message.into(),
            });
        }
    }

    /// Records an error at a row, column and value.
    pub fn error(
        &mut self,
        row: Option<u64>,
        column: Option<&str>,
        value: Option<&str>,
        message: impl Into<String>,
    ) {
        self.push(Severity::Error, row, column, value, message);
    }

    /// Records a warning at a row, column and value.
    pub fn warning(
        &mut self,
        row: Option<u64>,
        column: Option<&str>,
        value: Option<&str>,
        message: impl Into<String>,
    ) {
        self.push(Severity::Warning, row, column, value, message);
    }

    /// Appends the problems of `other` (found in a part of the file and kept in its own report
    /// so that they are listed in the order a whole-file reading gives), as if each had been
    /// recorded here: listed while under the limit, always counted.
    pub(crate) fn append(&mut self, other: ValidationReport) {
        self.errors_total += other.errors_total;
        self.warnings_total += other.warnings_total;
        let room = self.limit.saturating_sub(self.errors.len());
        self.errors.extend(other.errors.into_iter().take(room));
        let room = self.limit.saturating_sub(self.warnings.len());
        self.warnings.extend(other.warnings.into_iter().take(room));
    }

    /// An empty report on the same file with the same limit (for one part of the problems).
    pub(crate) fn part(&self) -> ValidationReport {
        ValidationReport::new(self.file.clone(), self.limit)
    }

    /// Records an error ahead of the others (it explains them), even when the list is full.
    pub fn error_first(&mut self, row: Option<u64>, message: impl Into<String>) {
        self.errors_total += 1;
        self.errors.insert(
            0,
            Problem {
                severity: Severity::Error,
                file: self.file.display().to_string(),
                row,
                column: None,
                value: None,
                message: message.into(),
            },
        );
    }

    /// Whether any error was found (the import is refused).
    pub fn has_errors(&self) -> bool {
        self.errors_total > 0
    }

    /// True when the error list is full, so that scanning can stop early on hopeless files.
    pub fn errors_full(&self) -> bool {
        self.errors_total >= self.limit
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} error(s), {} warning(s); nothing was imported",
            self.file_name(),
            self.errors_total,
            self.warnings_total
        )?;
        for p in self.errors.iter().chain(&self.warnings) {
            writeln!(f, "  {p}")?;
        }
        let hidden =
            (self.errors_total - self.errors.len()) + (self.warnings_total - self.warnings.len());
        if hidden > 0 {
            writeln!(
                f,
                "  ... and {hidden} more (only the first {} of each kind are listed)",
                self.limit
            )?;
        }
        Ok(())
    }
}
