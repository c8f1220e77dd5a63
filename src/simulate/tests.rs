//! Tests of the simulator: determinism, validation, design, rater kinds, the model itself, the
//! text signal and the CSV output.

use std::collections::HashSet;
use std::sync::OnceLock;

use polars::prelude::{CsvReadOptions, SerReader};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::*;
use crate::measure::model::score_moments;
use crate::network::UnionFind;

/// The default 2,000-comment simulation, drawn once and shared by the tests.
fn shared() -> &'static Simulation {
    static SIM: OnceLock<Simulation> = OnceLock::new();
    SIM.get_or_init(|| match simulate(&SimulationConfig::default()) {
        Ok(sim) => sim,
        Err(e) => panic!("default simulation failed: {e}"),
    })
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    crate::measure::statistics::pearson(a, b).unwrap_or(f64::NAN)
}

// ---------------------------------------------------------------------------------------------
// Truth constants and configuration

#[test]
fn items_are_centred_with_ordered_thresholds_that_sum_to_zero() {
    let total: f64 = ITEMS.iter().map(|i| i.difficulty).sum();
    assert!(total.abs() < 1e-9, "difficulties sum to {total}");
    for item in &ITEMS {
        let sum: f64 = item.thresholds.iter().sum();
        assert!(sum.abs() < 1e-9, "{}: thresholds sum to {sum}", item.name);
        assert!(
            item.thresholds.windows(2).all(|w| w[0] < w[1]),
            "{}: thresholds not ordered",
            item.name
        );
        let expected_max = if item.name == "hatespeech" { 2 } else { 4 };
        assert_eq!(item.max_score(), expected_max, "{}", item.name);
    }
}

#[test]
fn default_config_is_valid() {
    assert!(SimulationConfig::default().validate().is_ok());
}

#[test]
fn validation_errors_name_the_bad_field() {
    let base = SimulationConfig::default();
    let cases: Vec<(&str, SimulationConfig)> = vec![
        (
            "comments",
            SimulationConfig {
                comments: 50,
                ..base.clone()
            },
        ),
        (
            "reference_comments",
            SimulationConfig {
                reference_comments: 0,
                ..base.clone()
            },
        ),
        (
            "raters_per_comment",
            SimulationConfig {
                raters_per_comment: (4, 3),
                ..base.clone()
            },
        ),
        (
            "raters_per_comment",
            SimulationConfig {
                raters_per_comment: (0, 3),
                ..base.clone()
            },
        ),
        (
            "reference_per_rater",
            SimulationConfig {
                reference_per_rater: (2, 51),
                ..base.clone()
            },
        ),
        (
            "ratings_per_rater",
            SimulationConfig {
                ratings_per_rater: 3,
                ..base.clone()
            },
        ),
        (
            "random_responder_share",
            SimulationConfig {
                random_responder_share: -0.1,
                ..base.clone()
            },
        ),
        (
            "straight_liner_share",
            SimulationConfig {
                straight_liner_share: f64::NAN,
                ..base.clone()
            },
        ),
        (
            "straight_liner_share",
            SimulationConfig {
                random_responder_share: 0.6,
                straight_liner_share: 0.4,
                ..base.clone()
            },
        ),
        (
            "measure_mean",
            SimulationConfig {
                measure_mean: f64::INFINITY,
                ..base.clone()
            },
        ),
        (
            "measure_sd",
            SimulationConfig {
                measure_sd: -1.0,
                ..base.clone()
            },
        ),
        (
            "severity_sd",
            SimulationConfig {
                severity_sd: f64::NAN,
                ..base.clone()
            },
        ),
    ];
    for (field, cfg) in cases {
        match cfg.validate() {
            Err(err @ SimulateError::Config { field: got, .. }) => {
                assert_eq!(got, field);
                assert!(err.to_string().contains(field), "{err}");
            }
            other => panic!("{field}: expected a config error, got {other:?}"),
        }
        assert!(matches!(simulate(&cfg), Err(SimulateError::Config { .. })));
    }
}

// ---------------------------------------------------------------------------------------------
// Determinism and files

fn file_bytes(files: &SimulationFiles) -> Vec<Vec<u8>> {
    files
        .all()
        .iter()
        .map(|p| std::fs::read(p).expect("read written file"))
        .collect()
}

