//! Training: seeded split by comment, AdamW, early stopping on the validation loss.
//!
//! The loss of a batch of comments `B` with ratings `R(B)` is
//!
//! ```text
//! L = (1/|R|) Σ_{r∈R} Σ_k mask_{r,k} BCE(σ(z_{d(r),i(r)} − γ_i c_r − b_{i,k}), 1[y_r > k])
//!   + λ · (1/|B|) Σ_{d∈B} w_d (ŝ_d − (m_d − μ)/s)²,        w_d ∝ 1 / SE_d²
//! ```
//!
//! the CORAL cross-entropy of every rating of the comments (excluded raters' ratings never
//! supervise the heads) plus `λ` times the squared error of the standardized measure, weighted by
//! the measure's precision `1/SE²` (normalised to mean 1 over the training comments; uniform when
//! `weight_by_standard_error` is off). `μ` and `s` are the mean and SD of the training targets.

use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use candle_nn::Optimizer;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::encoder::{AdamParams, EmbeddingTable, TextInputs};
use super::error::PredictError;
use super::evaluate::{pearson, LinearPredictor};
use super::network::{coral_loss, coral_targets, Architecture, Network};
use super::{EmbeddingOptimizer, EpochReport, Observer, TrainOptions};
use crate::progress::Progress;

/// Texts per forward pass when only predicting (no gradient).
pub const INFERENCE_CHUNK: usize = 256;
/// Smallest standard error used in the precision weights `1/SE²`, in logits (guards against a
/// vanishing S.E. dominating the loss).
pub const MIN_STANDARD_ERROR: f64 = 0.1;
/// AdamW's moment decay rates and ε (Loshchilov & Hutter 2019's defaults).
const ADAM_BETA1: f64 = 0.9;
const ADAM_BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;

/// One rating that supervises an item head.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingRow {
    /// The item (element index in the item facet) the rating is on.
    pub item: u32,
    /// 0-based category (score minus the item's minimum score).
    pub category: u32,
    /// The rater's severity in logits (0 without a rater facet).
    pub severity: f32,
}

/// The comments a model learns from: inputs, Rasch targets and ratings, by document index.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    /// The text inputs of every document (hashed bags or sentence vectors).
    pub inputs: TextInputs,
    /// The project's object idx of every document.
    pub objects: Vec<u32>,
    /// The run's measure of every document, in logits.
    pub targets: Vec<f64>,
    /// The measure's standard error, when the run has one.
    pub standard_errors: Vec<Option<f64>>,
    /// The ratings of every document.
    pub ratings: Vec<Vec<RatingRow>>,
    /// Number of categories of every item.
    pub categories: Vec<usize>,
}

/// Document indices of the three parts of a split by comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splits {
    /// Training documents.
    pub train: Vec<usize>,
    /// Validation documents (early stopping).
    pub valid: Vec<usize>,
    /// Test documents (held out for the evaluation).
    pub test: Vec<usize>,
}

impl Splits {
    /// A seeded random split of `n` documents: a ChaCha8 shuffle, then the first
    /// `round(n · test_share)` are test, the next `round(n · valid_share)` validation, the rest
    /// training. Each part is sorted.
    pub fn random(n: usize, valid_share: f64, test_share: f64, seed: u64) -> Splits {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let n_test = ((n as f64 * test_share).round() as usize).max(1).min(n);
        let n_valid = ((n as f64 * valid_share).round() as usize)
            .max(1)
            .min(n - n_test);
        let mut test = order[..n_test].to_vec();
        let mut valid = order[n_test..n_test + n_valid].to_vec();
        let mut train = order[n_test + n_valid..].to_vec();
        test.sort_unstable();
        valid.sort_unstable();
        train.sort_unstable();
        Splits { train, valid, test }
    }
}

/// The target standardization `(m − μ) / s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    /// Mean `μ` of the training targets, in logits.
    pub mean: f64,
    /// Population SD `s` of the training targets (1 when they do not vary).
    pub sd: f64,
}

impl Standardization {
    /// Mean and population SD of `values` (SD 1 when it would be 0).
    pub fn of(values: impl Iterator<Item = f64> + Clone) -> Standardization {
        let n = values.clone().count().max(1) as f64;
        let mean = values.clone().sum::<f64>() / n;
        let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        Standardization { mean, sd }
    }
}

