//! A preview of an import, for the workbench's Import screen: the columns a description reads,
//! the first rows as they will be read (raw code and scored category of every item cell), and
//! the full validation report. Nothing is written anywhere.

use super::{reader, stage, FileFormat, IngestError, IngestOptions, Staged, ValidationReport};
use crate::config::{DatasetConfig, Layout};
use std::path::Path;

/// What a column is to the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRole {
    /// The object id column (e.g. `comment_id`).
    Object,
    /// A rater id column (e.g. `annotator_id`).
    Rater,
    /// The object text column.
    Text,
    /// Wide layout: the column of item `name`.
    Item {
        /// The item.
        name: String,
    },
    /// Long layout: the column naming the item.
    LongItem,
    /// Long layout: the column holding the score.
    LongScore,
}

/// One column of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewColumn {
    /// The column's name in the description.
    pub name: String,
    /// What it is to the description.
    pub role: ColumnRole,
    /// The column is in the file.
    pub present: bool,
}

/// One cell as it will be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewCell {
    /// An id or text, as read.
    Text(String),
    /// An item cell: the raw code and its scored category.
    Score {
        /// The code in the file.
        raw: i64,
        /// The scored category after recoding and reversal.
        score: i64,
    },
    /// An item cell left empty (no response).
    Missing,
    /// An item cell that is not one of the item's codes.
    Invalid(String),
}

/// The preview of a file under a description.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// Every column of the file, in file order.
    pub header: Vec<String>,
    /// The columns the description reads.
    pub columns: Vec<PreviewColumn>,
    /// The first rows: one cell per entry of `columns` (missing columns give empty text).
    pub rows: Vec<Vec<PreviewCell>>,
    /// Every problem of the whole file (errors stop an import; warnings do not).
    pub report: ValidationReport,
    /// The validated import, when the file has no error (the store can write it as is).
    pub staged: Option<Box<Staged>>,
}

/// Reads the first `rows` rows of `path` as `config` describes them and validates the whole
/// file (as [`stage`] does), without writing anything.
pub fn preview(
    path: &Path,
    config: &DatasetConfig,
    rows: usize,
    options: &IngestOptions,
) -> Result<ImportPreview, IngestError> {
    let format = FileFormat::detect(path, config.separator_for(path));
    let header = reader::column_names(path, format)?;
    let mut columns: Vec<PreviewColumn> = Vec::new();
    let mut push = |name: &str, role: ColumnRole| {
        columns.push(PreviewColumn {
            name: name.to_string(),
            role,
            present: header.iter().any(|h| h == name),
        })
    };
    push(&config.object, ColumnRole::Object);
    for rater in &config.raters {
        push(rater, ColumnRole::Rater);
    }
    match (&config.layout, &config.long) {
        (Layout::Long, Some(long)) => {
            push(&long.item, ColumnRole::LongItem);
            push(&long.score, ColumnRole::LongScore);
        }
        _ => {
            for item in &config.items {
                push(
                    item.column(),
                    ColumnRole::Item {
                        name: item.name.clone(),
                    },
                );
            }
        }
    }
    if let Some(text) = &config.text {
        push(text, ColumnRole::Text);
    }
    let present: Vec<String> = columns
        .iter()
        .filter(|c| c.present)
        .map(|c| c.name.clone())
        .collect();
    let df = reader::read_text_columns(path, format, &present, Some(rows))?;
    let read_err = |e: polars::prelude::PolarsError| IngestError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut cells: Vec<Vec<Option<String>>> = Vec::with_capacity(columns.len());
    for column in &columns {
        if !column.present {
            cells.push(vec![None; df.height()]);
            continue;
        }
        let values = df
            .column(&column.name)
            .map_err(read_err)?
            .str()
            .map_err(read_err)?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        cells.push(values);
    }
    let long_item = columns.iter().position(|c| c.role == ColumnRole::LongItem);
    let preview_rows: Vec<Vec<PreviewCell>> = (0..df.height())
        .map(|r| {
            columns
                .iter()
                .enumerate()
                .map(|(c, column)| {
                    let value = cells[c][r].clone();
                    let item = match &column.role {
                        ColumnRole::Item { name } => config.item_named(name).map(|(_, i)| i),
                        ColumnRole::LongScore => long_item
                            .and_then(|li| cells[li][r].as_deref())
                            .and_then(|name| config.item_named(name.trim()))
                            .map(|(_, i)| i),
                        _ => return PreviewCell::Text(value.unwrap_or_default()),
                    };
                    score_cell(value, item)
                })
                .collect()
        })
        .collect();
    let (report, staged) = match stage(path, config, options) {
        Ok(staged) => (staged.report.clone(), Some(Box::new(staged))),
        Err(IngestError::Invalid(report)) => (*report, None),
        Err(e) => return Err(e),
    };
    Ok(ImportPreview {
        header,
        columns,
        rows: preview_rows,
        report,
        staged,
    })
}

fn score_cell(value: Option<String>, item: Option<&crate::config::ItemConfig>) -> PreviewCell {
    let text = value.unwrap_or_default();
    match super::parse_score(Some(&text)) {
        super::ScoreCell::Missing => PreviewCell::Missing,
        super::ScoreCell::NotInteger => PreviewCell::Invalid(text),
        super::ScoreCell::Code(raw) => match item.and_then(|i| i.score(raw)) {
            Some(score) => PreviewCell::Score { raw, score },
            None => PreviewCell::Invalid(text),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;

    #[test]
    fn preview_reads_the_first_rows_and_reports_every_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut text = String::from("comment_id,annotator_id,insult,text\n");
        text.push_str("c1,a1,3,hello\nc1,a2,,hello\nc2,a1,9,bye\nc3,a2,1,x\n");
        std::fs::write(&path, &text).unwrap();
        let config = DatasetConfig::from_toml_str(
            "object = \"comment_id\"\nraters = [\"annotator_id\"]\ntext = \"text\"\n[[items]]\nname = \"insult\"\ncategories = [0, 1, 2, 3, 4]\nreversed = true\n",
            "test",
        )
        .unwrap();
        let p = preview(&path, &config, 3, &IngestOptions::default()).unwrap();
        assert_eq!(
            p.header,
            vec!["comment_id", "annotator_id", "insult", "text"]
        );
        assert_eq!(
            p.columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            vec!["comment_id", "annotator_id", "insult", "text"]
        );
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[0][0], PreviewCell::Text("c1".into()));
        // Reversed: raw 3 scores 4 - 3 = 1.
        assert_eq!(p.rows[0][2], PreviewCell::Score { raw: 3, score: 1 });
        assert_eq!(p.rows[1][2], PreviewCell::Missing);
        assert_eq!(p.rows[2][2], PreviewCell::Invalid("9".into()));
        assert_eq!(p.report.errors_total, 1);
        assert_eq!(p.report.errors[0].row, Some(3));
        assert_eq!(p.report.errors[0].column.as_deref(), Some("insult"));
        assert!(p.staged.is_none());
    }

    #[test]
    fn a_valid_file_comes_with_its_staged_import() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mhs_sample_99rows.csv");
        let p = preview(&path, &Preset::Mhs.config(), 5, &IngestOptions::default()).unwrap();
        assert_eq!(p.rows.len(), 5);
        assert!(!p.columns.iter().any(|c| !c.present));
        let staged = p.staged.expect("valid");
        assert_eq!(staged.rows, 99);
    }
}