#[test]
fn same_seed_gives_byte_identical_files_and_another_seed_differs() {
    let cfg = SimulationConfig {
        comments: 400,
        seed: 7,
        ..SimulationConfig::default()
    };
    let (a, b, c) = (temp_dir(), temp_dir(), temp_dir());
    let files_a = simulate(&cfg).and_then(|s| s.write(a.path())).expect("a");
    let files_b = simulate(&cfg).and_then(|s| s.write(b.path())).expect("b");
    let other = SimulationConfig { seed: 8, ..cfg };
    let files_c = simulate(&other).and_then(|s| s.write(c.path())).expect("c");

    let (bytes_a, bytes_b, bytes_c) = (
        file_bytes(&files_a),
        file_bytes(&files_b),
        file_bytes(&files_c),
    );
    for (path, (x, y)) in files_a.all().iter().zip(bytes_a.iter().zip(&bytes_b)) {
        assert!(!x.is_empty(), "{} is empty", path.display());
        assert_eq!(x, y, "{} differs between identical runs", path.display());
    }
    // ratings, truth_comments, truth_raters and the manifest (seed) change; item truth does not.
    for i in [0, 1, 2, 5] {
        assert_ne!(bytes_a[i], bytes_c[i], "{}", files_a.all()[i].display());
    }
    assert_eq!(bytes_a[3], bytes_c[3]);
}

#[test]
fn manifest_records_config_counts_and_version() {
    let sim = shared();
    let dir = temp_dir();
    let files = sim.write(&dir.path().join("nested/out")).expect("write");
    let text = std::fs::read_to_string(&files.manifest).expect("manifest");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(json["version"], crate::VERSION);
    assert_eq!(json["config"]["seed"], sim.config.seed);
    let config: SimulationConfig =
        serde_json::from_value(json["config"].clone()).expect("config round trip");
    assert_eq!(config, sim.config);
    let counts: SimulationCounts = serde_json::from_value(json["counts"].clone()).expect("counts");
    assert_eq!(counts, sim.counts());
    assert_eq!(counts.rows, sim.ratings.len());
    assert_eq!(
        counts.normal_raters + counts.random_raters + counts.straight_liners,
        counts.raters
    );
}

