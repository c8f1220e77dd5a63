//! A trainable BERT encoder (Devlin et al. 2019), weights-compatible with all-MiniLM-L6-v2 and
//! every checkpoint candle-transformers' `BertModel` loads, written with candle ops that all have
//! a backward pass.
//!
//! Why not candle-transformers' `BertModel`: its LayerNorm is candle-nn's fused kernel
//! (`candle_nn::ops::layer_norm`, `apply_op3_no_bwd`), which has no backward pass, so no
//! parameter below the last LayerNorm receives a gradient; and its `Dropout` is a no-op
//! (`forward` returns its input unchanged, a gap candle marks as still to be written). Here
//! LayerNorm is written out,
//!
//! ```text
//! LN(x) = (x − mean(x)) / √(var(x) + ε) · g + b          (Ba, Kiros & Hinton 2016)
//! ```
//!
//! the softmax is `exp(x − max x) / Σ exp(x − max x)` with the max detached (it cancels in the
//! derivative), GELU is the exact `x Φ(x)` (`gelu_erf`, as BERT's `hidden_act = "gelu"`), and
//! dropout multiplies by an inverted-dropout mask drawn from a seeded ChaCha8 stream (so training
//! is reproducible). The layer is the post-LN Transformer layer of BERT (Vaswani et al. 2017):
//!
//! ```text
//! A = softmax(Q Kᵀ / √d_h + mask) V               per head, dropout on the attention weights
//! H' = LN(H + dropout(A W_o + b_o))
//! H'' = LN(H' + dropout(GELU(H' W_i + b_i) W_f + b_f))
//! ```
//!
//! **Pooling learned over all layers**: the sentence vector is
//!
//! ```text
//! u = Σ_{l=0..L} α_l · mean_t(m_t H_l,t) / mean_t(m_t),     v = u / ‖u‖
//! ```
//!
//! over the embedding output `H_0` and the outputs `H_1..H_L` of the `L` layers (a scalar mix,
//! Peters et al. 2018, without the softmax so that it starts exactly at sentence-transformers'
//! `Pooling(mean)` + `Normalize` of the last layer: `α = (0, …, 0, 1)`, and every `α_l` has a
//! non-zero gradient from the start). In eval mode (no dropout) and before training the encoder
//! gives exactly the frozen sentence vectors (tested within 1e-5 against candle-transformers).
//!
//! **Tuning from cached states** ([`Bert::cache_prefix`], [`Bert::pool_from`]): tuning only the
//! top `k` layers needs the lower layers once per text. Their output `H_{L−k}` (the real tokens
//! only: padding never reaches a real token through the masked attention) and the pooled means
//! of `H_0..H_{L−k}` are cached, and each batch runs the top `k` layers on them, padded to the
//! batch's longest text. Tuning every layer (the embeddings included) runs the whole encoder
//! from the token ids.

use std::collections::{BTreeMap, HashMap};

use candle_core::{DType, Device, Tensor, Var, D};
use candle_transformers::models::bert::{Config, HiddenAct};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Name of the learned layer-pooling weights `α` among the encoder's parameters.
pub const POOLING_WEIGHTS: &str = "pooling.layer_weights";
/// Smallest norm divided by in the L2 normalisation (sentence-transformers uses 1e-12).
const NORM_FLOOR: f32 = 1e-12;
/// Prefixes under which checkpoints keep the BERT tensors (HF `BertModel`, `BertFor*`).
const PREFIXES: [&str; 2] = ["", "bert."];

