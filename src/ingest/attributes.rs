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

/// Attribute columns read per batch (bounds the memory of wide files).
pub(super) const ATTRIBUTE_BATCH: usize = 64;

/// Reads attribute columns in batches and reduces them per element.
pub(super) struct AttributeReader<'a> {
    pub(super) path: &'a Path,
    pub(super) format: FileFormat,
    pub(super) row_numbers: &'a [u64],
    pub(super) invalid_utf8: Option<reader::InvalidUtf8>,
    pub(super) utf8_located: &'a mut bool,
    pub(super) report: &'a mut ValidationReport,
}

impl AttributeReader<'_> {
    /// Per element, the most frequent non-empty value of each attribute column (ties: first
    /// seen); warns once per column when elements disagree with themselves.
    pub(super) fn collect(
        &mut self,
        columns: &[String],
        row_element: &[u32],
        n_elements: usize,
        what: &str,
    ) -> Result<Vec<AttributeColumn>, IngestError> {
        let mut out = Vec::with_capacity(columns.len());
        for batch in columns.chunks(ATTRIBUTE_BATCH) {
            let df = reader::read_text_columns(self.path, self.format, batch, None)?;
            if let Some(bad) = self.invalid_utf8 {
                *self.utf8_located |= report_replacement_chars(
                    &df,
                    batch,
                    self.row_numbers,
                    bad,
                    self.path,
                    self.report,
                )?;
            }
            // Columns are independent: reduce them in parallel, then report in column order.
            use rayon::prelude::*;
            let reduced: Vec<Result<(AttributeColumn, usize), IngestError>> = batch
                .par_iter()
                .map(|name| majority_values(&df, self.path, name, row_element, n_elements))
                .collect();
            for result in reduced {
                let (mut column, varying) = result?;
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

/// Reports every cell of `columns` holding U+FFFD (what lossy decoding put for invalid bytes);
/// returns whether any was found.
pub(super) fn report_replacement_chars(
    df: &DataFrame,
    columns: &[String],
    row_numbers: &[u64],
    bad: reader::InvalidUtf8,
    path: &Path,
    report: &mut ValidationReport,
) -> Result<bool, IngestError> {
    let mut located = false;
    for name in columns {
        let column = text_column(df, name, path)?;
        for (r, cell) in column.iter().enumerate() {
            if cell.is_some_and(|v| v.contains('\u{FFFD}')) {
                located = true;
                report.error(
                    Some(row_numbers[r]),
                    Some(name),
                    None,
                    format!(
                        "text is not valid UTF-8 (first bad byte at line {}, byte offset {}); re-save the file as UTF-8",
                        bad.line, bad.byte_offset
                    ),
                );
            }
        }
    }
    Ok(located)
}

/// The most frequent non-empty value of attribute column `name` per element, and how many
/// elements have more than one value.
pub(super) fn majority_values(
    df: &DataFrame,
    path: &Path,
    name: &str,
    row_element: &[u32],
    n_elements: usize,
) -> Result<(AttributeColumn, usize), IngestError> {
    let column = text_column(df, name, path)?;
    // Per element: (value, count) pairs; values per element are few (true/false, a category).
    let mut counts: Vec<Vec<(&str, u32)>> = vec![Vec::new(); n_elements];
    for (r, cell) in column.iter().enumerate() {
        let e = row_element[r];
        let Some(value) = cell.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        if e == u32::MAX {
            continue;
        }
        let slot = &mut counts[e as usize];
        match slot.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => slot.push((value, 1)),
        }
    }
    let mut varying = 0usize;
    let values = counts
        .iter()
        .map(|slot| {
            if slot.len() > 1 {
                varying += 1;
            }
            let mut best: Option<(&str, u32)> = None;
            for &(v, n) in slot {
                if best.is_none_or(|(_, m)| n > m) {
                    best = Some((v, n));
                }
            }
            best.map(|(v, _)| v.to_string())
        })
        .collect();
    Ok((
        AttributeColumn {
            name: name.to_string(),
            values,
        },
        varying,
    ))
}
