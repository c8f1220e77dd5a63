//! Attribute columns (element attributes such as the MHS annotator demographics): matched by the
//! description's patterns, read in batches, reduced per element by majority.

use super::*;

/// Header columns matched by the attribute entries, minus the role columns; entries matching
/// nothing give a warning.
pub(super) fn resolve_attributes(
    patterns: &[String],
    header: &[String],
    role_columns: &[String],
    key: &str,
    report: &mut ValidationReport,
) -> Vec<String> {
    let mut columns = Vec::new();
    for (p, pattern) in patterns.iter().enumerate() {
        let matched: Vec<&String> = header
            .iter()
            .filter(|h| glob_matches(pattern, h) && !role_columns.contains(h))
            .collect();
        if matched.is_empty() {
            report.warning(
                None,
                Some(pattern),
                None,
                format!("`{key}[{p}]` matches no column; skipped"),
            );
        }
        for m in matched {
            if !columns.contains(m) {
                columns.push(m.clone());
            }
        }
    }
    columns
}

/// Attribute columns read per pass over the file (bounds the width of a row batch).
pub(super) const ATTRIBUTE_BATCH: usize = 64;

/// Reads attribute columns in row batches and reduces them per element.
pub(super) struct AttributeReader<'a> {
    pub(super) path: &'a Path,
    pub(super) format: FileFormat,
    pub(super) batch_rows: usize,
    pub(super) invalid_utf8: Option<reader::InvalidUtf8>,
    pub(super) utf8_located: &'a mut bool,
    pub(super) report: &'a mut ValidationReport,
}

impl AttributeReader<'_> {
    /// Per element, the most frequent non-empty value of each attribute column (ties: first
    /// seen); warns once per column when elements disagree with themselves. `row_element` gives
    /// the element of each file row.
    pub(super) fn collect(
        &mut self,
        columns: &[String],
        row_element: &[u32],
        n_elements: usize,
        what: &str,
    ) -> Result<Vec<AttributeColumn>, IngestError> {
        let mut out = Vec::with_capacity(columns.len());
        for group in columns.chunks(ATTRIBUTE_BATCH) {
            let mut tallies: Vec<Tally> = group
                .iter()
                .map(|_| Tally::new(n_elements, self.report.part()))
                .collect();
            let mut start = 0usize;
            let (path, bad) = (self.path, self.invalid_utf8);
            let rows_per_batch = batch_rows_for_width(self.batch_rows, group.len());
            reader::for_each_batch(path, self.format, group, rows_per_batch, |df| {
                let rows = reader::row_numbers(df, path)?;
                let elements = row_element.get(start..).unwrap_or_default();
                start += df.height();
                // Columns are independent: count them in parallel.
                use rayon::prelude::*;
                group
                    .par_iter()
                    .zip(tallies.par_iter_mut())
                    .try_for_each(|(name, tally)| {
                        let column = text_column(df, name, path)?;
                        tally.add(column, name, &rows, elements, bad);
                        Ok(())
                    })
            })?;
            // Undecodable cells column by column, then each column's warnings.
            let mut finished = Vec::with_capacity(group.len());
            for tally in tallies {
                *self.utf8_located |= tally.utf8_located;
                let (problems, counts) = tally.into_parts();
                self.report.append(problems);
                finished.push(counts);
            }
            for (name, counts) in group.iter().zip(finished) {
                let (mut column, varying) = counts.majority(name);
                let mut cleaned = ControlChars::default();
                for value in column.values.iter_mut().flatten() {
                    if let std::borrow::Cow::Owned(clean) = cleaned.clean(value, 0) {
                        *value = clean;
                    }
                }
                cleaned.warn(self.report, Some(&column.name), "attribute value");
                if varying > 0 {
                    self.report.warning(
                        None,
                        Some(&column.name),
                        None,
                        format!("the attribute varies within {varying} {what}(s); each keeps its most frequent value"),
                    );
                }
                out.push(column);
            }
        }
        Ok(out)
    }
}

/// Columns a role batch holds about (object, rater, ten items, text): attribute batches of more
/// columns hold proportionally fewer rows, so that a batch's cells stay about as many.
const ROLE_BATCH_WIDTH: usize = 16;

