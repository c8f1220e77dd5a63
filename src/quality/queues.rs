//! Annotation queues: which comments a reviewer should rate next.
//!
//! - [`least_certain`]: the objects whose measure is least certain (largest model S.E.), where
//!   one more rating helps most;
//! - [`most_unexpected`]: the objects with the most unexpected ratings (|z| at or above the
//!   fit's `unexpected_z`, Facets Table 4), to adjudicate;
//! - [`rated_by`]: the objects a given (e.g. flagged) rater rated, their most unexpected first.
//!
//! Every queue leaves out the objects `skip` names (those the reviewer already rated, see
//! [`objects_rated_by`]).

use crate::data::{ElementIndex, RatingData};
use crate::measure::{FacetMeasures, Fit};
use std::collections::HashSet;

/// One object in a queue and the number it was ranked by.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    /// The object's element index in the object facet.
    pub object: u32,
    /// The object's label.
    pub label: String,
    /// Model S.E. ([`least_certain`]), count of unexpected ratings ([`most_unexpected`]) or the
    /// largest |z| of the rater's ratings ([`rated_by`]).
    pub value: f64,
}

/// The objects rated by the element labelled `label` of the rater facet `index` indexes
/// (`index.facet`); empty when there is no such element. Reads only that rater's observations.
pub fn objects_rated_by(data: &RatingData, index: &ElementIndex, label: &str) -> HashSet<u32> {
    let Some(rater) = data
        .facets
        .get(index.facet)
        .and_then(|f| f.labels.iter().position(|l| l == label))
    else {
        return HashSet::new();
    };
    let objects = &data.elements[data.object_facet];
    index
        .of(rater as u32)
        .iter()
        .map(|&n| objects[n as usize])
        .collect()
}

/// Up to `limit` objects by largest model S.E., leaving out `skip` (ties by element order).
/// Selects the `limit` largest before sorting them and copies only their labels, so a queue of
/// a 300,000-comment run costs one pass over the S.E.s, not a sort of every comment.
pub fn least_certain(
    data: &RatingData,
    fit: &Fit,
    skip: &HashSet<u32>,
    limit: usize,
) -> Vec<QueueEntry> {
    if limit == 0 {
        return Vec::new();
    }
    let objects = &fit.facets[data.object_facet];
    let mut ranked = standard_errors(objects, skip);
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, largest_first);
        ranked.truncate(limit);
    }
    ranked.sort_by(largest_first);
    ranked
        .into_iter()
        .map(|(object, se)| QueueEntry {
            object,
            label: objects.elements[object as usize].label.clone(),
            value: se,
        })
        .collect()
}

/// `(object, model S.E.)` of every object with an S.E., leaving out `skip`, in element order.
fn standard_errors(objects: &FacetMeasures, skip: &HashSet<u32>) -> Vec<(u32, f64)> {
    objects
        .elements
        .iter()
        .enumerate()
        .filter(|(o, _)| !skip.contains(&(*o as u32)))
        .filter_map(|(o, e)| e.model_se.map(|se| (o as u32, se)))
        .collect()
}

