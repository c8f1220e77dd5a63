//! Held-out evaluation: measure metrics, item metrics, and the baselines (ridge regression on
//! the same features, and the training mean).

use serde::{Deserialize, Serialize};

use super::encoder::TextInputs;

/// Shrinkage grid of the ridge baseline, relative to the average diagonal of `X_cᵀX_c` over the
/// features that occur (so the grid means the same for bags and for dense vectors); the value
/// with the lowest validation RMSE is kept.
pub const RIDGE_RELATIVE_ALPHAS: [f64; 5] = [1e-3, 1e-2, 1e-1, 1.0, 10.0];
/// Conjugate-gradient iterations per ridge solve, and the relative residual that stops it.
pub const RIDGE_MAX_ITERATIONS: usize = 300;
/// Relative residual `‖r‖ / ‖b‖` at which a ridge solve stops.
pub const RIDGE_TOLERANCE: f64 = 1e-6;

/// Pearson's correlation ([`crate::measure::statistics::pearson`]), NaN when undefined (fewer
/// than two pairs, a zero variance), as the metrics tables show it.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    crate::measure::statistics::pearson(x, y).unwrap_or(f64::NAN)
}

/// How well predicted measures match the targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureMetrics {
    /// Number of (prediction, target) pairs.
    pub n: usize,
    /// `√(Σ(p−t)²/n)`, logits.
    pub rmse: f64,
    /// `Σ|p−t|/n`, logits.
    pub mae: f64,
    /// Pearson's r between predictions and targets.
    pub pearson: f64,
    /// `R² = 1 − Σ(p−t)² / Σ(t−t̄)²` (negative when worse than the targets' own mean).
    pub r_squared: f64,
}

impl MeasureMetrics {
    /// Metrics of `predicted` against `target` (pairs beyond the shorter slice are ignored).
    pub fn compute(predicted: &[f64], target: &[f64]) -> MeasureMetrics {
        let n = predicted.len().min(target.len());
        let nf = n.max(1) as f64;
        let sse: f64 = predicted
            .iter()
            .zip(target)
            .map(|(p, t)| (p - t).powi(2))
            .sum();
        let sae: f64 = predicted
            .iter()
            .zip(target)
            .map(|(p, t)| (p - t).abs())
            .sum();
        let mean = target.iter().sum::<f64>() / nf;
        let sst: f64 = target.iter().map(|t| (t - mean).powi(2)).sum();
        MeasureMetrics {
            n,
            rmse: (sse / nf).sqrt(),
            mae: sae / nf,
            pearson: pearson(predicted, target),
            r_squared: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
        }
    }
}

/// How well one item's predicted categories match the held-out ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemMetrics {
    /// The item's label.
    pub item: String,
    /// Held-out ratings of the item.
    pub n: usize,
    /// Share of ratings whose category was predicted exactly.
    pub accuracy: f64,
    /// Quadratic weighted kappa.
    pub quadratic_kappa: f64,
    /// Unweighted mean of the per-category F1 over the categories observed or predicted.
    pub macro_f1: f64,
    /// Mean absolute difference between predicted and observed categories.
    pub label_mae: f64,
}

impl ItemMetrics {
    /// Metrics of predicted vs observed 0-based categories of an item with `k` categories.
    pub fn compute(item: &str, predicted: &[usize], observed: &[usize], k: usize) -> ItemMetrics {
        let n = predicted.len().min(observed.len());
        let nf = n.max(1) as f64;
        let mut confusion = vec![vec![0f64; k]; k];
        for (&p, &o) in predicted.iter().zip(observed) {
            confusion[o.min(k - 1)][p.min(k - 1)] += 1.0;
        }
        let correct: f64 = (0..k).map(|c| confusion[c][c]).sum();
        let label_mae = predicted
            .iter()
            .zip(observed)
            .map(|(&p, &o)| (p as f64 - o as f64).abs())
            .sum::<f64>()
            / nf;
        ItemMetrics {
            item: item.to_string(),
            n,
            accuracy: correct / nf,
            quadratic_kappa: quadratic_weighted_kappa(&confusion),
            macro_f1: macro_f1(&confusion),
            label_mae,
        }
    }
}

