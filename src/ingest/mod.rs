//! Reading and validating rating files.
//!
//! [`stage`] reads a file with polars (only the columns the description names), checks every
//! value, and returns a [`Staged`] import: element dictionaries, observations with their source
//! rows, texts and attributes. Nothing is written anywhere; the store writes a staged import in
//! one transaction. When any error is found, [`IngestError::Invalid`] carries every problem (up to
//! a limit), each naming the file, row, column, value and what was expected.

mod attributes;
mod bytes;
pub mod draft;
pub mod facets;
pub mod preview;
mod problems;
pub mod reader;

pub use problems::{Problem, Severity, ValidationReport};
pub use reader::{FileFingerprint, FileFormat};

use attributes::*;
use bytes::*;

use crate::config::{glob_matches, ConfigError, DatasetConfig, ItemConfig, Layout};
use polars::prelude::{DataFrame, StringChunked};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Why a file could not be staged.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file cannot be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The data file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file cannot be parsed (a located, bounded message).
    #[error("cannot read {}: {message}", path.display())]
    Read {
        /// The data file.
        path: PathBuf,
        /// What is wrong, with the row or line where it can be found.
        message: String,
    },
    /// Values do not fit the description: every problem with its row, column and value.
    #[error("{0}")]
    Invalid(Box<ValidationReport>),
    /// The dataset description is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A Facets specification (or its data file) is wrong at a line.
    #[error(transparent)]
    Facets(#[from] Box<facets::SpecError>),
}

/// Options of [`stage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOptions {
    /// How many problems of each severity are listed (all are counted).
    pub max_problems: usize,
}

/// Problems listed per severity unless asked otherwise.
pub const DEFAULT_MAX_PROBLEMS: usize = 50;

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_problems: DEFAULT_MAX_PROBLEMS,
        }
    }
}

/// The elements of one facet found in the file, in order of first appearance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StagedFacet {
    /// The facet's name (the id column).
    pub name: String,
    /// Element labels in order of first appearance (ids as text).
    pub labels: Vec<String>,
    /// Attribute columns kept for this facet and, per element, their values (`None` = empty).
    pub attributes: Vec<AttributeColumn>,
}

/// One attribute column: per element, the value most often given to it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeColumn {
    /// The attribute's name (its column).
    pub name: String,
    /// Per element: its value (the majority when rows differ), or none.
    pub values: Vec<Option<String>>,
}

impl StagedFacet {
    /// The attributes of element `e` as `(column, value)` pairs, empty values left out.
    pub fn attributes_of(&self, e: usize) -> BTreeMap<&str, &str> {
        self.attributes
            .iter()
            .filter_map(|a| a.values[e].as_deref().map(|v| (a.name.as_str(), v)))
            .collect()
    }
}

/// Observations of a staged file; indices refer to the staged facets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StagedObservations {
    /// The data row each observation came from (1 = first row after the header).
    pub source_row: Vec<u32>,
    /// The object of each observation.
    pub object: Vec<u32>,
    /// `raters[f][n]`: element of rater facet `f` in observation `n`.
    pub raters: Vec<Vec<u32>>,
    /// Index into the description's items.
    pub item: Vec<u32>,
    /// The raw code as in the file.
    pub raw: Vec<i64>,
    /// The scored category (recoded, reversed).
    pub score: Vec<i64>,
}

impl StagedObservations {
    /// The number of observations.
    pub fn len(&self) -> usize {
        self.score.len()
    }

    /// Whether there are no observations.
    pub fn is_empty(&self) -> bool {
        self.score.is_empty()
    }
}