/// Rows per attribute batch of `width` columns, given the rows per role batch.
fn batch_rows_for_width(batch_rows: usize, width: usize) -> usize {
    if width <= ROLE_BATCH_WIDTH {
        return batch_rows.max(1);
    }
    (batch_rows.saturating_mul(ROLE_BATCH_WIDTH) / width).max(1)
}

/// Reports every cell of `column` holding U+FFFD (what lossy decoding put for invalid bytes) at
/// its row; returns whether any was found.
pub(super) fn report_replacement_chars(
    column: &StringChunked,
    name: &str,
    row_numbers: &[u64],
    bad: reader::InvalidUtf8,
    report: &mut ValidationReport,
) -> bool {
    let mut located = false;
    for (cell, &row) in column.iter().zip(row_numbers) {
        if cell.is_some_and(|v| v.contains('\u{FFFD}')) {
            located = true;
            report.error(
                Some(row),
                Some(name),
                None,
                format!(
                    "text is not valid UTF-8 (first bad byte at line {}, byte offset {}); re-save the file as UTF-8",
                    bad.line, bad.byte_offset
                ),
            );
        }
    }
    located
}

/// No value yet.
const NO_VALUE: u32 = u32::MAX;

/// How often each element has each value of one attribute column, across row batches.
pub(super) struct Counts {
    /// The column's distinct values.
    values: Dictionary,
    /// Per element: its first value and how often it came (`NO_VALUE`: none yet).
    first: Vec<(u32, u32)>,
    /// Elements with more than one value: the others, in order of first appearance.
    others: HashMap<u32, Vec<(u32, u32)>>,
}

impl Counts {
    fn new(n_elements: usize) -> Self {
        Counts {
            values: Dictionary::default(),
            first: vec![(NO_VALUE, 0); n_elements],
            others: HashMap::new(),
        }
    }

    /// Counts `value` once for element `e`.
    fn add(&mut self, e: u32, value: &str) {
        let v = self.values.get_or_insert(value);
        let Some(slot) = self.first.get_mut(e as usize) else {
            return;
        };
        if slot.0 == NO_VALUE {
            *slot = (v, 1);
        } else if slot.0 == v {
            slot.1 += 1;
        } else {
            let others = self.others.entry(e).or_default();
            match others.iter_mut().find(|(o, _)| *o == v) {
                Some((_, n)) => *n += 1,
                None => others.push((v, 1)),
            }
        }
    }

    /// Per element its most frequent value (ties: the first seen), and how many elements have
    /// more than one value.
    pub(super) fn majority(self, name: &str) -> (AttributeColumn, usize) {
        let labels = self.values.into_labels();
        let varying = self.others.len();
        let values = self
            .first
            .iter()
            .enumerate()
            .map(|(e, &first)| {
                if first.0 == NO_VALUE {
                    return None;
                }
                let mut best = first;
                for &(v, n) in self.others.get(&(e as u32)).into_iter().flatten() {
                    if n > best.1 {
                        best = (v, n);
                    }
                }
                labels.get(best.0 as usize).cloned()
            })
            .collect();
        (
            AttributeColumn {
                name: name.to_string(),
                values,
            },
            varying,
        )
    }
}

/// One attribute column being read: its counts and its undecodable cells.
struct Tally {
    counts: Counts,
    utf8_problems: ValidationReport,
    utf8_located: bool,
}

impl Tally {
    fn new(n_elements: usize, utf8_problems: ValidationReport) -> Self {
        Tally {
            counts: Counts::new(n_elements),
            utf8_problems,
            utf8_located: false,
        }
    }

    /// Counts one batch of the column; `elements` gives the element of each of its rows.
    fn add(
        &mut self,
        column: &StringChunked,
        name: &str,
        rows: &[u64],
        elements: &[u32],
        bad: Option<reader::InvalidUtf8>,
    ) {
        if let Some(bad) = bad {
            self.utf8_located |=
                report_replacement_chars(column, name, rows, bad, &mut self.utf8_problems);
        }
        for (cell, &e) in column.iter().zip(elements) {
            let Some(value) = cell.map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            if e != NO_ELEMENT {
                self.counts.add(e, value);
            }
        }
    }

    fn into_parts(self) -> (ValidationReport, Counts) {
        (self.utf8_problems, self.counts)
    }
}
