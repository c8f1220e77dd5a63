//! The multitask ordinal network (Kennedy et al. 2020's design with CORAL heads).
//!
//! ```text
//! v  = text vector: hashed n-gram bag  (1/n) Σ_j E[bucket_j]   or a frozen sentence encoding
//! h  = dropout(ReLU(v W1 + b1))                                  shared trunk
//! z  = h W2 + v U + b2                                           one latent value z_i per item
//! P(y_i > k | text) = σ(z_i − γ_i·c − b_{i,k}),  k = 0..K_i−2    CORAL head of item i
//! m̂ = μ + s·(Σ_i w_i z_i + w_0)                                  score head: the Rasch measure
//! ```
//!
//! The CORAL heads (Cao, Mirjalili & Raschka 2020, "Rank consistent ordinal regression for
//! neural networks") share one latent value per item across its `K − 1` binary tasks, and the
//! biases are kept ordered, `b_{i,0} = a_{i,0}`, `b_{i,k} = b_{i,k−1} + softplus(a_{i,k})`, so
//! the cumulative probabilities are monotone and the category probabilities
//! `P(y = k) = P(y > k−1) − P(y > k)` are never negative. `c` is the rater's severity when the
//! perspective-aware input (Sachdeva et al. 2022) is on, and 0 (an average rater) otherwise.
//! The measure is linear in the item latents, so a prediction decomposes exactly into per-item
//! contributions `s·w_i·z_i` plus the intercept `μ + s·w_0` (`μ`, `s`: the mean and SD of the
//! training targets).
//!
//! `v U` is a linear path from the text vector to the latents beside the trunk (the "wide" part
//! of Cheng et al. 2016's wide-and-deep networks), so the network contains every linear model
//! of the text as a special case: [`Network::start_at_linear`] starts it at one (the ridge
//! baseline), with the trunk's output weights at zero, and training then adds what the trunk
//! finds on top of it.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var, D};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::PredictError;

/// `softplus⁻¹(1) = ln(e − 1)`: the raw gap that starts adjacent CORAL biases one logit apart.
const UNIT_GAP_RAW: f32 = 0.541_324_85;
/// Starting value of the first CORAL bias of every item.
const FIRST_BIAS_START: f32 = -1.0;
/// Smallest gap between adjacent starting CORAL biases, in logits (keeps the start ordered
/// when a category is empty).
const MIN_START_GAP: f64 = 0.05;
/// Starting severity weight γ_i of the perspective-aware input.
const SEVERITY_WEIGHT_START: f32 = 1.0;

/// The shape of a network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Width of the text vector (embedding dimension, or the sentence encoder's width).
    pub input_dim: usize,
    /// Width of the shared trunk.
    pub hidden: usize,
    /// Number of categories of each item, in item order.
    pub categories: Vec<usize>,
    /// Dropout probability in the trunk.
    pub dropout: f64,
    /// Whether the heads take the rater's severity.
    pub perspective: bool,
}

impl Architecture {
    /// Number of items (one latent value and one CORAL head each).
    pub fn n_items(&self) -> usize {
        self.categories.len()
    }
    /// Largest number of CORAL tasks of any item, `max_i (K_i − 1)`.
    pub fn max_tasks(&self) -> usize {
        self.categories
            .iter()
            .map(|k| k.saturating_sub(1))
            .max()
            .unwrap_or(0)
            .max(1)
    }
}

/// The dense parameters of the network (the embedding table of hashed features is kept apart,
/// see [`super::train`]).
pub struct Network {
    /// The network's shape.
    pub arch: Architecture,
    /// Trunk weights `W1`, `[input_dim, hidden]`.
    pub w1: Var,
    /// Trunk bias `b1`, `[hidden]`.
    pub b1: Var,
    /// Trunk-to-latent weights `W2`, `[hidden, I]`.
    pub w2: Var,
    /// Latent bias `b2`, `[I]`.
    pub b2: Var,
    /// The linear path `U` `[input_dim, I]` from the text vector to the latents.
    pub skip: Var,
    /// Score-head weights `w_i` on the item latents, `[I]`.
    pub score_w: Var,
    /// Score-head intercept `w_0`, `[1]`.
    pub score_b: Var,
    /// Unconstrained CORAL biases `a_{i,k}`, `[I, max_tasks]`; the ordered biases are
    /// `b_{i,0} = a_{i,0}`, `b_{i,k} = b_{i,k−1} + softplus(a_{i,k})`.
    pub bias_raw: Var,
    /// Severity weights `γ_i` of the perspective-aware input, `[I]` (trained only when
    /// `perspective` is on).
    pub severity_weight: Var,
}