/// Largest S.E. first, ties by element order.
fn largest_first(a: &(u32, f64), b: &(u32, f64)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Per object: how many of its ratings are unexpected (|z| >= the fit's `unexpected_z`) and the
/// sum of their |z| (responses of elements the fit dropped, e.g. excluded raters, do not count). One pass over every response's residual: compute it once per fit (the
/// workbench does so off the UI thread) and rank with [`most_unexpected_from`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnexpectedCounts {
    /// Per object: its number of unexpected ratings.
    pub count: Vec<usize>,
    /// Per object: the sum of |z| of its unexpected ratings.
    pub strength: Vec<f64>,
}

/// The unexpected ratings of every object of `data` under `fit`.
pub fn unexpected_counts(data: &RatingData, fit: &Fit) -> UnexpectedCounts {
    let n_objects = data.facets.get(data.object_facet).map_or(0, |f| f.len());
    let mut counts = UnexpectedCounts {
        count: vec![0; n_objects],
        strength: vec![0.0; n_objects],
    };
    for r in fit.residuals(data) {
        if r.standardized.abs() >= fit.options.unexpected_z
            && super::detail::fitted_response(data, fit, r.observation)
        {
            let o = data.elements[data.object_facet][r.observation] as usize;
            counts.count[o] += 1;
            counts.strength[o] += r.standardized.abs();
        }
    }
    counts
}

/// Up to `limit` objects by number of unexpected ratings (|z| >= the fit's `unexpected_z`),
/// ties by the sum of those |z|; objects without any are left out, and so is `skip`.
pub fn most_unexpected(
    data: &RatingData,
    fit: &Fit,
    skip: &HashSet<u32>,
    limit: usize,
) -> Vec<QueueEntry> {
    most_unexpected_from(data, &unexpected_counts(data, fit), skip, limit)
}

/// [`most_unexpected`] from counts computed beforehand.
pub fn most_unexpected_from(
    data: &RatingData,
    counts: &UnexpectedCounts,
    skip: &HashSet<u32>,
    limit: usize,
) -> Vec<QueueEntry> {
    let (count, strength) = (&counts.count, &counts.strength);
    let mut order: Vec<usize> = (0..count.len())
        .filter(|&o| count[o] > 0 && !skip.contains(&(o as u32)))
        .collect();
    order.sort_by(|&a, &b| {
        count[b]
            .cmp(&count[a])
            .then(strength[b].total_cmp(&strength[a]))
            .then(a.cmp(&b))
    });
    order.truncate(limit);
    order
        .into_iter()
        .map(|o| QueueEntry {
            object: o as u32,
            label: data.objects().labels[o].clone(),
            value: count[o] as f64,
        })
        .collect()
}

/// Up to `limit` objects rated by `rater` (element of the facet `index` was built for), by the
/// largest |z| of the rater's ratings of the object (with a fit; otherwise in data order),
/// leaving out `skip`.
pub fn rated_by(
    data: &RatingData,
    fit: Option<&Fit>,
    index: &ElementIndex,
    rater: u32,
    skip: &HashSet<u32>,
    limit: usize,
) -> Vec<QueueEntry> {
    let mut largest: Vec<(u32, f64)> = Vec::new();
    for &n in index.of(rater) {
        let n = n as usize;
        let o = data.elements[data.object_facet][n];
        if skip.contains(&o) {
            continue;
        }
        let z = fit
            .filter(|f| super::detail::fitted_response(data, f, n))
            .and_then(|f| f.residual(data, n))
            .map_or(0.0, |r| r.standardized.abs());
        match largest.iter_mut().find(|(x, _)| *x == o) {
            Some(entry) => entry.1 = entry.1.max(z),
            None => largest.push((o, z)),
        }
    }
    largest.sort_by(|a, b| b.1.total_cmp(&a.1));
    largest.truncate(limit);
    largest
        .into_iter()
        .map(|(o, z)| QueueEntry {
            object: o,
            label: data.objects().labels[o as usize].clone(),
            value: z,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Facet, FacetRole, ItemScale};
    use crate::measure::{fit, FitOptions, NoObserver};

    /// 20 objects x 4 raters x 2 items; rater `d` (rated every object) answers against the
    /// grain on objects 0-4, which gives the design unexpected responses.
    fn design() -> RatingData {
        let mut responses = Vec::new();
        for o in 0..20u32 {
            let raters: &[u32] = if o % 2 == 0 { &[0, 1, 3] } else { &[0, 2, 3] };
            for &r in raters {
                for i in 0..2u32 {
                    let level = (o * 4 / 20) as i32; // 0..=3
                    let typical = (level + (r as i32 + i as i32) % 2).min(4);
                    let score = if r == 3 && o < 5 {
                        4 - typical
                    } else {
                        typical
                    };
                    responses.push((vec![o, r, i], score));
                }
            }
        }
        RatingData::from_responses(
            vec![
                Facet::with_labels(
                    "comment",
                    FacetRole::Object,
                    (0..20).map(|o| format!("c{o}")),
                ),
                Facet::with_labels("rater", FacetRole::Rater, ["a", "b", "c", "d"]),
                Facet::with_labels("item", FacetRole::Item, ["i1", "i2"]),
            ],
            ItemScale {
                min_score: 0,
                max_score: 4,
            },
            responses,
        )
        .unwrap()
    }

    #[test]
    fn queues_rank_by_their_criterion_and_skip_what_the_reviewer_rated() {
        let data = design();
        // A small design: list responses from |z| >= 2 (Facets' default is 3).
        let options = FitOptions {
            unexpected_z: 2.0,
            ..Default::default()
        };
        let fit = fit(&data, &options, &mut NoObserver).unwrap();
        let raters = ElementIndex::new(&data, 1);
        let skip: HashSet<u32> = objects_rated_by(&data, &raters, "b");
        assert!(objects_rated_by(&data, &raters, "nobody").is_empty());
        assert_eq!(skip, (0..20).filter(|o| o % 2 == 0).collect());

        let certain = least_certain(&data, &fit, &skip, 5);
        assert_eq!(certain.len(), 5);
        assert!(certain.iter().all(|e| e.object % 2 == 1));
        assert!(certain.windows(2).all(|w| w[0].value >= w[1].value));
        let largest_se = fit.facets[0]
            .elements
            .iter()
            .enumerate()
            .filter(|(o, _)| o % 2 == 1)
            .filter_map(|(_, e)| e.model_se)
            .fold(0.0, f64::max);
        assert_eq!(certain[0].value, largest_se);
        // Selecting the largest before sorting gives the full sort's first `limit` (ties by
        // element order), whatever the limit.
        let mut everyone = standard_errors(&fit.facets[0], &skip);
        everyone.sort_by(largest_first);
        for limit in [0, 1, 3, 9, 10, 50] {
            let queue: Vec<(u32, f64)> = least_certain(&data, &fit, &skip, limit)
                .iter()
                .map(|e| (e.object, e.value))
                .collect();
            assert_eq!(
                queue,
                everyone[..limit.min(everyone.len())],
                "limit {limit}"
            );
        }
        assert_eq!(everyone.len(), 10);

        let none = HashSet::new();
        let unexpected = most_unexpected(&data, &fit, &none, 20);
        assert!(!unexpected.is_empty());
        assert!(unexpected.windows(2).all(|w| w[0].value >= w[1].value));
        let residuals = fit.residuals(&data);
        let count_of = |o: u32| {
            residuals
                .iter()
                .filter(|r| {
                    data.elements[0][r.observation] == o
                        && r.standardized.abs() >= fit.options.unexpected_z
                })
                .count() as f64
        };
        for e in &unexpected {
            assert_eq!(e.value, count_of(e.object));
        }

        let index = ElementIndex::new(&data, 1);
        let by_d = rated_by(&data, Some(&fit), &index, 3, &none, 20);
        assert_eq!(by_d.len(), 20);
        assert!(by_d.windows(2).all(|w| w[0].value >= w[1].value));
        for e in &by_d {
            let largest = residuals
                .iter()
                .filter(|r| {
                    data.elements[0][r.observation] == e.object
                        && data.elements[1][r.observation] == 3
                })
                .map(|r| r.standardized.abs())
                .fold(0.0, f64::max);
            assert_eq!(e.value, largest, "object {}", e.object);
        }
        let by_d_skipping = rated_by(&data, Some(&fit), &index, 3, &skip, 20);
        assert_eq!(by_d_skipping.len(), 10);
    }
}