/// A validated file, ready to be written to a project.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The data file.
    pub source: PathBuf,
    /// Its checksum, size and encoding facts.
    pub fingerprint: FileFingerprint,
    /// The description it was read with.
    pub config: DatasetConfig,
    /// Data rows in the file.
    pub rows: usize,
    /// The object facet.
    pub objects: StagedFacet,
    /// Per object, its text (the first non-empty one).
    pub object_texts: Vec<Option<String>>,
    /// The rater facets, in the description's order.
    pub rater_facets: Vec<StagedFacet>,
    /// The observations (one per item response).
    pub observations: StagedObservations,
    /// Per item, responses left empty (no observation).
    pub missing_responses: Vec<usize>,
    /// Exact duplicate responses dropped (the same object, raters, item and score twice).
    pub duplicates_dropped: usize,
    /// The warnings found (the import goes ahead with them).
    pub report: ValidationReport,
    /// The measurement model the source brought (a Facets specification), stored with the
    /// project; `None` for a rating file with a dataset description.
    pub model: Option<crate::config::ProjectModel>,
}

/// Text values read as "no response" in score columns (case-insensitive), besides empty cells.
const MISSING_SCORE_MARKERS: [&str; 5] = ["na", "nan", "null", "none", "."];

/// A score cell: missing, a whole number, or not a number.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ScoreCell {
    Missing,
    Code(i64),
    NotInteger,
}

fn parse_score(cell: Option<&str>) -> ScoreCell {
    let Some(text) = cell.map(str::trim) else {
        return ScoreCell::Missing;
    };
    if text.is_empty()
        || MISSING_SCORE_MARKERS
            .iter()
            .any(|m| text.eq_ignore_ascii_case(m))
    {
        return ScoreCell::Missing;
    }
    if let Ok(v) = text.parse::<i64>() {
        return ScoreCell::Code(v);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => ScoreCell::Code(v as i64),
        _ => ScoreCell::NotInteger,
    }
}

fn expected_codes(item: &ItemConfig) -> String {
    let codes: Vec<String> = item.categories.iter().map(|c| c.to_string()).collect();
    format!(
        "expected one of {} for item `{}`",
        codes.join(", "),
        item.name
    )
}

/// Dense indices for labels in order of first appearance.
#[derive(Default)]
struct Dictionary<'a> {
    index: HashMap<&'a str, u32>,
    labels: Vec<&'a str>,
}

impl<'a> Dictionary<'a> {
    fn get_or_insert(&mut self, label: &'a str) -> u32 {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.index.insert(label, i);
        self.labels.push(label);
        i
    }

    fn into_labels(self) -> Vec<String> {
        self.labels.into_iter().map(str::to_string).collect()
    }
}

fn text_column<'a>(
    df: &'a DataFrame,
    name: &str,
    path: &Path,
) -> Result<&'a StringChunked, IngestError> {
    let read_err = |e: polars::prelude::PolarsError| IngestError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    df.column(name).map_err(read_err)?.str().map_err(read_err)
}

/// Finds the closest header name to a missing column, for a "did you mean" hint.
fn closest_column<'a>(missing: &str, header: &'a [String]) -> Option<&'a str> {
    header
        .iter()
        .map(|h| (strsim::jaro_winkler(missing, h), h))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, h)| h.as_str())
}

/// Reads and validates `path` as described by `config`.
pub fn stage(
    path: &Path,
    config: &DatasetConfig,
    options: &IngestOptions,
) -> Result<Staged, IngestError> {
    match stage_file(path, config, options) {
        Err(IngestError::Invalid(mut report)) => {
            // A quote that never closes shifts every later value: say so first.
            if let FileFormat::Delimited(separator) =
                FileFormat::detect(path, config.separator_for(path))
            {
                if let Ok(Some(open)) = reader::find_unterminated_quote(path, separator) {
                    report.error_first(
                        Some(open.row),
                        format!("line {}: {}", open.line, open.cause()),
                    );
                }
            }
            Err(IngestError::Invalid(report))
        }
        other => other,
    }
}

