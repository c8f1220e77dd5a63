//! Text representations: the hashed n-gram embedding bag (default, learned end to end) or a
//! frozen sentence encoder (all-MiniLM-L6-v2, see [`super::minilm`]).

use super::features::Hashing;

crate::options::named_enum!(
    /// Which text representation a model uses.
    #[derive(Default)]
    pub enum EncoderKind, "encoder" {
        /// Hashed word uni/bigrams and character 3-5-grams, averaged embedding rows.
        #[default]
        Hashed = "hashed",
        /// Frozen all-MiniLM-L6-v2 sentence vectors (mean-pooled BERT), cached in the project.
        Minilm = "minilm",
    }
);

/// The network's input for a set of texts.
#[derive(Debug, Clone)]
pub enum TextInputs {
    /// Per text, its bag `(bucket, weight)` (see [`super::features::bag`]).
    Bags {
        /// The feature hashing the bags were built with.
        hashing: Hashing,
        /// One bag per text.
        bags: Vec<Vec<(u32, f32)>>,
    },
    /// Per text, a fixed vector of width `dim` (row-major).
    Vectors {
        /// The vector width.
        dim: usize,
        /// The vectors, one row of `dim` values per text.
        data: Vec<f32>,
    },
}

impl TextInputs {
    /// Hashed bags of `texts`.
    pub fn hashed(hashing: Hashing, texts: &[&str]) -> TextInputs {
        use rayon::prelude::*;
        let bags = texts
            .par_iter()
            .map(|t| super::features::bag(&hashing.buckets_of(t)))
            .collect();
        TextInputs::Bags { hashing, bags }
    }

    /// The number of texts.
    pub fn len(&self) -> usize {
        match self {
            TextInputs::Bags { bags, .. } => bags.len(),
            TextInputs::Vectors { dim, data } => data.len() / (*dim).max(1),
        }
    }

    /// Whether there are no texts.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Text `n` as sparse `(feature, value)` pairs: the ridge baseline's design row (the same
    /// features the network reads).
    pub fn sparse_row(&self, n: usize) -> Vec<(u32, f32)> {
        match self {
            TextInputs::Bags { bags, .. } => bags[n].clone(),
            TextInputs::Vectors { dim, data } => data[n * dim..(n + 1) * dim]
                .iter()
                .enumerate()
                .map(|(j, &v)| (j as u32, v))
                .collect(),
        }
    }
}

/// The learned embedding table of the hashed features, `E` `[buckets, dim]`, with its lazy AdamW
/// state.
///
/// candle has no sparse gradients, and a dense `[2^18, dim]` gradient and AdamW step per batch
/// would dominate training. The bag `v = S E` is linear in `E`, so the table lives outside the
/// autograd graph: the forward pass builds `v` for the batch, candle differentiates the loss
/// with respect to `v`, and `∂L/∂E = Sᵀ ∂L/∂v` touches only the buckets in the batch, which are
/// updated by AdamW restricted to those rows ("lazy Adam", as TensorFlow's `LazyAdam` and
/// PyTorch's `SparseAdam`): for each touched row, `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`,
/// `E ← E − η (m̂ / (√v̂ + ε) + λ E)` with the bias corrections `m̂ = m / (1−β1ᵗ)`,
/// `v̂ = v / (1−β2ᵗ)` at the global step `t` (Kingma & Ba 2015; Loshchilov & Hutter 2019).
#[derive(Debug, Clone)]
pub struct EmbeddingTable {
    /// Embedding width (columns of `E`).
    pub dim: usize,
    /// The table `E`, row-major `[buckets, dim]`.
    pub weights: Vec<f32>,
    /// The first `frozen_columns` columns are not updated by [`EmbeddingTable::sparse_step`]
    /// (column 0 holds the ridge baseline's weights when the network starts at it).
    pub frozen_columns: usize,
    first_moment: Vec<f32>,
    second_moment: Vec<f32>,
    /// Scratch: the accumulator slot of each bucket during a step (`u32::MAX`: untouched).
    slot_of: Vec<u32>,
}

/// AdamW hyper-parameters shared by the dense and the lazy optimizer.
#[derive(Debug, Clone, Copy)]
pub struct AdamParams {
    /// Learning rate `η`.
    pub learning_rate: f64,
    /// First-moment decay rate `β1`.
    pub beta1: f64,
    /// Second-moment decay rate `β2`.
    pub beta2: f64,
    /// `ε` in the denominator of the step.
    pub eps: f64,
    /// Decoupled weight decay `λ`.
    pub weight_decay: f64,
    /// Plain SGD `E ← E − η (g + λ E)` instead of lazy AdamW (the step is proportional to the
    /// gradient, so rare buckets move little, as in fastText).
    pub plain_sgd: bool,
}

impl EmbeddingTable {
    /// A table with rows drawn from `U(−1/dim, 1/dim)` (fastText's initialisation).
    pub fn new(rows: usize, dim: usize, rng: &mut rand_chacha::ChaCha8Rng) -> EmbeddingTable {
        use rand::Rng;
        let a = 1.0 / dim as f32;
        EmbeddingTable {
            dim,
            weights: (0..rows * dim).map(|_| rng.random_range(-a..a)).collect(),
            frozen_columns: 0,
            first_moment: Vec::new(),
            second_moment: Vec::new(),
            slot_of: Vec::new(),
        }
    }

    /// A trained table (no optimizer state).
    pub fn from_weights(dim: usize, weights: Vec<f32>) -> EmbeddingTable {
        EmbeddingTable {
            dim,
            weights,
            frozen_columns: 0,
            first_moment: Vec::new(),
            second_moment: Vec::new(),
            slot_of: Vec::new(),
        }
    }