/// Quadratic weighted kappa (Cohen 1968) of a confusion matrix `O[observed][predicted]`:
/// `κ = 1 − Σ w_ij O_ij / Σ w_ij E_ij`, `w_ij = (i−j)² / (K−1)²`, `E_ij = O_i· O_·j / N`
/// (1 when both raters agree perfectly with no spread, NaN when `E` has no weight).
pub fn quadratic_weighted_kappa(confusion: &[Vec<f64>]) -> f64 {
    let k = confusion.len();
    if k < 2 {
        return f64::NAN;
    }
    let n: f64 = confusion.iter().flatten().sum();
    let rows: Vec<f64> = confusion.iter().map(|r| r.iter().sum()).collect();
    let cols: Vec<f64> = (0..k)
        .map(|j| confusion.iter().map(|r| r[j]).sum())
        .collect();
    let (mut observed, mut expected) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = ((i as f64 - j as f64) / (k as f64 - 1.0)).powi(2);
            observed += w * confusion[i][j];
            expected += w * rows[i] * cols[j] / n.max(1.0);
        }
    }
    if expected > 0.0 {
        1.0 - observed / expected
    } else if observed == 0.0 {
        1.0
    } else {
        f64::NAN
    }
}

/// Macro-averaged F1 over the categories that occur in the observations or the predictions:
/// `F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)`.
pub fn macro_f1(confusion: &[Vec<f64>]) -> f64 {
    let k = confusion.len();
    let mut sum = 0.0;
    let mut classes = 0usize;
    for (c, row) in confusion.iter().enumerate() {
        let tp = row[c];
        let fn_ = row.iter().sum::<f64>() - tp;
        let fp = (0..k).map(|o| confusion[o][c]).sum::<f64>() - tp;
        if tp + fn_ + fp > 0.0 {
            sum += 2.0 * tp / (2.0 * tp + fp + fn_);
            classes += 1;
        }
    }
    if classes == 0 {
        f64::NAN
    } else {
        sum / classes as f64
    }
}

/// A fitted ridge regression `ŷ = ȳ + (x − μ)·w = c + x·w`.
#[derive(Debug, Clone)]
pub struct Ridge {
    /// The shrinkage `α`.
    pub alpha: f64,
    /// The unpenalised intercept `ȳ`, the mean training target.
    pub intercept: f64,
    /// The feature means `μ` over the training rows.
    pub feature_means: Vec<f64>,
    /// The feature weights `w`.
    pub weights: Vec<f64>,
    /// `c = ȳ − μ·w`, the prediction for a text with no features (computed once: a row's
    /// prediction then costs its own features only).
    pub constant: f64,
    /// Conjugate-gradient iterations used.
    pub iterations: usize,
}

impl Ridge {
    /// The prediction `c + x·w` for a sparse row `(feature, value)`.
    pub fn predict_row(&self, row: &[(u32, f32)]) -> f64 {
        self.constant
            + row
                .iter()
                .map(|&(j, v)| v as f64 * self.weights[j as usize])
                .sum::<f64>()
    }
}

