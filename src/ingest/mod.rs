//! Reading and validating rating files.
//!
//! [`stage`] reads a file with polars (only the columns the description names, in row batches
//! of [`IngestOptions::batch_rows`] from one streaming scan, so that memory depends on the batch
//! and the compact result, not on the file), checks every value, and returns a [`Staged`]
//! import: element dictionaries, observations with their source rows, texts and attributes. Nothing is written anywhere; the store writes a staged import in
//! one transaction. When any error is found, [`IngestError::Invalid`] carries every problem (up to
//! a limit), each naming the file, row, column, value and what was expected.

mod attributes;
mod bytes;
pub mod draft;
pub mod facets;
pub mod preview;
mod problems;
pub mod reader;
mod roles;

pub use problems::{Problem, Severity, ValidationReport};
pub use reader::{FileFingerprint, FileFormat};

use attributes::*;
use bytes::*;
use roles::*;

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
    /// The object facet named for a Facets specification is none of its facets.
    #[error("cannot read {}: the object facet `{wanted}` is not one of its facets; the facets are {facets}", path.display())]
    UnknownObjectFacet {
        /// The specification.
        path: PathBuf,
        /// The facet named.
        wanted: String,
        /// Its facets, as `number (label)`.
        facets: String,
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
    /// How many rows are read and checked at a time (memory depends on this, not on the file).
    pub batch_rows: usize,
}

/// Problems listed per severity unless asked otherwise.
pub const DEFAULT_MAX_PROBLEMS: usize = 50;

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_problems: DEFAULT_MAX_PROBLEMS,
            batch_rows: reader::DEFAULT_BATCH_ROWS,
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
    /// The raw code as in the file (a code beyond `i32` is refused as out of range).
    pub raw: Vec<i32>,
    /// The scored category (recoded, reversed).
    pub score: Vec<i32>,
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
    let staged = stage_file(path, config, options);
    release_freed_memory();
    match staged {
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

/// Hands the heap memory freed by the reading threads back to the system (glibc keeps freed
/// blocks in per-thread arenas; after staging, polars' batches are gone but their pages would
/// still count towards the process's peak during the import that follows).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it is safe at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The attribute columns of the objects and of the first rater facet, matched in the header.
struct AttributeColumnNames {
    objects: Vec<String>,
    raters: Vec<String>,
}

/// What the role columns' scan found, after duplicates were dropped: the observations, the
/// facets' labels, and per row its object and raters (for reading the attributes).
struct RolesRead {
    rows: usize,
    observations: StagedObservations,
    object_labels: Vec<String>,
    rater_labels: Vec<Vec<String>>,
    row_object: Vec<u32>,
    row_raters: Vec<Vec<u32>>,
    missing_responses: Vec<usize>,
    texts: Texts,
    /// Whether invalid UTF-8 was found in a column read so far (and reported there).
    utf8_located: bool,
    duplicates_dropped: usize,
}

/// The report as the error of a file that cannot be staged.
fn invalid<T>(report: ValidationReport) -> Result<T, IngestError> {
    Err(IngestError::Invalid(Box::new(report)))
}

/// Reads and validates `path` in stages: the header, the role columns (ids and scores), the
/// objects' texts, then the attribute columns.
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
        return invalid(report);
    }
    let header = reader::column_names(path, format)?;
    check_columns(config, format, &header, &mut report);
    if report.has_errors() {
        return invalid(report);
    }
    let role_columns: Vec<String> = config
        .required_columns()
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let attribute_columns = attribute_columns(config, &header, &role_columns, &mut report);
    let (mut roles, mut report) = read_roles(
        path,
        config,
        format,
        options,
        &role_columns,
        &fingerprint,
        report,
    )?;
    let object_texts = object_texts(
        config,
        std::mem::take(&mut roles.texts),
        roles.object_labels.len(),
        &mut report,
    );
    let mut utf8_located = roles.utf8_located;
    let mut reader = AttributeReader {
        path,
        format,
        batch_rows: options.batch_rows,
        invalid_utf8: fingerprint.invalid_utf8,
        utf8_located: &mut utf8_located,
        report: &mut report,
    };
    let (object_attributes, rater_attributes) =
        read_attributes(&mut reader, &attribute_columns, &roles)?;
    // Each row's elements were needed for the attributes only: freed before the import.
    roles.row_object = Vec::new();
    roles.row_raters = Vec::new();
    let rater_facets = rater_facets(config, roles.rater_labels, rater_attributes);
    warn_unread_invalid_utf8(fingerprint.invalid_utf8, utf8_located, &mut report);
    if report.has_errors() {
        return invalid(report);
    }

    Ok(Staged {
        source: path.to_path_buf(),
        fingerprint,
        config: config.clone(),
        rows: roles.rows,
        objects: StagedFacet {
            name: config.object.clone(),
            labels: roles.object_labels,
            attributes: object_attributes,
        },
        object_texts,
        rater_facets,
        observations: roles.observations,
        missing_responses: roles.missing_responses,
        duplicates_dropped: roles.duplicates_dropped,
        report,
        model: None,
    })
}

