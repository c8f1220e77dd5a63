//! Table 23 and Q3 against closed forms, hand-computed values, simulations with a planted
//! second dimension and Winsteps' published variance decomposition of the Liking for Science data.

use super::*;
use crate::data::{Facet, FacetRole, ItemScale, RatingData};
use crate::measure::statistics::pearson;
use crate::measure::{fit, Convergence, FitOptions, NoObserver, ScaleModel};
use crate::simulate::{self, SecondDimension, SimulationConfig};
use nalgebra::DMatrix;

fn close(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, want {want} ± {tolerance}"
    );
}

/// Equicorrelated 3 x 3 matrix: eigenvalues 1 + 2r and 1 - r (twice), first loadings
/// √((1 + 2r)/3) each (closed form).
#[test]
fn eigenvalues_of_an_equicorrelated_matrix_are_the_closed_form() {
    let r = 0.4;
    let m = DMatrix::from_fn(3, 3, |i, j| if i == j { 1.0 } else { r });
    let pcs = principal_components(&m);
    close("λ1", pcs[0].eigenvalue, 1.0 + 2.0 * r, 1e-12);
    close("λ2", pcs[1].eigenvalue, 1.0 - r, 1e-12);
    close("λ3", pcs[2].eigenvalue, 1.0 - r, 1e-12);
    for v in &pcs[0].loadings {
        close("loading", *v, ((1.0 + 2.0 * r) / 3.0).sqrt(), 1e-12);
    }
    // A 2 x 2 with a negative correlation: 1 ± |r|, the first contrast opposes the two items.
    let m = DMatrix::from_row_slice(2, 2, &[1.0, -0.5, -0.5, 1.0]);
    let pcs = principal_components(&m);
    close("λ1", pcs[0].eigenvalue, 1.5, 1e-12);
    close("λ2", pcs[1].eigenvalue, 0.5, 1e-12);
    let l = &pcs[0].loadings;
    close("loading a", l[0].abs(), 1.5f64.sqrt() / 2f64.sqrt(), 1e-12);
    assert!(l[0] * l[1] < 0.0, "opposite signs: {l:?}");
    assert!(l.iter().copied().fold(f64::MIN, f64::max) > 0.0);
}