/// Ridge regression on sparse rows (Hoerl & Kennard 1970) with an unpenalised intercept:
/// minimises `‖X_c w − (y − ȳ)‖² + α‖w‖²`, `X_c = X − 1μᵀ`, by solving the normal equations
/// `(X_cᵀX_c + αI) w = X_cᵀ(y − ȳ)` with conjugate gradients (Hestenes & Stiefel 1952), the
/// centring applied implicitly so `X` stays sparse. `start` warm-starts the solve.
pub fn ridge(
    rows: &[Vec<(u32, f32)>],
    y: &[f64],
    n_features: usize,
    alpha: f64,
    start: Option<&[f64]>,
) -> Ridge {
    let n = rows.len().max(1) as f64;
    let ybar = y.iter().sum::<f64>() / n;
    let mut mu = vec![0.0; n_features];
    for row in rows {
        for &(j, v) in row {
            mu[j as usize] += v as f64 / n;
        }
    }
    // X_c p = X p − (μ·p) 1
    let xc = |p: &[f64]| -> Vec<f64> {
        let shift: f64 = mu.iter().zip(p).map(|(m, q)| m * q).sum();
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|&(j, v)| v as f64 * p[j as usize])
                    .sum::<f64>()
                    - shift
            })
            .collect()
    };
    // X_cᵀ u = Xᵀ u − μ Σu
    let xct = |u: &[f64]| -> Vec<f64> {
        let total: f64 = u.iter().sum();
        let mut out: Vec<f64> = mu.iter().map(|m| -m * total).collect();
        for (row, &ui) in rows.iter().zip(u) {
            for &(j, v) in row {
                out[j as usize] += v as f64 * ui;
            }
        }
        out
    };
    let centred: Vec<f64> = y.iter().map(|v| v - ybar).collect();
    let b = xct(&centred);
    let apply = |p: &[f64]| -> Vec<f64> {
        let mut out = xct(&xc(p));
        for (o, q) in out.iter_mut().zip(p) {
            *o += alpha * q;
        }
        out
    };
    let mut w: Vec<f64> = start
        .map(|s| s.to_vec())
        .unwrap_or_else(|| vec![0.0; n_features]);
    let aw = apply(&w);
    let mut r: Vec<f64> = b.iter().zip(&aw).map(|(bi, ai)| bi - ai).collect();
    let mut p = r.clone();
    let mut rr: f64 = r.iter().map(|v| v * v).sum();
    let b_norm = b
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let mut iterations = 0;
    while iterations < RIDGE_MAX_ITERATIONS && rr.sqrt() > RIDGE_TOLERANCE * b_norm {
        let ap = apply(&p);
        let pap: f64 = p.iter().zip(&ap).map(|(a, b)| a * b).sum();
        if pap <= 0.0 {
            break;
        }
        let step = rr / pap;
        for ((wi, pi), (ri, api)) in w.iter_mut().zip(&p).zip(r.iter_mut().zip(&ap)) {
            *wi += step * pi;
            *ri -= step * api;
        }
        let rr_new: f64 = r.iter().map(|v| v * v).sum();
        let beta = rr_new / rr;
        for (pi, ri) in p.iter_mut().zip(&r) {
            *pi = ri + beta * *pi;
        }
        rr = rr_new;
        iterations += 1;
    }
    let offset: f64 = mu.iter().zip(&w).map(|(m, wj)| m * wj).sum();
    Ridge {
        alpha,
        intercept: ybar,
        constant: ybar - offset,
        feature_means: mu,
        weights: w,
        iterations,
    }
}

/// A linear predictor over the text features, `m̂ = c + Σ_j x_j β_j` (`j`: hashed bucket or
/// vector component), the form in which the ridge baseline starts the network
/// (see [`super::train::train_network`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearPredictor {
    /// `c = ȳ − μ·w`, the prediction for a text with no features.
    pub constant: f64,
    /// `(feature, β_j)` for every feature that occurs in the training texts.
    pub weights: Vec<(u32, f64)>,
}

/// The ridge baseline: the fitted model, its predictions for the test texts, and the same
/// model as a [`LinearPredictor`] over the original feature numbers.
#[derive(Debug, Clone)]
pub struct RidgeBaseline {
    /// The fitted model, over the occurring training features renumbered densely.
    pub model: Ridge,
    /// Its predictions for the test texts, in `test` order.
    pub test_predictions: Vec<f64>,
    /// The same model over the original feature numbers.
    pub linear: LinearPredictor,
}