/// The attribute columns of the objects and of the first rater facet (each element's value
/// by majority), read in row batches.
fn read_attributes(
    reader: &mut AttributeReader,
    columns: &AttributeColumnNames,
    roles: &RolesRead,
) -> Result<(Vec<AttributeColumn>, Vec<AttributeColumn>), IngestError> {
    let n_objects = roles.object_labels.len();
    let n_raters = roles.rater_labels.first().map_or(0, Vec::len);
    let objects = reader.collect(&columns.objects, &roles.row_object, n_objects, "object")?;
    let raters = match roles.row_raters.first() {
        Some(row_rater) => reader.collect(&columns.raters, row_rater, n_raters, "rater")?,
        None => Vec::new(),
    };
    Ok((objects, raters))
}

/// The columns the description names must all exist: each missing one is an error (with the
/// closest header name), after a separator hint when the file seems split on another character.
fn check_columns(
    config: &DatasetConfig,
    format: FileFormat,
    header: &[String],
    report: &mut ValidationReport,
) {
    if let FileFormat::Delimited(separator) = format {
        let missing = config
            .required_columns()
            .iter()
            .filter(|(_, c)| !header.contains(c))
            .count();
        if missing > 0 {
            if let Some(hint) = separator_hint(header, separator) {
                report.error(None, None, None, hint);
            }
        }
    }
    for (key, column) in config.required_columns() {
        if !header.contains(&column) {
            let hint = closest_column(&column, header)
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
}

/// The attribute columns of `attributes.objects` and `attributes.raters` (ignored, with a
/// warning, when the description has no rater facet).
fn attribute_columns(
    config: &DatasetConfig,
    header: &[String],
    role_columns: &[String],
    report: &mut ValidationReport,
) -> AttributeColumnNames {
    let objects = resolve_attributes(
        &config.attributes.objects,
        header,
        role_columns,
        "attributes.objects",
        report,
    );
    let raters = if config.raters.is_empty() {
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
            header,
            role_columns,
            "attributes.raters",
            report,
        )
    };
    AttributeColumnNames { objects, raters }
}

/// Scans the role columns one row batch at a time, drops exact duplicates and warns about
/// unrated elements; fails with every problem found. The report comes back with what it found.
fn read_roles(
    path: &Path,
    config: &DatasetConfig,
    format: FileFormat,
    options: &IngestOptions,
    role_columns: &[String],
    fingerprint: &FileFingerprint,
    mut report: ValidationReport,
) -> Result<(RolesRead, ValidationReport), IngestError> {
    let mut scan = RoleScan::new(
        config,
        path,
        role_columns,
        fingerprint.invalid_utf8,
        &report,
    );
    let rows = reader::for_each_batch(path, format, role_columns, options.batch_rows, |df| {
        scan.batch(df)
    })?;
    if rows == 0 {
        report.error(None, None, None, "the file has a header but no data rows");
        return invalid(report);
    }
    scan.report_into(&mut report);
    let mut observations = scan.observations();
    let RoleScan {
        objects,
        raters,
        row_object,
        row_raters,
        missing_responses,
        texts,
        utf8_located,
        ..
    } = scan;
    let duplicates_dropped = drop_duplicates(&mut observations, config, &mut report);
    let object_labels = objects.into_labels();
    let rater_labels: Vec<Vec<String>> = raters.into_iter().map(Dictionary::into_labels).collect();
    warn_unrated(
        &observations,
        config,
        &object_labels,
        &rater_labels,
        &mut report,
    );
    if report.has_errors() {
        return invalid(report);
    }
    let roles = RolesRead {
        rows,
        observations,
        object_labels,
        rater_labels,
        row_object,
        row_raters,
        missing_responses,
        texts,
        utf8_located,
        duplicates_dropped,
    };
    Ok((roles, report))
}

/// The first non-empty text of each object, with warnings about cleaned characters and objects
/// given differing texts.
fn object_texts(
    config: &DatasetConfig,
    texts: Texts,
    n_objects: usize,
    report: &mut ValidationReport,
) -> Vec<Option<String>> {
    let mut object_texts = texts.of_object;
    object_texts.resize(n_objects, None);
    if let Some(text_name) = &config.text {
        texts.cleaned.warn(report, Some(text_name), "text");
        if texts.differing > 0 {
            report.warning(
                texts.example,
                Some(text_name),
                None,
                format!("{} row(s) give an object a different text than its first row; the first text is kept", texts.differing),
            );
        }
    }
    object_texts
}

/// The rater facets in the description's order; the first carries the rater attributes.
fn rater_facets(
    config: &DatasetConfig,
    rater_labels: Vec<Vec<String>>,
    rater_attributes: Vec<AttributeColumn>,
) -> Vec<StagedFacet> {
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
    rater_facets
}

/// Invalid UTF-8 in a column that is not imported (not met while reading) is one warning.
fn warn_unread_invalid_utf8(
    invalid_utf8: Option<reader::InvalidUtf8>,
    utf8_located: bool,
    report: &mut ValidationReport,
) {
    if let (Some(bad), false) = (invalid_utf8, utf8_located) {
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
}

/// Warns about every object and rater left without any valid rating.
fn warn_unrated(
    obs: &StagedObservations,
    config: &DatasetConfig,
    object_labels: &[String],
    rater_labels: &[Vec<String>],
    report: &mut ValidationReport,
) {
    let mut object_rated = vec![false; object_labels.len()];
    for &o in &obs.object {
        object_rated[o as usize] = true;
    }
    for (o, rated) in object_rated.iter().enumerate() {
        if !rated {
            report.warning(
                None,
                Some(&config.object),
                Some(&object_labels[o]),
                "this object has no valid rating",
            );
        }
    }
    for (f, labels) in rater_labels.iter().enumerate() {
        let mut rated = vec![false; labels.len()];
        for &e in &obs.raters[f] {
            rated[e as usize] = true;
        }
        for (e, rated) in rated.iter().enumerate() {
            if !rated {
                report.warning(
                    None,
                    Some(&config.raters[f]),
                    Some(&labels[e]),
                    "this rater has no valid rating",
                );
            }
        }
    }
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
        let pick_i32 = |v: &Vec<i32>| keep.iter().map(|&i| v[i]).collect::<Vec<i32>>();
        *obs = StagedObservations {
            source_row: pick_u32(&obs.source_row),
            object: pick_u32(&obs.object),
            raters: obs.raters.iter().map(pick_u32).collect(),
            item: pick_u32(&obs.item),
            raw: pick_i32(&obs.raw),
            score: pick_i32(&obs.score),
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
