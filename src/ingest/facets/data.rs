//! The data lines of a specification: inline after `Data=` or in a `Data file=`, with element
//! ranges, `.` for missing, checked against `Labels=` and the model's categories.

use super::declared::{fail, Declared};
use super::parse::{parse_range, split_fields, DataSource, FacetBlock, Spec};
use super::SpecError;
use crate::ingest::IngestError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One observation read from the data: per facet the declared element, the score.
pub(super) struct Observation {
    pub line: usize,
    pub elements: Vec<usize>,
    pub score: i64,
}

/// The data read: observations (each cell once), and what was left out.
pub(super) struct DataRead {
    pub observations: Vec<Observation>,
    /// Per declared item element: responses given as `.` (missing).
    pub missing_by_item: HashMap<usize, usize>,
    /// Observations no model line matches (left out, as Facets does).
    pub unmatched: usize,
    /// Identical repeated observations, counted once.
    pub duplicates: usize,
    /// Data lines read.
    pub lines: usize,
    /// The data file's bytes (empty for inline data).
    pub bytes: Vec<u8>,
}

/// What the data lines are checked against.
pub(super) struct DataModel<'a> {
    pub blocks: &'a [&'a FacetBlock],
    pub declared: &'a [Declared<'a>],
    pub item: usize,
    /// The model line of an item element number, if any.
    pub line_of_item: &'a dyn Fn(i64) -> Option<usize>,
    /// The highest category of each model line.
    pub max: &'a [i64],
    pub labels_line: usize,
    pub data_line: usize,
}

/// The observations read so far, and what was left out.
#[derive(Default)]
struct Tally {
    observations: Vec<Observation>,
    /// Per declared item element: responses given as `.` (missing).
    missing_by_item: HashMap<usize, usize>,
    /// Observations no model line matches.
    unmatched: usize,
}

/// Reads the data lines of one data source against the model.
struct LineReader<'a> {
    /// The specification (inline data) or the data file.
    data_path: &'a Path,
    spec: &'a Spec,
    model: &'a DataModel<'a>,
    /// `Delements=`: elements may be given by number.
    by_numbers: bool,
    /// `Delements=`: elements may be given by label.
    by_labels: bool,
}

/// Reads and checks the data lines.
pub(super) fn read_data(
    path: &Path,
    spec: &Spec,
    model: &DataModel<'_>,
) -> Result<DataRead, IngestError> {
    let (data_path, data_text, data_bytes) = data_source(path, spec, model.labels_line)?;
    let lines = data_lines(spec, data_text.as_deref());
    let (by_numbers, by_labels) = spec.delements.as_ref().map_or((true, false), |d| d.value);
    let reader = LineReader {
        data_path: &data_path,
        spec,
        model,
        by_numbers,
        by_labels,
    };
    let mut tally = Tally::default();
    for (line, text) in &lines {
        reader.read_line(*line, text, &mut tally)?;
    }
    if tally.observations.is_empty() {
        return fail(
            path,
            model.data_line,
            "Data",
            "",
            "the data hold no scored observation",
        );
    }
    let (observations, duplicates) = drop_duplicates(&data_path, tally.observations)?;
    Ok(DataRead {
        observations,
        missing_by_item: tally.missing_by_item,
        unmatched: tally.unmatched,
        duplicates,
        lines: lines.len(),
        bytes: data_bytes,
    })
}

/// Where the data are: the specification itself after `Data=` (no text of their own), or the
/// `Data file=` with its text and bytes.
fn data_source(
    path: &Path,
    spec: &Spec,
    labels_line: usize,
) -> Result<(PathBuf, Option<String>, Vec<u8>), IngestError> {
    let Some(d) = &spec.data else {
        return fail(
            path,
            labels_line,
            "Data",
            "",
            "no Data= (inline data) or Data file= in the specification",
        );
    };
    match &d.value {
        DataSource::Inline => Ok((path.to_path_buf(), None, Vec::new())),
        DataSource::File(file) => match std::fs::read(file) {
            Ok(bytes) => Ok((
                file.clone(),
                Some(String::from_utf8_lossy(&bytes).into_owned()),
                bytes,
            )),
            Err(e) => fail(
                path,
                d.line,
                "Data file",
                &file.display().to_string(),
                format!("cannot read the data file: {e}"),
            ),
        },
    }
}