/// A trained network with its text representation.
pub struct Trained {
    /// The network with the kept weights.
    pub network: Network,
    /// The learned hashed embedding table (`None` for sentence vectors).
    pub embedding: Option<EmbeddingTable>,
    /// The standardization of the training targets.
    pub standardization: Standardization,
    /// One report per epoch run, in order (the reports the observer received).
    pub history: Vec<EpochReport>,
    /// The epoch whose weights were kept (best validation loss).
    pub best_epoch: usize,
    /// Wall-clock seconds of training.
    pub train_seconds: f64,
}

/// A batch's text vectors: a leaf variable for bags (its gradient updates the embedding
/// table), a constant for fixed vectors.
pub(crate) enum BatchInput {
    Bags(Var),
    Vectors(Tensor),
}

impl BatchInput {
    fn tensor(&self) -> &Tensor {
        match self {
            BatchInput::Bags(v) => v.as_tensor(),
            BatchInput::Vectors(t) => t,
        }
    }
}

/// The text vectors of documents `docs`.
pub(crate) fn batch_input(
    inputs: &TextInputs,
    embedding: Option<&EmbeddingTable>,
    docs: &[usize],
) -> Result<BatchInput, PredictError> {
    let dev = Device::Cpu;
    match (inputs, embedding) {
        (TextInputs::Bags { bags, .. }, Some(table)) => {
            let v = table.bag_vectors(docs.iter().map(|&d| bags[d].as_slice()));
            Ok(BatchInput::Bags(Var::from_vec(
                v,
                (docs.len(), table.dim),
                &dev,
            )?))
        }
        (TextInputs::Vectors { dim, data }, _) => {
            let mut v = Vec::with_capacity(docs.len() * dim);
            for &d in docs {
                v.extend_from_slice(&data[d * dim..(d + 1) * dim]);
            }
            Ok(BatchInput::Vectors(Tensor::from_vec(
                v,
                (docs.len(), *dim),
                &dev,
            )?))
        }
        (TextInputs::Bags { .. }, None) => Err(PredictError::InvalidOption {
            field: "encoder",
            message: "hashed inputs need an embedding table".into(),
        }),
    }
}

/// The loss of one batch (see the module notes) and the number of ratings it covers.
struct BatchLoss {
    loss: Tensor,
    ordinal_sum: f64,
    measure_sum: f64,
    ratings: usize,
}

#[allow(clippy::too_many_arguments)]
fn batch_loss(
    network: &Network,
    x: &Tensor,
    mask: Option<&Tensor>,
    set: &TrainingSet,
    docs: &[usize],
    weights: &[f64],
    standardization: Standardization,
    lambda: f64,
) -> Result<BatchLoss, PredictError> {
    let dev = Device::Cpu;
    let forward = network.forward(x, mask)?;
    let (mut doc_rows, mut items, mut cats, mut sev) = (vec![], vec![], vec![], vec![]);
    for (local, &d) in docs.iter().enumerate() {
        for r in &set.ratings[d] {
            doc_rows.push(local as u32);
            items.push(r.item);
            cats.push(r.category);
            sev.push(r.severity);
        }
    }
    let n_ratings = items.len();
    let ordinal = if n_ratings > 0 {
        let logits = network.rating_logits(&forward.latents, &doc_rows, &items, &sev)?;
        let (t, m) = coral_targets(&cats, &items, &network.arch)?;
        coral_loss(&logits, &t, &m)?
    } else {
        Tensor::zeros((), candle_core::DType::F32, &dev)?
    };
    let y: Vec<f32> = docs
        .iter()
        .map(|&d| ((set.targets[d] - standardization.mean) / standardization.sd) as f32)
        .collect();
    let w: Vec<f32> = docs.iter().map(|&d| weights[d] as f32).collect();
    let y = Tensor::from_vec(y, docs.len(), &dev)?;
    let w = Tensor::from_vec(w, docs.len(), &dev)?;
    let measure = ((forward.score - y)?.sqr()? * w)?.sum_all()?;
    let measure_mean = (&measure / docs.len().max(1) as f64)?;
    let loss = (&ordinal + (measure_mean * lambda)?)?;
    let ordinal_mean = ordinal.to_scalar::<f32>()? as f64;
    Ok(BatchLoss {
        loss,
        ordinal_sum: ordinal_mean * n_ratings as f64,
        measure_sum: measure.to_scalar::<f32>()? as f64,
        ratings: n_ratings,
    })
}