/// A failure to build the encoder from its tensors.
#[derive(Debug, thiserror::Error)]
pub enum BertError {
    /// A tensor the configuration needs is missing or has the wrong shape.
    #[error("tensor `{name}`: {message}")]
    Tensor {
        /// The tensor's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The configuration cannot describe a BERT (e.g. heads do not divide the width).
    #[error("config.json: {0}")]
    Config(String),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// One text's cached lower-layer states: what tuning the layers above `first` needs.
#[derive(Debug, Clone)]
pub struct CachedText {
    /// Word-piece ids (with `[CLS]`/`[SEP]`).
    pub ids: Vec<u32>,
    /// Token type ids.
    pub types: Vec<u32>,
    /// `H_first` of the real tokens, row-major `[ids.len(), hidden]` (empty when `first` is 0:
    /// the embeddings are tuned and computed from `ids`).
    pub states: Vec<f32>,
    /// The masked means of `H_0..=H_first`, the layer outputs the tuned layers do not produce,
    /// row-major `[first + 1, hidden]` (empty when `first` is 0).
    pub means: Vec<f32>,
}

/// The encoder: BERT's parameters (each a [`Var`], by their checkpoint names without the model
/// prefix) and the learned layer pooling.
pub struct Bert {
    /// The checkpoint's configuration.
    pub config: Config,
    params: BTreeMap<String, Var>,
}

/// Inverted dropout: keeps each entry with probability `1 − p` and scales it by `1/(1 − p)`
/// (Srivastava et al. 2014); the mask comes from `rng`.
pub fn dropout(x: &Tensor, p: f64, rng: &mut ChaCha8Rng) -> candle_core::Result<Tensor> {
    if p <= 0.0 {
        return Ok(x.clone());
    }
    let keep = (1.0 / (1.0 - p)) as f32;
    let mask: Vec<f32> = (0..x.elem_count())
        .map(|_| if rng.random_bool(p) { 0.0 } else { keep })
        .collect();
    x * Tensor::from_vec(mask, x.shape(), x.device())?
}

/// LayerNorm over the last dimension written with differentiable ops:
/// `(x − μ) / √(σ² + ε) · g + b` with `μ`, `σ²` the mean and (biased) variance of the row.
pub fn layer_norm(x: &Tensor, g: &Tensor, b: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
    let centred = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
    let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
    centred
        .broadcast_div(&(var + eps)?.sqrt()?)?
        .broadcast_mul(g)?
        .broadcast_add(b)
}

/// Softmax over the last dimension, `exp(x − m) / Σ exp(x − m)` with `m = max x` detached (the
/// shift cancels in the value and in the derivative).
pub fn softmax_last(x: &Tensor) -> candle_core::Result<Tensor> {
    let shifted = x.broadcast_sub(&x.max_keepdim(D::Minus1)?.detach())?;
    let e = shifted.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

/// `x Wᵀ + b` for `x` `[.., in]`, `W` `[out, in]` (PyTorch's `Linear` layout).
fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let dims = x.dims().to_vec();
    let (rows, width) = (x.elem_count() / dims[dims.len() - 1], dims[dims.len() - 1]);
    let y = x
        .reshape((rows, width))?
        .matmul(&w.t()?)?
        .broadcast_add(b)?;
    let mut out = dims;
    let last = out.len() - 1;
    out[last] = w.dim(0)?;
    y.reshape(out)
}

/// The additive attention mask `(1 − m) · f32::MIN` `[B, 1, 1, T]` of a 0/1 mask `[B, T]`
/// (as HF's `get_extended_attention_mask`).
fn extended_mask(mask: &Tensor) -> candle_core::Result<Tensor> {
    let m = mask.to_dtype(DType::F32)?.unsqueeze(1)?.unsqueeze(1)?;
    (m.ones_like()? - &m)? * f32::MIN as f64
}

/// Masked means over the tokens, `Σ_t m_t H_t / max(Σ_t m_t, 1)`: `[B, T, H]` → `[B, H]`.
fn masked_mean(h: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let counts = m.sum(1)?.clamp(1f32, f32::MAX)?;
    h.broadcast_mul(&m)?.sum(1)?.broadcast_div(&counts)
}

impl Bert {
    /// The encoder from a checkpoint's tensors (names with or without the `bert.` prefix; the
    /// LayerNorm parameters as `weight`/`bias` or `gamma`/`beta`); the pooler is not used. The
    /// layer pooling starts at the last layer (`α = (0, …, 0, 1)`).
    pub fn from_tensors(
        config: Config,
        tensors: &HashMap<String, Tensor>,
    ) -> Result<Bert, BertError> {
        if config.num_attention_heads == 0 || config.hidden_size % config.num_attention_heads != 0 {
            return Err(BertError::Config(format!(
                "{} attention heads do not divide the width {}",
                config.num_attention_heads, config.hidden_size
            )));
        }
        let (h, i) = (config.hidden_size, config.intermediate_size);
        let mut wanted: Vec<(String, Vec<usize>)> = vec![
            (
                "embeddings.word_embeddings.weight".into(),
                vec![config.vocab_size, h],
            ),
            (
                "embeddings.position_embeddings.weight".into(),
                vec![config.max_position_embeddings, h],
            ),
            (
                "embeddings.token_type_embeddings.weight".into(),
                vec![config.type_vocab_size, h],
            ),
            ("embeddings.LayerNorm.weight".into(), vec![h]),
            ("embeddings.LayerNorm.bias".into(), vec![h]),
        ];
        for l in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{l}.");
            for (name, shape) in [
                ("attention.self.query.weight", vec![h, h]),
                ("attention.self.query.bias", vec![h]),
                ("attention.self.key.weight", vec![h, h]),
                ("attention.self.key.bias", vec![h]),
                ("attention.self.value.weight", vec![h, h]),
                ("attention.self.value.bias", vec![h]),
                ("attention.output.dense.weight", vec![h, h]),
                ("attention.output.dense.bias", vec![h]),
                ("attention.output.LayerNorm.weight", vec![h]),
                ("attention.output.LayerNorm.bias", vec![h]),
                ("intermediate.dense.weight", vec![i, h]),
                ("intermediate.dense.bias", vec![i]),
                ("output.dense.weight", vec![h, i]),
                ("output.dense.bias", vec![h]),
                ("output.LayerNorm.weight", vec![h]),
                ("output.LayerNorm.bias", vec![h]),
            ] {
                wanted.push((format!("{p}{name}"), shape));
            }
        }
        let prefix = PREFIXES
            .iter()
            .find(|p| tensors.contains_key(&format!("{p}embeddings.word_embeddings.weight")))
            .copied()
            .unwrap_or("");
        let mut params = BTreeMap::new();
        for (name, shape) in wanted {
            let full = format!("{prefix}{name}");
            let old_style = full
                .replace("LayerNorm.weight", "LayerNorm.gamma")
                .replace("LayerNorm.bias", "LayerNorm.beta");
            let t = tensors
                .get(&full)
                .or_else(|| tensors.get(&old_style))
                .ok_or_else(|| BertError::Tensor {
                    name: full.clone(),
                    message: "missing".into(),
                })?;
            if t.dims() != shape.as_slice() {
                return Err(BertError::Tensor {
                    name: full,
                    message: format!("shape {:?}, expected {shape:?}", t.dims()),
                });
            }
            params.insert(name, Var::from_tensor(&t.to_dtype(DType::F32)?)?);
        }
        let mut alpha = vec![0f32; config.num_hidden_layers + 1];
        alpha[config.num_hidden_layers] = 1.0;
        params.insert(
            POOLING_WEIGHTS.into(),
            Var::from_vec(alpha, config.num_hidden_layers + 1, &Device::Cpu)?,
        );
        Ok(Bert { config, params })
    }

    /// The encoder from safetensors bytes.
    pub fn from_safetensors(config: Config, bytes: &[u8]) -> Result<Bert, BertError> {
        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)?;
        Bert::from_tensors(config, &tensors)
    }

