//! The variable map (Facets Table 6, the Wright map): every facet's elements on one logit
//! ruler, binned once for every front end (the text table, its CSV/JSON, the workbench).
//!
//! Which elements appear: every element with a measure, i.e. every element the fit did not drop
//! (measured, anchored and extreme elements; extreme ones at their Xtreme-adjusted estimates, as
//! Facets plots them). Orientation is each facet's own: objects higher = more of the construct,
//! raters higher = more severe, items higher = more difficult.

use super::{ElementStatus, Fit};
use serde::Serialize;

/// How the ruler is divided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// Rows of a fixed width in logits, centred on multiples of the width (Facets' text map:
    /// the row labelled 1.0 holds measures in [0.75, 1.25) at width 0.5).
    Step(f64),
    /// This many rows of equal width from the highest measure down to the lowest (a screen).
    Rows(usize),
}

/// One element on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapElement {
    /// The element's label.
    pub label: String,
    /// Its measure in the facet's orientation.
    pub measure: f64,
}

/// One facet's column of the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapFacet {
    /// The facet's name.
    pub name: String,
    /// Facets' orientation sign: `true` = higher is more (objects).
    pub positive: bool,
    /// The elements on the map, in element order.
    pub elements: Vec<MapElement>,
    /// Per row (top row first): the indices into `elements` that fall in it.
    pub rows: Vec<Vec<usize>>,
}

/// A binned Wright map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WrightMap {
    /// Per row, top first: the measure at the row's centre.
    pub centres: Vec<f64>,
    /// The row width in logits.
    pub step: f64,
    /// One column per facet, in model order.
    pub facets: Vec<MapFacet>,
}

/// Whether an element appears on the map (it has a measure: the fit did not drop it).
pub fn on_map(status: ElementStatus) -> bool {
    status != ElementStatus::Dropped
}

impl WrightMap {
    /// Bins every facet's mapped elements; `None` when no element has a measure or `Rows(0)`.
    pub fn new(fit: &Fit, binning: Binning) -> Option<WrightMap> {
        let facets = fit
            .facets
            .iter()
            .map(|f| MapFacet {
                name: f.name.clone(),
                positive: f.positive,
                elements: f
                    .elements
                    .iter()
                    .filter(|e| on_map(e.status) && e.measure.is_finite())
                    .map(|e| MapElement {
                        label: e.label.clone(),
                        measure: e.measure,
                    })
                    .collect(),
                rows: Vec::new(),
            })
            .collect();
        let mut map = WrightMap {
            centres: Vec::new(),
            step: 0.0,
            facets,
        };
        map.rebin(binning).then_some(map)
    }

    /// Bins the same elements again on another ruler (a resized screen) without copying their
    /// labels: one pass over the elements. `false`, and the map unchanged, when no element has
    /// a measure or for `Rows(0)`.
    pub fn rebin(&mut self, binning: Binning) -> bool {
        let (lo, hi) = self
            .facets
            .iter()
            .flat_map(|f| f.elements.iter().map(|e| e.measure))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), m| {
                (lo.min(m), hi.max(m))
            });
        if !lo.is_finite() {
            return false;
        }
        // `row_of(m)`: 0 = the top row.
        let (centres, step, row_of): (Vec<f64>, f64, RowOf) = match binning {
            Binning::Step(step) => {
                // Row r holds [r·step − step/2, r·step + step/2).
                let row = move |m: f64| (m / step + 0.5).floor() as i64;
                let top = (hi / step).ceil() as i64;
                let bottom = (lo / step).floor() as i64;
                let centres = (bottom..=top).rev().map(|r| r as f64 * step).collect();
                let last = (top - bottom) as usize;
                (
                    centres,
                    step,
                    Box::new(move |m| ((top - row(m)).max(0) as usize).min(last)),
                )
            }
            Binning::Rows(rows) => {
                if rows == 0 {
                    return false;
                }
                let step = ((hi - lo) / rows as f64).max(MIN_ROW_WIDTH);
                let centres = (0..rows).map(|r| hi - (r as f64 + 0.5) * step).collect();
                (
                    centres,
                    step,
                    Box::new(move |m| (((hi - m) / step) as usize).min(rows - 1)),
                )
            }
        };
        for facet in &mut self.facets {
            let mut rows = vec![Vec::new(); centres.len()];
            for (i, e) in facet.elements.iter().enumerate() {
                rows[row_of(e.measure)].push(i);
            }
            facet.rows = rows;
        }
        self.centres = centres;
        self.step = step;
        true
    }
}