/// Precision weights `w_d ∝ 1 / (max(SE_d, MIN_STANDARD_ERROR)² + τ²)`, normalised to mean 1
/// over `train` (a missing S.E. takes the largest one seen); all 1 when `by_se` is false.
///
/// `τ²` is the variance of the measure that no text model can explain (the random-effects
/// weight of meta-analysis, DerSimonian & Laird 1986): with `τ² = 0` the weights are the pure
/// precisions `1/SE²`, which let the few well-measured comments dominate and all but ignore
/// extreme comments (whose S.E. is large); a larger `τ²` flattens them towards uniform.
pub fn precision_weights(set: &TrainingSet, train: &[usize], by_se: bool, tau2: f64) -> Vec<f64> {
    let n = set.targets.len();
    if !by_se {
        return vec![1.0; n];
    }
    let largest = set
        .standard_errors
        .iter()
        .flatten()
        .copied()
        .filter(|s| s.is_finite())
        .fold(MIN_STANDARD_ERROR, f64::max);
    let raw: Vec<f64> = set
        .standard_errors
        .iter()
        .map(|se| {
            let se = se.filter(|s| s.is_finite()).unwrap_or(largest);
            1.0 / (se.max(MIN_STANDARD_ERROR).powi(2) + tau2)
        })
        .collect();
    let mean = train.iter().map(|&d| raw[d]).sum::<f64>() / train.len().max(1) as f64;
    raw.into_iter().map(|w| w / mean).collect()
}

/// Validation loss (same objective as training, no dropout) and measures in logits.
fn validate(
    network: &Network,
    embedding: Option<&EmbeddingTable>,
    set: &TrainingSet,
    docs: &[usize],
    weights: &[f64],
    standardization: Standardization,
    lambda: f64,
) -> Result<(f64, Vec<f64>), PredictError> {
    let (mut ord, mut meas, mut ratings) = (0.0, 0.0, 0usize);
    let mut measures = Vec::with_capacity(docs.len());
    for chunk in docs.chunks(INFERENCE_CHUNK) {
        let x = batch_input(&set.inputs, embedding, chunk)?;
        let l = batch_loss(
            network,
            x.tensor(),
            None,
            set,
            chunk,
            weights,
            standardization,
            lambda,
        )?;
        ord += l.ordinal_sum;
        meas += l.measure_sum;
        ratings += l.ratings;
        let f = network.forward(x.tensor(), None)?;
        measures.extend(
            f.score
                .to_vec1::<f32>()?
                .into_iter()
                .map(|s| standardization.mean + standardization.sd * s as f64),
        );
    }
    let loss = ord / ratings.max(1) as f64 + lambda * meas / docs.len().max(1) as f64;
    Ok((loss, measures))
}

/// A deep copy of the network's parameters and the embedding weights (the best epoch so far).
struct Snapshot {
    tensors: std::collections::HashMap<String, Tensor>,
    embedding: Option<Vec<f32>>,
}

fn snapshot(
    network: &Network,
    embedding: Option<&EmbeddingTable>,
) -> Result<Snapshot, PredictError> {
    let mut tensors = std::collections::HashMap::new();
    for (k, t) in network.tensors() {
        tensors.insert(k, t.copy()?);
    }
    Ok(Snapshot {
        tensors,
        embedding: embedding.map(|e| e.weights.clone()),
    })
}

/// The learning-rate multiplier of epoch `epoch` (1-based) of `epochs`: a linear decay from 1 at
/// the first epoch to `last` at the last.
pub fn learning_rate_fraction(epoch: usize, epochs: usize, last: f64) -> f64 {
    if epochs <= 1 {
        return 1.0;
    }
    1.0 - (1.0 - last) * (epoch - 1) as f64 / (epochs - 1) as f64
}