fn stage_file(
    path: &Path,
    config: &DatasetConfig,
    options: &IngestOptions,
) -> Result<Staged, IngestError> {
    let mut report = ValidationReport::new(path.to_path_buf(), options.max_problems);
    let format = FileFormat::detect(path, config.separator_for(path));
    let fingerprint = reader::fingerprint(path, matches!(format, FileFormat::Delimited(_)))?;
    if fingerprint.bytes == 0 {
        report.error(
            None,
            None,
            None,
            "the file is empty: expected a header row and data rows",
        );
        return Err(IngestError::Invalid(Box::new(report)));
    }
    let header = reader::column_names(path, format)?;

    // Columns the description names must all exist.
    if let FileFormat::Delimited(separator) = format {
        let missing = config
            .required_columns()
            .iter()
            .filter(|(_, c)| !header.contains(c))
            .count();
        if missing > 0 {
            if let Some(hint) = separator_hint(&header, separator) {
                report.error(None, None, None, hint);
            }
        }
    }
    for (key, column) in config.required_columns() {
        if !header.contains(&column) {
            let hint = closest_column(&column, &header)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            report.error(
                None,
                Some(&column),
                None,
                format!("column named by `{key}` is not in the file{hint}"),
            );
        }
    }
    if report.has_errors() {
        return Err(IngestError::Invalid(Box::new(report)));
    }
    let role_columns: Vec<String> = config
        .required_columns()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let object_attribute_columns = resolve_attributes(
        &config.attributes.objects,
        &header,
        &role_columns,
        "attributes.objects",
        &mut report,
    );
    let rater_attribute_columns = if config.raters.is_empty() {
        if !config.attributes.raters.is_empty() {
            report.warning(
                None,
                None,
                None,
                "`attributes.raters` is ignored: the description has no rater facet",
            );
        }
        Vec::new()
    } else {
        resolve_attributes(
            &config.attributes.raters,
            &header,
            &role_columns,
            "attributes.raters",
            &mut report,
        )
    };

    // Attribute columns are read later, in batches, to bound memory on wide files (MHS: 131).
    let wanted = role_columns.clone();
    let df = reader::read_text_columns(path, format, &wanted, None)?;
    let rows = df.height();
    if rows == 0 {
        report.error(None, None, None, "the file has a header but no data rows");
        return Err(IngestError::Invalid(Box::new(report)));
    }
    let row_numbers: Vec<u64> = {
        let column = df
            .column(reader::ROW_COLUMN)
            .and_then(|c| c.cast(&polars::prelude::DataType::UInt64))
            .map_err(|e| IngestError::Read {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let values = column.u64().map_err(|e| IngestError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        values.iter().map(|v| v.unwrap_or(0)).collect()
    };

    // Undecodable text: find the rows and columns holding replacement characters.
    let mut utf8_located = false;
    if let Some(bad) = fingerprint.invalid_utf8 {
        utf8_located |=
            report_replacement_chars(&df, &wanted, &row_numbers, bad, path, &mut report)?;
    }

    let object_col = text_column(&df, &config.object, path)?;
    let rater_cols: Vec<&StringChunked> = config
        .raters
        .iter()
        .map(|r| text_column(&df, r, path))
        .collect::<Result<_, _>>()?;
    let object_cells: Vec<Option<&str>> = object_col.iter().collect();
    let rater_cells: Vec<Vec<Option<&str>>> =
        rater_cols.iter().map(|c| c.iter().collect()).collect();

    // Facet elements per row (u32::MAX where the row has no usable id).
    const NO_ELEMENT: u32 = u32::MAX;
    let mut objects = Dictionary::default();
    let mut raters: Vec<Dictionary> = config
        .raters
        .iter()
        .map(|_| Dictionary::default())
        .collect();
    let mut row_object = vec![NO_ELEMENT; rows];
    let mut row_raters = vec![vec![NO_ELEMENT; rows]; config.raters.len()];
    for r in 0..rows {
        let row = Some(row_numbers[r]);
        match object_cells[r].map(str::trim).filter(|v| !v.is_empty()) {
            Some(id) if control_char(id).is_some() => {
                report_control_char(&mut report, row, &config.object, id, "object id")
            }
            Some(id) => row_object[r] = objects.get_or_insert(id),
            None => report.error(row, Some(&config.object), None, "the object id is empty"),
        }
        for (f, cells) in rater_cells.iter().enumerate() {
            match cells[r].map(str::trim).filter(|v| !v.is_empty()) {
                Some(id) if control_char(id).is_some() => {
                    report_control_char(&mut report, row, &config.raters[f], id, "rater id")
                }
                Some(id) => row_raters[f][r] = raters[f].get_or_insert(id),
                None => report.error(row, Some(&config.raters[f]), None, "the rater id is empty"),
            }
        }
    }

    // Observations.
    let mut obs = StagedObservations {
        raters: vec![Vec::new(); config.raters.len()],
        ..Default::default()
    };
    let mut missing_responses = vec![0usize; config.items.len()];
    let row_ok =
        |r: usize| row_object[r] != NO_ELEMENT && row_raters.iter().all(|c| c[r] != NO_ELEMENT);
    let push = |obs: &mut StagedObservations, r: usize, item: usize, raw: i64, score: i64| {
        obs.source_row.push(row_numbers[r] as u32);
        obs.object.push(row_object[r]);
        for (f, column) in row_raters.iter().enumerate() {
            obs.raters[f].push(column[r]);
        }
        obs.item.push(item as u32);
        obs.raw.push(raw);
        obs.score.push(score);
    };
    match (config.layout, &config.long) {
        (Layout::Long, Some(long)) => {
            let items = text_column(&df, &long.item, path)?;
            let scores = text_column(&df, &long.score, path)?;
            let mut unknown_items: BTreeMap<String, (u64, usize)> = BTreeMap::new();
            for (r, (item_cell, score_cell)) in items.iter().zip(scores.iter()).enumerate() {
                let row = Some(row_numbers[r]);
                let Some(item_name) = item_cell.map(str::trim).filter(|v| !v.is_empty()) else {
                    report.error(row, Some(&long.item), None, "the item name is empty");
                    continue;
                };
                if control_char(item_name).is_some() {
                    report_control_char(&mut report, row, &long.item, item_name, "item name");
                    continue;
                }
                let Some((i, item)) = config.item_named(item_name) else {
                    let entry = unknown_items
                        .entry(item_name.to_string())
                        .or_insert((row_numbers[r], 0));
                    entry.1 += 1;
                    continue;
                };
                match parse_score(score_cell) {
                    ScoreCell::Missing => missing_responses[i] += 1,
                    ScoreCell::NotInteger => report.error(
                        row,
                        Some(&long.score),
                        score_cell,
                        format!("not a whole number: {}", expected_codes(item)),
                    ),
                    ScoreCell::Code(raw) => match item.score(raw) {
                        Some(score) if row_ok(r) => push(&mut obs, r, i, raw, score),
                        Some(_) => {}
                        None => report.error(
                            row,
                            Some(&long.score),
                            score_cell,
                            format!("out of range: {}", expected_codes(item)),
                        ),
                    },
                }
            }
            let known: Vec<&str> = config.items.iter().map(|i| i.name.as_str()).collect();
            for (name, (first_row, count)) in unknown_items {
                report.error(
                    Some(first_row),
                    Some(&long.item),
                    Some(&name),
                    format!(
                        "unknown item ({count} row(s)); the description's items are: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        _ => {
            for (i, item) in config.items.iter().enumerate() {
                let column = text_column(&df, item.column(), path)?;
                for (r, cell) in column.iter().enumerate() {
                    match parse_score(cell) {
                        ScoreCell::Missing => missing_responses[i] += 1,
                        ScoreCell::NotInteger => report.error(
                            Some(row_numbers[r]),
                            Some(item.column()),
                            cell,
                            format!("not a whole number: {}", expected_codes(item)),
                        ),
                        ScoreCell::Code(raw) => match item.score(raw) {
                            Some(score) if row_ok(r) => push(&mut obs, r, i, raw, score),
                            Some(_) => {}
                            None => report.error(
                                Some(row_numbers[r]),
                                Some(item.column()),
                                cell,
                                format!("out of range: {}", expected_codes(item)),
                            ),
                        },
                    }
                }
            }
        }
    }

    let duplicates_dropped = drop_duplicates(&mut obs, config, &mut report);

    // Elements left without any valid rating.
    let mut object_rated = vec![false; objects.labels.len()];
    for &o in &obs.object {
        object_rated[o as usize] = true;
    }
    for (o, rated) in object_rated.iter().enumerate() {
        if !rated {
            report.warning(
                None,
                Some(&config.object),
                Some(objects.labels[o]),
                "this object has no valid rating",
            );
        }
    }
    for (f, dict) in raters.iter().enumerate() {
        let mut rated = vec![false; dict.labels.len()];
        for &e in &obs.raters[f] {
            rated[e as usize] = true;
        }
        for (e, rated) in rated.iter().enumerate() {
            if !rated {
                report.warning(
                    None,
                    Some(&config.raters[f]),
                    Some(dict.labels[e]),
                    "this rater has no valid rating",
                );
            }
        }
    }

    if report.has_errors() {
        return Err(IngestError::Invalid(Box::new(report)));
    }

    // Texts: the first non-empty text of each object.
    let mut object_texts: Vec<Option<String>> = vec![None; objects.labels.len()];
    if let Some(text_name) = &config.text {
        let column = text_column(&df, text_name, path)?;
        let mut differing = 0usize;
        let mut example = None;
        let mut cleaned = ControlChars::default();
        for (r, cell) in column.iter().enumerate() {
            let o = row_object[r];
            let Some(text) = cell.filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            if o == NO_ELEMENT {
                continue;
            }
            let text = cleaned.clean(text, row_numbers[r]);
            match &object_texts[o as usize] {
                None => object_texts[o as usize] = Some(text.into_owned()),
                Some(existing) if *existing != text => {
                    differing += 1;
                    example.get_or_insert(row_numbers[r]);
                }
                _ => {}
            }
        }
        cleaned.warn(&mut report, Some(text_name), "text");
        if differing > 0 {
            report.warning(
                example,
                Some(text_name),
                None,
                format!("{differing} row(s) give an object a different text than its first row; the first text is kept"),
            );
        }
    }

    let object_labels = objects.into_labels();
    let rater_labels: Vec<Vec<String>> = raters.into_iter().map(Dictionary::into_labels).collect();
    let n_objects = object_labels.len();
    let n_raters = rater_labels.first().map_or(0, Vec::len);
    drop(object_cells);
    drop(rater_cells);
    drop(df);
    let mut reader = AttributeReader {
        path,
        format,
        row_numbers: &row_numbers,
        invalid_utf8: fingerprint.invalid_utf8,
        utf8_located: &mut utf8_located,
        report: &mut report,
    };
    let object_attributes =
        reader.collect(&object_attribute_columns, &row_object, n_objects, "object")?;
    let rater_attributes = match row_raters.first() {
        Some(row_rater) => {
            reader.collect(&rater_attribute_columns, row_rater, n_raters, "rater")?
        }
        None => Vec::new(),
    };
    let mut rater_facets: Vec<StagedFacet> = Vec::new();
    let mut rater_attributes = Some(rater_attributes);
    for (f, labels) in rater_labels.into_iter().enumerate() {
        rater_facets.push(StagedFacet {
            name: config.raters[f].clone(),
            labels,
            attributes: if f == 0 {
                rater_attributes.take().unwrap_or_default()
            } else {
                Vec::new()
            },
        });
    }
    if let (Some(bad), false) = (fingerprint.invalid_utf8, utf8_located) {
        report.warning(
            None,
            None,
            None,
            format!(
                "the file is not valid UTF-8 at line {}, byte offset {}, in a column that is not imported",
                bad.line, bad.byte_offset
            ),
        );
    }
    if report.has_errors() {
        return Err(IngestError::Invalid(Box::new(report)));
    }

    Ok(Staged {
        source: path.to_path_buf(),
        fingerprint,
        config: config.clone(),
        rows,
        objects: StagedFacet {
            name: config.object.clone(),
            labels: object_labels,
            attributes: object_attributes,
        },
        object_texts,
        rater_facets,
        observations: obs,
        missing_responses,
        duplicates_dropped,
        report,
        model: None,
    })
}

/// Finds responses given twice (same object, raters and item). Different scores are errors;
/// identical ones are dropped with a warning. Returns how many were dropped.
fn drop_duplicates(
    obs: &mut StagedObservations,
    config: &DatasetConfig,
    report: &mut ValidationReport,
) -> usize {
    let n = obs.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    let key = |i: u32| {
        let i = i as usize;
        (obs.object[i], obs.item[i])
    };
    order.sort_unstable_by(|&a, &b| {
        key(a).cmp(&key(b)).then_with(|| {
            for column in &obs.raters {
                let c = column[a as usize].cmp(&column[b as usize]);
                if c.is_ne() {
                    return c;
                }
            }
            a.cmp(&b)
        })
    });
    let same_cell = |a: usize, b: usize| {
        obs.object[a] == obs.object[b]
            && obs.item[a] == obs.item[b]
            && obs.raters.iter().all(|c| c[a] == c[b])
    };
    let mut drop = vec![false; n];
    let mut dropped = 0usize;
    for w in order.windows(2) {
        let (first, second) = (w[0] as usize, w[1] as usize);
        if !same_cell(first, second) {
            continue;
        }
        let item = &config.items[obs.item[first] as usize];
        let column = match config.layout {
            Layout::Wide => item.column().to_string(),
            Layout::Long => config
                .long
                .as_ref()
                .map(|l| l.score.clone())
                .unwrap_or_default(),
        };
        if obs.raw[first] != obs.raw[second] {
            report.error(
                Some(obs.source_row[second] as u64),
                Some(&column),
                Some(&obs.raw[second].to_string()),
                format!(
                    "the same object, rater and item `{}` already has score {} at row {}",
                    item.name, obs.raw[first], obs.source_row[first]
                ),
            );
        } else {
            drop[second] = true;
            dropped += 1;
        }
    }
    if dropped > 0 {
        report.warning(
            None,
            None,
            None,
            format!(
                "{dropped} response(s) repeat an identical earlier response and were counted once"
            ),
        );
        let keep: Vec<usize> = (0..n).filter(|&i| !drop[i]).collect();
        let pick_u32 = |v: &Vec<u32>| keep.iter().map(|&i| v[i]).collect::<Vec<u32>>();
        let pick_i64 = |v: &Vec<i64>| keep.iter().map(|&i| v[i]).collect::<Vec<i64>>();
        *obs = StagedObservations {
            source_row: pick_u32(&obs.source_row),
            object: pick_u32(&obs.object),
            raters: obs.raters.iter().map(pick_u32).collect(),
            item: pick_u32(&obs.item),
            raw: pick_i64(&obs.raw),
            score: pick_i64(&obs.score),
        };
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_cells_parse_like_a_careful_analyst_would() {
        assert_eq!(parse_score(Some("3")), ScoreCell::Code(3));
        assert_eq!(parse_score(Some(" 3.0 ")), ScoreCell::Code(3));
        assert_eq!(parse_score(Some("-1")), ScoreCell::Code(-1));
        assert_eq!(parse_score(Some("2.5")), ScoreCell::NotInteger);
        assert_eq!(parse_score(Some("three")), ScoreCell::NotInteger);
        assert_eq!(parse_score(Some("inf")), ScoreCell::NotInteger);
        assert_eq!(parse_score(Some("")), ScoreCell::Missing);
        assert_eq!(parse_score(Some("NaN")), ScoreCell::Missing);
        assert_eq!(parse_score(None), ScoreCell::Missing);
    }
}
