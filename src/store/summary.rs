//! The project summary behind `scalewright info`: counts per facet, category frequencies per
//! item, missing responses, ratings per element, and the connectedness of the rating network.
//! The JSON shape is documented in `schemas/info.schema.json`.

use super::{DatasetRecord, Project, StoreError};
use crate::data::{FacetRole, RatingData};
use crate::network::{connectedness, Connectedness};
use serde::Serialize;
use std::collections::HashSet;

/// Five-number summary (and mean) of a count per element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// The smallest count.
    pub min: usize,
    /// The first quartile.
    pub q1: f64,
    /// The median.
    pub median: f64,
    /// The third quartile.
    pub q3: f64,
    /// The largest count.
    pub max: usize,
    /// The mean count.
    pub mean: f64,
}

impl Distribution {
    /// Quartiles by linear interpolation between order statistics (type 7, as R and numpy).
    pub fn of(values: &[usize]) -> Option<Distribution> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let as_f64: Vec<f64> = sorted.iter().map(|&v| v as f64).collect();
        let quantile = |q: f64| crate::measure::statistics::quantile_sorted(&as_f64, q);
        Some(Distribution {
            min: *sorted.first()?,
            q1: quantile(0.25)?,
            median: quantile(0.5)?,
            q3: quantile(0.75)?,
            max: *sorted.last()?,
            mean: as_f64.iter().sum::<f64>() / as_f64.len() as f64,
        })
    }
}

/// One facet's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetSummary {
    /// The facet name.
    pub name: String,
    /// The facet's role (object, rater, item).
    pub role: FacetRole,
    /// Elements in the facet.
    pub elements: usize,
    /// Elements with at least one observation.
    pub elements_rated: usize,
    /// Observations (item responses) per element with at least one.
    pub responses_per_element: Option<Distribution>,
}

/// How often one category was used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCount {
    /// The category (score).
    pub score: i32,
    /// Observations in this category.
    pub count: usize,
    /// Percent of the item's responses in this category (0 when the item has none).
    pub percent: f64,
}

/// One item's category frequencies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemSummary {
    /// The item's label.
    pub name: String,
    /// The lowest category of the item's scale.
    pub min_score: i32,
    /// The highest category of the item's scale.
    pub max_score: i32,
    /// Observations (responses) of this item.
    pub responses: usize,
    /// Records (object x raters) that left this item empty.
    pub missing: usize,
    /// Every category of the scale, lowest first, with its count.
    pub categories: Vec<CategoryCount>,
}

/// Everything `scalewright info` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectSummary {
    /// The project file's path.
    pub project: String,
    /// The project's schema version.
    pub schema_version: i64,
    /// Every imported data set, oldest first.
    pub datasets: Vec<DatasetRecord>,
    /// Observations in the project.
    pub observations: usize,
    /// Distinct object x rater combinations (rows of the wide layout).
    pub records: usize,
    /// Item cells of those records with no response.
    pub missing_responses: usize,
    /// Objects that have a text.
    pub objects_with_text: usize,
    /// Counts per facet, in model order.
    pub facets: Vec<FacetSummary>,
    /// Category frequencies per item, by item idx.
    pub items: Vec<ItemSummary>,
    /// Raters per object (distinct elements of the first rater facet), when there is one.
    pub raters_per_object: Option<Distribution>,
    /// The connectedness of the rating network.
    pub connectedness: Connectedness,
}

impl Project {
    /// Summarises the project's data.
    pub fn summary(&self) -> Result<ProjectSummary, StoreError> {
        let data = self.ratings()?;
        let texts = self.texts()?;
        Ok(summarize(
            &data,
            self.path().display().to_string(),
            self.schema_version()?,
            self.datasets()?,
            texts.iter().filter(|t| t.is_some()).count(),
        ))
    }
}