#[test]
fn ratings_csv_round_trips_through_polars_with_awkward_texts() {
    let sim = shared();
    let dir = temp_dir();
    let files = sim.write(dir.path()).expect("write");
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(files.ratings.clone()))
        .and_then(|r| r.finish())
        .expect("read ratings.csv");
    assert_eq!(df.height(), sim.ratings.len());

    let mut expected_columns = vec!["comment_id", "annotator_id", "platform"];
    expected_columns.extend(ITEMS.iter().map(|i| i.name));
    expected_columns.extend([
        "text",
        "target_race_black",
        "target_gender_women",
        "annotator_gender",
        "annotator_age",
    ]);
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, expected_columns);

    let texts = df
        .column("text")
        .and_then(|c| c.str().cloned())
        .expect("text");
    let ids = df
        .column("comment_id")
        .and_then(|c| c.i64().cloned())
        .expect("comment_id");
    let genocide = df
        .column("genocide")
        .and_then(|c| c.i64().cloned())
        .expect("genocide");
    let genocide_index = ITEMS.iter().position(|i| i.name == "genocide").unwrap();
    let (mut commas, mut quotes, mut newlines) = (0, 0, 0);
    for (n, rating) in sim.ratings.iter().enumerate() {
        let comment = &sim.comments[rating.comment as usize];
        assert_eq!(texts.get(n), Some(comment.text.as_str()), "row {n}");
        assert_eq!(ids.get(n), Some(comment.id), "row {n}");
        assert_eq!(
            genocide.get(n),
            Some(i64::from(rating.scores[genocide_index]))
        );
        commas += usize::from(comment.text.contains(','));
        quotes += usize::from(comment.text.contains('"'));
        newlines += usize::from(comment.text.contains('\n'));
    }
    assert!(commas > 100 && quotes > 100 && newlines > 100);

    let truth = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(files.truth_comments.clone()))
        .and_then(|r| r.finish())
        .expect("read truth_comments.csv");
    let measures = truth
        .column("measure")
        .and_then(|c| c.f64().cloned())
        .expect("measure");
    for (n, c) in sim.comments.iter().enumerate() {
        assert_eq!(
            measures.get(n),
            Some(c.measure),
            "measures must round-trip exactly"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Design

#[test]
fn design_has_the_configured_shape_and_is_connected() {
    let sim = shared();
    let cfg = &sim.config;
    let mut seen = HashSet::new();
    for r in &sim.ratings {
        assert!(
            seen.insert((r.comment, r.rater)),
            "rater {} rates comment {} twice",
            r.rater,
            r.comment
        );
    }

    let (k_min, k_max) = cfg.raters_per_comment;
    let mut reference_raters = Vec::new();
    let mut total_others = 0;
    for c in &sim.comments {
        if c.is_reference {
            reference_raters.push(c.n_raters);
        } else {
            assert!(
                (k_min..=k_max).contains(&c.n_raters),
                "comment {} has {} raters",
                c.id,
                c.n_raters
            );
            total_others += c.n_raters;
        }
    }
    assert_eq!(reference_raters.len(), cfg.reference_comments);
    let mean_reference =
        reference_raters.iter().sum::<usize>() as f64 / reference_raters.len() as f64;
    assert!(
        *reference_raters.iter().min().unwrap() >= 5 && mean_reference > 3.0 * k_max as f64,
        "reference comments need many raters: {reference_raters:?}"
    );

    // Number of raters from the formula, and a balanced load.
    let (r_min, r_max) = cfg.reference_per_rater;
    let per_rater = cfg.ratings_per_rater as f64 - (r_min + r_max) as f64 / 2.0;
    assert_eq!(
        sim.raters.len(),
        (total_others as f64 / per_rater).ceil() as usize
    );
    let mut others_per_rater = vec![0usize; sim.raters.len()];
    for r in &sim.ratings {
        if !sim.comments[r.comment as usize].is_reference {
            others_per_rater[r.rater as usize] += 1;
        }
    }
    let (lo, hi) = (
        others_per_rater.iter().min().unwrap(),
        others_per_rater.iter().max().unwrap(),
    );
    assert!(hi - lo <= 1, "unbalanced load {lo}..{hi}");
    for rater in &sim.raters {
        let references = rater.n_ratings - others_per_rater[rater.id as usize - 1];
        assert!((r_min..=r_max).contains(&references), "rater {}", rater.id);
    }

    // Connected: union-find over comments and raters.
    let n_comments = sim.comments.len();
    let mut uf = UnionFind::new(n_comments + sim.raters.len());
    for r in &sim.ratings {
        uf.union(r.comment, (n_comments + r.rater as usize) as u32);
    }
    let root = uf.find(0);
    assert!((0..(n_comments + sim.raters.len()) as u32).all(|x| uf.find(x) == root));
}

#[test]
fn tiny_designs_stay_valid_and_connected() {
    for seed in 0..20 {
        let cfg = SimulationConfig {
            comments: 12,
            reference_comments: 3,
            reference_per_rater: (1, 1),
            raters_per_comment: (1, 3),
            ratings_per_rater: 4,
            seed,
            ..SimulationConfig::default()
        };
        let sim = simulate(&cfg).expect("tiny simulation");
        let mut seen = HashSet::new();
        let n = sim.comments.len();
        let mut uf = UnionFind::new(n + sim.raters.len());
        for r in &sim.ratings {
            assert!(seen.insert((r.comment, r.rater)), "seed {seed}: repeat");
            uf.union(r.comment, (n + r.rater as usize) as u32);
        }
        let root = uf.find(0);
        assert!(
            (0..(n + sim.raters.len()) as u32).all(|x| uf.find(x) == root),
            "seed {seed}: disconnected"
        );
        for c in sim.comments.iter().filter(|c| !c.is_reference) {
            assert!((1..=3).contains(&c.n_raters), "seed {seed}");
        }
    }
}

#[test]
fn rows_are_not_in_truth_order() {
    let sim = shared();
    let measures: Vec<f64> = sim
        .ratings
        .iter()
        .map(|r| sim.comments[r.comment as usize].measure)
        .collect();
    let position: Vec<f64> = (0..measures.len()).map(|n| n as f64).collect();
    assert!(pearson(&measures, &position).abs() < 0.05);
    let rater_ids: Vec<f64> = sim.ratings.iter().map(|r| r.rater as f64).collect();
    assert!(pearson(&rater_ids, &position).abs() < 0.05);
}

// ---------------------------------------------------------------------------------------------
// Rater kinds

#[test]
fn rater_kinds_follow_the_shares_and_severities_are_centred() {
    let sim = shared();
    let counts = sim.counts();
    let n = counts.raters as f64;
    assert_eq!(
        counts.random_raters,
        (sim.config.random_responder_share * n).round() as usize
    );
    assert_eq!(
        counts.straight_liners,
        (sim.config.straight_liner_share * n).round() as usize
    );
    let normal: Vec<f64> = sim
        .raters
        .iter()
        .filter(|r| r.kind == RaterKind::Normal)
        .map(|r| r.severity)
        .collect();
    let mean = normal.iter().sum::<f64>() / normal.len() as f64;
    assert!(mean.abs() < 1e-12);
    let sd = (normal.iter().map(|s| s * s).sum::<f64>() / normal.len() as f64).sqrt();
    assert!(
        (sd - sim.config.severity_sd).abs() < 0.1,
        "severity SD {sd}"
    );

    // Small designs still get one of each kind.
    let small = simulate(&SimulationConfig {
        comments: 300,
        ..SimulationConfig::default()
    })
    .expect("small");
    let c = small.counts();
    assert!(c.raters >= 10 && c.random_raters >= 1 && c.straight_liners >= 1);
}

#[test]
fn straight_liners_give_one_category_position_everywhere() {
    let sim = shared();
    let mut checked = 0;
    for rating in &sim.ratings {
        if let RaterKind::StraightLiner(line) = sim.raters[rating.rater as usize].kind {
            for (score, item) in rating.scores.iter().zip(&ITEMS) {
                assert_eq!(*score, line.score(item));
            }
            checked += 1;
        }
    }
    assert!(checked > 50);
    // Each straight-liner's responses, as a share of the item's range, take a single value.
    for (r, rater) in sim.raters.iter().enumerate() {
        if let RaterKind::StraightLiner(_) = rater.kind {
            let positions: HashSet<u8> = sim
                .ratings
                .iter()
                .filter(|x| x.rater as usize == r)
                .flat_map(|x| {
                    x.scores
                        .iter()
                        .zip(&ITEMS)
                        .map(|(s, i)| s * 2 / i.max_score().max(1))
                })
                .collect();
            assert_eq!(positions.len(), 1, "rater {}", rater.id);
        }
    }
}

#[test]
fn random_responders_are_uniform() {
    // Pooled over all random responders, each item's category counts pass a chi-square test of
    // uniformity at the 0.1% level (df = m).
    let sim = shared();
    for (i, item) in ITEMS.iter().enumerate() {
        let mut counts = vec![0usize; item.n_categories()];
        for rating in &sim.ratings {
            if sim.raters[rating.rater as usize].kind == RaterKind::Random {
                counts[rating.scores[i] as usize] += 1;
            }
        }
        let total: usize = counts.iter().sum();
        assert!(total > 200, "{total} random responses");
        let expected = total as f64 / counts.len() as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&o| (o as f64 - expected).powi(2) / expected)
            .sum();
        let critical = ChiSquared::new((counts.len() - 1) as f64)
            .expect("df")
            .inverse_cdf(0.999);
        assert!(
            chi2 < critical,
            "{}: chi2 {chi2:.1} >= {critical:.1}, {counts:?}",
            item.name
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The model

/// Observed minus model-expected mean score of normal raters' responses to `item`, and the
/// model standard error of that mean, with the item difficulty shifted by `shift`.
fn observed_minus_expected(
    sim: &Simulation,
    item: usize,
    shift: f64,
    keep: impl Fn(&RaterTruth) -> bool,
) -> (f64, f64, usize) {
    let spec = &ITEMS[item];
    let mut scratch = [0.0; MAX_CATEGORIES];
    let (mut observed, mut expected, mut variance, mut n) = (0.0, 0.0, 0.0, 0usize);
    for rating in &sim.ratings {
        let rater = &sim.raters[rating.rater as usize];
        if rater.kind != RaterKind::Normal || !keep(rater) {
            continue;
        }
        let eta = sim.comments[rating.comment as usize].measure
            - rater.severity
            - (spec.difficulty + shift);
        let m = score_moments(eta, spec.thresholds, &mut scratch[..spec.n_categories()]);
        observed += f64::from(rating.scores[item]);
        expected += m.expected;
        variance += m.variance;
        n += 1;
    }
    let n_f = n as f64;
    ((observed - expected) / n_f, variance.sqrt() / n_f, n)
}

#[test]
fn normal_raters_follow_the_partial_credit_model() {
    // Tolerance: the observed mean score per item is within 4 model standard errors of the
    // expected mean (about 0.04 score points with ~6,000 responses per item), and within 0.05
    // points absolutely. A difficulty off by 0.25 logits must fail the same test.
    let sim = shared();
    for (i, item) in ITEMS.iter().enumerate() {
        let (diff, se, n) = observed_minus_expected(sim, i, 0.0, |_| true);
        assert!(n > 5000);
        assert!(
            diff.abs() <= 4.0 * se && diff.abs() < 0.05,
            "{}: observed - expected = {diff:.4} (se {se:.4})",
            item.name
        );
        let (wrong, se_wrong, _) = observed_minus_expected(sim, i, 0.25, |_| true);
        assert!(
            wrong.abs() > 4.0 * se_wrong,
            "{}: the check cannot detect a misplaced item ({wrong:.4})",
            item.name
        );
    }
    // Severity enters with the right sign: severe and lenient raters separately.
    for (name, keep) in [
        (
            "severe",
            (|r: &RaterTruth| r.severity > 0.5) as fn(&RaterTruth) -> bool,
        ),
        ("lenient", |r: &RaterTruth| r.severity < -0.5),
    ] {
        let (mut sum, mut var_sum) = (0.0, 0.0);
        for i in 0..N_ITEMS {
            let (diff, se, _) = observed_minus_expected(sim, i, 0.0, keep);
            sum += diff;
            var_sum += se * se;
        }
        let se = var_sum.sqrt();
        assert!(
            sum.abs() <= 4.0 * se,
            "{name} raters: summed item bias {sum:.4} (se {se:.4})"
        );
    }
}

#[test]
fn category_frequencies_look_like_mhs() {
    // sentiment and respect lean high; violence and genocide are mostly 0.
    let sim = shared();
    let mean_and_zero_share = |name: &str| {
        let i = ITEMS.iter().position(|x| x.name == name).unwrap();
        let scores: Vec<u8> = sim.ratings.iter().map(|r| r.scores[i]).collect();
        let n = scores.len() as f64;
        (
            scores.iter().map(|&s| f64::from(s)).sum::<f64>() / n,
            scores.iter().filter(|&&s| s == 0).count() as f64 / n,
        )
    };
    for name in ["sentiment", "respect"] {
        let (mean, _) = mean_and_zero_share(name);
        assert!(mean > 2.0, "{name} mean {mean:.2}");
    }
    for name in ["violence", "genocide"] {
        let (_, zeros) = mean_and_zero_share(name);
        assert!(zeros > 0.5, "{name} zero share {zeros:.2}");
    }
}

// ---------------------------------------------------------------------------------------------
// Text

#[test]
fn texts_carry_signal_about_the_measure() {
    let sim = shared();
    let mut tiers = Vec::new();
    let mut measures = Vec::new();
    for c in &sim.comments {
        let words = tokens(&c.text).count();
        assert!((8..=40).contains(&words), "{words} words: {:?}", c.text);
        let tier = mean_tier(&c.text).expect("every text has signal words");
        tiers.push(tier);
        measures.push(c.measure);
    }
    assert_eq!(measures.len(), 2000);
    let r = pearson(&tiers, &measures);
    assert!(r >= 0.9, "mean tier vs measure r = {r:.3}");
    // ... but not a deterministic function of it.
    assert!(r < 0.995, "r = {r:.4}");
}

#[test]
fn lexicon_words_are_unique_and_disjoint_from_filler() {
    let mut seen = HashSet::new();
    for word in LEXICON_TIERS
        .iter()
        .flat_map(|t| t.iter())
        .chain(FILLER_WORDS)
    {
        assert!(seen.insert(*word), "duplicate word {word}");
        assert_eq!(tokens(word).collect::<Vec<_>>(), vec![word.to_string()]);
    }
}

// ---------------------------------------------------------------------------------------------
// Scale

/// The MHS-sized design has the corpus' shape (7,912 raters, 135,556 rows in the release).
#[test]
fn mhs_sized_design_matches_the_corpus_shape() {
    let sim = simulate(&SimulationConfig {
        comments: MHS_COMMENTS,
        ..SimulationConfig::default()
    })
    .expect("MHS-sized simulation");
    let counts = sim.counts();
    assert!((7_500..=8_300).contains(&counts.raters), "{counts:?}");
    assert!((130_000..=140_000).contains(&counts.rows), "{counts:?}");
}

#[test]
fn rating_data_holds_every_response() {
    let sim = shared();
    let data = sim.rating_data();
    assert_eq!(data.len(), sim.counts().responses);
    assert_eq!(data.facets[0].len(), sim.comments.len());
    assert_eq!(data.facets[1].len(), sim.raters.len());
    let first = &sim.ratings[0];
    for i in 0..N_ITEMS {
        assert_eq!(data.elements[0][i], first.comment);
        assert_eq!(data.elements[1][i], first.rater);
        assert_eq!(data.elements[2][i], i as u32);
        assert_eq!(data.scores[i], i32::from(first.scores[i]));
    }
}

#[test]
fn a_planted_unused_category_reverses_its_two_thresholds() {
    let config = SimulationConfig {
        comments: 400,
        unused_category: Some("sentiment:2".parse().unwrap()),
        ..SimulationConfig::default()
    };
    config.validate().unwrap();
    // sentiment: -2.0, -0.6, 0.4, 2.2; c = -0.1, d = max(0.5, 1) = 1.
    let planted = config.item_thresholds(0);
    let expected = [-2.0, 0.9, -1.1, 2.2];
    for (p, e) in planted.iter().zip(expected) {
        assert!((p - e).abs() < 1e-12, "{planted:?}");
    }
    assert!(planted.iter().sum::<f64>().abs() < 1e-12);
    // The other items keep theirs.
    assert_eq!(config.item_thresholds(1), ITEMS[1].thresholds.to_vec());
    // Category 2 is chosen far less often than with the item's own thresholds.
    let share = |config: &SimulationConfig| {
        let sim = simulate(config).unwrap();
        let normal: Vec<&Rating> = sim
            .ratings
            .iter()
            .filter(|r| sim.raters[r.rater as usize].kind == RaterKind::Normal)
            .collect();
        normal.iter().filter(|r| r.scores[0] == 2).count() as f64 / normal.len() as f64
    };
    let plain = SimulationConfig {
        unused_category: None,
        ..config.clone()
    };
    let (with, without) = (share(&config), share(&plain));
    assert!(
        with < 0.5 * without,
        "share of 2: {with} planted, {without} not"
    );
}

#[test]
fn an_unused_category_must_be_an_interior_category_of_a_known_item() {
    let bad = |text: &str| {
        let config = SimulationConfig {
            unused_category: Some(text.parse().unwrap()),
            ..SimulationConfig::default()
        };
        config.validate().unwrap_err().to_string()
    };
    assert!(bad("nonsense:2").contains("names no item"));
    assert!(bad("sentiment:0").contains("not interior"));
    assert!(bad("sentiment:4").contains("not interior"));
    assert!(bad("hatespeech:2").contains("K must be 1..=1"));
    assert!("sentiment".parse::<UnusedCategory>().is_err());
    assert!("sentiment:x".parse::<UnusedCategory>().is_err());
}

#[test]
fn a_second_dimension_is_checked_and_leaves_the_first_trait_alone() {
    let bad = |second: SecondDimension| {
        SimulationConfig {
            second_dimension: Some(second),
            ..SimulationConfig::default()
        }
        .validate()
        .unwrap_err()
        .to_string()
    };
    assert!(bad(SecondDimension::new(1.5))
        .contains("`second_dimension.correlation` must be a correlation in [-1, 1], got 1.5"));
    let mut unknown = SecondDimension::new(0.3);
    unknown.items = vec!["violence".into(), "nonsense".into()];
    assert!(bad(unknown).contains("names `nonsense`, not an item"));
    let mut all = SecondDimension::new(0.3);
    all.items = ITEMS.iter().map(|i| i.name.to_string()).collect();
    assert!(bad(all).contains("must name between 1 and 9 items, got 10"));

    // The same seed with and without a second trait: the first trait's measures are the same,
    // the unaffected items' responses too; the second measures exist only with it.
    let base = SimulationConfig {
        comments: 300,
        ..SimulationConfig::default()
    };
    let plain = simulate(&base).unwrap();
    let planted = simulate(&SimulationConfig {
        second_dimension: Some(SecondDimension::new(0.3)),
        ..base
    })
    .unwrap();
    assert!(plain.comments.iter().all(|c| c.second_measure.is_none()));
    for (a, b) in plain.comments.iter().zip(&planted.comments) {
        assert_eq!(a.measure, b.measure);
        assert!(b.second_measure.is_some());
    }
    let sentiment = ITEMS.iter().position(|i| i.name == "sentiment").unwrap();
    let violence = ITEMS.iter().position(|i| i.name == "violence").unwrap();
    let same = |i: usize| {
        plain
            .ratings
            .iter()
            .zip(&planted.ratings)
            .all(|(a, b)| a.scores[i] == b.scores[i])
    };
    assert!(same(sentiment));
    assert!(!same(violence));
}