/// Trains a network on `splits.train`, stopping early on `splits.valid`.
///
/// With `linear_start` (the ridge baseline fitted on the same split) the network starts at
/// that linear model ([`Network::start_at_linear`]; for hashed bags the model's weights go
/// into the embedding's frozen column 0 and the linear path reads that column) and the start
/// is epoch 0 of early stopping: training keeps whichever of the start and the epochs has the
/// lowest validation loss.
///
/// The seeded generator is drawn in a fixed order: the network's initial weights, the
/// embedding table, then per epoch the shuffle of the training comments and per batch the
/// dropout mask.
pub fn train_network(
    set: &TrainingSet,
    splits: &Splits,
    options: &TrainOptions,
    linear_start: Option<&LinearPredictor>,
    observer: &mut dyn Observer<EpochReport>,
) -> Result<Trained, PredictError> {
    let start = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let arch = architecture(set, options);
    let network = Network::new(arch.clone(), &mut rng)?;
    network.start_biases_at_marginals(&marginal_counts(set, &splits.train))?;
    let mut embedding = new_embedding(set, options, &mut rng);
    let objective = Objective::new(set, &splits.train, options);
    let standardization = objective.standardization;
    if let Some(linear) = linear_start {
        start_at_linear(
            &network,
            embedding.as_mut(),
            linear,
            arch.input_dim,
            standardization,
        )?;
    }
    let dense = dense_adam(options);
    let sparse = sparse_adam(options, dense);
    let mut optimizer = adamw(&network, dense)?;
    let mut progress = Progress::new(observer);
    let mut stopping = EarlyStopping::default();
    let mut step = 0u64;
    let mut order = splits.train.clone();
    if linear_start.is_some() {
        let (valid_loss, _) = objective.validate(&network, embedding.as_ref(), &splits.valid)?;
        if valid_loss.is_finite() {
            stopping.observe(valid_loss, 0, &network, embedding.as_ref())?;
        }
    }
    for epoch in 1..=options.epochs {
        let sparse = schedule_epoch(&mut optimizer, dense, sparse, epoch, options);
        order.shuffle(&mut rng);
        let mut pass = EpochPass {
            network: &network,
            embedding: embedding.as_mut(),
            optimizer: &mut optimizer,
            sparse: &sparse,
            rng: &mut rng,
            step: &mut step,
        };
        let train_loss = objective.train_epoch(&mut pass, &order, options, epoch)?;
        let (valid_loss, measures) =
            objective.validate(&network, embedding.as_ref(), &splits.valid)?;
        if !valid_loss.is_finite() {
            return Err(PredictError::Diverged { epoch });
        }
        let targets: Vec<f64> = splits.valid.iter().map(|&d| set.targets[d]).collect();
        let improved = stopping.observe(valid_loss, epoch, &network, embedding.as_ref())?;
        let report = EpochReport {
            epoch,
            epochs: options.epochs,
            train_loss,
            valid_loss,
            valid_rmse: root_mean_square_error(&measures, &targets),
            valid_pearson: pearson(&measures, &targets),
            elapsed_seconds: start.elapsed().as_secs_f64(),
            best_epoch: stopping.best.as_ref().map(|b| b.1).unwrap_or(epoch),
            improved,
        };
        progress.report(report)?;
        if stopping.since_best >= options.patience {
            break;
        }
    }
    let (best_epoch, network, embedding) = keep_best(stopping.best, arch, network, embedding)?;
    Ok(Trained {
        network,
        embedding,
        standardization,
        history: progress.into_history(),
        best_epoch,
        train_seconds: start.elapsed().as_secs_f64(),
    })
}

/// The network's shape: text vectors of the embedding's width (hashed bags) or the sentence
/// vectors' width, one hidden layer, one CORAL head per item.
fn architecture(set: &TrainingSet, options: &TrainOptions) -> Architecture {
    let input_dim = match &set.inputs {
        TextInputs::Bags { .. } => options.embedding_dim,
        TextInputs::Vectors { dim, .. } => *dim,
    };
    Architecture {
        input_dim,
        hidden: options.hidden,
        categories: set.categories.clone(),
        dropout: options.dropout,
        perspective: options.perspective,
    }
}

/// The training ratings counted per item and category (the heads' biases start at these
/// marginal proportions).
fn marginal_counts(set: &TrainingSet, train: &[usize]) -> Vec<Vec<usize>> {
    let mut counts: Vec<Vec<usize>> = set.categories.iter().map(|&k| vec![0; k]).collect();
    for &d in train {
        for r in &set.ratings[d] {
            if let Some(c) = counts
                .get_mut(r.item as usize)
                .and_then(|c| c.get_mut(r.category as usize))
            {
                *c += 1;
            }
        }
    }
    counts
}

/// A seeded hashed embedding table for bag inputs; `None` for sentence vectors.
fn new_embedding(
    set: &TrainingSet,
    options: &TrainOptions,
    rng: &mut ChaCha8Rng,
) -> Option<EmbeddingTable> {
    match &set.inputs {
        TextInputs::Bags { hashing, .. } => Some(EmbeddingTable::new(
            hashing.buckets(),
            options.embedding_dim,
            rng,
        )),
        TextInputs::Vectors { .. } => None,
    }
}

