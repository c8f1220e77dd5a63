//! Predictions to and from files: texts read from CSV/TSV/Parquet, predictions written as CSV or
//! Parquet (by the output's extension), one row per text.
//!
//! Columns written: the id columns, `measure`, `uncertainty`, `intercept`, then per item
//! `<item>_contribution`, `<item>_expected`, `<item>_predicted` and `<item>_p<score>` (the
//! probability of every score of the item).

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use super::error::PredictError;
use super::{predict_objects, predict_texts_with, ObjectPrediction, PredictOptions, Prediction};
use crate::ingest::reader::{column_names, read_text_columns, FileFormat};
use crate::store::Project;

/// Which file to predict and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictFileRequest {
    /// The file of texts: CSV, TSV (`.tsv`) or Parquet (`.parquet`/`.pq`).
    pub input: PathBuf,
    /// The column holding the texts.
    pub text_column: String,
    /// A column copied to the output to identify rows (default: the 1-based row number).
    pub id_column: Option<String>,
    /// Where the predictions go (CSV, or Parquet for `.parquet`/`.pq`).
    pub out: PathBuf,
}

/// What a prediction file holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictFileSummary {
    /// The model that predicted.
    pub model_id: i64,
    /// The file written.
    pub out: PathBuf,
    /// Rows written, one per input text.
    pub rows: usize,
}

fn input_err(path: &Path) -> impl Fn(String) -> PredictError + '_ {
    move |message| PredictError::Input {
        path: path.to_path_buf(),
        message,
    }
}

/// Reads the texts of `request.input` and writes model `model_id`'s predictions to
/// `request.out`.
pub fn predict_file(
    project: &Project,
    model_id: i64,
    request: &PredictFileRequest,
    options: &PredictOptions,
) -> Result<PredictFileSummary, PredictError> {
    let path = &request.input;
    let fail = input_err(path);
    let separator = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("tsv") => b'\t',
        _ => b',',
    };
    let format = FileFormat::detect(path, separator);
    let names = column_names(path, format).map_err(|e| fail(e.to_string()))?;
    let mut wanted = vec![request.text_column.clone()];
    if let Some(id) = &request.id_column {
        wanted.push(id.clone());
    }
    for c in &wanted {
        if !names.contains(c) {
            return Err(fail(format!(
                "no column `{c}` (columns: {})",
                names.join(", ")
            )));
        }
    }
    let df = read_text_columns(path, format, &wanted, None).map_err(|e| fail(e.to_string()))?;
    let column = |name: &str| -> Result<Vec<Option<String>>, PredictError> {
        let c = df.column(name).map_err(|e| fail(e.to_string()))?;
        let s = c.str().map_err(|e| fail(e.to_string()))?;
        Ok(s.iter().map(|v| v.map(str::to_string)).collect())
    };
    let texts = column(&request.text_column)?;
    let mut clean = Vec::with_capacity(texts.len());
    for (r, t) in texts.into_iter().enumerate() {
        match t {
            Some(t) => clean.push(t),
            None => {
                return Err(fail(format!(
                    "row {}, column `{}`: the text is missing",
                    r + 1,
                    request.text_column
                )))
            }
        }
    }
    let ids: Vec<String> = match &request.id_column {
        Some(name) => column(name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect(),
        None => (1..=clean.len()).map(|r| r.to_string()).collect(),
    };
    let predictions = predict_texts_with(project, model_id, &clean, options)?;
    let id_name = request.id_column.clone().unwrap_or_else(|| "row".into());
    let mut columns = vec![Column::new(id_name.as_str().into(), ids)];
    columns.extend(prediction_columns(project, &predictions)?);
    write_frame(columns, &request.out)?;
    Ok(PredictFileSummary {
        model_id,
        out: request.out.clone(),
        rows: predictions.len(),
    })
}

