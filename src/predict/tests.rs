//! Library-level tests of the predictor on a small simulated project.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use super::*;
use crate::config::Preset;
use crate::ingest::{self, IngestOptions};
use crate::pipeline::{self, FitRequest};
use crate::simulate::{self, SimulationConfig};
use crate::store::Decision;

/// Comments in the test simulation (small, so debug-build tests stay quick).
const COMMENTS: usize = 600;

/// A fitted project of `COMMENTS` simulated comments in `dir`.
fn fitted_project(dir: &Path) -> PathBuf {
    let sim = simulate::simulate(&SimulationConfig {
        comments: COMMENTS,
        ..Default::default()
    })
    .expect("simulation");
    let files = sim.write(dir).expect("write simulation");
    let staged = ingest::stage(
        &files.ratings,
        &Preset::Mhs.config(),
        &IngestOptions::default(),
    )
    .expect("stage");
    let db = dir.join("p.db");
    let mut project = Project::create_or_open(&db).expect("project");
    project.import(&staged).expect("import");
    pipeline::fit_project(
        &mut project,
        &FitRequest::default(),
        &mut crate::measure::NoObserver,
    )
    .expect("fit");
    db
}

fn quick() -> TrainOptions {
    TrainOptions {
        epochs: 8,
        batch_size: 32,
        hash_bits: 14,
        mc_samples: 5,
        ..TrainOptions::default()
    }
}

