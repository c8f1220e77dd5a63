//! The multitask ordinal text predictor: learns a run's Rasch measures and item ratings from the
//! comments' texts, and explains each predicted measure by per-item contributions.
//!
//! Kennedy et al. (2020) let the item ratings supervise a network's internal concepts and
//! explain the continuous measure by those components. Here (see [`network`] for the equations):
//!
//! - **text** ([`encoder`]): a hashed n-gram embedding bag ([`features`], learned end to end,
//!   no download), or frozen all-MiniLM-L6-v2 sentence vectors ([`minilm`], cached in the
//!   project);
//! - **network**: a shared trunk, one CORAL ordinal head per item (`P(y > k) = σ(z_i − b_{i,k})`,
//!   Cao, Mirjalili & Raschka 2020), and a score head linear in the item latents, so every
//!   predicted measure is a sum of item contributions; optionally perspective-aware (the rater's
//!   severity enters the heads, Sachdeva et al. 2022);
//! - **training** ([`train`]): seeded split by comment, AdamW, early stopping on the validation
//!   loss, progress through a [`Observer`] that can cancel;
//! - **evaluation** ([`evaluate`]): RMSE, MAE, Pearson r, R² of the measure against ridge
//!   regression on the same features and the training mean; accuracy, quadratic weighted kappa,
//!   macro-F1 and label MAE per item;
//! - **prediction** ([`predict`]): measure, per-item category probabilities and contributions,
//!   MC-dropout uncertainty.
//!
//! [`train_project`] reads the targets of a run (the newest by default): the object measures and
//! their standard errors from the stored fit, the ratings in force (excluded raters' ratings are
//! masked and never supervise the heads) and the texts; it stores the model (safetensors weights,
//! JSON configuration, metrics, the run) in one transaction. A cancelled training stores
//! nothing. Everything here is `Send`: a front end can train on a background thread with its
//! own [`Project`] (`Project::open(path)`).

pub mod bert;
pub mod encoder;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod files;
pub mod minilm;
pub mod network;
#[allow(clippy::module_inception)]
pub mod predict;
pub mod train;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use encoder::{EncoderKind, TextInputs};
pub use error::PredictError;
pub use evaluate::{ItemMetrics, MeasureMetrics};
pub use features::Hashing;
pub use files::{predict_file, write_object_predictions, PredictFileRequest, PredictFileSummary};
pub use predict::{ItemPrediction, ModelConfig, ObjectSplits, Prediction, SplitPart, TextModel};
pub use train::{Splits, TrainingSet};

use crate::data::FacetRole;
use crate::measure::ElementStatus;
use crate::store::{ModelRecord, NewModel, Project};
use minilm::MinilmEncoder;
use train::RatingRow;

/// Fewest comments (with text and a measure) a model is trained on.
pub const MIN_COMMENTS: usize = 20;

/// The update rule of the hashed embedding table (see [`encoder::EmbeddingTable`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbeddingOptimizer {
    /// AdamW on the rows a batch touches (each row's step has about the learning rate's size,
    /// however rare its bucket).
    #[default]
    LazyAdamw,
    /// Plain SGD on the rows a batch touches: steps proportional to the gradient, so rare
    /// buckets move little (as in fastText).
    Sgd,
}