/// The data lines (line number, text without comment): the inline ones, or the data file's
/// non-empty lines.
fn data_lines(spec: &Spec, data_text: Option<&str>) -> Vec<(usize, String)> {
    match data_text {
        None => spec.data_lines.clone(),
        Some(text) => text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let t = super::parse::strip_comment(l.trim_start_matches('\u{feff}'));
                (!t.is_empty()).then(|| (i + 1, t.to_string()))
            })
            .collect(),
    }
}

/// The fields of a data line: comma-separated, else tab-separated, else separated by blanks.
fn fields(text: &str) -> Vec<String> {
    let separator = if text.contains(',') {
        Some(',')
    } else if text.contains('\t') {
        Some('\t')
    } else {
        None
    };
    match separator {
        Some(s) => split_fields(text, s),
        None => text.split_whitespace().map(str::to_string).collect(),
    }
}

/// The same cell twice: identical scores are counted once (returned with the count), different
/// ones refused.
fn drop_duplicates(
    data_path: &Path,
    observations: Vec<Observation>,
) -> Result<(Vec<Observation>, usize), IngestError> {
    let mut seen: HashMap<Vec<usize>, (i64, usize)> = HashMap::new();
    let mut keep = Vec::with_capacity(observations.len());
    let mut duplicates = 0usize;
    for obs in observations {
        match seen.get(&obs.elements) {
            Some(&(score, _)) if score == obs.score => duplicates += 1,
            Some(&(score, first)) => {
                return fail(
                    data_path,
                    obs.line,
                    "Data",
                    &obs.score.to_string(),
                    format!("the same elements were scored {score} at line {first}; a cell holds one observation"),
                )
            }
            None => {
                seen.insert(obs.elements.clone(), (obs.score, obs.line));
                keep.push(obs);
            }
        }
    }
    Ok((keep, duplicates))
}