/// Starts the network at the ridge baseline `linear`: for hashed bags its weights go into the
/// embedding's column 0 and the linear path reads that column (`u = e₀`); for sentence vectors
/// `u` is the ridge coefficients.
fn start_at_linear(
    network: &Network,
    embedding: Option<&mut EmbeddingTable>,
    linear: &LinearPredictor,
    input_dim: usize,
    standardization: Standardization,
) -> Result<(), PredictError> {
    let mut u = vec![0.0f32; input_dim];
    match embedding {
        Some(table) => {
            table.start_first_column_at(&linear.weights);
            if let Some(first) = u.first_mut() {
                *first = 1.0;
            }
        }
        None => {
            for &(j, beta) in &linear.weights {
                if let Some(w) = u.get_mut(j as usize) {
                    *w = beta as f32;
                }
            }
        }
    }
    network.start_at_linear(
        &u,
        linear.constant,
        standardization.mean,
        standardization.sd,
    )
}

/// AdamW hyper-parameters of the dense parameters (hidden layer and heads).
fn dense_adam(options: &TrainOptions) -> AdamParams {
    AdamParams {
        learning_rate: options.learning_rate,
        beta1: ADAM_BETA1,
        beta2: ADAM_BETA2,
        eps: ADAM_EPS,
        weight_decay: options.weight_decay,
        plain_sgd: false,
    }
}

/// Hyper-parameters of the lazy optimizer of the embedding table (Adam or plain SGD).
fn sparse_adam(options: &TrainOptions, dense: AdamParams) -> AdamParams {
    AdamParams {
        learning_rate: options.embedding_learning_rate,
        plain_sgd: options.embedding_optimizer == EmbeddingOptimizer::Sgd,
        ..dense
    }
}

/// The learning rates of epoch `epoch` ([`learning_rate_fraction`] of the initial ones): sets
/// the dense optimizer's and returns the embedding's hyper-parameters at that rate.
fn schedule_epoch(
    optimizer: &mut candle_nn::AdamW,
    dense: AdamParams,
    sparse: AdamParams,
    epoch: usize,
    options: &TrainOptions,
) -> AdamParams {
    let fraction =
        learning_rate_fraction(epoch, options.epochs, options.final_learning_rate_fraction);
    optimizer.set_learning_rate(dense.learning_rate * fraction);
    AdamParams {
        learning_rate: sparse.learning_rate * fraction,
        ..sparse
    }
}

/// candle's AdamW over the network's variables with the dense hyper-parameters.
fn adamw(network: &Network, dense: AdamParams) -> Result<candle_nn::AdamW, PredictError> {
    Ok(candle_nn::AdamW::new(
        network.vars(),
        candle_nn::ParamsAdamW {
            lr: dense.learning_rate,
            beta1: dense.beta1,
            beta2: dense.beta2,
            eps: dense.eps,
            weight_decay: dense.weight_decay,
        },
    )?)
}

/// The objective (see the module notes) of one training run.
struct Objective<'a> {
    set: &'a TrainingSet,
    /// Precision weights `w_d` of every document.
    weights: Vec<f64>,
    standardization: Standardization,
    /// Weight `λ` of the measure term.
    lambda: f64,
}

/// What one epoch of minibatch steps updates.
struct EpochPass<'p> {
    network: &'p Network,
    embedding: Option<&'p mut EmbeddingTable>,
    optimizer: &'p mut candle_nn::AdamW,
    /// The embedding's hyper-parameters at this epoch's learning rate.
    sparse: &'p AdamParams,
    rng: &'p mut ChaCha8Rng,
    /// Steps taken so far (the lazy optimizer's bias correction).
    step: &'p mut u64,
}