/// Writes model `model_id`'s predictions for the project's own comments (with their split and
/// Rasch measure: "predicted vs measured") to `out`.
pub fn write_object_predictions(
    project: &Project,
    model_id: i64,
    out: &Path,
    options: &PredictOptions,
) -> Result<(PredictFileSummary, Vec<ObjectPrediction>), PredictError> {
    let rows = predict_objects(project, model_id, options)?;
    let facets = project.facets()?;
    let object_name = facets
        .iter()
        .find(|f| f.role == crate::data::FacetRole::Object)
        .map(|f| f.name.clone())
        .unwrap_or_else(|| "object".into());
    let mut columns = vec![
        Column::new(
            object_name.as_str().into(),
            rows.iter().map(|r| r.label.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "split".into(),
            rows.iter().map(|r| r.split.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "measured".into(),
            rows.iter().map(|r| r.measured).collect::<Vec<_>>(),
        ),
        Column::new(
            "measured_se".into(),
            rows.iter().map(|r| r.standard_error).collect::<Vec<_>>(),
        ),
    ];
    let predictions: Vec<Prediction> = rows.iter().map(|r| r.prediction.clone()).collect();
    columns.extend(prediction_columns(project, &predictions)?);
    write_frame(columns, out)?;
    Ok((
        PredictFileSummary {
            model_id,
            out: out.to_path_buf(),
            rows: rows.len(),
        },
        rows,
    ))
}

/// The prediction columns (see the module notes).
fn prediction_columns(
    project: &Project,
    predictions: &[Prediction],
) -> Result<Vec<Column>, PredictError> {
    let scales = project.item_scales()?;
    let mut columns = vec![
        Column::new(
            "measure".into(),
            predictions.iter().map(|p| p.measure).collect::<Vec<_>>(),
        ),
        Column::new(
            "uncertainty".into(),
            predictions
                .iter()
                .map(|p| p.uncertainty)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "intercept".into(),
            predictions.iter().map(|p| p.intercept).collect::<Vec<_>>(),
        ),
    ];
    let Some(first) = predictions.first() else {
        return Ok(columns);
    };
    for (i, item) in first.items.iter().enumerate() {
        let name = &item.item;
        let min = scales.get(i).map(|s| s.min_score).unwrap_or(0);
        columns.push(Column::new(
            format!("{name}_contribution").as_str().into(),
            predictions
                .iter()
                .map(|p| p.items[i].contribution)
                .collect::<Vec<_>>(),
        ));
        columns.push(Column::new(
            format!("{name}_expected").as_str().into(),
            predictions
                .iter()
                .map(|p| p.items[i].expected_score)
                .collect::<Vec<_>>(),
        ));
        columns.push(Column::new(
            format!("{name}_predicted").as_str().into(),
            predictions
                .iter()
                .map(|p| p.items[i].predicted_score)
                .collect::<Vec<_>>(),
        ));
        for k in 0..item.probabilities.len() {
            columns.push(Column::new(
                format!("{name}_p{}", min + k as i32).as_str().into(),
                predictions
                    .iter()
                    .map(|p| p.items[i].probabilities[k])
                    .collect::<Vec<_>>(),
            ));
        }
    }
    Ok(columns)
}

/// Writes the columns as CSV, or Parquet for `.parquet`/`.pq`, whole or not at all
/// ([`crate::whole_file::write_whole_with`]).
fn write_frame(columns: Vec<Column>, out: &Path) -> Result<(), PredictError> {
    let fail = |message: String| PredictError::Output {
        path: out.to_path_buf(),
        message,
    };
    let mut df = DataFrame::new_infer_height(columns).map_err(|e| fail(e.to_string()))?;
    crate::whole_file::write_whole_with(
        out,
        |file| match FileFormat::detect(out, b',') {
            FileFormat::Parquet => ParquetWriter::new(file)
                .finish(&mut df)
                .map(|_| ())
                .map_err(|e| fail(e.to_string())),
            FileFormat::Delimited(_) => CsvWriter::new(file)
                .include_header(true)
                .finish(&mut df)
                .map_err(|e| fail(e.to_string())),
        },
        |e| fail(e.to_string()),
    )
}
