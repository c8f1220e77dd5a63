//! The optional frozen sentence encoder: all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT; Wang et
//! al. 2020, fine-tuned by sentence-transformers) read from a local directory holding
//! `config.json`, `tokenizer.json` and `model.safetensors`, run with candle-transformers' BERT.
//!
//! A text's vector is the mean of its last-layer token states over the attention mask,
//! L2-normalised, as sentence-transformers' `Pooling(mean)` + `Normalize` modules compute it:
//!
//! ```text
//! v = u / ‖u‖,   u = Σ_t m_t H_t / Σ_t m_t
//! ```
//!
//! Vectors of a project's own comments are cached in its `embeddings` table under the key
//! `minilm:<first 16 hex digits of the weights' sha256>`, so each text is encoded once per
//! encoder. docs/predictor.md tells how to get the weights without network access to the
//! Hugging Face hub.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::{Deserialize, Serialize};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::error::PredictError;

/// Longest input, in word pieces (all-MiniLM-L6-v2's `max_seq_length`).
pub const MAX_TOKENS: usize = 256;
/// Texts per encoder forward pass.
const ENCODE_BATCH: usize = 32;
/// Smallest norm divided by in the L2 normalisation (sentence-transformers uses 1e-12).
const NORM_FLOOR: f32 = 1e-12;

/// The files of an encoder directory.
pub const CONFIG_FILE: &str = "config.json";
/// The tokenizer file of an encoder directory.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The weights file of an encoder directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// What a model records about its sentence encoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinilmInfo {
    /// The directory the encoder was loaded from.
    pub dir: PathBuf,
    /// sha256 of `model.safetensors`, checked when the model predicts.
    pub weights_sha256: String,
    /// Width of the vectors.
    pub dim: usize,
}

impl MinilmInfo {
    /// The key of the encoder's vectors in the `embeddings` table.
    pub fn cache_key(&self) -> String {
        format!(
            "minilm:{}",
            &self.weights_sha256[..16.min(self.weights_sha256.len())]
        )
    }
}

/// A loaded sentence encoder.
pub struct MinilmEncoder {
    /// What a model trained with this encoder records about it.
    pub info: MinilmInfo,
    model: BertModel,
    tokenizer: Tokenizer,
}

impl MinilmEncoder {
    /// Loads the encoder from `dir`.
    pub fn load(dir: &Path) -> Result<MinilmEncoder, PredictError> {
        let fail = |message: String| PredictError::Encoder {
            dir: dir.to_path_buf(),
            message,
        };
        let read =
            |name: &str| std::fs::read(dir.join(name)).map_err(|e| fail(format!("{name}: {e}")));
        let config: Config = serde_json::from_slice(&read(CONFIG_FILE)?)
            .map_err(|e| fail(format!("{CONFIG_FILE}: {e}")))?;
        let weights = read(WEIGHTS_FILE)?;
        let weights_sha256 = crate::provenance::sha256_hex(&weights);
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| fail(format!("{WEIGHTS_FILE}: {e}")))?;
        let model =
            BertModel::load(vb, &config).map_err(|e| fail(format!("{WEIGHTS_FILE}: {e}")))?;
        let mut tokenizer = Tokenizer::from_file(dir.join(TOKENIZER_FILE))
            .map_err(|e| fail(format!("{TOKENIZER_FILE}: {e}")))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                ..Default::default()
            }))
            .map_err(|e| fail(format!("{TOKENIZER_FILE}: {e}")))?;
        Ok(MinilmEncoder {
            info: MinilmInfo {
                dir: dir.to_path_buf(),
                weights_sha256,
                dim: config.hidden_size,
            },
            model,
            tokenizer,
        })
    }

    /// Vectors of `texts`, row-major `[texts.len(), dim]`.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<f32>, PredictError> {
        let fail = |message: String| PredictError::Encoder {
            dir: self.info.dir.clone(),
            message,
        };
        let dev = Device::Cpu;
        let mut out = Vec::with_capacity(texts.len() * self.info.dim);
        for chunk in texts.chunks(ENCODE_BATCH) {
            let encodings = self
                .tokenizer
                .encode_batch(chunk.to_vec(), true)
                .map_err(|e| fail(format!("tokenizing: {e}")))?;
            let len = encodings.first().map(|e| e.get_ids().len()).unwrap_or(0);
            let flat = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
                encodings.iter().flat_map(|e| f(e).to_vec()).collect()
            };
            let ids = Tensor::from_vec(flat(&|e| e.get_ids()), (chunk.len(), len), &dev)?;
            let types = Tensor::from_vec(flat(&|e| e.get_type_ids()), (chunk.len(), len), &dev)?;
            let mask =
                Tensor::from_vec(flat(&|e| e.get_attention_mask()), (chunk.len(), len), &dev)?;
            let hidden = self.model.forward(&ids, &types, Some(&mask))?;
            let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&m)?.sum(1)?;
            let counts = m.sum(1)?.clamp(1f32, f32::MAX)?;
            let mean = summed.broadcast_div(&counts)?;
            let norm = mean
                .sqr()?
                .sum_keepdim(1)?
                .sqrt()?
                .clamp(NORM_FLOOR, f32::MAX)?;
            let v = mean.broadcast_div(&norm)?;
            out.extend(v.flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(out)
    }
}
