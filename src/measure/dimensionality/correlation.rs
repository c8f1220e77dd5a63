//! Pairwise-complete correlations of residual columns, their principal components, the
//! clusters of a contrast's loadings and Yen's Q3 (the equations are in the parent module).

use super::*;
use crate::measure::statistics::correlation;
use nalgebra::{DMatrix, SymmetricEigen};
use std::ops::Range;

/// Pairwise-complete sums for the correlations between the columns of a matrix with missing
/// cells, accumulated one row at a time (`add_row`) and merged across parallel ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSums {
    columns: usize,
    /// `n[i][j]`: rows with both `i` and `j`.
    n: Vec<f64>,
    /// `s[i][j]`: `Σ x_i` over the rows with both.
    s: Vec<f64>,
    /// `ss[i][j]`: `Σ x_i²` over the rows with both.
    ss: Vec<f64>,
    /// `sp[i][j]`: `Σ x_i x_j`.
    sp: Vec<f64>,
}

impl PairSums {
    /// Empty sums for `columns` columns.
    pub fn new(columns: usize) -> Self {
        let z = vec![0.0; columns * columns];
        PairSums {
            columns,
            n: z.clone(),
            s: z.clone(),
            ss: z.clone(),
            sp: z,
        }
    }

    /// Adds one row (`None` = missing cell).
    pub fn add_row(&mut self, row: &[Option<f64>]) {
        let l = self.columns;
        for (i, xi) in row.iter().enumerate().take(l) {
            let Some(xi) = *xi else { continue };
            for (j, xj) in row.iter().enumerate().take(l) {
                let Some(xj) = *xj else { continue };
                let at = i * l + j;
                self.n[at] += 1.0;
                self.s[at] += xi;
                self.ss[at] += xi * xi;
                self.sp[at] += xi * xj;
            }
        }
    }

    pub(super) fn merge(mut self, other: PairSums) -> PairSums {
        for (a, b) in [
            (&mut self.n, &other.n),
            (&mut self.s, &other.s),
            (&mut self.ss, &other.ss),
            (&mut self.sp, &other.sp),
        ] {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += *y);
        }
        self
    }

    /// Rows with both columns.
    pub fn shared(&self, i: usize, j: usize) -> usize {
        self.n[i * self.columns + j] as usize
    }

    /// Pearson's correlation of columns `i` and `j` over the rows with both (`None` with fewer
    /// than two such rows or a zero variance).
    pub fn correlation(&self, i: usize, j: usize) -> Option<f64> {
        let l = self.columns;
        let (ij, ji) = (i * l + j, j * l + i);
        let n = self.n[ij];
        if n < 2.0 {
            return None;
        }
        correlation(
            n,
            self.s[ij],
            self.s[ji],
            self.ss[ij],
            self.ss[ji],
            self.sp[ij],
        )
    }

    /// The correlation matrix: 1 on the diagonal, 0 where a correlation is undefined.
    pub fn correlation_matrix(&self) -> DMatrix<f64> {
        let l = self.columns;
        DMatrix::from_fn(l, l, |i, j| {
            if i == j {
                1.0
            } else {
                self.correlation(i, j).unwrap_or(0.0)
            }
        })
    }
}

/// One principal component of a correlation matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// The eigenvalue.
    pub eigenvalue: f64,
    /// Loadings `v √max(λ, 0)`, oriented so that the largest absolute loading is positive.
    pub loadings: Vec<f64>,
}