/// What a forward pass gives for a batch of texts.
pub struct Forward {
    /// Item latents `z`, `[B, I]`.
    pub latents: Tensor,
    /// Standardized measure `Σ_i w_i z_i + w_0`, `[B]`.
    pub score: Tensor,
}

/// Glorot-uniform `[rows, cols]` matrix: `U(−a, a)`, `a = √(6 / (rows + cols))` (Glorot & Bengio
/// 2010).
fn glorot(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Result<Tensor, PredictError> {
    let a = (6.0 / (rows + cols) as f64).sqrt() as f32;
    let values: Vec<f32> = (0..rows * cols).map(|_| rng.random_range(-a..a)).collect();
    Ok(Tensor::from_vec(values, (rows, cols), &Device::Cpu)?)
}

/// Numerically stable `softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|})`.
pub fn softplus(x: &Tensor) -> candle_core::Result<Tensor> {
    x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?
}

impl Network {
    /// A new network with seeded Glorot weights.
    pub fn new(arch: Architecture, rng: &mut ChaCha8Rng) -> Result<Network, PredictError> {
        let dev = Device::Cpu;
        let (d, h, i, t) = (
            arch.input_dim,
            arch.hidden,
            arch.n_items(),
            arch.max_tasks(),
        );
        let mut bias_raw = vec![UNIT_GAP_RAW; i * t];
        for item in 0..i {
            bias_raw[item * t] = FIRST_BIAS_START;
        }
        Ok(Network {
            w1: Var::from_tensor(&glorot(d, h, rng)?)?,
            b1: Var::zeros(h, DType::F32, &dev)?,
            w2: Var::from_tensor(&glorot(h, i, rng)?)?,
            b2: Var::zeros(i, DType::F32, &dev)?,
            skip: Var::zeros((d, i), DType::F32, &dev)?,
            // Every item starts with the same positive weight: a higher latent means a higher
            // category and a higher measure on every item, so the measure's gradient pushes
            // the latents the way their ordinal heads need (random signs would set some items
            // against their own ratings).
            score_w: Var::from_tensor(&Tensor::full(
                (1.0 / (i.max(1) as f64).sqrt()) as f32,
                i,
                &dev,
            )?)?,
            score_b: Var::zeros(1, DType::F32, &dev)?,
            bias_raw: Var::from_tensor(&Tensor::from_vec(bias_raw, (i, t), &dev)?)?,
            severity_weight: Var::from_tensor(&Tensor::full(SEVERITY_WEIGHT_START, i, &dev)?)?,
            arch,
        })
    }

    /// Starts the CORAL biases at the marginal cumulative logits of the training ratings,
    /// `b_{i,k} = −logit P̂(y_i > k)` with `P̂(y > k) = (n_{>k} + ½) / (n + 1)`, so that a text
    /// with `z_i = 0` starts at the item's observed category distribution (the usual start of an
    /// ordinal model's intercepts). `counts[i][c]` is the number of ratings in category `c`.
    pub fn start_biases_at_marginals(&self, counts: &[Vec<usize>]) -> Result<(), PredictError> {
        let t = self.arch.max_tasks();
        let mut raw = self.bias_raw.as_tensor().flatten_all()?.to_vec1::<f32>()?;
        for (i, c) in counts.iter().enumerate().take(self.arch.n_items()) {
            let n: usize = c.iter().sum();
            let tasks = self.arch.categories[i].saturating_sub(1).min(t);
            let mut previous = 0.0f64;
            for k in 0..tasks {
                let above: usize = c.iter().skip(k + 1).sum();
                let p = (above as f64 + 0.5) / (n as f64 + 1.0);
                let b = -(p / (1.0 - p)).ln();
                raw[i * t + k] = if k == 0 {
                    b as f32
                } else {
                    // softplus⁻¹(gap) = ln(e^gap − 1), the gap kept above MIN_START_GAP.
                    let gap = (b - previous).max(MIN_START_GAP);
                    gap.exp_m1().ln() as f32
                };
                previous = if k == 0 {
                    b
                } else {
                    previous + (b - previous).max(MIN_START_GAP)
                };
            }
        }
        let shape = self.bias_raw.as_tensor().dims().to_vec();
        self.bias_raw
            .set(&Tensor::from_vec(raw, shape, &Device::Cpu)?)?;
        Ok(())
    }

    /// Starts the network at a linear model of the text: every item latent at
    /// `z_i = v·u − μ + offset`, i.e. `U[:, i] = u`, `b2_i = offset − μ`, `W2 = 0`, and the score
    /// head at `w_i = 1 / (I·s)`, `w_0 = 0`, so that the standardized score is
    /// `(v·u + offset − μ) / s` and the predicted measure `μ + s·score = v·u + offset`: exactly
    /// the linear model. Latents in logits around the mean measure suit the CORAL heads, whose
    /// cumulative logits move one for one with the measure in a Rasch model. The trunk's output
    /// weights start at zero (its input weights stay random), so its first steps add to the
    /// linear model instead of perturbing it.
    pub fn start_at_linear(
        &self,
        u: &[f32],
        offset: f64,
        mean: f64,
        sd: f64,
    ) -> Result<(), PredictError> {
        let dev = Device::Cpu;
        let (d, h, i) = (self.arch.input_dim, self.arch.hidden, self.arch.n_items());
        if u.len() != d {
            return Err(PredictError::InvalidOption {
                field: "linear start",
                message: format!("{} weights for a {d}-wide text vector", u.len()),
            });
        }
        let skip: Vec<f32> = u.iter().flat_map(|&w| std::iter::repeat_n(w, i)).collect();
        self.skip.set(&Tensor::from_vec(skip, (d, i), &dev)?)?;
        self.b2
            .set(&Tensor::full((offset - mean) as f32, i, &dev)?)?;
        self.w2.set(&Tensor::zeros((h, i), DType::F32, &dev)?)?;
        let w = 1.0 / (i.max(1) as f64 * sd.max(f64::MIN_POSITIVE));
        self.score_w.set(&Tensor::full(w as f32, i, &dev)?)?;
        self.score_b.set(&Tensor::zeros(1, DType::F32, &dev)?)?;
        Ok(())
    }

    /// The trainable variables, for the optimizer (γ only with the perspective input).
    pub fn vars(&self) -> Vec<Var> {
        let mut vars = vec![
            self.w1.clone(),
            self.b1.clone(),
            self.w2.clone(),
            self.b2.clone(),
            self.skip.clone(),
            self.score_w.clone(),
            self.score_b.clone(),
            self.bias_raw.clone(),
        ];
        if self.arch.perspective {
            vars.push(self.severity_weight.clone());
        }
        vars
    }

    /// The parameters by name (for safetensors).
    pub fn tensors(&self) -> HashMap<String, Tensor> {
        [
            ("trunk.weight", &self.w1),
            ("trunk.bias", &self.b1),
            ("latent.weight", &self.w2),
            ("latent.bias", &self.b2),
            ("latent.skip", &self.skip),
            ("score.weight", &self.score_w),
            ("score.bias", &self.score_b),
            ("coral.bias_raw", &self.bias_raw),
            ("coral.severity_weight", &self.severity_weight),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.as_tensor().clone()))
        .collect()
    }

    /// Rebuilds a network from [`Network::tensors`].
    pub fn from_tensors(
        arch: Architecture,
        tensors: &HashMap<String, Tensor>,
    ) -> Result<Network, String> {
        let get = |name: &str, shape: &[usize]| -> Result<Var, String> {
            let t = tensors
                .get(name)
                .ok_or_else(|| format!("tensor `{name}` is missing"))?;
            if t.dims() != shape {
                return Err(format!(
                    "tensor `{name}` has shape {:?}, expected {shape:?}",
                    t.dims()
                ));
            }
            let t = t.to_dtype(DType::F32).map_err(|e| e.to_string())?;
            Var::from_tensor(&t).map_err(|e| e.to_string())
        };
        let (d, h, i, t) = (
            arch.input_dim,
            arch.hidden,
            arch.n_items(),
            arch.max_tasks(),
        );
        Ok(Network {
            w1: get("trunk.weight", &[d, h])?,
            b1: get("trunk.bias", &[h])?,
            w2: get("latent.weight", &[h, i])?,
            b2: get("latent.bias", &[i])?,
            // Models saved before the linear path existed have none: a zero path is the same
            // network.
            skip: if tensors.contains_key("latent.skip") {
                get("latent.skip", &[d, i])?
            } else {
                Var::zeros((d, i), DType::F32, &Device::Cpu).map_err(|e| e.to_string())?
            },
            score_w: get("score.weight", &[i])?,
            score_b: get("score.bias", &[1])?,
            bias_raw: get("coral.bias_raw", &[i, t])?,
            severity_weight: get("coral.severity_weight", &[i])?,
            arch,
        })
    }

    /// A dropout mask `[rows, hidden]`: each unit kept with probability `1 − p` and scaled by
    /// `1 / (1 − p)` (inverted dropout, Srivastava et al. 2014), drawn from a seeded stream so
    /// training and MC-dropout are reproducible.
    pub fn dropout_mask(&self, rows: usize, rng: &mut ChaCha8Rng) -> Result<Tensor, PredictError> {
        let p = self.arch.dropout;
        let keep = (1.0 / (1.0 - p)) as f32;
        let values: Vec<f32> = (0..rows * self.arch.hidden)
            .map(|_| if rng.random_bool(p) { 0.0 } else { keep })
            .collect();
        Ok(Tensor::from_vec(
            values,
            (rows, self.arch.hidden),
            &Device::Cpu,
        )?)
    }

    /// The forward pass for text vectors `x` `[B, input_dim]`; `mask` applies dropout.
    pub fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<Forward> {
        let mut h = x
            .matmul(self.w1.as_tensor())?
            .broadcast_add(&self.b1)?
            .relu()?;
        if let Some(mask) = mask {
            h = (h * mask)?;
        }
        let latents = (h.matmul(self.w2.as_tensor())? + x.matmul(self.skip.as_tensor())?)?
            .broadcast_add(&self.b2)?;
        let score = latents
            .broadcast_mul(&self.score_w)?
            .sum(D::Minus1)?
            .broadcast_add(&self.score_b)?;
        Ok(Forward { latents, score })
    }

    /// The ordered CORAL biases `b_{i,k}`, `[I, max_tasks]` (the entries past an item's
    /// `K_i − 1` tasks are unused).
    pub fn biases(&self) -> candle_core::Result<Tensor> {
        let t = self.arch.max_tasks();
        let first = self.bias_raw.narrow(1, 0, 1)?;
        let steps = if t > 1 {
            Tensor::cat(&[first, softplus(&self.bias_raw.narrow(1, 1, t - 1)?)?], 1)?
        } else {
            first
        };
        steps.cumsum(1)
    }

    /// The CORAL logits `z_{d,i} − γ_i c − b_{i,k}` of ratings `[R, max_tasks]`, for ratings of
    /// text `docs[r]` (row in `latents`) on item `items[r]` by a rater of severity
    /// `severities[r]` (ignored without the perspective input).
    pub fn rating_logits(
        &self,
        latents: &Tensor,
        docs: &[u32],
        items: &[u32],
        severities: &[f32],
    ) -> candle_core::Result<Tensor> {
        let n_items = self.arch.n_items() as u32;
        let dev = Device::Cpu;
        let flat_index: Vec<u32> = docs
            .iter()
            .zip(items)
            .map(|(&d, &i)| d * n_items + i)
            .collect();
        let r = flat_index.len();
        let flat_index = Tensor::from_vec(flat_index, r, &dev)?;
        let items_t = Tensor::from_slice(items, r, &dev)?;
        let mut z = latents.flatten_all()?.index_select(&flat_index, 0)?;
        if self.arch.perspective {
            let severity = Tensor::from_slice(severities, r, &dev)?;
            let gamma = self.severity_weight.index_select(&items_t, 0)?;
            z = (z - (gamma * severity)?)?;
        }
        let b = self.biases()?.index_select(&items_t, 0)?;
        z.unsqueeze(1)?.broadcast_sub(&b)
    }
}