/// Hyper-parameters of training, validated by [`TrainOptions::validate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainOptions {
    /// The run whose measures are the targets (default: the newest).
    pub run_id: Option<i64>,
    /// How texts become vectors: hashed n-grams (default) or MiniLM sentence vectors.
    pub encoder: EncoderKind,
    /// Directory of the MiniLM files (`config.json`, `tokenizer.json`, `model.safetensors`).
    pub encoder_dir: Option<PathBuf>,
    /// Hashed encoder: `2^hash_bits` buckets. Default 18.
    pub hash_bits: u32,
    /// Hashed encoder: embedding width. Default 16.
    pub embedding_dim: usize,
    /// Width of the shared trunk. Default 32.
    pub hidden: usize,
    /// Dropout probability in the trunk (also the MC-dropout rate). Default 0.1.
    pub dropout: f64,
    /// Largest number of passes over the training comments. Default 10.
    pub epochs: usize,
    /// Comments per batch. Default 128.
    pub batch_size: usize,
    /// AdamW learning rate of the trunk and heads. Default 0.001 (the network starts at the
    /// ridge solution, see `linear_start`, and is fine-tuned from there; from random weights
    /// 0.01 suits better).
    pub learning_rate: f64,
    /// Learning rate of the hashed embedding table's update. Default 0.003 (for lazy AdamW;
    /// plain SGD needs about 100-300: a bucket row's gradient is its share `count/n` of the
    /// text times `1/batch`).
    pub embedding_learning_rate: f64,
    /// How the hashed embedding table is updated. Default lazy AdamW.
    pub embedding_optimizer: EmbeddingOptimizer,
    /// Both learning rates decay linearly over the epochs to this fraction of their start.
    /// Default 0.1.
    pub final_learning_rate_fraction: f64,
    /// AdamW decoupled weight decay. Default 1e-4.
    pub weight_decay: f64,
    /// λ, the weight of the measure's squared error against the items' ordinal cross-entropy.
    /// Default 10 (the measure is the target the model is judged on; the ordinal heads shape
    /// the latents it is made of).
    pub measure_weight: f64,
    /// Weight each comment's squared error by the precision of its measure,
    /// `1/(S.E.² + τ²)`. Default false (uniform weights gave lower held-out RMSE on the
    /// simulations, see docs/predictor.md).
    pub weight_by_standard_error: bool,
    /// `τ²`, the variance of the measure no text model explains, in the precision weights
    /// (logits²; 0 gives pure `1/S.E.²` weights). Default 1.
    pub unexplained_variance: f64,
    /// Perspective-aware heads: the rater's severity enters every CORAL logit. Default true.
    pub perspective: bool,
    /// Epochs without a better validation loss before training stops. Default 5.
    pub patience: usize,
    /// Share of the comments held out for validation. Default 0.1.
    pub valid_share: f64,
    /// Share of the comments held out for the test. Default 0.1.
    pub test_share: f64,
    /// Seed of the split, the initial weights, the batches and dropout. Default 2020.
    pub seed: u64,
    /// MC-dropout passes behind a prediction's uncertainty. Default 20.
    pub mc_samples: usize,
    /// Start the network at the ridge baseline fitted on the same split (through its linear
    /// path; the start counts as epoch 0 of early stopping), so training adds to the best linear
    /// model of the features instead of searching from random weights. Default true.
    pub linear_start: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            run_id: None,
            encoder: EncoderKind::Hashed,
            encoder_dir: None,
            hash_bits: 18,
            embedding_dim: 16,
            hidden: 32,
            dropout: 0.1,
            epochs: 10,
            batch_size: 128,
            learning_rate: 0.001,
            embedding_learning_rate: 0.003,
            embedding_optimizer: EmbeddingOptimizer::LazyAdamw,
            final_learning_rate_fraction: 0.1,
            weight_decay: 1e-4,
            measure_weight: 10.0,
            weight_by_standard_error: false,
            unexplained_variance: 1.0,
            perspective: true,
            patience: 5,
            valid_share: 0.1,
            test_share: 0.1,
            seed: 2020,
            mc_samples: 20,
            linear_start: true,
        }
    }
}