/// The principal components of a symmetric (correlation) matrix, largest eigenvalue first
/// (nalgebra's symmetric eigendecomposition).
pub fn principal_components(matrix: &DMatrix<f64>) -> Vec<Component> {
    let eigen = SymmetricEigen::new(matrix.clone());
    let mut order: Vec<usize> = (0..eigen.eigenvalues.len()).collect();
    order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    order
        .into_iter()
        .map(|c| {
            let lambda = eigen.eigenvalues[c];
            let root = lambda.max(0.0).sqrt();
            let mut loadings: Vec<f64> = eigen
                .eigenvectors
                .column(c)
                .iter()
                .map(|v| v * root)
                .collect();
            let largest = loadings
                .iter()
                .copied()
                .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                .unwrap_or(0.0);
            if largest < 0.0 {
                loadings.iter_mut().for_each(|v| *v = -*v);
            }
            Component {
                eigenvalue: lambda,
                loadings,
            }
        })
        .collect()
}

/// Cluster (1-3) of each loading: the optimal one-dimensional partition of the loadings into at
/// most three contiguous groups by loading (minimal within-group sum of squares), 1 the most
/// positive. Fewer than three distinct groups when there are fewer than three loadings.
pub fn clusters_by_loading(loadings: &[f64]) -> Vec<usize> {
    let n = loadings.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| loadings[b].total_cmp(&loadings[a]));
    let sorted: Vec<f64> = order.iter().map(|&i| loadings[i]).collect();
    let mut prefix = vec![0.0; n + 1];
    let mut prefix2 = vec![0.0; n + 1];
    for (k, v) in sorted.iter().enumerate() {
        prefix[k + 1] = prefix[k] + v;
        prefix2[k + 1] = prefix2[k] + v * v;
    }
    let sse = |r: Range<usize>| {
        let m = (r.end - r.start) as f64;
        if m == 0.0 {
            return 0.0;
        }
        let s = prefix[r.end] - prefix[r.start];
        prefix2[r.end] - prefix2[r.start] - s * s / m
    };
    let mut cluster_of_rank = vec![1; n];
    if n >= CLUSTERS {
        // Cuts a < b: ranks [0, a) cluster 1, [a, b) cluster 2, [b, n) cluster 3.
        let mut best = (f64::INFINITY, 1, 2);
        for a in 1..n - 1 {
            for b in a + 1..n {
                let total = sse(0..a) + sse(a..b) + sse(b..n);
                if total < best.0 - 1e-15 {
                    best = (total, a, b);
                }
            }
        }
        let (_, a, b) = best;
        for (rank, c) in cluster_of_rank.iter_mut().enumerate() {
            *c = if rank < a {
                1
            } else if rank < b {
                2
            } else {
                3
            };
        }
    } else if n == 2 {
        cluster_of_rank[1] = 3;
    }
    let mut out = vec![1; n];
    for (rank, &i) in order.iter().enumerate() {
        out[i] = cluster_of_rank[rank];
    }
    out
}

/// Yen's Q3 from the pairwise sums of the raw residuals (`raw`) and of the standardised
/// residuals (`standardized`), with `Q3* = Q3 - mean(Q3)` and the pairs above [`Q3_STAR_MARK`]
/// marked; pairs by Q3 descending.
pub fn q3_summary(items: &[String], raw: &PairSums, standardized: &PairSums) -> Q3Summary {
    let mut pairs = Vec::new();
    for a in 0..items.len() {
        for b in a + 1..items.len() {
            if let Some(q3) = raw.correlation(a, b) {
                pairs.push(Q3Pair {
                    a: items[a].clone(),
                    b: items[b].clone(),
                    q3,
                    q3_star: 0.0,
                    correlation: standardized.correlation(a, b),
                    records: raw.shared(a, b),
                    marked: false,
                });
            }
        }
    }
    let mean =
        (!pairs.is_empty()).then(|| pairs.iter().map(|p| p.q3).sum::<f64>() / pairs.len() as f64);
    for p in &mut pairs {
        p.q3_star = p.q3 - mean.unwrap_or(0.0);
        p.marked = p.q3_star > Q3_STAR_MARK;
    }
    pairs.sort_by(|x, y| y.q3.total_cmp(&x.q3));
    Q3Summary {
        max: pairs.first().map(|p| p.q3),
        mean,
        mark: Q3_STAR_MARK,
        pairs,
    }
}