    /// Number of Transformer layers `L`.
    pub fn n_layers(&self) -> usize {
        self.config.num_hidden_layers
    }

    /// Width of the hidden states and of the sentence vector.
    pub fn hidden(&self) -> usize {
        self.config.hidden_size
    }

    fn p(&self, name: &str) -> candle_core::Result<&Tensor> {
        self.params
            .get(name)
            .map(|v| v.as_tensor())
            .ok_or_else(|| candle_core::Error::Msg(format!("no parameter `{name}`")))
    }

    /// The first tuned layer when the top `tuned` layers are tuned: `L − tuned` (0 when every
    /// layer is, the embeddings included).
    pub fn first_tuned(&self, tuned: usize) -> usize {
        self.n_layers().saturating_sub(tuned)
    }

    /// Whether a parameter belongs to the tuned part: layers `first..L`, the embeddings when
    /// `first` is 0, and the layer pooling always.
    fn is_tuned(name: &str, first: usize) -> bool {
        if name == POOLING_WEIGHTS {
            return true;
        }
        if name.starts_with("embeddings.") {
            return first == 0;
        }
        name.strip_prefix("encoder.layer.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|l| l.parse::<usize>().ok())
            .is_some_and(|l| l >= first)
    }

    /// The trainable parameters when the top `tuned` layers are tuned (with the pooling), by name.
    pub fn tuned_vars(&self, tuned: usize) -> Vec<(String, Var)> {
        let first = self.first_tuned(tuned);
        self.params
            .iter()
            .filter(|(n, _)| Bert::is_tuned(n, first))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }

    /// Copies of the tuned parameters (for a snapshot or the stored model).
    pub fn tuned_tensors(&self, tuned: usize) -> Result<HashMap<String, Tensor>, BertError> {
        let mut out = HashMap::new();
        for (name, var) in self.tuned_vars(tuned) {
            out.insert(name, var.as_tensor().copy()?);
        }
        Ok(out)
    }

    /// Overwrites parameters with `tensors` (names as [`Bert::tuned_vars`]); every name must be
    /// a parameter of the same shape.
    pub fn set_tensors(&self, tensors: &HashMap<String, Tensor>) -> Result<(), BertError> {
        for (name, t) in tensors {
            let var = self.params.get(name).ok_or_else(|| BertError::Tensor {
                name: name.clone(),
                message: "not a parameter of this encoder".into(),
            })?;
            if var.dims() != t.dims() {
                return Err(BertError::Tensor {
                    name: name.clone(),
                    message: format!("shape {:?}, expected {:?}", t.dims(), var.dims()),
                });
            }
            var.set(&t.to_dtype(DType::F32)?)?;
        }
        Ok(())
    }

    /// The embedding output `H_0 = LN(E_word[ids] + E_type[types] + E_pos[0..T])` `[B, T, H]`.
    fn embed(
        &self,
        ids: &Tensor,
        types: &Tensor,
        rng: Option<&mut ChaCha8Rng>,
    ) -> candle_core::Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let h = self.hidden();
        let word = self
            .p("embeddings.word_embeddings.weight")?
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let ty = self
            .p("embeddings.token_type_embeddings.weight")?
            .index_select(&types.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let pos = self
            .p("embeddings.position_embeddings.weight")?
            .narrow(0, 0, t)?;
        let x = (word + ty)?.broadcast_add(&pos)?;
        let x = layer_norm(
            &x,
            self.p("embeddings.LayerNorm.weight")?,
            self.p("embeddings.LayerNorm.bias")?,
            self.config.layer_norm_eps,
        )?;
        match rng {
            Some(rng) => dropout(&x, self.config.hidden_dropout_prob, rng),
            None => Ok(x),
        }
    }

    /// Transformer layer `l` on `x` `[B, T, H]` with the additive mask `[B, 1, 1, T]`.
    fn layer(
        &self,
        l: usize,
        x: &Tensor,
        mask: &Tensor,
        mut rng: Option<&mut ChaCha8Rng>,
    ) -> candle_core::Result<Tensor> {
        let p = |name: &str| self.p(&format!("encoder.layer.{l}.{name}"));
        let (b, t, h) = x.dims3()?;
        let heads = self.config.num_attention_heads;
        let dh = h / heads;
        let split = |y: Tensor| -> candle_core::Result<Tensor> {
            y.reshape((b, t, heads, dh))?.transpose(1, 2)?.contiguous()
        };
        let q = split(linear(
            x,
            p("attention.self.query.weight")?,
            p("attention.self.query.bias")?,
        )?)?;
        let k = split(linear(
            x,
            p("attention.self.key.weight")?,
            p("attention.self.key.bias")?,
        )?)?;
        let v = split(linear(
            x,
            p("attention.self.value.weight")?,
            p("attention.self.value.bias")?,
        )?)?;
        let scores = (q.matmul(&k.t()?)? / (dh as f64).sqrt())?.broadcast_add(mask)?;
        let mut probs = softmax_last(&scores)?;
        let drop = self.config.hidden_dropout_prob;
        if let Some(rng) = rng.as_deref_mut() {
            probs = dropout(&probs, drop, rng)?;
        }
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, t, h))?;
        let mut attended = linear(
            &context,
            p("attention.output.dense.weight")?,
            p("attention.output.dense.bias")?,
        )?;
        if let Some(rng) = rng.as_deref_mut() {
            attended = dropout(&attended, drop, rng)?;
        }
        let eps = self.config.layer_norm_eps;
        let h1 = layer_norm(
            &(attended + x)?,
            p("attention.output.LayerNorm.weight")?,
            p("attention.output.LayerNorm.bias")?,
            eps,
        )?;
        let inner = linear(
            &h1,
            p("intermediate.dense.weight")?,
            p("intermediate.dense.bias")?,
        )?;
        let inner = match self.config.hidden_act {
            HiddenAct::Gelu => inner.gelu_erf()?,
            HiddenAct::GeluApproximate => inner.gelu()?,
            HiddenAct::Relu => inner.relu()?,
        };
        let mut out = linear(&inner, p("output.dense.weight")?, p("output.dense.bias")?)?;
        if let Some(rng) = rng {
            out = dropout(&out, drop, rng)?;
        }
        layer_norm(
            &(out + h1)?,
            p("output.LayerNorm.weight")?,
            p("output.LayerNorm.bias")?,
            eps,
        )
    }

    /// `v = u / ‖u‖` with `u = Σ_l α_l M_l`, `M` the per-layer masked means `[B, L+1, H]`.
    fn pool(&self, means: &Tensor) -> candle_core::Result<Tensor> {
        let alpha = self
            .p(POOLING_WEIGHTS)?
            .reshape((1, self.n_layers() + 1, 1))?;
        let u = means.broadcast_mul(&alpha)?.sum(1)?;
        let norm = u
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(NORM_FLOOR, f32::MAX)?;
        u.broadcast_div(&norm)
    }

    /// Every layer's hidden states `H_0..H_L` of a batch (ids, types, 0/1 mask, all `[B, T]`).
    pub fn hidden_states(
        &self,
        ids: &Tensor,
        types: &Tensor,
        mask: &Tensor,
        mut rng: Option<&mut ChaCha8Rng>,
    ) -> candle_core::Result<Vec<Tensor>> {
        let ext = extended_mask(mask)?;
        let mut states = vec![self.embed(ids, types, rng.as_deref_mut())?];
        for l in 0..self.n_layers() {
            let next = self.layer(l, &states[l], &ext, rng.as_deref_mut())?;
            states.push(next);
        }
        Ok(states)
    }

    /// The sentence vectors `[B, H]` of a batch (the whole encoder; `rng` turns dropout on).
    pub fn forward(
        &self,
        ids: &Tensor,
        types: &Tensor,
        mask: &Tensor,
        rng: Option<&mut ChaCha8Rng>,
    ) -> candle_core::Result<Tensor> {
        let states = self.hidden_states(ids, types, mask, rng)?;
        let means: Vec<Tensor> = states
            .iter()
            .map(|s| masked_mean(s, mask))
            .collect::<candle_core::Result<_>>()?;
        self.pool(&Tensor::stack(&means, 1)?)
    }

    /// The cache of texts (`ids`/`types` per text, unpadded) for tuning the layers from `first`
    /// on: `H_first` of the real tokens and the masked means of `H_0..=H_first`, the layer
    /// outputs the tuned layers do not produce (nothing but the ids when `first` is 0). Runs in
    /// eval mode, `batch` texts at a time.
    pub fn cache_prefix(
        &self,
        texts: Vec<(Vec<u32>, Vec<u32>)>,
        first: usize,
        batch: usize,
    ) -> Result<Vec<CachedText>, BertError> {
        let h = self.hidden();
        let mut out = Vec::with_capacity(texts.len());
        let mut texts = texts.into_iter().peekable();
        while texts.peek().is_some() {
            let chunk: Vec<(Vec<u32>, Vec<u32>)> = texts.by_ref().take(batch.max(1)).collect();
            if first == 0 {
                out.extend(chunk.into_iter().map(|(ids, types)| CachedText {
                    ids,
                    types,
                    states: Vec::new(),
                    means: Vec::new(),
                }));
                continue;
            }
            let (ids, types, mask, lens) =
                pad_batch(chunk.iter().map(|(i, t)| (i.as_slice(), t.as_slice())))?;
            let ext = extended_mask(&mask)?;
            let mut states = vec![self.embed(&ids, &types, None)?];
            for l in 0..first {
                let next = self.layer(l, &states[l], &ext, None)?;
                states.push(next);
            }
            let means: Vec<Vec<Vec<f32>>> = states
                .iter()
                .map(|s| masked_mean(s, &mask)?.to_vec2::<f32>())
                .collect::<candle_core::Result<_>>()?;
            let top = states[first].to_vec3::<f32>()?;
            for (b, ((ids, types), len)) in chunk.into_iter().zip(lens).enumerate() {
                let mut m = Vec::with_capacity((first + 1) * h);
                for layer in &means {
                    m.extend_from_slice(&layer[b]);
                }
                out.push(CachedText {
                    ids,
                    types,
                    states: top[b][..len].iter().flatten().copied().collect(),
                    means: m,
                });
            }
        }
        Ok(out)
    }

    /// The sentence vectors `[B, H]` of cached texts, running the layers from `first` on (and
    /// the embeddings when `first` is 0) with dropout when `rng` is given: the same vectors as
    /// [`Bert::forward`] in eval mode.
    pub fn pool_from(
        &self,
        texts: &[&CachedText],
        first: usize,
        mut rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor, BertError> {
        let (ids, types, mask, lens) =
            pad_batch(texts.iter().map(|c| (c.ids.as_slice(), c.types.as_slice())))?;
        if first == 0 {
            return Ok(self.forward(&ids, &types, &mask, rng)?);
        }
        let h = self.hidden();
        let (b, t) = (texts.len(), lens.iter().copied().max().unwrap_or(0));
        let mut padded = vec![0f32; b * t * h];
        for (k, c) in texts.iter().enumerate() {
            let n = c.states.len().min(t * h);
            padded[k * t * h..k * t * h + n].copy_from_slice(&c.states[..n]);
        }
        let mut x = Tensor::from_vec(padded, (b, t, h), &Device::Cpu)?;
        let ext = extended_mask(&mask)?;
        let cached: Vec<f32> = texts.iter().flat_map(|c| c.means.iter().copied()).collect();
        let mut means = vec![Tensor::from_vec(cached, (b, first + 1, h), &Device::Cpu)?];
        for l in first..self.n_layers() {
            x = self.layer(l, &x, &ext, rng.as_deref_mut())?;
            means.push(masked_mean(&x, &mask)?.unsqueeze(1)?);
        }
        Ok(self.pool(&Tensor::cat(&means, 1)?)?)
    }
}