impl TrainOptions {
    /// Checks every field's range; the error names the field.
    pub fn validate(&self) -> Result<(), PredictError> {
        let bad = |field: &'static str, message: String| {
            Err(PredictError::InvalidOption { field, message })
        };
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !(features::MIN_HASH_BITS..=features::MAX_HASH_BITS).contains(&self.hash_bits) {
            return bad(
                "hash_bits",
                format!(
                    "must be in {}..={} (got {})",
                    features::MIN_HASH_BITS,
                    features::MAX_HASH_BITS,
                    self.hash_bits
                ),
            );
        }
        for (field, v) in [
            ("embedding_dim", self.embedding_dim),
            ("hidden", self.hidden),
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
            ("patience", self.patience),
        ] {
            if v == 0 {
                return bad(field, "must be at least 1".into());
            }
        }
        if !(self.dropout.is_finite() && (0.0..1.0).contains(&self.dropout)) {
            return bad(
                "dropout",
                format!("must be in [0, 1) (got {})", self.dropout),
            );
        }
        for (field, v) in [
            ("learning_rate", self.learning_rate),
            ("embedding_learning_rate", self.embedding_learning_rate),
        ] {
            if !positive(v) {
                return bad(field, format!("must be positive (got {v})"));
            }
        }
        for (field, v) in [
            ("weight_decay", self.weight_decay),
            ("measure_weight", self.measure_weight),
            ("unexplained_variance", self.unexplained_variance),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(field, format!("must be zero or positive (got {v})"));
            }
        }
        if !(self.final_learning_rate_fraction.is_finite()
            && self.final_learning_rate_fraction > 0.0
            && self.final_learning_rate_fraction <= 1.0)
        {
            return bad(
                "final_learning_rate_fraction",
                format!(
                    "must be in (0, 1] (got {})",
                    self.final_learning_rate_fraction
                ),
            );
        }
        for (field, v) in [
            ("valid_share", self.valid_share),
            ("test_share", self.test_share),
        ] {
            if !(v.is_finite() && v > 0.0 && v < 0.5) {
                return bad(field, format!("must be in (0, 0.5) (got {v})"));
            }
        }
        if self.encoder == EncoderKind::Minilm && self.encoder_dir.is_none() {
            return bad(
                "encoder_dir",
                "the minilm encoder needs the directory of its files (see docs/predictor.md)"
                    .into(),
            );
        }
        Ok(())
    }
}

/// What one epoch did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// The epoch cap.
    pub epochs: usize,
    /// Mean training loss over the epoch's batches (with dropout).
    pub train_loss: f64,
    /// Loss on the validation comments (no dropout).
    pub valid_loss: f64,
    /// RMSE of the predicted measure on the validation comments, logits.
    pub valid_rmse: f64,
    /// Pearson r between predicted and Rasch measures on the validation comments.
    pub valid_pearson: f64,
    /// Seconds since training started.
    pub elapsed_seconds: f64,
    /// The epoch with the best validation loss so far (0: the start, the ridge solution, see
    /// [`TrainOptions::linear_start`]).
    pub best_epoch: usize,
    /// This epoch improved the validation loss.
    pub improved: bool,
}

/// How front ends name a best epoch: `"epoch N"`, or `"the ridge start"` for epoch 0 (no
/// epoch improved on the linear start's validation loss).
pub fn best_epoch_label(epoch: usize) -> String {
    if epoch == 0 {
        "the ridge start".to_string()
    } else {
        format!("epoch {epoch}")
    }
}

/// The observer of training: called after every epoch; `Break` cancels training, which then
/// returns [`PredictError::Cancelled`] and stores nothing.
pub use crate::progress::{NoObserver, Observer};

/// The held-out evaluation of a model and its baselines (all on the test comments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The run whose measures were the targets.
    pub run_id: i64,
    /// The text encoder the model used.
    pub encoder: EncoderKind,
    /// Comments in the training part of the split.
    pub train_comments: usize,
    /// Comments in the validation part (early stopping, ridge shrinkage).
    pub valid_comments: usize,
    /// Comments in the test part, behind every metric here.
    pub test_comments: usize,
    /// Held-out ratings behind the item metrics.
    pub test_ratings: usize,
    /// The model's predicted measures against the run's measures.
    pub model: MeasureMetrics,
    /// Ridge regression on the same features.
    pub ridge: MeasureMetrics,
    /// The ridge baseline's shrinkage (chosen on the validation comments).
    pub ridge_alpha: f64,
    /// The training mean.
    pub mean: MeasureMetrics,
    /// Per item: the CORAL category predictions against the held-out ratings.
    pub items: Vec<ItemMetrics>,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Wall-clock seconds of training (without the evaluation).
    pub train_seconds: f64,
}

/// A stored, trained model.
#[derive(Debug, Clone, Serialize)]
pub struct TrainOutcome {
    /// The stored model's id.
    pub model_id: i64,
    /// The run whose measures were the targets.
    pub run_id: i64,
    /// The held-out evaluation of the model and its baselines.
    pub evaluation: Evaluation,
    /// One report per epoch run, in order (the reports the observer received).
    pub history: Vec<EpochReport>,
    /// Per held-out comment: its measure and the model's and the baselines' predictions (for a
    /// "predicted vs measured" view; not serialised).
    #[serde(skip)]
    pub test_predictions: Vec<TestPrediction>,
}