/// The CORAL loss of ratings: `Σ_k mask_k · [softplus(ℓ_k) − t_k ℓ_k]` averaged over ratings,
/// the binary cross-entropy of every task `y > k` with target `t_k = 1[y > k]` (Cao et al. 2020,
/// eq. 4, unit task weights). `targets` and `mask` are `[R, max_tasks]`.
pub fn coral_loss(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let r = logits.dim(0)?.max(1) as f64;
    let per_task = (softplus(logits)? - (logits * targets)?)?;
    (per_task * mask)?.sum_all()? / r
}

/// Task targets and mask for categories `y` (0-based) of items with `k` categories:
/// `t_k = 1[y > k]`, `mask_k = 1[k < K_i − 1]`, both `[R, max_tasks]` row-major.
pub fn coral_targets(
    categories: &[u32],
    items: &[u32],
    arch: &Architecture,
) -> Result<(Tensor, Tensor), PredictError> {
    let t = arch.max_tasks();
    let r = categories.len();
    let mut targets = vec![0f32; r * t];
    let mut mask = vec![0f32; r * t];
    for (n, (&y, &i)) in categories.iter().zip(items).enumerate() {
        let tasks = arch.categories[i as usize].saturating_sub(1);
        for k in 0..tasks {
            mask[n * t + k] = 1.0;
            if y as usize > k {
                targets[n * t + k] = 1.0;
            }
        }
    }
    let dev = Device::Cpu;
    Ok((
        Tensor::from_vec(targets, (r, t), &dev)?,
        Tensor::from_vec(mask, (r, t), &dev)?,
    ))
}

