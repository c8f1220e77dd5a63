//! Anchors: fixing measures and thresholds to score new data on an existing scale (Facets `,A`),
//! from a stored run or from a CSV file.

use super::PipelineError;
use crate::data::{FacetRole, RatingData};
use crate::measure::{Anchors, ElementAnchor, ElementStatus, ScaleAnchor};
use crate::store::Project;
use std::path::Path;

/// Anchors every element of the non-object facets and every threshold at the values of a stored
/// run (to measure new objects on an existing scale). Extreme and dropped elements are left free.
pub fn anchors_from_run(
    project: &Project,
    run_id: i64,
    data: &RatingData,
) -> Result<Anchors, PipelineError> {
    let fit = project.load_fit(run_id)?;
    let mut anchors = Anchors::default();
    for (f, facet) in fit.facets.iter().enumerate() {
        if data.facets.get(f).map(|d| d.role) == Some(FacetRole::Object) {
            continue;
        }
        for (e, element) in facet.elements.iter().enumerate() {
            if matches!(
                element.status,
                ElementStatus::Measured | ElementStatus::Anchored
            ) {
                anchors.elements.push(ElementAnchor {
                    facet: f,
                    element: e as u32,
                    measure: element.measure,
                });
            }
        }
    }
    for scale in &fit.scales {
        anchors.scales.push(ScaleAnchor {
            element: scale.element,
            thresholds: scale.thresholds(),
        });
    }
    Ok(anchors)
}

/// Reads anchors from a CSV file with the columns `facet,element,category,value`:
/// - an element anchor: `annotator_id,10873,,0.42` (facet name, element label, no category);
/// - a threshold anchor: `threshold,insult,2,-0.35` (the word `threshold`, the item label, or `*`
///   for the shared rating scale, the category k of `F_k`, the value). A scale's thresholds must
///   be given for all its categories 1..m.
pub fn read_anchor_file(path: &Path, data: &RatingData) -> Result<Anchors, PipelineError> {
    use polars::prelude::*;
    let fail = |message: String| PipelineError::AnchorFile {
        path: path.to_path_buf(),
        message,
    };
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| fail(e.to_string()))?;
    let column = |name: &str| -> Result<Vec<Option<String>>, PipelineError> {
        let c = df.column(name).map_err(|_| {
            fail(format!(
                "no column `{name}` (expected facet,element,category,value)"
            ))
        })?;
        let s = c.str().map_err(|e| fail(e.to_string()))?;
        Ok(s.iter().map(|v| v.map(|x| x.trim().to_string())).collect())
    };
    let (facets, elements, categories, values) = (
        column("facet")?,
        column("element")?,
        column("category")?,
        column("value")?,
    );
    let mut anchors = Anchors::default();
    let mut thresholds: std::collections::BTreeMap<Option<u32>, Vec<(usize, f64)>> =
        Default::default();
    for r in 0..df.height() {
        let row = r + 1;
        let facet = facets[r].clone().unwrap_or_default();
        let element = elements[r].clone().unwrap_or_default();
        let value: f64 = values[r]
            .as_deref()
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                fail(format!(
                    "row {row}, column `value`: {:?} is not a number",
                    values[r].clone().unwrap_or_default()
                ))
            })?;
        if facet == "threshold" {
            let category: usize = categories[r]
                .as_deref()
                .and_then(|c| c.parse().ok())
                .filter(|&c| c >= 1)
                .ok_or_else(|| {
                    fail(format!(
                        "row {row}, column `category`: a threshold needs its category k >= 1"
                    ))
                })?;
            let scale = if element == "*" {
                None
            } else {
                let items = data.items();
                let idx = items
                    .labels
                    .iter()
                    .position(|l| *l == element)
                    .ok_or_else(|| {
                        fail(format!("row {row}, column `element`: no item `{element}`"))
                    })?;
                Some(idx as u32)
            };
            thresholds.entry(scale).or_default().push((category, value));
            continue;
        }
        let f = data.facet_index(&facet).ok_or_else(|| {
            fail(format!(
                "row {row}, column `facet`: no facet `{facet}` (facets: {})",
                data.facets
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let e = data.facets[f]
            .labels
            .iter()
            .position(|l| *l == element)
            .ok_or_else(|| {
                fail(format!(
                    "row {row}, column `element`: no element `{element}` in facet `{facet}`"
                ))
            })?;
        anchors.elements.push(ElementAnchor {
            facet: f,
            element: e as u32,
            measure: value,
        });
    }
    for (scale, mut list) in thresholds {
        list.sort_by_key(|(k, _)| *k);
        if list.iter().enumerate().any(|(i, (k, _))| *k != i + 1) {
            return Err(fail(format!(
                "the thresholds of scale {} must be given for categories 1..m without gaps",
                scale
                    .map(|s| data.items().labels[s as usize].clone())
                    .unwrap_or_else(|| "*".into())
            )));
        }
        anchors.scales.push(ScaleAnchor {
            element: scale,
            thresholds: list.into_iter().map(|(_, v)| v).collect(),
        });
    }
    Ok(anchors)
}