/// A held-out comment's measure and predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestPrediction {
    /// The object idx.
    pub object: u32,
    /// The run's measure.
    pub measured: f64,
    /// The model's predicted measure.
    pub model: f64,
    /// The ridge baseline's predicted measure.
    pub ridge: f64,
}

/// What a comment of the run gave as training data.
struct RunTargets {
    set: TrainingSet,
    /// Texts by document.
    texts: Vec<String>,
}

/// The targets of run `run_id`: every object with a text and a measure, its ratings in force.
fn run_targets(project: &Project, run_id: i64) -> Result<RunTargets, PredictError> {
    let fit = project.load_fit(run_id)?;
    let data = project.ratings_for_run(run_id)?;
    let texts = project.texts()?;
    let object_facet = data.object_facet;
    let objects = fit
        .facets
        .get(object_facet)
        .map(|f| f.elements.as_slice())
        .unwrap_or(&[]);
    let mut doc_of = vec![u32::MAX; texts.len()];
    let (mut doc_objects, mut targets, mut ses, mut doc_texts) = (vec![], vec![], vec![], vec![]);
    for (o, text) in texts.iter().enumerate() {
        let (Some(text), Some(element)) = (text, objects.get(o)) else {
            continue;
        };
        if matches!(element.status, ElementStatus::Dropped) || !element.measure.is_finite() {
            continue;
        }
        doc_of[o] = doc_objects.len() as u32;
        doc_objects.push(o as u32);
        targets.push(element.measure);
        ses.push(element.model_se);
        doc_texts.push(text.clone());
    }
    let rater_facet = data.facets.iter().position(|f| f.role == FacetRole::Rater);
    let severities: Vec<f32> = rater_facet
        .and_then(|f| fit.facets.get(f))
        .map(|f| {
            f.elements
                .iter()
                .map(|e| {
                    if matches!(e.status, ElementStatus::Dropped) || !e.measure.is_finite() {
                        0.0
                    } else {
                        e.measure as f32
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ratings = vec![Vec::new(); doc_objects.len()];
    for n in 0..data.len() {
        let o = data.elements[object_facet][n] as usize;
        let Some(&d) = doc_of.get(o) else { continue };
        if d == u32::MAX {
            continue;
        }
        let item = data.elements[data.item_facet][n];
        let scale = data.scale_of(n);
        let severity = rater_facet
            .and_then(|f| severities.get(data.elements[f][n] as usize))
            .copied()
            .unwrap_or(0.0);
        ratings[d as usize].push(RatingRow {
            item,
            category: (data.scores[n] - scale.min_score).max(0) as u32,
            severity,
        });
    }
    let categories = data.item_scales.iter().map(|s| s.n_categories()).collect();
    Ok(RunTargets {
        set: TrainingSet {
            inputs: TextInputs::Vectors {
                dim: 0,
                data: Vec::new(),
            },
            objects: doc_objects,
            targets,
            standard_errors: ses,
            ratings,
            categories,
        },
        texts: doc_texts,
    })
}

/// MiniLM vectors of `texts` (objects `objects` of the project, when given, are read from and
/// written to the project's cache).
fn minilm_inputs(
    project: &Project,
    encoder: &MinilmEncoder,
    texts: &[&str],
    objects: Option<&[u32]>,
) -> Result<TextInputs, PredictError> {
    let dim = encoder.info.dim;
    let key = encoder.info.cache_key();
    let cached = match objects {
        Some(_) => project.embeddings(&key)?,
        None => Default::default(),
    };
    let mut data = vec![0f32; texts.len() * dim];
    let mut missing = Vec::new();
    for (d, _) in texts.iter().enumerate() {
        match objects
            .and_then(|o| cached.get(&o[d]))
            .filter(|v| v.len() == dim)
        {
            Some(v) => data[d * dim..(d + 1) * dim].copy_from_slice(v),
            None => missing.push(d),
        }
    }
    if !missing.is_empty() {
        let batch: Vec<&str> = missing.iter().map(|&d| texts[d]).collect();
        let vectors = encoder.encode(&batch)?;
        for (k, &d) in missing.iter().enumerate() {
            data[d * dim..(d + 1) * dim].copy_from_slice(&vectors[k * dim..(k + 1) * dim]);
        }
        if let Some(objects) = objects {
            let rows: Vec<(u32, &[f32])> = missing
                .iter()
                .map(|&d| (objects[d], &data[d * dim..(d + 1) * dim]))
                .collect();
            project.put_embeddings(&key, &rows)?;
        }
    }
    Ok(TextInputs::Vectors { dim, data })
}

/// Trains a model on the measures of a run and stores it (see the module notes).
pub fn train_project(
    project: &mut Project,
    options: &TrainOptions,
    observer: &mut dyn Observer<EpochReport>,
) -> Result<TrainOutcome, PredictError> {
    options.validate()?;
    let run_id = match options.run_id {
        Some(id) => id,
        None => project.latest_run()?.ok_or(PredictError::NoRun)?,
    };
    let RunTargets { mut set, texts } = run_targets(project, run_id)?;
    if set.targets.len() < MIN_COMMENTS {
        return Err(PredictError::TooFewComments {
            run_id,
            found: set.targets.len(),
            needed: MIN_COMMENTS,
        });
    }
    let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut minilm_info = None;
    let hashing = Hashing {
        bits: options.hash_bits,
    };
    set.inputs = match options.encoder {
        EncoderKind::Hashed => TextInputs::hashed(hashing, &text_refs),
        EncoderKind::Minilm => {
            let dir = options.encoder_dir.clone().unwrap_or_default();
            let encoder = MinilmEncoder::load(&dir)?;
            let inputs = minilm_inputs(project, &encoder, &text_refs, Some(&set.objects))?;
            minilm_info = Some(encoder.info.clone());
            inputs
        }
    };
    let splits = Splits::random(
        set.targets.len(),
        options.valid_share,
        options.test_share,
        options.seed,
    );
    // The ridge baseline on the same split and features: the yardstick of the evaluation, and
    // the network's start.
    let baseline = evaluate::ridge_baseline(
        &set.inputs,
        &set.targets,
        &splits.train,
        &splits.valid,
        &splits.test,
    );
    let start = options.linear_start.then_some(&baseline.linear);
    let trained = train::train_network(&set, &splits, options, start, observer)?;
    let items = project
        .facets()?
        .into_iter()
        .find(|f| f.role == FacetRole::Item)
        .map(|f| f.labels)
        .unwrap_or_default();
    let min_scores = project.item_scales()?.iter().map(|s| s.min_score).collect();
    let to_objects = |docs: &[usize]| -> Vec<u32> {
        let mut v: Vec<u32> = docs.iter().map(|&d| set.objects[d]).collect();
        v.sort_unstable();
        v
    };
    let config = ModelConfig {
        encoder: options.encoder,
        hashing: (options.encoder == EncoderKind::Hashed).then_some(hashing),
        minilm: minilm_info,
        architecture: trained.network.arch.clone(),
        items,
        min_scores,
        standardization: trained.standardization,
        options: options.clone(),
        run_id,
        best_epoch: trained.best_epoch,
        splits: ObjectSplits {
            train: to_objects(&splits.train),
            valid: to_objects(&splits.valid),
            test: to_objects(&splits.test),
        },
    };
    let model = TextModel::new(config, trained.network, trained.embedding);
    let (evaluation, test_predictions) = evaluate_model(
        &model,
        &set,
        &splits,
        &baseline,
        run_id,
        trained.best_epoch,
        trained.train_seconds,
    )?;
    let weights = model.to_safetensors()?;
    let config_json =
        serde_json::to_value(&model.config).map_err(|e| PredictError::InvalidOption {
            field: "config",
            message: e.to_string(),
        })?;
    let metrics = serde_json::json!({
        "evaluation": evaluation,
        "history": trained.history,
    });
    let model_id = project.save_model(&NewModel {
        run_id,
        encoder: options.encoder.as_str(),
        status: crate::store::ModelStatus::Trained,
        config: &config_json,
        metrics: &metrics,
        weights: Some(&weights),
    })?;
    Ok(TrainOutcome {
        model_id,
        run_id,
        evaluation,
        history: trained.history,
        test_predictions,
    })
}

/// The model's, the ridge baseline's and the mean baseline's test metrics.
fn evaluate_model(
    model: &TextModel,
    set: &TrainingSet,
    splits: &Splits,
    baseline: &evaluate::RidgeBaseline,
    run_id: i64,
    best_epoch: usize,
    train_seconds: f64,
) -> Result<(Evaluation, Vec<TestPrediction>), PredictError> {
    let test = &splits.test;
    let targets: Vec<f64> = test.iter().map(|&d| set.targets[d]).collect();
    let st = model.config.standardization;
    // The same computation as every later prediction (intercept plus item contributions).
    let predicted: Vec<f64> = model
        .predict_docs(&set.inputs, test, None, 0)?
        .iter()
        .map(|p| p.measure)
        .collect();
    let ridge_pred = &baseline.test_predictions;
    let mean_pred = vec![st.mean; test.len()];
    let mut ratings = Vec::new();
    for &d in test {
        for r in &set.ratings[d] {
            ratings.push((d, r.item, r.severity));
        }
    }
    let categories = model.rating_categories(&set.inputs, test, &ratings)?;
    let n_items = set.categories.len();
    let mut by_item: Vec<(Vec<usize>, Vec<usize>)> = vec![(vec![], vec![]); n_items];
    let mut k = 0;
    for &d in test {
        for r in &set.ratings[d] {
            by_item[r.item as usize].0.push(categories[k]);
            by_item[r.item as usize].1.push(r.category as usize);
            k += 1;
        }
    }
    let items = by_item
        .iter()
        .enumerate()
        .map(|(i, (p, o))| {
            let name = model
                .config
                .items
                .get(i)
                .cloned()
                .unwrap_or_else(|| i.to_string());
            ItemMetrics::compute(&name, p, o, set.categories[i])
        })
        .collect();
    let test_predictions = test
        .iter()
        .enumerate()
        .map(|(k, &d)| TestPrediction {
            object: set.objects[d],
            measured: set.targets[d],
            model: predicted[k],
            ridge: ridge_pred[k],
        })
        .collect();
    let evaluation = Evaluation {
        run_id,
        encoder: model.config.encoder,
        train_comments: splits.train.len(),
        valid_comments: splits.valid.len(),
        test_comments: test.len(),
        test_ratings: ratings.len(),
        model: MeasureMetrics::compute(&predicted, &targets),
        ridge: MeasureMetrics::compute(ridge_pred, &targets),
        ridge_alpha: baseline.model.alpha,
        mean: MeasureMetrics::compute(&mean_pred, &targets),
        items,
        best_epoch,
        train_seconds,
    };
    Ok((evaluation, test_predictions))
}

/// How to predict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictOptions {
    /// Read the MiniLM files from here instead of the directory recorded with the model.
    pub encoder_dir: Option<PathBuf>,
    /// Predict the ratings of a rater of this severity (logits; perspective-aware models only).
    /// Default: an average rater (severity 0).
    pub severity: Option<f64>,
    /// MC-dropout passes behind the uncertainty (default: the model's `mc_samples`; 0 gives the
    /// point predictions only, with uncertainty 0).
    #[serde(default)]
    pub mc_samples: Option<usize>,
}

/// Loads stored model `model_id`.
pub fn load_model(
    project: &Project,
    model_id: i64,
) -> Result<(ModelRecord, TextModel), PredictError> {
    let record = project
        .model(model_id)?
        .ok_or(PredictError::NoSuchModel { model_id })?;
    let weights = project
        .model_weights(model_id)?
        .ok_or_else(|| PredictError::NoWeights {
            model_id,
            status: record.status,
        })?;
    let config: ModelConfig =
        serde_json::from_value(record.config.clone()).map_err(|e| PredictError::CorruptModel {
            model_id,
            message: e.to_string(),
        })?;
    let model = TextModel::from_parts(model_id, config, &weights)?;
    Ok((record, model))
}

/// The inputs of `texts` for `model` (`objects`: their project object idx, for the MiniLM cache).
fn model_inputs(
    project: &Project,
    model_id: i64,
    model: &TextModel,
    texts: &[&str],
    objects: Option<&[u32]>,
    options: &PredictOptions,
) -> Result<TextInputs, PredictError> {
    match (
        model.config.encoder,
        model.config.hashing,
        &model.config.minilm,
    ) {
        (EncoderKind::Hashed, Some(hashing), _) => Ok(TextInputs::hashed(hashing, texts)),
        (EncoderKind::Minilm, _, Some(info)) => {
            let dir = options
                .encoder_dir
                .clone()
                .unwrap_or_else(|| info.dir.clone());
            let encoder = MinilmEncoder::load(&dir)?;
            if encoder.info.weights_sha256 != info.weights_sha256 {
                return Err(PredictError::Encoder {
                    dir,
                    message: format!(
                        "{} has sha256 {}, but the model was trained with {}",
                        minilm::WEIGHTS_FILE,
                        encoder.info.weights_sha256,
                        info.weights_sha256
                    ),
                });
            }
            minilm_inputs(project, &encoder, texts, objects)
        }
        _ => Err(PredictError::CorruptModel {
            model_id,
            message: "the configuration lacks its encoder".into(),
        }),
    }
}

/// Predictions for new texts by stored model `model_id`.
pub fn predict_texts(
    project: &Project,
    model_id: i64,
    texts: &[String],
) -> Result<Vec<Prediction>, PredictError> {
    predict_texts_with(project, model_id, texts, &PredictOptions::default())
}

/// [`predict_texts`] with options.
pub fn predict_texts_with(
    project: &Project,
    model_id: i64,
    texts: &[String],
    options: &PredictOptions,
) -> Result<Vec<Prediction>, PredictError> {
    let (_, model) = load_model(project, model_id)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let inputs = model_inputs(project, model_id, &model, &refs, None, options)?;
    let mc_samples = options
        .mc_samples
        .unwrap_or(model.config.options.mc_samples);
    model.predict(&inputs, options.severity, mc_samples)
}

/// A project comment's prediction next to its Rasch measure ("predicted vs measured").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectPrediction {
    /// The object's idx and label.
    pub object: u32,
    /// The object's label.
    pub label: String,
    /// Which part of the model's split the comment was in.
    pub split: SplitPart,
    /// Its measure and S.E. in the model's run (`None` when the run has none).
    pub measured: Option<f64>,
    /// Its standard error (S.E.) in the model's run (`None` when the run has none).
    pub standard_error: Option<f64>,
    /// The model's prediction for its text.
    pub prediction: Prediction,
}

/// Predictions of stored model `model_id` for every project comment with a text.
pub fn predict_objects(
    project: &Project,
    model_id: i64,
    options: &PredictOptions,
) -> Result<Vec<ObjectPrediction>, PredictError> {
    let (_, model) = load_model(project, model_id)?;
    let texts = project.texts()?;
    let facets = project.facets()?;
    let object_facet = facets
        .iter()
        .position(|f| f.role == FacetRole::Object)
        .unwrap_or(0);
    let labels = facets
        .get(object_facet)
        .map(|f| f.labels.clone())
        .unwrap_or_default();
    let fit = project.load_fit(model.config.run_id).ok();
    let elements = fit
        .as_ref()
        .and_then(|f| f.facets.get(object_facet))
        .map(|f| f.elements.as_slice())
        .unwrap_or(&[]);
    let (objects, refs): (Vec<u32>, Vec<&str>) = texts
        .iter()
        .enumerate()
        .filter_map(|(o, t)| t.as_deref().map(|t| (o as u32, t)))
        .unzip();
    let inputs = model_inputs(project, model_id, &model, &refs, Some(&objects), options)?;
    let mc_samples = options
        .mc_samples
        .unwrap_or(model.config.options.mc_samples);
    let predictions = model.predict(&inputs, options.severity, mc_samples)?;
    Ok(objects
        .into_iter()
        .zip(predictions)
        .map(|(o, prediction)| {
            let element = elements
                .get(o as usize)
                .filter(|e| !matches!(e.status, ElementStatus::Dropped));
            ObjectPrediction {
                object: o,
                label: labels.get(o as usize).cloned().unwrap_or_default(),
                split: model.config.splits.part_of(o),
                measured: element.map(|e| e.measure),
                standard_error: element.and_then(|e| e.model_se),
                prediction,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests;