/// The ridge baseline: fitted on `train`, its shrinkage chosen on `valid` from
/// [`RIDGE_RELATIVE_ALPHAS`] (scaled by the mean diagonal of `X_cᵀX_c` over occurring
/// features), returned with its predictions for `test`.
pub fn ridge_baseline(
    inputs: &TextInputs,
    targets: &[f64],
    train: &[usize],
    valid: &[usize],
    test: &[usize],
) -> RidgeBaseline {
    // Features that never occur in training get weight 0 (their centred column is 0), so the
    // solve runs over the occurring features only, renumbered densely.
    let mut compact: std::collections::HashMap<u32, u32> = Default::default();
    let mut rows: Vec<Vec<(u32, f32)>> = Vec::with_capacity(train.len());
    for &d in train {
        let row = inputs
            .sparse_row(d)
            .into_iter()
            .map(|(j, v)| {
                let next = compact.len() as u32;
                (*compact.entry(j).or_insert(next), v)
            })
            .collect();
        rows.push(row);
    }
    let remap = |row: Vec<(u32, f32)>| -> Vec<(u32, f32)> {
        row.into_iter()
            .filter_map(|(j, v)| compact.get(&j).map(|&c| (c, v)))
            .collect()
    };
    let y: Vec<f64> = train.iter().map(|&d| targets[d]).collect();
    let p = compact.len();
    let n = rows.len().max(1) as f64;
    let (mut sum, mut sq) = (vec![0.0; p], vec![0.0; p]);
    for row in &rows {
        for &(j, v) in row {
            sum[j as usize] += v as f64;
            sq[j as usize] += (v as f64).powi(2);
        }
    }
    let (mut trace, mut active) = (0.0, 0usize);
    for j in 0..p {
        let d = sq[j] - sum[j] * sum[j] / n;
        if sq[j] > 0.0 {
            trace += d;
            active += 1;
        }
    }
    let scale = if active > 0 && trace > 0.0 {
        trace / active as f64
    } else {
        1.0
    };
    let valid_rows: Vec<Vec<(u32, f32)>> =
        valid.iter().map(|&d| remap(inputs.sparse_row(d))).collect();
    let valid_y: Vec<f64> = valid.iter().map(|&d| targets[d]).collect();
    let mut best: Option<(f64, Ridge)> = None;
    let mut warm: Option<Vec<f64>> = None;
    // From the strongest shrinkage down, each solve warm-started from the previous one.
    for &relative in RIDGE_RELATIVE_ALPHAS.iter().rev() {
        let model = ridge(&rows, &y, p, relative * scale, warm.as_deref());
        let pred: Vec<f64> = valid_rows.iter().map(|r| model.predict_row(r)).collect();
        let rmse = MeasureMetrics::compute(&pred, &valid_y).rmse;
        warm = Some(model.weights.clone());
        if best.as_ref().is_none_or(|(b, _)| rmse < *b) {
            best = Some((rmse, model));
        }
    }
    let model = best
        .map(|(_, m)| m)
        .unwrap_or_else(|| ridge(&rows, &y, p, scale, None));
    let test_predictions = test
        .iter()
        .map(|&d| model.predict_row(&remap(inputs.sparse_row(d))))
        .collect();
    let mut weights: Vec<(u32, f64)> = compact
        .iter()
        .map(|(&feature, &c)| (feature, model.weights[c as usize]))
        .collect();
    weights.sort_unstable_by_key(|&(feature, _)| feature);
    RidgeBaseline {
        linear: LinearPredictor {
            constant: model.constant,
            weights,
        },
        model,
        test_predictions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_metrics_by_hand() {
        let m = MeasureMetrics::compute(&[1.0, 2.0, 4.0], &[1.0, 3.0, 3.0]);
        assert!((m.rmse - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((m.mae - 2.0 / 3.0).abs() < 1e-12);
        // t̄ = 7/3, SST = 16/9 + 4/9 + 4/9 = 8/3; R² = 1 − 2 / (8/3) = 0.25.
        assert!((m.r_squared - 0.25).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn kappa_and_f1_by_hand() {
        // Perfect agreement.
        let perfect = ItemMetrics::compute("x", &[0, 1, 2, 2], &[0, 1, 2, 2], 3);
        assert_eq!(
            (perfect.accuracy, perfect.quadratic_kappa, perfect.macro_f1),
            (1.0, 1.0, 1.0)
        );
        // Observed 0,0,1,1 vs predicted 0,1,1,1 (K = 2): O = [[1,1],[0,2]], rows (2,2), cols
        // (1,3), N = 4; Σ w O = 1, Σ w E = (2·3 + 2·1)/4 = 2; κ = 0.5.
        let m = ItemMetrics::compute("x", &[0, 1, 1, 1], &[0, 0, 1, 1], 2);
        assert!((m.quadratic_kappa - 0.5).abs() < 1e-12);
        // F1_0 = 2/(2+0+1) = 2/3, F1_1 = 4/(4+1+0) = 0.8.
        assert!((m.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
        assert!((m.label_mae - 0.25).abs() < 1e-12);
        assert!((m.accuracy - 0.75).abs() < 1e-12);
    }

    #[test]
    fn the_baseline_as_a_linear_predictor_gives_its_predictions() {
        // Sparse rows over features 3, 7 and 9 (feature 5 occurs only in a test row).
        let rows: Vec<Vec<(u32, f32)>> = (0..40)
            .map(|n| {
                let a = (n % 5) as f32 / 4.0;
                vec![(3, a), (7, 1.0 - a), (9, ((n % 3) as f32) / 2.0)]
            })
            .collect();
        let mut all = rows.clone();
        all.push(vec![(3, 0.3), (5, 0.5), (9, 0.2)]);
        let inputs = TextInputs::Bags {
            hashing: super::super::features::Hashing { bits: 4 },
            bags: all,
        };
        let targets: Vec<f64> = (0..41)
            .map(|n| (n % 5) as f64 - 0.5 * (n % 3) as f64 + 0.1 * (n % 7) as f64)
            .collect();
        let train: Vec<usize> = (0..30).collect();
        let valid: Vec<usize> = (30..36).collect();
        let test: Vec<usize> = (36..41).collect();
        let b = ridge_baseline(&inputs, &targets, &train, &valid, &test);
        assert_eq!(
            b.linear.weights.iter().map(|w| w.0).collect::<Vec<_>>(),
            vec![3, 7, 9]
        );
        for (k, &d) in test.iter().enumerate() {
            let linear = b.linear.constant
                + inputs
                    .sparse_row(d)
                    .iter()
                    .filter_map(|&(j, x)| {
                        b.linear
                            .weights
                            .iter()
                            .find(|w| w.0 == j)
                            .map(|w| x as f64 * w.1)
                    })
                    .sum::<f64>();
            assert!((linear - b.test_predictions[k]).abs() < 1e-9);
        }
    }

    #[test]
    fn ridge_matches_the_closed_form_on_one_feature() {
        // y = 2x + 1 with one feature: w = Sxy / (Sxx + α).
        let x = [0.0f32, 1.0, 2.0, 3.0];
        let y: Vec<f64> = x.iter().map(|&v| 2.0 * v as f64 + 1.0).collect();
        let rows: Vec<Vec<(u32, f32)>> = x.iter().map(|&v| vec![(0, v)]).collect();
        let model = ridge(&rows, &y, 1, 1.0, None);
        // Sxx = 5, Sxy = 10: w = 10/6.
        assert!(
            (model.weights[0] - 10.0 / 6.0).abs() < 1e-9,
            "{:?}",
            model.weights
        );
        assert!((model.predict_row(&[(0, 1.5)]) - 4.0).abs() < 1e-9);
    }
}
