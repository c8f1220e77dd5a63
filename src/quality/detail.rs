//! What a reviewer looks at for one element (a rater, a comment): how it uses each item's
//! categories, and every response it took part in with the model's expectation and standardized
//! residual (Wright & Masters 1982, eq. 5.4.1: `z = (x - E) / √W`).

use crate::data::{ElementIndex, RatingData};
use crate::measure::Fit;

/// How often an element's responses fell in each category of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryUse {
    /// The item, by its element index in the item facet.
    pub item: u32,
    /// The item's label.
    pub label: String,
    /// `(score, count)` for every score of the item's declared range, lowest first.
    pub counts: Vec<(i32, usize)>,
}

/// One response of the element, with the model's view of it when a fit is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response {
    /// Index of the observation in the data.
    pub observation: usize,
    /// The observed score.
    pub observed: i32,
    /// `E = Σ value_k P_k`.
    pub expected: Option<f64>,
    /// `(x - E) / √W`.
    pub standardized: Option<f64>,
}

/// Category use and responses of one element.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementDetail {
    /// The element's facet, by index in model order.
    pub facet: usize,
    /// The element, by index in its facet.
    pub element: u32,
    /// Per item the element responded to, its category counts, in item order.
    pub category_use: Vec<CategoryUse>,
    /// In data order.
    pub responses: Vec<Response>,
}

impl ElementDetail {
    /// The element's responses whose |z| reaches `threshold`, most unexpected first.
    pub fn unexpected(&self, threshold: f64) -> Vec<Response> {
        let mut list: Vec<Response> = self
            .responses
            .iter()
            .filter(|r| r.standardized.is_some_and(|z| z.abs() >= threshold))
            .copied()
            .collect();
        list.sort_by(|a, b| {
            b.standardized
                .unwrap_or(0.0)
                .abs()
                .total_cmp(&a.standardized.unwrap_or(0.0).abs())
        });
        list
    }
}

/// The category use per item and the responses of element `element` of the facet `index` was
/// built for. With a fit (of these data or of data with the same elements), each response gets
/// its expectation and standardized residual.
pub fn element_detail(
    data: &RatingData,
    fit: Option<&Fit>,
    index: &ElementIndex,
    element: u32,
) -> ElementDetail {
    let items = data.items();
    let mut category_use: Vec<CategoryUse> = items
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let scale = &data.item_scales[i];
            CategoryUse {
                item: i as u32,
                label: label.clone(),
                counts: (scale.min_score..=scale.max_score)
                    .map(|s| (s, 0))
                    .collect(),
            }
        })
        .collect();
    let mut responses = Vec::with_capacity(index.of(element).len());
    for &n in index.of(element) {
        let n = n as usize;
        let item = data.elements[data.item_facet][n] as usize;
        let observed = data.scores[n];
        let scale = &data.item_scales[item];
        if let Some(slot) = category_use[item]
            .counts
            .get_mut((observed - scale.min_score) as usize)
        {
            slot.1 += 1;
        }
        let residual = fit
            .filter(|f| fitted_response(data, f, n))
            .and_then(|f| f.residual(data, n));
        responses.push(Response {
            observation: n,
            observed,
            expected: residual.map(|r| r.expected),
            standardized: residual.map(|r| r.standardized),
        });
    }
    category_use.retain(|c| c.counts.iter().any(|(_, k)| *k > 0));
    ElementDetail {
        facet: index.facet,
        element,
        category_use,
        responses,
    }
}

/// Whether every element of response `n` was estimated by `fit` (not dropped: an element the
/// fit never saw, such as a rater excluded before it, has no measure to compute an expectation
/// from).
pub fn fitted_response(data: &RatingData, fit: &Fit, n: usize) -> bool {
    fit.facets.iter().enumerate().all(|(f, facet)| {
        data.elements
            .get(f)
            .and_then(|column| column.get(n))
            .and_then(|&e| facet.elements.get(e as usize))
            .is_some_and(|e| e.status != crate::measure::ElementStatus::Dropped)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Facet, FacetRole, ItemScale};
    use crate::measure::{fit, FitOptions, NoObserver};

    /// 12 objects x 3 raters x 2 items with a spread of scores (every object's total differs
    /// from the extremes so that every element is measured).
    fn design() -> RatingData {
        let mut responses = Vec::new();
        for o in 0..12u32 {
            for r in 0..3u32 {
                for i in 0..2u32 {
                    responses.push((vec![o, r, i], ((o + r + 2 * i + (o * r) % 3) % 3) as i32));
                }
            }
        }
        RatingData::from_responses(
            vec![
                Facet::with_labels(
                    "comment",
                    FacetRole::Object,
                    (0..12).map(|o| format!("c{o}")),
                ),
                Facet::with_labels("rater", FacetRole::Rater, ["a", "b", "c"]),
                Facet::with_labels("item", FacetRole::Item, ["i1", "i2"]),
            ],
            ItemScale {
                min_score: 0,
                max_score: 2,
            },
            responses,
        )
        .unwrap()
    }

    #[test]
    fn category_use_counts_and_residuals_match_the_fit() {
        let data = design();
        let fit = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
        let index = ElementIndex::new(&data, 1);
        let detail = element_detail(&data, Some(&fit), &index, 1);
        assert_eq!(detail.responses.len(), 24);
        // Category counts by hand from the generating formula for rater 1.
        for item in 0..2u32 {
            let mut expected = [0usize; 3];
            for o in 0..12u32 {
                expected[((o + 1 + 2 * item + o % 3) % 3) as usize] += 1;
            }
            let counts: Vec<usize> = detail.category_use[item as usize]
                .counts
                .iter()
                .map(|c| c.1)
                .collect();
            assert_eq!(counts, expected.to_vec());
        }
        let all = fit.residuals(&data);
        for r in &detail.responses {
            assert_eq!(r.standardized, Some(all[r.observation].standardized));
            assert_eq!(r.observed, data.scores[r.observation]);
        }
        let unexpected = detail.unexpected(0.0);
        assert_eq!(unexpected.len(), 24);
        assert!(unexpected
            .windows(2)
            .all(|w| w[0].standardized.unwrap().abs() >= w[1].standardized.unwrap().abs()));
    }

    #[test]
    fn responses_of_an_element_the_fit_dropped_have_no_expectation() {
        let data = design();
        // Fitted without rater 2 (as after excluding it): rater 2 is dropped in the fit.
        let fitted = data.filter(|n| data.elements[1][n] != 2);
        let fit = fit(&fitted, &FitOptions::default(), &mut NoObserver).unwrap();
        let index = ElementIndex::new(&data, 1);
        let excluded = element_detail(&data, Some(&fit), &index, 2);
        assert_eq!(excluded.responses.len(), 24);
        assert!(excluded.responses.iter().all(|r| r.expected.is_none()));
        let kept = element_detail(&data, Some(&fit), &index, 0);
        assert!(kept.responses.iter().all(|r| r.expected.is_some()));
    }

    #[test]
    fn without_a_fit_responses_have_no_expectation() {
        let data = design();
        let index = ElementIndex::new(&data, 0);
        let detail = element_detail(&data, None, &index, 4);
        assert_eq!(detail.responses.len(), 6);
        assert!(detail.responses.iter().all(|r| r.expected.is_none()));
    }
}