/// Right-padded `[B, T]` ids, types and 0/1 mask of unpadded texts, and their lengths.
pub fn pad_batch<'a>(
    texts: impl Iterator<Item = (&'a [u32], &'a [u32])>,
) -> candle_core::Result<(Tensor, Tensor, Tensor, Vec<usize>)> {
    let texts: Vec<(&[u32], &[u32])> = texts.collect();
    let t = texts.iter().map(|(i, _)| i.len()).max().unwrap_or(0).max(1);
    let b = texts.len();
    let (mut ids, mut types, mut mask) = (vec![0u32; b * t], vec![0u32; b * t], vec![0u32; b * t]);
    let mut lens = Vec::with_capacity(b);
    for (k, (i, ty)) in texts.iter().enumerate() {
        ids[k * t..k * t + i.len()].copy_from_slice(i);
        for (n, &v) in ty.iter().take(i.len()).enumerate() {
            types[k * t + n] = v;
        }
        for m in &mut mask[k * t..k * t + i.len()] {
            *m = 1;
        }
        lens.push(i.len());
    }
    let dev = Device::Cpu;
    Ok((
        Tensor::from_vec(ids, (b, t), &dev)?,
        Tensor::from_vec(types, (b, t), &dev)?,
        Tensor::from_vec(mask, (b, t), &dev)?,
        lens,
    ))
}