impl<'a> Objective<'a> {
    /// The objective on the training comments `train`: their precision weights and target
    /// standardization, and the options' measure weight `λ`.
    fn new(set: &'a TrainingSet, train: &[usize], options: &TrainOptions) -> Objective<'a> {
        let standardization = Standardization::of(train.iter().map(|&d| set.targets[d]));
        Objective {
            set,
            weights: precision_weights(
                set,
                train,
                options.weight_by_standard_error,
                options.unexplained_variance,
            ),
            standardization,
            lambda: options.measure_weight,
        }
    }

    /// The validation loss and measures of the current weights.
    fn validate(
        &self,
        network: &Network,
        embedding: Option<&EmbeddingTable>,
        valid: &[usize],
    ) -> Result<(f64, Vec<f64>), PredictError> {
        validate(
            network,
            embedding,
            self.set,
            valid,
            &self.weights,
            self.standardization,
            self.lambda,
        )
    }

    /// One epoch over the (shuffled) training comments `order` in batches: per batch the
    /// dropout mask, the loss, AdamW on the dense parameters and the lazy step on the embedding
    /// rows the batch used. Returns the mean batch loss.
    fn train_epoch(
        &self,
        pass: &mut EpochPass<'_>,
        order: &[usize],
        options: &TrainOptions,
        epoch: usize,
    ) -> Result<f64, PredictError> {
        let set = self.set;
        let (mut loss_sum, mut batches) = (0.0, 0usize);
        for docs in order.chunks(options.batch_size) {
            *pass.step += 1;
            let x = batch_input(&set.inputs, pass.embedding.as_deref(), docs)?;
            let mask = if options.dropout > 0.0 {
                Some(pass.network.dropout_mask(docs.len(), pass.rng)?)
            } else {
                None
            };
            let l = batch_loss(
                pass.network,
                x.tensor(),
                mask.as_ref(),
                set,
                docs,
                &self.weights,
                self.standardization,
                self.lambda,
            )?;
            let value = l.loss.to_scalar::<f32>()? as f64;
            if !value.is_finite() {
                return Err(PredictError::Diverged { epoch });
            }
            loss_sum += value;
            batches += 1;
            let grads = l.loss.backward()?;
            pass.optimizer.step(&grads)?;
            if let (BatchInput::Bags(var), Some(table), TextInputs::Bags { bags, .. }) =
                (&x, pass.embedding.as_deref_mut(), &set.inputs)
            {
                if let Some(g) = grads.get(var.as_tensor()) {
                    let g = g.flatten_all()?.to_vec1::<f32>()?;
                    let batch: Vec<&[(u32, f32)]> =
                        docs.iter().map(|&d| bags[d].as_slice()).collect();
                    table.sparse_step(&batch, &g, pass.sparse, *pass.step);
                }
            }
        }
        Ok(loss_sum / batches.max(1) as f64)
    }
}

/// Early stopping on the validation loss: the best weights so far (loss, epoch, snapshot) and
/// the epochs since they improved.
#[derive(Default)]
struct EarlyStopping {
    best: Option<(f64, usize, Snapshot)>,
    since_best: usize,
}

impl EarlyStopping {
    /// Keeps a snapshot of the weights of `epoch` when `valid_loss` is the lowest so far;
    /// `true` when it is.
    fn observe(
        &mut self,
        valid_loss: f64,
        epoch: usize,
        network: &Network,
        embedding: Option<&EmbeddingTable>,
    ) -> Result<bool, PredictError> {
        let improved = self.best.as_ref().is_none_or(|(b, _, _)| valid_loss < *b);
        if improved {
            self.best = Some((valid_loss, epoch, snapshot(network, embedding)?));
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        Ok(improved)
    }
}

/// Root mean square error of the validation measures against their targets.
fn root_mean_square_error(measures: &[f64], targets: &[f64]) -> f64 {
    (measures
        .iter()
        .zip(targets)
        .map(|(p, t)| (p - t).powi(2))
        .sum::<f64>()
        / targets.len().max(1) as f64)
        .sqrt()
}

/// The network and embedding of the best epoch (lowest validation loss), or the last ones
/// when no epoch had a finite loss (best epoch 0).
fn keep_best(
    best: Option<(f64, usize, Snapshot)>,
    arch: Architecture,
    network: Network,
    embedding: Option<EmbeddingTable>,
) -> Result<(usize, Network, Option<EmbeddingTable>), PredictError> {
    Ok(match best {
        Some((_, epoch, snap)) => {
            let network = Network::from_tensors(arch, &snap.tensors).map_err(|message| {
                PredictError::InvalidOption {
                    field: "network",
                    message,
                }
            })?;
            let embedding = match (embedding, snap.embedding) {
                (Some(table), Some(weights)) => {
                    Some(EmbeddingTable::from_weights(table.dim, weights))
                }
                (e, _) => e,
            };
            (epoch, network, embedding)
        }
        None => (0, network, embedding),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_seeded_disjoint_and_complete() {
        let a = Splits::random(100, 0.1, 0.2, 7);
        assert_eq!((a.train.len(), a.valid.len(), a.test.len()), (70, 10, 20));
        let mut all: Vec<usize> = [a.train.clone(), a.valid.clone(), a.test.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(a, Splits::random(100, 0.1, 0.2, 7));
        assert_ne!(a.test, Splits::random(100, 0.1, 0.2, 8).test);
    }

    #[test]
    fn standardization_of_values() {
        let s = Standardization::of([1.0, 3.0].into_iter());
        assert_eq!((s.mean, s.sd), (2.0, 1.0));
    }
}