impl LineReader<'_> {
    /// Fails at data line `line` with the offending `value`.
    fn bad<T>(&self, line: usize, value: &str, message: String) -> Result<T, IngestError> {
        fail(self.data_path, line, "Data", value, message)
    }

    /// One data line: an element of each facet (one facet may hold a range), then a score per
    /// cell.
    fn read_line(&self, line: usize, text: &str, tally: &mut Tally) -> Result<(), IngestError> {
        let n = self.model.blocks.len();
        let fields = fields(text);
        if fields.len() < n + 1 {
            self.bad(
                line,
                text,
                format!("a data line needs an element of each of the {n} facets and a score"),
            )?;
        }
        let mut range: Option<(usize, Vec<usize>)> = None;
        let mut elements: Vec<usize> = vec![0; n];
        for (f, field) in fields[..n].iter().enumerate() {
            self.element(line, f, field, &mut elements, &mut range)?;
        }
        let scores = &fields[n..];
        let cells = self.cells(line, text, elements, range, scores.len())?;
        for (cell, score) in cells.into_iter().zip(scores) {
            self.score(line, cell, score, tally)?;
        }
        Ok(())
    }

    /// The element of facet `f` in `field`: a number, a range of numbers (one facet a line),
    /// or a label (as `Delements=` allows).
    fn element(
        &self,
        line: usize,
        f: usize,
        field: &str,
        elements: &mut [usize],
        range: &mut Option<(usize, Vec<usize>)>,
    ) -> Result<(), IngestError> {
        let label = &self.model.blocks[f].label;
        match parse_range(field) {
            Some(Ok((a, b))) if a == b && self.by_numbers => {
                elements[f] = self.lookup(line, f, field, a)?
            }
            Some(Ok((a, b))) => {
                if range.is_some() {
                    self.bad(
                        line,
                        field,
                        "only one facet of a data line may hold a range".into(),
                    )?;
                }
                let list = (a..=b)
                    .map(|number| self.lookup(line, f, field, number))
                    .collect::<Result<Vec<_>, _>>()?;
                *range = Some((f, list));
            }
            Some(Err((a, b))) => self.bad(
                line,
                field,
                format!("the element range {a}-{b} runs backwards"),
            )?,
            None => match self.model.declared[f].by_label.get(&field.to_lowercase()) {
                Some(&e) if self.by_labels => elements[f] = e,
                _ => self.bad(
                    line,
                    field,
                    format!(
                        "`{field}` is not an element {} of facet {} ({label})",
                        if self.by_labels {
                            "number or label"
                        } else {
                            "number (Delements = N)"
                        },
                        f + 1,
                    ),
                )?,
            },
        }
        Ok(())
    }

    /// The declared element numbered `number` of facet `f` (0, a facet that does not apply, is
    /// not supported).
    fn lookup(
        &self,
        line: usize,
        f: usize,
        field: &str,
        number: i64,
    ) -> Result<usize, IngestError> {
        let label = &self.model.blocks[f].label;
        if number == 0 {
            return self.bad(
                line,
                field,
                format!("element 0 of facet {} ({label}): a facet that does not apply to an observation is not supported; every observation needs an element of every facet", f + 1),
            );
        }
        self.model.declared[f]
            .by_number
            .get(&number)
            .copied()
            .ok_or_else(|| {
                IngestError::Facets(Box::new(SpecError::new(
                    self.data_path,
                    line,
                    "Data",
                    field,
                    format!(
                        "element {number} of facet {} ({label}) is not declared in Labels=",
                        f + 1,
                    ),
                )))
            })
    }

    /// The cells a line scores: one, or one per element of its range (a score each).
    fn cells(
        &self,
        line: usize,
        text: &str,
        elements: Vec<usize>,
        range: Option<(usize, Vec<usize>)>,
        scores: usize,
    ) -> Result<Vec<Vec<usize>>, IngestError> {
        let Some((f, list)) = range else {
            if scores > 1 {
                self.bad(
                    line,
                    text,
                    format!("{scores} scores but no element range to give them to"),
                )?;
            }
            return Ok(vec![elements]);
        };
        if scores != list.len() {
            self.bad(
                line,
                text,
                format!(
                    "the range of facet {} has {} elements but the line has {scores} scores",
                    f + 1,
                    list.len(),
                ),
            )?;
        }
        Ok(list
            .iter()
            .map(|&e| {
                let mut cell = elements.clone();
                cell[f] = e;
                cell
            })
            .collect())
    }

    /// One cell's score: left out when no model line matches its item, counted missing when
    /// `.`, else a whole number within the model line's categories.
    fn score(
        &self,
        line: usize,
        cell: Vec<usize>,
        score: &str,
        tally: &mut Tally,
    ) -> Result<(), IngestError> {
        let item = self.model.item;
        let item_number = self.model.blocks[item].elements[cell[item]].number;
        let Some(model_line) = (self.model.line_of_item)(item_number) else {
            tally.unmatched += 1;
            return Ok(());
        };
        if score.is_empty() || score == "." {
            *tally.missing_by_item.entry(cell[item]).or_default() += 1;
            return Ok(());
        }
        let value = match score.parse::<i64>() {
            Ok(v) => v,
            Err(_) => match score.parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && v.abs() < WHOLE_SCORE_LIMIT => v as i64,
                _ => {
                    return self.bad(
                        line,
                        score,
                        "a score is a whole number, or `.` for missing".into(),
                    )
                }
            },
        };
        let max = self.model.max[model_line];
        if value < 0 || value > max {
            let model = &self.spec.models[model_line];
            self.bad(
                line,
                score,
                format!(
                    "score {value} is outside the model's categories 0-{max} (`{}` of the model line at line {})",
                    model.scale, model.line
                ),
            )?;
        }
        tally.observations.push(Observation {
            line,
            elements: cell,
            score: value,
        });
        Ok(())
    }
}

/// A score written as a decimal (`3.0`) is taken as a whole number below this size.
const WHOLE_SCORE_LIMIT: f64 = 1e9;