/// A random BERT's tensors (every entry `U(−0.5, 0.5)`, layer norms included) for tests: the
/// checkpoint names with the `bert.` prefix, as HF's `BertFor*` models store them.
#[cfg(test)]
pub(crate) fn random_checkpoint(config: &Config, seed: u64) -> HashMap<String, Tensor> {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let varmap = candle_nn::VarMap::new();
    let vb = candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    candle_transformers::models::bert::BertModel::load(vb, config).expect("bert shapes");
    let data = varmap.data().lock().expect("varmap");
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let var = &data[name];
            let values: Vec<f32> = (0..var.elem_count())
                .map(|_| rng.random_range(-0.5f32..0.5))
                .collect();
            let t = Tensor::from_vec(values, var.shape(), &Device::Cpu).expect("tensor");
            (format!("bert.{name}"), t)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::Optimizer;
    use rand::SeedableRng;

    fn config(layers: usize) -> Config {
        serde_json::from_value(serde_json::json!({
            "vocab_size": 40, "hidden_size": 16, "num_hidden_layers": layers,
            "num_attention_heads": 2, "intermediate_size": 32, "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1, "max_position_embeddings": 64, "type_vocab_size": 2,
            "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0
        }))
        .unwrap()
    }

    fn texts() -> Vec<(Vec<u32>, Vec<u32>)> {
        [
            vec![2u32, 7, 9, 11, 3],
            vec![2, 30, 3],
            vec![2, 5, 6, 7, 8, 9, 10, 3],
        ]
        .into_iter()
        .map(|ids| {
            let types = vec![0; ids.len()];
            (ids, types)
        })
        .collect()
    }

    /// The frozen sentence vectors as the MiniLM path computed them before this module:
    /// candle-transformers' `BertModel`, masked mean of the last layer, L2-normalised.
    fn reference(tensors: &HashMap<String, Tensor>, cfg: &Config) -> Vec<Vec<f32>> {
        let vb = candle_nn::VarBuilder::from_tensors(tensors.clone(), DType::F32, &Device::Cpu);
        let model = candle_transformers::models::bert::BertModel::load(vb.pp("bert"), cfg).unwrap();
        let t = texts();
        let (ids, types, mask, _) =
            pad_batch(t.iter().map(|(i, t)| (i.as_slice(), t.as_slice()))).unwrap();
        let h = model.forward(&ids, &types, Some(&mask)).unwrap();
        let mean = masked_mean(&h, &mask).unwrap();
        let norm = mean.sqr().unwrap().sum_keepdim(1).unwrap().sqrt().unwrap();
        mean.broadcast_div(&norm).unwrap().to_vec2::<f32>().unwrap()
    }

    fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn eval_mode_equals_the_frozen_encoder_before_training() {
        let cfg = config(3);
        let tensors = random_checkpoint(&cfg, 1);
        let expected = reference(&tensors, &cfg);
        let bert = Bert::from_tensors(cfg, &tensors).unwrap();
        let t = texts();
        let (ids, types, mask, _) =
            pad_batch(t.iter().map(|(i, t)| (i.as_slice(), t.as_slice()))).unwrap();
        let full = bert
            .forward(&ids, &types, &mask, None)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        assert!(
            max_diff(&full, &expected) < 1e-5,
            "{full:?} vs {expected:?}"
        );
        // From cached lower-layer states, for every split point (one text at a time in the
        // cache, so the cache's padding differs from the batch's).
        for tuned in 0..=3 {
            let first = bert.first_tuned(tuned);
            let cache = bert.cache_prefix(texts(), first, 1).unwrap();
            let refs: Vec<&CachedText> = cache.iter().collect();
            let v = bert
                .pool_from(&refs, first, None)
                .unwrap()
                .to_vec2::<f32>()
                .unwrap();
            assert!(max_diff(&v, &expected) < 1e-5, "tuned {tuned}: {v:?}");
        }
    }

    #[test]
    fn dropout_is_on_in_training_and_seeded() {
        let cfg = config(2);
        let bert = Bert::from_tensors(cfg, &random_checkpoint(&config(2), 2)).unwrap();
        let cache = bert.cache_prefix(texts(), 0, 8).unwrap();
        let refs: Vec<&CachedText> = cache.iter().collect();
        let eval = bert
            .pool_from(&refs, 0, None)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let mut a = ChaCha8Rng::seed_from_u64(9);
        let mut b = ChaCha8Rng::seed_from_u64(9);
        let train_a = bert
            .pool_from(&refs, 0, Some(&mut a))
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let train_b = bert
            .pool_from(&refs, 0, Some(&mut b))
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        assert_eq!(train_a, train_b);
        assert!(max_diff(&train_a, &eval) > 1e-3);
    }

    /// Every tuned weight gets a non-zero gradient and changes after one AdamW step, for the
    /// top layer, the top two and every layer (embeddings included).
    #[test]
    fn every_tuned_weight_gets_a_gradient_and_moves() {
        let cfg = config(3);
        let tensors = random_checkpoint(&cfg, 3);
        for tuned in [1, 2, 3] {
            let bert = Bert::from_tensors(cfg.clone(), &tensors).unwrap();
            let first = bert.first_tuned(tuned);
            let cache = bert.cache_prefix(texts(), first, 2).unwrap();
            let refs: Vec<&CachedText> = cache.iter().collect();
            let mut rng = ChaCha8Rng::seed_from_u64(4);
            let v = bert.pool_from(&refs, first, Some(&mut rng)).unwrap();
            // A loss that reads every output coordinate with a different weight.
            let n = v.elem_count();
            let r: Vec<f32> = (0..n)
                .map(|k| ((k * 7919 % 13) as f32 - 6.0) / 6.0)
                .collect();
            let loss = (v * Tensor::from_vec(r, (3, 16), &Device::Cpu).unwrap())
                .unwrap()
                .sum_all()
                .unwrap();
            let grads = loss.backward().unwrap();
            let vars = bert.tuned_vars(tuned);
            let expected = 16 * tuned + 1 + if first == 0 { 5 } else { 0 };
            assert_eq!(vars.len(), expected);
            let before: Vec<Vec<f32>> = vars
                .iter()
                .map(|(_, v)| {
                    v.as_tensor()
                        .flatten_all()
                        .unwrap()
                        .to_vec1::<f32>()
                        .unwrap()
                })
                .collect();
            for (name, var) in &vars {
                let g = grads
                    .get(var.as_tensor())
                    .unwrap_or_else(|| panic!("tuned {tuned}: `{name}` has no gradient"));
                let size = g
                    .abs()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                assert!(size > 0.0, "tuned {tuned}: `{name}` has a zero gradient");
            }
            let mut opt = candle_nn::AdamW::new(
                vars.iter().map(|(_, v)| v.clone()).collect(),
                candle_nn::ParamsAdamW {
                    lr: 1e-3,
                    ..Default::default()
                },
            )
            .unwrap();
            opt.step(&grads).unwrap();
            for ((name, var), old) in vars.iter().zip(&before) {
                let new = var
                    .as_tensor()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap();
                assert!(new != *old, "tuned {tuned}: `{name}` did not change");
            }
            // The frozen layers did not take part.
            let frozen = bert
                .params
                .iter()
                .filter(|(n, _)| !Bert::is_tuned(n, first))
                .count();
            assert_eq!(frozen + vars.len(), bert.params.len());
        }
    }

    #[test]
    fn candle_transformers_bert_gives_no_gradient_below_its_last_layer_norm() {
        // Why this module exists (checked against candle-transformers 0.11): its fused
        // LayerNorm has no backward pass.
        let cfg = config(1);
        let varmap = candle_nn::VarMap::new();
        let vb = candle_nn::VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let model = candle_transformers::models::bert::BertModel::load(vb, &cfg).unwrap();
        let t = texts();
        let (ids, types, mask, _) =
            pad_batch(t.iter().map(|(i, t)| (i.as_slice(), t.as_slice()))).unwrap();
        let loss = model
            .forward(&ids, &types, Some(&mask))
            .unwrap()
            .sum_all()
            .unwrap();
        let grads = loss.backward().unwrap();
        let data = varmap.data().lock().unwrap();
        let with_grad = data
            .values()
            .filter(|v| grads.get(v.as_tensor()).is_some())
            .count();
        assert_eq!(
            with_grad, 0,
            "candle-transformers' BERT became differentiable"
        );
    }

    #[test]
    fn missing_or_misshapen_tensors_are_named() {
        let cfg = config(1);
        let mut tensors = random_checkpoint(&cfg, 6);
        tensors.remove("bert.encoder.layer.0.output.dense.bias");
        let err = Bert::from_tensors(cfg.clone(), &tensors).err().unwrap();
        assert!(
            err.to_string()
                .contains("encoder.layer.0.output.dense.bias"),
            "{err}"
        );
        let mut tensors = random_checkpoint(&cfg, 6);
        tensors.insert(
            "bert.embeddings.LayerNorm.weight".into(),
            Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap(),
        );
        let err = Bert::from_tensors(cfg, &tensors).err().unwrap();
        assert!(err.to_string().contains("shape"), "{err}");
    }
}