/// A block matrix (items 0-1 correlated .6, item 2 independent): eigenvalues 1.6, 1, .4.
#[test]
fn eigenvalues_of_a_block_matrix() {
    let m = DMatrix::from_row_slice(3, 3, &[1.0, 0.6, 0.0, 0.6, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let pcs = principal_components(&m);
    let got: Vec<f64> = pcs.iter().map(|c| c.eigenvalue).collect();
    for (g, w) in got.iter().zip([1.6, 1.0, 0.4]) {
        close("eigenvalue", *g, w, 1e-12);
    }
    close(
        "loading item 2 on contrast 1",
        pcs[0].loadings[2],
        0.0,
        1e-12,
    );
}

/// Q3 of a hand-computed 4 records x 3 items residual matrix with missing cells:
/// A-B over records 1-3 √3/2, A-C over records 2-3 -1, B-C over records 2-4 -√3/2;
/// mean -1/3, so Q3*(A,B) = √3/2 + 1/3 (marked) and the others are not marked.
#[test]
fn q3_of_a_known_residual_matrix() {
    let rows = [
        [Some(1.0), Some(1.0), None],
        [Some(-1.0), Some(-1.0), Some(1.0)],
        [Some(0.0), Some(1.0), Some(-1.0)],
        [None, Some(-1.0), Some(0.0)],
    ];
    let mut raw = PairSums::new(3);
    for row in &rows {
        raw.add_row(row);
    }
    let items: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
    let q3 = q3_summary(&items, &raw, &raw);
    let half_root3 = 3f64.sqrt() / 2.0;
    close("max", q3.max.unwrap(), half_root3, 1e-12);
    close("mean", q3.mean.unwrap(), -1.0 / 3.0, 1e-12);
    let find = |a: &str, b: &str| q3.pairs.iter().find(|p| p.a == a && p.b == b).unwrap();
    let ab = find("A", "B");
    close("Q3 AB", ab.q3, half_root3, 1e-12);
    close("Q3* AB", ab.q3_star, half_root3 + 1.0 / 3.0, 1e-12);
    assert_eq!(ab.records, 3);
    assert!(ab.marked);
    let ac = find("A", "C");
    close("Q3 AC", ac.q3, -1.0, 1e-12);
    assert_eq!(ac.records, 2);
    assert!(!ac.marked);
    let bc = find("B", "C");
    close("Q3 BC", bc.q3, -half_root3, 1e-12);
    close("Q3* BC", bc.q3_star, -half_root3 + 1.0 / 3.0, 1e-12);
    assert_eq!(q3.pairs.iter().filter(|p| p.marked).count(), 1);
    assert_eq!(q3.pairs[0].a, "A");
}

#[test]
fn clusters_split_the_loadings_at_their_gaps() {
    let loadings = [0.8, -0.5, 0.75, 0.1, -0.55, 0.05, 0.7];
    assert_eq!(clusters_by_loading(&loadings), vec![1, 3, 1, 2, 3, 2, 1]);
    assert_eq!(clusters_by_loading(&[0.3, -0.3]), vec![1, 3]);
}

/// Two raters score every person on four dichotomous items; a record is a person x rater pair.
fn two_rater_data() -> RatingData {
    let persons = 40u32;
    let mut responses = Vec::new();
    for p in 0..persons {
        for r in 0..2u32 {
            for i in 0..4u32 {
                // A deterministic pattern with some noise in it, persons spread by p.
                let score = i32::from((p * 7 + r * 3 + i * 5) % 11 < 3 + p % 6);
                responses.push((vec![p, r, i], score));
            }
        }
    }
    RatingData::from_responses(
        vec![
            Facet::with_labels(
                "person",
                FacetRole::Object,
                (0..persons).map(|p| format!("p{p}")),
            ),
            Facet::with_labels("rater", FacetRole::Rater, ["r1", "r2"]),
            Facet::with_labels("item", FacetRole::Item, ["i1", "i2", "i3", "i4"]),
        ],
        ItemScale {
            min_score: 0,
            max_score: 1,
        },
        responses,
    )
    .unwrap()
}

#[test]
fn a_record_is_one_object_and_rater_and_the_matrix_agrees_with_the_sums() {
    let data = two_rater_data();
    let fit = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let matrix = residual_matrix(&fit, &data).unwrap();
    assert_eq!(matrix.facets, vec!["person", "rater"]);
    // Every used record has all four items.
    assert!(matrix
        .standardized
        .iter()
        .all(|r| r.iter().all(Option::is_some)));
    let result = dimensionality(&fit, &data).unwrap();
    assert_eq!(result.record.records, matrix.records.len());
    assert_eq!(result.record.responses, 4 * matrix.records.len());
    // The eigenvalues from the dense matrix's correlations equal the one-pass result.
    let mut sums = PairSums::new(4);
    for row in &matrix.standardized {
        sums.add_row(row);
    }
    let dense = principal_components(&sums.correlation_matrix());
    for (c, d) in result.contrasts.iter().zip(&dense) {
        close("eigenvalue", c.eigenvalue, d.eigenvalue, 1e-9);
    }
    // The eigenvalues sum to the number of items (the trace of the correlation matrix).
    let sum: f64 = result.contrasts.iter().map(|c| c.eigenvalue).sum();
    close("trace", sum, 4.0, 1e-9);
    close("unexplained", result.variance.unexplained, 4.0, 0.0);
    close(
        "total",
        result.variance.total,
        result.variance.explained + 4.0,
        1e-12,
    );
    // The facets' parts add up to the explained variance.
    let parts: f64 = result
        .variance
        .explained_by
        .iter()
        .map(|f| f.eigenvalue)
        .sum();
    close("parts", parts, result.variance.explained, 1e-9);
    // Same explained share as Table 5.
    close(
        "explained share vs Table 5",
        100.0 * result.variance.explained_share,
        fit.global.explained_percent,
        1e-6,
    );
}

#[test]
fn fewer_than_two_items_is_an_error() {
    let data = RatingData::from_responses(
        vec![
            Facet::with_labels("person", FacetRole::Object, ["a", "b", "c"]),
            Facet::with_labels("item", FacetRole::Item, ["only"]),
        ],
        ItemScale {
            min_score: 0,
            max_score: 2,
        },
        vec![
            (vec![0, 0], 0),
            (vec![1, 0], 1),
            (vec![2, 0], 2),
            (vec![0, 0], 1),
        ],
    )
    .unwrap();
    let fit = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    assert_eq!(
        dimensionality(&fit, &data).unwrap_err(),
        DimensionalityError::TooFewItems { items: 1 }
    );
}

/// An MHS-shaped simulation with model raters only: 800 comments, three raters each.
fn mhs_shaped(second: Option<SecondDimension>) -> (simulate::Simulation, Dimensionality) {
    let config = SimulationConfig {
        comments: 800,
        raters_per_comment: (3, 3),
        random_responder_share: 0.0,
        straight_liner_share: 0.0,
        second_dimension: second,
        seed: 7,
        ..SimulationConfig::default()
    };
    let simulation = simulate::simulate(&config).unwrap();
    let data = simulation.rating_data();
    let fit = fit(&data, &FitOptions::default(), &mut NoObserver).unwrap();
    let result = dimensionality(&fit, &data).unwrap();
    (simulation, result)
}

/// Simulation truth: `violence`, `genocide` and `dehumanize` measure a second trait correlated
/// .3 with the first. The first contrast reaches 2 eigenvalue units (here about 3) with exactly
/// those three items on one side (cluster 1 or 3 holds exactly them); the unidimensional
/// simulation from the same seed stays below 2 (about 1.4 for 10 items and ~2,400 records).
#[test]
fn a_planted_second_dimension_is_the_first_contrast() {
    let (simulation, planted) = mhs_shaped(Some(SecondDimension::new(0.3)));
    let truth: Vec<(f64, f64)> = simulation
        .comments
        .iter()
        .map(|c| (c.measure, c.second_measure.unwrap()))
        .collect();
    let (a, b): (Vec<f64>, Vec<f64>) = truth.into_iter().unzip();
    close(
        "true trait correlation",
        pearson(&a, &b).unwrap(),
        0.3,
        0.08,
    );

    let first = planted.first_contrast().unwrap();
    assert!(
        first.eigenvalue >= 2.0,
        "first contrast {}",
        first.eigenvalue
    );
    let second_items = SecondDimension::DEFAULT_ITEMS;
    let side = |l: &Loading| l.loading > 0.0;
    let planted_side: Vec<bool> = first
        .loadings
        .iter()
        .filter(|l| second_items.contains(&l.item.as_str()))
        .map(side)
        .collect();
    assert!(planted_side.iter().all(|s| *s == planted_side[0]));
    let others_opposite = first
        .loadings
        .iter()
        .filter(|l| !second_items.contains(&l.item.as_str()))
        .all(|l| side(l) != planted_side[0]);
    assert!(others_opposite, "{:?}", first.loadings);
    // The planted items form one outer cluster on their own.
    let outer = if planted_side[0] { 0 } else { 2 };
    let mut cluster = planted.clusters[outer].items.clone();
    cluster.sort();
    let mut want: Vec<String> = second_items.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(cluster, want);
    // The two traits' measures correlate well below 1 once disattenuated (1-3 is first).
    let c13 = &planted.cluster_correlations[0];
    assert_eq!((c13.a, c13.b), (1, 3));
    let d = c13.disattenuated.unwrap();
    assert!(d < 0.7, "disattenuated 1-3 {d}");

    let (_, flat) = mhs_shaped(None);
    let first = flat.first_contrast().unwrap();
    assert!(
        first.eigenvalue < 2.0,
        "unidimensional first contrast {}",
        first.eigenvalue
    );
    assert!(first.eigenvalue > 1.0);
    let d = flat.cluster_correlations[0].disattenuated.unwrap();
    assert!(d > 0.8, "unidimensional disattenuated 1-3 {d}");
    // No pair is locally dependent in model data.
    assert_eq!(flat.marked_pairs().count(), 0);
}

/// Liking for Science (75 children x 25 activities, 0-2) as Winsteps' example0.txt analyses
/// it: the Andrich rating scale model (one shared scale). Winsteps' published variance
/// decomposition of this run (Winsteps manual, "Table 24.0 Variance components scree plot for
/// persons", winsteps.com/winman/table24_0.htm, the current online manual, 4.x; the raw
/// variance lines are the same for Table 23.0): explained by measures 50.9% (modelled 50.7%),
/// by persons 20.2%, by items 30.7%, over the 74 non-extreme children. Tolerance 1.0
/// percentage point (JMLE convergence and the extreme child's handling differ slightly; ours:
/// 50.9, 50.9, 21.0 and 29.9);
/// the items' eigenvalue units follow: unexplained 25, total 25 / (1 - .509) = 50.9
/// (the manual's older Table 23.0 prints "Total raw variance in observations = 50.9").
#[test]
fn liking_for_science_variance_matches_winsteps() {
    let (header, rows) = crate::measure::tests::read_csv("lfs_responses.csv");
    let items: Vec<String> = header[2..].to_vec();
    let mut responses = Vec::new();
    for (p, row) in rows.iter().enumerate() {
        for (i, v) in row[2..].iter().enumerate() {
            if let Ok(x) = v.trim().parse::<i32>() {
                responses.push((vec![p as u32, i as u32], x));
            }
        }
    }
    let data = RatingData::from_responses(
        vec![
            Facet::with_labels("kid", FacetRole::Object, rows.iter().map(|r| r[1].clone())),
            Facet::with_labels("act", FacetRole::Item, items),
        ],
        ItemScale {
            min_score: 0,
            max_score: 2,
        },
        responses,
    )
    .unwrap();
    let options = FitOptions {
        scale_model: ScaleModel::RatingScale,
        convergence: Convergence::tight(),
        ..FitOptions::default()
    };
    let fit = fit(&data, &options, &mut NoObserver).unwrap();
    let result = dimensionality(&fit, &data).unwrap();
    assert_eq!(result.items.len(), 25);
    assert_eq!(result.record.records, 74, "the extreme child is left out");
    let v = &result.variance;
    close("explained %", 100.0 * v.explained_share, 50.9, 1.0);
    close(
        "modelled explained %",
        100.0 * v.modelled_explained_share,
        50.7,
        1.0,
    );
    let part = |name: &str| {
        100.0
            * v.explained_by
                .iter()
                .find(|f| f.facet == name)
                .unwrap()
                .share
    };
    close("persons %", part("kid"), 20.2, 1.0);
    close("items %", part("act"), 30.7, 1.0);
    close("unexplained", v.unexplained, 25.0, 0.0);
    close("total", v.total, 50.9, 1.0);
    // The manual pages available give no item-side contrast eigenvalue for this run, so the
    // first contrast is held at this implementation's value (4.62; a regression check, not a
    // published number) and the eigenvalues at their trace.
    let first = result.first_contrast().unwrap();
    close("first contrast (ours)", first.eigenvalue, 4.62, 0.05);
}