#[test]
fn trains_evaluates_stores_and_reproduces_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_project(dir.path());
    let mut project = Project::open(&db).unwrap();
    let mut epochs = Vec::new();
    let mut observer = |r: &EpochReport| {
        epochs.push(r.epoch);
        ControlFlow::Continue(())
    };
    let outcome = train_project(&mut project, &quick(), &mut observer).unwrap();
    assert_eq!(epochs, (1..=outcome.history.len()).collect::<Vec<_>>());
    let e = &outcome.evaluation;
    assert_eq!(
        e.test_comments + e.valid_comments + e.train_comments,
        COMMENTS
    );
    assert_eq!(e.test_comments, COMMENTS / 10);
    // The texts carry the measure: far better than the mean, and close to the ridge baseline
    // (at 600 comments both sit near the noise floor of the Rasch estimates).
    assert!(e.model.rmse < 0.5 * e.mean.rmse, "{e:#?}");
    assert!(e.model.pearson > 0.85, "{e:#?}");
    assert!(e.ridge.pearson > 0.85, "{e:#?}");
    assert_eq!(e.items.len(), 10);
    let mean_kappa = e.items.iter().map(|i| i.quadratic_kappa).sum::<f64>() / 10.0;
    assert!(mean_kappa > 0.5, "{e:#?}");
    for item in &e.items {
        assert!(item.quadratic_kappa > 0.25, "{item:?}");
        assert!(item.accuracy > 0.3 && item.accuracy <= 1.0, "{item:?}");
    }
    let models = project.models().unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0].id, outcome.model_id);
    assert_eq!(models[0].status, crate::store::ModelStatus::Trained);
    assert_eq!(project.latest_model().unwrap(), Some(outcome.model_id));

    // Reloaded from the project, the model gives the evaluation's test predictions again, and
    // two loads give bit-identical predictions (MC-dropout included).
    let rows = predict_objects(&project, outcome.model_id, &PredictOptions::default()).unwrap();
    let (mut predicted, mut measured) = (vec![], vec![]);
    for r in rows.iter().filter(|r| r.split == SplitPart::Test) {
        predicted.push(r.prediction.measure);
        measured.push(r.measured.unwrap());
    }
    let again = MeasureMetrics::compute(&predicted, &measured);
    assert!(
        (again.rmse - e.model.rmse).abs() < 1e-9,
        "{} vs {}",
        again.rmse,
        e.model.rmse
    );
    let texts: Vec<String> = vec![
        "Lovely, thanks, wonderful and grateful!".into(),
        "Threaten, destroy, eradicate and smash them all.".into(),
    ];
    let a = predict_texts(&project, outcome.model_id, &texts).unwrap();
    let b = predict_texts(&Project::open(&db).unwrap(), outcome.model_id, &texts).unwrap();
    assert_eq!(a, b);
    assert!(
        a[1].measure > a[0].measure + 2.0,
        "{:?}",
        (a[0].measure, a[1].measure)
    );
    for p in &a {
        let sum: f64 = p.intercept + p.items.iter().map(|i| i.contribution).sum::<f64>();
        assert!((sum - p.measure).abs() < 1e-12);
        assert!(
            p.uncertainty > 0.0 && p.uncertainty < 1.0,
            "{}",
            p.uncertainty
        );
        for i in &p.items {
            assert!((i.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
    // Perspective-aware: a severe rater (higher severity) expects lower scores.
    let severe = predict_texts_with(
        &project,
        outcome.model_id,
        &texts,
        &PredictOptions {
            severity: Some(1.5),
            ..Default::default()
        },
    )
    .unwrap();
    let lenient = predict_texts_with(
        &project,
        outcome.model_id,
        &texts,
        &PredictOptions {
            severity: Some(-1.5),
            ..Default::default()
        },
    )
    .unwrap();
    let lower = severe[1]
        .items
        .iter()
        .zip(&lenient[1].items)
        .filter(|(s, l)| s.expected_score < l.expected_score)
        .count();
    assert!(lower >= 8, "{lower} of 10 items");
    // The measure does not depend on the rater.
    assert_eq!(severe[1].measure, lenient[1].measure);
}

#[test]
fn cancelling_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_project(dir.path());
    let mut project = Project::open(&db).unwrap();
    let mut stop = |_: &EpochReport| ControlFlow::Break(());
    let err = train_project(&mut project, &quick(), &mut stop).unwrap_err();
    assert!(matches!(err, PredictError::Cancelled), "{err}");
    assert!(project.models().unwrap().is_empty());
}

#[test]
fn excluded_raters_do_not_supervise_the_heads() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_project(dir.path());
    let mut project = Project::open(&db).unwrap();
    let run = project.latest_run().unwrap().unwrap();
    let before = run_targets(&project, run).unwrap();
    let data = project.ratings().unwrap();
    let rater = data.rater_facets().next().unwrap();
    let label = data.facets[rater].labels[0].clone();
    let own = data.elements[rater].iter().filter(|&&r| r == 0).count();
    assert!(own > 0);
    project
        .decide(
            &data.facets[rater].name,
            &label,
            Decision::Exclude,
            "test",
            "cli",
            None,
        )
        .unwrap();
    let after = run_targets(&project, run).unwrap();
    let count = |t: &RunTargets| t.set.ratings.iter().map(Vec::len).sum::<usize>();
    assert_eq!(count(&before) - count(&after), own);
    assert_eq!(before.set.targets, after.set.targets);
}

#[test]
fn options_are_validated_by_field() {
    let check = |o: TrainOptions, field: &str| match o.validate() {
        Err(PredictError::InvalidOption { field: f, .. }) => assert_eq!(f, field),
        other => panic!("{field}: {other:?}"),
    };
    assert!(TrainOptions::default().validate().is_ok());
    check(
        TrainOptions {
            hash_bits: 30,
            ..Default::default()
        },
        "hash_bits",
    );
    check(
        TrainOptions {
            epochs: 0,
            ..Default::default()
        },
        "epochs",
    );
    check(
        TrainOptions {
            dropout: 1.0,
            ..Default::default()
        },
        "dropout",
    );
    check(
        TrainOptions {
            learning_rate: -1.0,
            ..Default::default()
        },
        "learning_rate",
    );
    check(
        TrainOptions {
            test_share: 0.6,
            ..Default::default()
        },
        "test_share",
    );
    check(
        TrainOptions {
            encoder: EncoderKind::Minilm,
            ..Default::default()
        },
        "encoder_dir",
    );
    let json = serde_json::to_string(&TrainOptions::default()).unwrap();
    let back: TrainOptions = serde_json::from_str(&json).unwrap();
    assert_eq!(back, TrainOptions::default());
    assert!(serde_json::from_str::<TrainOptions>(r#"{"epochz": 3}"#).is_err());
}

#[test]
fn a_model_reproduces_its_predictions_after_a_safetensors_round_trip() {
    use rand::SeedableRng;
    let texts = [
        "good nice thanks",
        "awful rude garbage",
        "okay fine",
        "destroy crush",
    ];
    let hashing = Hashing { bits: 10 };
    let inputs = TextInputs::hashed(hashing, &texts);
    let arch = network::Architecture {
        input_dim: 8,
        hidden: 6,
        categories: vec![5, 3],
        dropout: 0.2,
        perspective: true,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let net = network::Network::new(arch.clone(), &mut rng).unwrap();
    let table = encoder::EmbeddingTable::new(hashing.buckets(), 8, &mut rng);
    let config = ModelConfig {
        encoder: EncoderKind::Hashed,
        hashing: Some(hashing),
        minilm: None,
        architecture: arch,
        items: vec!["a".into(), "b".into()],
        min_scores: vec![0, 1],
        standardization: train::Standardization {
            mean: -0.5,
            sd: 2.0,
        },
        options: TrainOptions::default(),
        run_id: 1,
        best_epoch: 1,
        splits: ObjectSplits::default(),
    };
    let model = TextModel::new(config.clone(), net, Some(table));
    let bytes = model.to_safetensors().unwrap();
    let back = TextModel::from_parts(7, config.clone(), &bytes).unwrap();
    let a = model.predict(&inputs, Some(0.3), 7).unwrap();
    let b = back.predict(&inputs, Some(0.3), 7).unwrap();
    assert_eq!(a, b);
    assert_eq!(a[0].items[1].probabilities.len(), 3);
    assert!((1..=3).contains(&a[0].items[1].predicted_score));
    // A truncated file is a clear error, not a panic.
    assert!(matches!(
        TextModel::from_parts(7, config, &bytes[..bytes.len() / 2]),
        Err(PredictError::CorruptModel { model_id: 7, .. })
    ));
}

#[test]
fn the_api_is_send_for_a_training_thread() {
    fn send<T: Send>() {}
    send::<TrainOptions>();
    send::<EpochReport>();
    send::<TrainOutcome>();
    send::<Evaluation>();
    send::<Prediction>();
    send::<ObjectPrediction>();
    send::<TextModel>();
    send::<PredictError>();
    send::<Project>();
}

#[test]
fn a_network_started_at_ridge_predicts_what_ridge_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let db = fitted_project(dir.path());
    let mut project = Project::open(&db).unwrap();
    // Learning rates so small that no epoch moves the weights: the kept network is the start.
    let options = TrainOptions {
        epochs: 1,
        learning_rate: 1e-12,
        embedding_learning_rate: 1e-12,
        ..quick()
    };
    let outcome = train_project(&mut project, &options, &mut |_: &EpochReport| {
        ControlFlow::Continue(())
    })
    .unwrap();
    for p in &outcome.test_predictions {
        // f32 network arithmetic against the f64 ridge solve.
        assert!((p.model - p.ridge).abs() < 1e-4, "{p:?}");
    }
    let e = &outcome.evaluation;
    assert!((e.model.rmse - e.ridge.rmse).abs() < 1e-5, "{e:#?}");
    // Without the linear start the same network is far from ridge after one tiny step.
    let cold = TrainOptions {
        linear_start: false,
        ..options
    };
    let outcome = train_project(&mut project, &cold, &mut |_: &EpochReport| {
        ControlFlow::Continue(())
    })
    .unwrap();
    let e = &outcome.evaluation;
    assert!(e.model.rmse > e.ridge.rmse + 0.5, "{e:#?}");
}