/// Which row (0 = top) a measure falls in.
type RowOf = Box<dyn Fn(f64) -> usize>;

/// The narrowest row of a [`Binning::Rows`] map (all measures equal).
pub const MIN_ROW_WIDTH: f64 = 1e-9;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Facet, FacetRole, ItemScale, RatingData};
    use crate::measure::{fit, Extreme, FitOptions, NoObserver};

    /// A fit of 4 objects x 2 raters x 1 item whose measures the test then sets.
    fn fitted() -> Fit {
        let data = RatingData::from_responses(
            vec![
                Facet::with_labels("objects", FacetRole::Object, ["a", "b", "c", "d"]),
                Facet::with_labels("raters", FacetRole::Rater, ["r1", "r2"]),
                Facet::with_labels("items", FacetRole::Item, ["i1"]),
            ],
            ItemScale {
                min_score: 0,
                max_score: 2,
            },
            (0..4u32).flat_map(|o| (0..2u32).map(move |r| (vec![o, r, 0], ((o + r) % 3) as i32))),
        )
        .unwrap();
        let mut fit = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
        let set = [
            (1.1, ElementStatus::Measured),
            (-0.6, ElementStatus::Measured),
            (2.4, ElementStatus::Extreme(Extreme::Maximum)),
            (0.0, ElementStatus::Dropped),
        ];
        for (e, (measure, status)) in fit.facets[0].elements.iter_mut().zip(set) {
            e.measure = measure;
            e.status = status;
        }
        fit.facets[1].elements[0].measure = 0.2;
        fit.facets[1].elements[1].measure = -0.2;
        fit.facets[2].elements[0].measure = 0.0;
        fit
    }

    #[test]
    fn every_element_with_a_measure_is_binned_once_and_dropped_ones_are_left_out() {
        let fit = fitted();
        let map = WrightMap::new(&fit, Binning::Step(0.5)).unwrap();
        // Rows centred on 2.5 (top) down to -0.5 (the ruler spans ceil/floor of the extremes).
        assert_eq!(map.centres.first(), Some(&2.5));
        assert_eq!(map.centres.last(), Some(&-1.0));
        let objects = &map.facets[0];
        assert_eq!(objects.elements.len(), 3);
        let row_of = |label: &str| {
            let i = objects
                .elements
                .iter()
                .position(|e| e.label == label)
                .unwrap();
            objects.rows.iter().position(|r| r.contains(&i)).unwrap()
        };
        assert_eq!(map.centres[row_of("a")], 1.0);
        assert_eq!(map.centres[row_of("b")], -0.5);
        assert_eq!(map.centres[row_of("c")], 2.5);
        assert_eq!(objects.rows.iter().map(Vec::len).sum::<usize>(), 3);

        let screen = WrightMap::new(&fit, Binning::Rows(3)).unwrap();
        assert!((screen.step - 1.0).abs() < 1e-12);
        assert_eq!(screen.facets[0].rows, vec![vec![2], vec![0], vec![1]]);
        assert_eq!(screen.facets[1].rows, vec![vec![], vec![], vec![0, 1]]);
        assert!(WrightMap::new(&fit, Binning::Rows(0)).is_none());
    }

    #[test]
    fn a_rebinned_map_is_the_map_binned_afresh() {
        let fit = fitted();
        let mut map = WrightMap::new(&fit, Binning::Step(0.5)).unwrap();
        assert!(map.rebin(Binning::Rows(3)));
        assert_eq!(map, WrightMap::new(&fit, Binning::Rows(3)).unwrap());
        assert!(map.rebin(Binning::Rows(7)));
        assert_eq!(map.centres.len(), 7);
        assert_eq!(map, WrightMap::new(&fit, Binning::Rows(7)).unwrap());
        // Rows(0) is refused and leaves the map as it was.
        assert!(!map.rebin(Binning::Rows(0)));
        assert_eq!(map, WrightMap::new(&fit, Binning::Rows(7)).unwrap());
    }
}
