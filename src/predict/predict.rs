//! A trained model: its configuration, (de)serialisation as safetensors, and explainable
//! predictions with MC-dropout uncertainty.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::encoder::{EmbeddingTable, EncoderKind, TextInputs};
use super::error::PredictError;
use super::features::Hashing;
use super::minilm::MinilmInfo;
use super::network::{category_probabilities, coral_category, sigmoid, Architecture, Network};
use super::train::{batch_input, Standardization, INFERENCE_CHUNK};
use super::TrainOptions;

/// Name of the embedding table in a model's safetensors.
const EMBEDDING_TENSOR: &str = "embedding.weight";
/// Offset mixed into the training seed for the MC-dropout stream.
const MC_DROPOUT_STREAM: u64 = 0x4d43_4452_4f50;

/// The comments of each part of a model's split, as the project's object idx.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSplits {
    /// Training comments, sorted.
    pub train: Vec<u32>,
    /// Validation comments, sorted.
    pub valid: Vec<u32>,
    /// Test comments, sorted.
    pub test: Vec<u32>,
}

crate::options::named_enum!(
    /// Which part of the split a comment was in.
    pub enum SplitPart, "split" {
        /// In the training part.
        Train = "train",
        /// In the validation part.
        Valid = "valid",
        /// In the test part (held out).
        Test = "test",
        /// Not used in training (no measure or no text when the model was trained).
        None = "none",
    }
);

impl ObjectSplits {
    /// The part of the split object `object` was in.
    pub fn part_of(&self, object: u32) -> SplitPart {
        if self.test.binary_search(&object).is_ok() {
            SplitPart::Test
        } else if self.valid.binary_search(&object).is_ok() {
            SplitPart::Valid
        } else if self.train.binary_search(&object).is_ok() {
            SplitPart::Train
        } else {
            SplitPart::None
        }
    }
}

/// Everything besides the weights that a stored model needs to predict (stored as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The text encoder the model was trained with.
    pub encoder: EncoderKind,
    /// The hashing of the hashed encoder.
    pub hashing: Option<Hashing>,
    /// The sentence encoder of the MiniLM path.
    pub minilm: Option<MinilmInfo>,
    /// The network's shape.
    pub architecture: Architecture,
    /// Item names, in head order.
    pub items: Vec<String>,
    /// Each item's lowest score (category 0 of the head).
    pub min_scores: Vec<i32>,
    /// The standardization of the training targets.
    pub standardization: Standardization,
    /// The training options used.
    pub options: TrainOptions,
    /// The run whose measures the model learned.
    pub run_id: i64,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// The split of the comments the model was trained on.
    pub splits: ObjectSplits,
}

/// One item's part of a prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemPrediction {
    /// The item's name.
    pub item: String,
    /// The item latent `z_i`.
    pub latent: f64,
    /// The item's contribution `s·w_i·z_i` to the measure, logits.
    pub contribution: f64,
    /// `P(score = min + k)`, k = 0..K−1.
    pub probabilities: Vec<f64>,
    /// `Σ_k (min + k) P(k)`.
    pub expected_score: f64,
    /// The CORAL prediction: `min + #{k : P(y > k) > 0.5}`.
    pub predicted_score: i32,
}

/// The prediction for one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Predicted Rasch measure, logits: `intercept + Σ_i contribution_i`.
    pub measure: f64,
    /// SD of the measure over MC-dropout passes (Gal & Ghahramani 2016), logits.
    pub uncertainty: f64,
    /// `μ + s·w_0`.
    pub intercept: f64,
    /// Per item, in head order: its latent, contribution and category prediction.
    pub items: Vec<ItemPrediction>,
}

/// A trained model ready to predict.
pub struct TextModel {
    /// The model's stored configuration.
    pub config: ModelConfig,
    pub(crate) network: Network,
    pub(crate) embedding: Option<EmbeddingTable>,
}

impl TextModel {
    pub(crate) fn new(
        config: ModelConfig,
        network: Network,
        embedding: Option<EmbeddingTable>,
    ) -> Self {
        TextModel {
            config,
            network,
            embedding,
        }
    }