/// Category probabilities from one item's cumulative probabilities `P(y > k)`:
/// `P(y = 0) = 1 − P(y > 0)`, `P(y = k) = P(y > k−1) − P(y > k)`, `P(y = K−1) = P(y > K−2)`.
pub fn category_probabilities(cumulative: &[f64]) -> Vec<f64> {
    let k = cumulative.len() + 1;
    (0..k)
        .map(|c| {
            let above_prev = if c == 0 { 1.0 } else { cumulative[c - 1] };
            let above = cumulative.get(c).copied().unwrap_or(0.0);
            (above_prev - above).max(0.0)
        })
        .collect()
}

/// The CORAL category prediction: the number of tasks with `P(y > k) > 0.5` (Cao et al. 2020,
/// eq. 1).
pub fn coral_category(cumulative: &[f64]) -> usize {
    cumulative.iter().filter(|&&p| p > 0.5).count()
}

/// Logistic function `σ(x) = 1 / (1 + e^{−x})`.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn arch() -> Architecture {
        Architecture {
            input_dim: 4,
            hidden: 6,
            categories: vec![5, 3],
            dropout: 0.2,
            perspective: true,
        }
    }

    #[test]
    fn biases_are_ordered_and_start_one_logit_apart() {
        let net = Network::new(arch(), &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let b = net.biases().unwrap().to_vec2::<f32>().unwrap();
        for row in &b {
            for k in 1..row.len() {
                assert!((row[k] - row[k - 1] - 1.0).abs() < 1e-5, "{row:?}");
            }
            assert!((row[0] - FIRST_BIAS_START).abs() < 1e-6);
        }
    }

    #[test]
    fn biases_start_at_the_marginal_cumulative_logits() {
        let net = Network::new(arch(), &mut ChaCha8Rng::seed_from_u64(2)).unwrap();
        // Item 1 (3 categories): counts 49.5/99.5... P(y>0) = (50+.5)/101, P(y>1) = (10+.5)/101.
        net.start_biases_at_marginals(&[vec![10, 10, 10, 10, 10], vec![50, 40, 10]])
            .unwrap();
        let b = net.biases().unwrap().to_vec2::<f32>().unwrap();
        let p0 = 50.5f64 / 101.0;
        let p1 = 10.5f64 / 101.0;
        assert!(
            (b[1][0] as f64 + (p0 / (1.0 - p0)).ln()).abs() < 1e-5,
            "{b:?}"
        );
        assert!(
            (b[1][1] as f64 + (p1 / (1.0 - p1)).ln()).abs() < 1e-4,
            "{b:?}"
        );
        for k in 1..4 {
            assert!(b[0][k] > b[0][k - 1]);
        }
    }

    #[test]
    fn coral_loss_matches_the_binary_cross_entropy_by_hand() {
        let a = arch();
        let logits = Tensor::new(
            &[[0.5f32, -1.0, 2.0, 0.0], [1.0, -0.5, 9.0, 9.0]],
            &Device::Cpu,
        )
        .unwrap();
        // Rating 0: item 0 (4 tasks), category 2; rating 1: item 1 (2 tasks), category 1.
        let (t, m) = coral_targets(&[2, 1], &[0, 1], &a).unwrap();
        let loss = coral_loss(&logits, &t, &m)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        let bce = |l: f64, y: f64| -(y * sigmoid(l).ln() + (1.0 - y) * (1.0 - sigmoid(l)).ln());
        let expected = (bce(0.5, 1.0)
            + bce(-1.0, 1.0)
            + bce(2.0, 0.0)
            + bce(0.0, 0.0)
            + bce(1.0, 1.0)
            + bce(-0.5, 0.0))
            / 2.0;
        assert!(
            (loss as f64 - expected).abs() < 1e-5,
            "{loss} vs {expected}"
        );
    }

    #[test]
    fn category_probabilities_sum_to_one() {
        let p = category_probabilities(&[0.9, 0.6, 0.2]);
        assert_eq!(p.len(), 4);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[1] - 0.3).abs() < 1e-12);
        assert_eq!(coral_category(&[0.9, 0.6, 0.2]), 2);
    }

    #[test]
    fn tensors_round_trip() {
        let net = Network::new(arch(), &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let back = Network::from_tensors(arch(), &net.tensors()).unwrap();
        let x = Tensor::new(&[[0.1f32, 0.2, -0.3, 0.4]], &Device::Cpu).unwrap();
        let a = net
            .forward(&x, None)
            .unwrap()
            .score
            .to_vec1::<f32>()
            .unwrap();
        let b = back
            .forward(&x, None)
            .unwrap()
            .score
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(a, b);
        let mut broken = net.tensors();
        broken.remove("score.bias");
        assert!(Network::from_tensors(arch(), &broken).is_err());
        // A model saved before the linear path existed loads with a zero path.
        let mut old = net.tensors();
        old.remove("latent.skip");
        let old = Network::from_tensors(arch(), &old).unwrap();
        let c = old
            .forward(&x, None)
            .unwrap()
            .score
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(a, c);
    }

    #[test]
    fn a_linear_start_predicts_the_linear_model() {
        let net = Network::new(arch(), &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        // m̂ = v·u + 0.5 with u = (1, −2, 0, 0.5); targets' mean 0.2 and SD 1.5.
        let u = [1.0f32, -2.0, 0.0, 0.5];
        net.start_at_linear(&u, 0.5, 0.2, 1.5).unwrap();
        let x = Tensor::new(
            &[[0.1f32, 0.2, -0.3, 0.4], [1.0, 0.0, 2.0, -1.0]],
            &Device::Cpu,
        )
        .unwrap();
        let f = net.forward(&x, None).unwrap();
        let score = f.score.to_vec1::<f32>().unwrap();
        let latents = f.latents.to_vec2::<f32>().unwrap();
        for (row, (s, z)) in [[0.1f64, 0.2, -0.3, 0.4], [1.0, 0.0, 2.0, -1.0]]
            .iter()
            .zip(score.iter().zip(&latents))
        {
            let linear: f64 = row.iter().zip(&u).map(|(x, &w)| x * w as f64).sum::<f64>() + 0.5;
            // The measure μ + s·score is the linear model; every latent is its deviation from μ.
            assert!(
                (0.2 + 1.5 * *s as f64 - linear).abs() < 1e-5,
                "{s} vs {linear}"
            );
            for &zi in z {
                assert!((zi as f64 - (linear - 0.2)).abs() < 1e-5);
            }
        }
        assert!(net.start_at_linear(&u[..3], 0.0, 0.0, 1.0).is_err());
    }
}
