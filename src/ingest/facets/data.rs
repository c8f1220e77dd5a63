//! The data lines of a specification: inline after `Data=` or in a `Data file=`, with element
//! ranges, `.` for missing, checked against `Labels=` and the model's categories.

use super::declared::{fail, Declared};
use super::parse::{parse_range, split_fields, DataSource, FacetBlock, Spec};
use super::SpecError;
use crate::ingest::IngestError;
use std::collections::HashMap;
use std::path::Path;

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

/// Reads and checks the data lines.
pub(super) fn read_data(
    path: &Path,
    spec: &Spec,
    model: &DataModel<'_>,
) -> Result<DataRead, IngestError> {
    let DataModel {
        blocks,
        declared,
        item,
        line_of_item,
        labels_line,
        data_line,
        ..
    } = *model;
    let n = blocks.len();
    // The data lines.
    let (data_path, data_text, data_bytes) = match &spec.data {
        None => {
            return fail(
                path,
                labels_line,
                "Data",
                "",
                "no Data= (inline data) or Data file= in the specification",
            )
        }
        Some(d) => match &d.value {
            DataSource::Inline => (path.to_path_buf(), None, Vec::new()),
            DataSource::File(file) => match std::fs::read(file) {
                Ok(bytes) => (
                    file.clone(),
                    Some(String::from_utf8_lossy(&bytes).into_owned()),
                    bytes,
                ),
                Err(e) => {
                    return fail(
                        path,
                        d.line,
                        "Data file",
                        &file.display().to_string(),
                        format!("cannot read the data file: {e}"),
                    )
                }
            },
        },
    };
    let lines: Vec<(usize, String)> = match &data_text {
        None => spec.data_lines.clone(),
        Some(text) => text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let t = super::parse::strip_comment(l.trim_start_matches('\u{feff}'));
                (!t.is_empty()).then(|| (i + 1, t.to_string()))
            })
            .collect(),
    };
    let (by_numbers, by_labels) = spec.delements.as_ref().map_or((true, false), |d| d.value);
    let mut observations: Vec<Observation> = Vec::new();
    let mut missing_by_item: HashMap<usize, usize> = HashMap::new();
    let mut unmatched = 0usize;
    for (line, text) in &lines {
        let line = *line;
        let bad = |value: &str, message: String| -> Result<(), IngestError> {
            fail(&data_path, line, "Data", value, message)
        };
        let separator = if text.contains(',') {
            Some(',')
        } else if text.contains('\t') {
            Some('\t')
        } else {
            None
        };
        let fields: Vec<String> = match separator {
            Some(s) => split_fields(text, s),
            None => text.split_whitespace().map(str::to_string).collect(),
        };
        if fields.len() < n + 1 {
            bad(
                text,
                format!("a data line needs an element of each of the {n} facets and a score"),
            )?;
        }
        let mut range: Option<(usize, Vec<usize>)> = None;
        let mut elements: Vec<usize> = vec![0; n];
        for f in 0..n {
            let field = fields[f].as_str();
            let facet = &declared[f];
            let lookup = |number: i64| -> Result<usize, IngestError> {
                if number == 0 {
                    return fail(
                        &data_path,
                        line,
                        "Data",
                        field,
                        format!("element 0 of facet {} ({}): a facet that does not apply to an observation is not supported; every observation needs an element of every facet", f + 1, blocks[f].label),
                    );
                }
                facet.by_number.get(&number).copied().ok_or_else(|| {
                    IngestError::Facets(Box::new(SpecError::new(
                        &data_path,
                        line,
                        "Data",
                        field,
                        format!(
                            "element {number} of facet {} ({}) is not declared in Labels=",
                            f + 1,
                            blocks[f].label
                        ),
                    )))
                })
            };
            match parse_range(field) {
                Some(Ok((a, b))) if a == b && by_numbers => elements[f] = lookup(a)?,
                Some(Ok((a, b))) => {
                    if range.is_some() {
                        bad(
                            field,
                            "only one facet of a data line may hold a range".into(),
                        )?;
                    }
                    let list = (a..=b).map(lookup).collect::<Result<Vec<_>, _>>()?;
                    range = Some((f, list));
                }
                Some(Err((a, b))) => {
                    bad(field, format!("the element range {a}-{b} runs backwards"))?
                }
                None => match facet.by_label.get(&field.to_lowercase()) {
                    Some(&e) if by_labels => elements[f] = e,
                    _ => bad(
                        field,
                        format!(
                            "`{field}` is not an element {} of facet {} ({})",
                            if by_labels {
                                "number or label"
                            } else {
                                "number (Delements = N)"
                            },
                            f + 1,
                            blocks[f].label
                        ),
                    )?,
                },
            }
        }
        let scores = &fields[n..];
        let cells: Vec<Vec<usize>> = match &range {
            None => {
                if scores.len() > 1 {
                    bad(
                        text,
                        format!(
                            "{} scores but no element range to give them to",
                            scores.len()
                        ),
                    )?;
                }
                vec![elements.clone()]
            }
            Some((f, list)) => {
                if scores.len() != list.len() {
                    bad(
                        text,
                        format!(
                            "the range of facet {} has {} elements but the line has {} scores",
                            f + 1,
                            list.len(),
                            scores.len()
                        ),
                    )?;
                }
                list.iter()
                    .map(|&e| {
                        let mut cell = elements.clone();
                        cell[*f] = e;
                        cell
                    })
                    .collect()
            }
        };
        for (cell, score) in cells.into_iter().zip(scores) {
            let item_number = blocks[item].elements[cell[item]].number;
            let Some(model_line) = line_of_item(item_number) else {
                unmatched += 1;
                continue;
            };
            if score.is_empty() || score == "." {
                *missing_by_item.entry(cell[item]).or_default() += 1;
                continue;
            }
            let value = match score.parse::<i64>() {
                Ok(v) => v,
                Err(_) => match score.parse::<f64>() {
                    Ok(v) if v.fract() == 0.0 && v.abs() < 1e9 => v as i64,
                    _ => {
                        bad(
                            score,
                            "a score is a whole number, or `.` for missing".into(),
                        )?;
                        continue;
                    }
                },
            };
            let max = model.max[model_line];
            if value < 0 || value > max {
                bad(
                    score,
                    format!(
                        "score {value} is outside the model's categories 0-{max} (`{}` of the model line at line {})",
                        spec.models[model_line].scale, spec.models[model_line].line
                    ),
                )?;
            }
            observations.push(Observation {
                line,
                elements: cell,
                score: value,
            });
        }
    }
    if observations.is_empty() {
        return fail(
            path,
            data_line,
            "Data",
            "",
            "the data hold no scored observation",
        );
    }

    // The same cell twice: identical scores are counted once, different ones refused.
    let mut seen: HashMap<Vec<usize>, (i64, usize)> = HashMap::new();
    let mut keep = Vec::with_capacity(observations.len());
    let mut duplicates = 0usize;
    for obs in observations {
        match seen.get(&obs.elements) {
            Some(&(score, _)) if score == obs.score => duplicates += 1,
            Some(&(score, first)) => {
                return fail(
                    &data_path,
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
    Ok(DataRead {
        observations: keep,
        missing_by_item,
        unmatched,
        duplicates,
        lines: lines.len(),
        bytes: data_bytes,
    })
}