    /// The weights as safetensors bytes.
    pub fn to_safetensors(&self) -> Result<Vec<u8>, PredictError> {
        let mut tensors = self.network.tensors();
        if let Some(table) = &self.embedding {
            let rows = table.weights.len() / table.dim.max(1);
            tensors.insert(
                EMBEDDING_TENSOR.to_string(),
                Tensor::from_slice(&table.weights, (rows, table.dim), &Device::Cpu)?,
            );
        }
        let sorted: std::collections::BTreeMap<String, Tensor> = tensors.into_iter().collect();
        safetensors::tensor::serialize(sorted, None).map_err(|e| PredictError::Output {
            path: "safetensors".into(),
            message: e.to_string(),
        })
    }

    /// A model from its stored configuration and safetensors bytes.
    pub fn from_parts(
        model_id: i64,
        config: ModelConfig,
        bytes: &[u8],
    ) -> Result<TextModel, PredictError> {
        let corrupt = |message: String| PredictError::CorruptModel { model_id, message };
        let tensors: HashMap<String, Tensor> =
            candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
                .map_err(|e| corrupt(e.to_string()))?;
        let network =
            Network::from_tensors(config.architecture.clone(), &tensors).map_err(corrupt)?;
        let embedding = match config.hashing {
            Some(hashing) if config.encoder == EncoderKind::Hashed => {
                let t = tensors
                    .get(EMBEDDING_TENSOR)
                    .ok_or_else(|| corrupt("the embedding table is missing".into()))?;
                let dim = config.architecture.input_dim;
                if t.dims() != [hashing.buckets(), dim] {
                    return Err(corrupt(format!(
                        "the embedding table has shape {:?}, expected [{}, {dim}]",
                        t.dims(),
                        hashing.buckets()
                    )));
                }
                let weights = t.flatten_all()?.to_vec1::<f32>()?;
                Some(EmbeddingTable::from_weights(dim, weights))
            }
            _ => None,
        };
        Ok(TextModel {
            config,
            network,
            embedding,
        })
    }

    /// Predictions for `inputs` as an average rater would answer (or a rater of `severity`
    /// logits when the model is perspective-aware), with `mc_samples` MC-dropout passes for the
    /// uncertainty (0: no uncertainty). The same inputs in the same order always give the same
    /// predictions: dropout is off for the point prediction and the MC masks come from a
    /// stream seeded by the model's seed.
    pub fn predict(
        &self,
        inputs: &TextInputs,
        severity: Option<f64>,
        mc_samples: usize,
    ) -> Result<Vec<Prediction>, PredictError> {
        let docs: Vec<usize> = (0..inputs.len()).collect();
        self.predict_docs(inputs, &docs, severity, mc_samples)
    }