    /// Puts a linear model's weights `(bucket, β)` into column 0 (every other bucket's entry
    /// 0) and freezes that column, so the bag's first component is the linear model's
    /// prediction without its constant, `v_0 = Σ_j x_j β_j`.
    pub fn start_first_column_at(&mut self, weights: &[(u32, f64)]) {
        let d = self.dim;
        if d == 0 {
            return;
        }
        for row in self.weights.chunks_mut(d) {
            row[0] = 0.0;
        }
        for &(bucket, beta) in weights {
            if let Some(w) = self.weights.get_mut(bucket as usize * d) {
                *w = beta as f32;
            }
        }
        self.frozen_columns = self.frozen_columns.max(1);
    }

    /// The bag vectors `v_d = Σ_j s_{dj} E[j]` of `bags`, row-major `[bags.len(), dim]`.
    pub fn bag_vectors<'a>(&self, bags: impl Iterator<Item = &'a [(u32, f32)]>) -> Vec<f32> {
        let d = self.dim;
        let mut out = Vec::new();
        for bag in bags {
            let start = out.len();
            out.resize(start + d, 0.0);
            let row = &mut out[start..];
            for &(bucket, weight) in bag {
                let e = &self.weights[bucket as usize * d..(bucket as usize + 1) * d];
                for (o, &v) in row.iter_mut().zip(e) {
                    *o += weight * v;
                }
            }
        }
        out
    }

    /// One lazy AdamW step from the gradient `grad` `[bags.len(), dim]` of the loss with respect
    /// to the bag vectors; `step` is the 1-based global step.
    pub fn sparse_step(
        &mut self,
        bags: &[&[(u32, f32)]],
        grad: &[f32],
        params: &AdamParams,
        step: u64,
    ) {
        let d = self.dim;
        if self.first_moment.len() != self.weights.len() {
            self.first_moment = vec![0.0; self.weights.len()];
            self.second_moment = vec![0.0; self.weights.len()];
        }
        // ∂L/∂E[j] = Σ_d s_{dj} ∂L/∂v_d, accumulated per touched bucket in first-touch order.
        if self.slot_of.len() != self.weights.len() / d {
            self.slot_of = vec![u32::MAX; self.weights.len() / d];
        }
        let mut touched: Vec<u32> = Vec::new();
        let mut acc: Vec<f32> = Vec::new();
        for (bag, g) in bags.iter().zip(grad.chunks(d)) {
            for &(bucket, weight) in bag.iter() {
                let slot = &mut self.slot_of[bucket as usize];
                if *slot == u32::MAX {
                    *slot = touched.len() as u32;
                    touched.push(bucket);
                    acc.resize(acc.len() + d, 0.0);
                }
                let row = &mut acc[*slot as usize * d..(*slot as usize + 1) * d];
                for (a, &gv) in row.iter_mut().zip(g) {
                    *a += weight * gv;
                }
            }
        }
        if params.plain_sgd {
            let (lr, wd) = (params.learning_rate as f32, params.weight_decay as f32);
            for (slot, &bucket) in touched.iter().enumerate() {
                self.slot_of[bucket as usize] = u32::MAX;
                let row = &mut self.weights[bucket as usize * d..(bucket as usize + 1) * d];
                for (w, &g) in row
                    .iter_mut()
                    .zip(&acc[slot * d..(slot + 1) * d])
                    .skip(self.frozen_columns)
                {
                    *w -= lr * (g + wd * *w);
                }
            }
            return;
        }
        let (b1, b2) = (params.beta1 as f32, params.beta2 as f32);
        let c1 = 1.0 - params.beta1.powi(step as i32) as f32;
        let c2 = 1.0 - params.beta2.powi(step as i32) as f32;
        let (lr, eps, wd) = (
            params.learning_rate as f32,
            params.eps as f32,
            params.weight_decay as f32,
        );
        for (slot, &bucket) in touched.iter().enumerate() {
            self.slot_of[bucket as usize] = u32::MAX;
            let base = bucket as usize * d;
            for (k, &gk) in acc[slot * d..(slot + 1) * d]
                .iter()
                .enumerate()
                .skip(self.frozen_columns)
            {
                let n = base + k;
                let m = b1 * self.first_moment[n] + (1.0 - b1) * gk;
                let v = b2 * self.second_moment[n] + (1.0 - b2) * gk * gk;
                self.first_moment[n] = m;
                self.second_moment[n] = v;
                let update = (m / c1) / ((v / c2).sqrt() + eps) + wd * self.weights[n];
                self.weights[n] -= lr * update;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bag_vectors_average_rows() {
        let table = EmbeddingTable::from_weights(2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let bags: Vec<Vec<(u32, f32)>> = vec![vec![(0, 0.5), (2, 0.5)], vec![]];
        let v = table.bag_vectors(bags.iter().map(|b| b.as_slice()));
        assert_eq!(v, vec![3.0, 4.0, 0.0, 0.0]);
    }

    #[test]
    fn sparse_step_moves_only_touched_rows_against_the_gradient() {
        let mut table = EmbeddingTable::from_weights(1, vec![0.0, 0.0, 0.0]);
        let bag = [(1u32, 1.0f32)];
        let params = AdamParams {
            learning_rate: 0.1,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            plain_sgd: false,
        };
        table.sparse_step(&[&bag], &[2.0], &params, 1);
        // First Adam step: m̂ / √v̂ = g / |g| = 1, so the row moves by −lr.
        assert_eq!(table.weights[0], 0.0);
        assert!((table.weights[1] + 0.1).abs() < 1e-6);
        assert_eq!(table.weights[2], 0.0);
    }
}