/// The summary of `data` (pure; used by [`Project::summary`]).
pub fn summarize(
    data: &RatingData,
    project: String,
    schema_version: i64,
    datasets: Vec<DatasetRecord>,
    objects_with_text: usize,
) -> ProjectSummary {
    let facets = data
        .facets
        .iter()
        .zip(&data.elements)
        .map(|(facet, column)| {
            let mut counts = vec![0usize; facet.len()];
            for &e in column {
                counts[e as usize] += 1;
            }
            let rated: Vec<usize> = counts.into_iter().filter(|&c| c > 0).collect();
            FacetSummary {
                name: facet.name.clone(),
                role: facet.role,
                elements: facet.len(),
                elements_rated: rated.len(),
                responses_per_element: Distribution::of(&rated),
            }
        })
        .collect();

    // Records: distinct (object, raters...) combinations.
    let rater_facets: Vec<usize> = data.rater_facets().collect();
    let record_of = |n: usize| -> Vec<u32> {
        std::iter::once(data.elements[data.object_facet][n])
            .chain(rater_facets.iter().map(|&f| data.elements[f][n]))
            .collect()
    };
    let mut record_index: std::collections::HashMap<Vec<u32>, usize> =
        std::collections::HashMap::new();
    let mut record_items: Vec<HashSet<u32>> = Vec::new();
    for n in 0..data.len() {
        let next = record_index.len();
        let r = *record_index.entry(record_of(n)).or_insert(next);
        if r == record_items.len() {
            record_items.push(HashSet::new());
        }
        record_items[r].insert(data.elements[data.item_facet][n]);
    }
    let n_items = data.facets.get(data.item_facet).map_or(0, |f| f.len());
    let records = record_items.len();
    let mut items: Vec<ItemSummary> = data
        .item_scales
        .iter()
        .enumerate()
        .map(|(i, scale)| ItemSummary {
            name: data.items().labels[i].clone(),
            min_score: scale.min_score,
            max_score: scale.max_score,
            responses: 0,
            missing: records
                - record_items
                    .iter()
                    .filter(|s| s.contains(&(i as u32)))
                    .count(),
            categories: (scale.min_score..=scale.max_score)
                .map(|score| CategoryCount {
                    score,
                    count: 0,
                    percent: 0.0,
                })
                .collect(),
        })
        .collect();
    for n in 0..data.len() {
        let i = data.elements[data.item_facet][n] as usize;
        let item = &mut items[i];
        item.responses += 1;
        item.categories[(data.scores[n] - item.min_score) as usize].count += 1;
    }
    for item in &mut items {
        for c in &mut item.categories {
            c.percent = if item.responses > 0 {
                100.0 * c.count as f64 / item.responses as f64
            } else {
                0.0
            };
        }
    }
    let missing_responses = records * n_items - data.len();

    let raters_per_object = rater_facets.first().map(|&rf| {
        let mut seen: HashSet<(u32, u32)> = HashSet::new();
        let mut per_object = vec![0usize; data.objects().len()];
        for n in 0..data.len() {
            let (o, r) = (data.elements[data.object_facet][n], data.elements[rf][n]);
            if seen.insert((o, r)) {
                per_object[o as usize] += 1;
            }
        }
        let rated: Vec<usize> = per_object.into_iter().filter(|&c| c > 0).collect();
        Distribution::of(&rated)
    });

    ProjectSummary {
        project,
        schema_version,
        datasets,
        observations: data.len(),
        records,
        missing_responses,
        objects_with_text,
        facets,
        items,
        raters_per_object: raters_per_object.flatten(),
        connectedness: connectedness(data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate_like_r_type_7() {
        let d = Distribution::of(&[1, 2, 3, 4, 10]).unwrap();
        assert_eq!((d.min, d.max), (1, 10));
        assert_eq!(d.q1, 2.0);
        assert_eq!(d.median, 3.0);
        assert_eq!(d.q3, 4.0);
        assert_eq!(d.mean, 4.0);
        let d = Distribution::of(&[1, 2, 3, 4]).unwrap();
        assert_eq!(d.median, 2.5);
        assert_eq!(d.q1, 1.75);
        assert!(Distribution::of(&[]).is_none());
    }

    #[test]
    fn an_empty_project_summarises_to_nothing() {
        let data = RatingData {
            facets: Vec::new(),
            elements: Vec::new(),
            scores: Vec::new(),
            item_scales: Vec::new(),
            object_facet: 0,
            item_facet: 0,
        };
        let summary = summarize(&data, "p.db".into(), 1, Vec::new(), 0);
        assert_eq!(summary.observations, 0);
        assert_eq!(summary.records, 0);
        assert!(summary.items.is_empty());
        assert!(summary.raters_per_object.is_none());
    }
}