    /// [`TextModel::predict`] for texts `docs` of `inputs`.
    pub fn predict_docs(
        &self,
        inputs: &TextInputs,
        docs: &[usize],
        severity: Option<f64>,
        mc_samples: usize,
    ) -> Result<Vec<Prediction>, PredictError> {
        let arch = &self.network.arch;
        let st = self.config.standardization;
        let biases = self.network.biases()?.to_vec2::<f32>()?;
        let score_w = self.network.score_w.as_tensor().to_vec1::<f32>()?;
        let score_b = self.network.score_b.as_tensor().to_vec1::<f32>()?[0] as f64;
        let gamma = self.network.severity_weight.as_tensor().to_vec1::<f32>()?;
        let severity = if arch.perspective {
            severity.unwrap_or(0.0)
        } else {
            0.0
        };
        let intercept = st.mean + st.sd * score_b;
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.options.seed ^ MC_DROPOUT_STREAM);
        let mut out = Vec::with_capacity(docs.len());
        for chunk in docs.chunks(INFERENCE_CHUNK) {
            let x = batch_input(inputs, self.embedding.as_ref(), chunk)?;
            let x = match &x {
                super::train::BatchInput::Bags(v) => v.as_tensor().clone(),
                super::train::BatchInput::Vectors(t) => t.clone(),
            };
            let latents = self.network.forward(&x, None)?.latents.to_vec2::<f32>()?;
            // MC-dropout: per pass, the measure of every text of the chunk.
            let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(mc_samples); chunk.len()];
            if arch.dropout > 0.0 {
                for _ in 0..mc_samples {
                    let mask = self.network.dropout_mask(chunk.len(), &mut rng)?;
                    let score = self
                        .network
                        .forward(&x, Some(&mask))?
                        .score
                        .to_vec1::<f32>()?;
                    for (s, v) in samples.iter_mut().zip(score) {
                        s.push(st.mean + st.sd * v as f64);
                    }
                }
            }
            for (z, draws) in latents.iter().zip(samples) {
                let mut items = Vec::with_capacity(z.len());
                for (i, &zi) in z.iter().enumerate() {
                    let k = arch.categories[i];
                    let eff = zi as f64 - gamma[i] as f64 * severity;
                    let cumulative: Vec<f64> = (0..k.saturating_sub(1))
                        .map(|t| sigmoid(eff - biases[i][t] as f64))
                        .collect();
                    let probabilities = category_probabilities(&cumulative);
                    let min = self.config.min_scores[i];
                    let expected_score = probabilities
                        .iter()
                        .enumerate()
                        .map(|(c, p)| (min as f64 + c as f64) * p)
                        .sum();
                    items.push(ItemPrediction {
                        item: self.config.items[i].clone(),
                        latent: zi as f64,
                        contribution: st.sd * score_w[i] as f64 * zi as f64,
                        probabilities,
                        expected_score,
                        predicted_score: min + coral_category(&cumulative) as i32,
                    });
                }
                let measure = intercept + items.iter().map(|i| i.contribution).sum::<f64>();
                let uncertainty = if draws.len() > 1 {
                    let m = draws.iter().sum::<f64>() / draws.len() as f64;
                    (draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / (draws.len() - 1) as f64)
                        .sqrt()
                } else {
                    0.0
                };
                out.push(Prediction {
                    measure,
                    uncertainty,
                    intercept,
                    items,
                });
            }
        }
        Ok(out)
    }

    /// Predicted 0-based categories of ratings (text `docs[r]` of `inputs`, item `items[r]`, rater
    /// severity `severities[r]`), by the CORAL rule; used by the evaluation.
    pub(crate) fn rating_categories(
        &self,
        inputs: &TextInputs,
        docs: &[usize],
        ratings: &[(usize, u32, f32)],
    ) -> Result<Vec<usize>, PredictError> {
        let mut latents: HashMap<usize, Vec<f32>> = HashMap::new();
        for chunk in docs.chunks(INFERENCE_CHUNK) {
            let x = batch_input(inputs, self.embedding.as_ref(), chunk)?;
            let x = match &x {
                super::train::BatchInput::Bags(v) => v.as_tensor().clone(),
                super::train::BatchInput::Vectors(t) => t.clone(),
            };
            let z = self.network.forward(&x, None)?.latents.to_vec2::<f32>()?;
            for (&d, row) in chunk.iter().zip(z) {
                latents.insert(d, row);
            }
        }
        let biases = self.network.biases()?.to_vec2::<f32>()?;
        let gamma = self.network.severity_weight.as_tensor().to_vec1::<f32>()?;
        let arch = &self.network.arch;
        Ok(ratings
            .iter()
            .map(|&(d, item, severity)| {
                let i = item as usize;
                let z = latents.get(&d).map(|z| z[i]).unwrap_or(0.0) as f64;
                let eff = if arch.perspective {
                    z - gamma[i] as f64 * severity as f64
                } else {
                    z
                };
                let cumulative: Vec<f64> = (0..arch.categories[i].saturating_sub(1))
                    .map(|t| sigmoid(eff - biases[i][t] as f64))
                    .collect();
                coral_category(&cumulative)
            })
            .collect())
    }
}
