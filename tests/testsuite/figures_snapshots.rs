//! The SVG of figures is deterministic: snapshots of the Wright map, the rater fit map and the
//! category curves of a small fixed fit (8 objects x 3 raters x 2 items, scores 0-2), drawn by
//! the library at 640x480. A change in layout, tagging or number formatting shows here.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

use scalewright::data::{Facet, FacetRole, ItemScale, RatingData};
use scalewright::figures::{self, FigureSize};
use scalewright::measure::{fit, Fit, FitOptions, NoObserver};
use scalewright::quality::FlagRules;

/// Scores that make every element's measure different and every category used.
fn small() -> (RatingData, Fit) {
    let data = RatingData::from_responses(
        vec![
            Facet::with_labels(
                "essays",
                FacetRole::Object,
                ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"],
            ),
            Facet::with_labels("judges", FacetRole::Rater, ["Ann", "Bo", "Cy"]),
            Facet::with_labels("traits", FacetRole::Item, ["style", "content"]),
        ],
        ItemScale {
            min_score: 0,
            max_score: 2,
        },
        (0..8u32).flat_map(|o| {
            (0..3u32).flat_map(move |r| {
                (0..2u32).map(move |i| {
                    let raw = (o * 3 + r * 2 + i * 5 + o * r) % 7;
                    (vec![o, r, i], [0, 1, 1, 2, 1, 0, 2][raw as usize])
                })
            })
        }),
    )
    .unwrap();
    let fitted = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    (data, fitted)
}

const SIZE: FigureSize = FigureSize {
    width: 640,
    height: 480,
};

#[test]
fn wright_map_svg_snapshot() {
    let (_, fitted) = small();
    let figure = figures::wright::wright_figure(&fitted, SIZE).unwrap();
    let svg = figures::render_svg(&figure, SIZE).unwrap();
    assert_eq!(svg, figures::render_svg(&figure, SIZE).unwrap());
    insta::assert_snapshot!("wright_small", svg);
}

#[test]
fn rater_fit_map_svg_snapshot() {
    let (_, fitted) = small();
    let figure = figures::raters::raters_figure(&fitted, 1, &FlagRules::default(), &[], &[2]);
    let svg = figures::render_svg(&figure, SIZE).unwrap();
    // Cy is excluded: a cross.
    assert!(svg.contains(r#"class="sw-mark sw-point sw-marker-cross sw-panel-0" data-series="judges" data-label="Cy""#));
    insta::assert_snapshot!("raters_small", svg);
}

#[test]
fn category_curves_svg_snapshot() {
    let (data, fitted) = small();
    let selection = figures::curves::CurveSelection {
        scale: None,
        item: Some((2, 1)),
    };
    let figure = figures::curves::curves_figure(&fitted, Some(&data), &selection).unwrap();
    let svg = figures::render_svg(&figure, SIZE).unwrap();
    insta::assert_snapshot!("curves_small", svg);
}
