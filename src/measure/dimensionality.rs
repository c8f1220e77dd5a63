//! Dimensionality and local dependence of a fitted run (Winsteps Table 23, "Dimensionality:
//! contrasts & variances"; Yen's Q3).
//!
//! # The unit of a row
//!
//! Winsteps analyses a persons x items matrix. A many-facet design has no persons: its row is a
//! **record**, one combination of the elements of every non-item facet (object x rater, or
//! object x rater x occasion when there are several rater facets), i.e. the responses one rater
//! gave one object in one setting. An object rated by three raters gives three records; with two
//! rater facets (annotator and platform) every distinct (object, annotator, platform) triple is
//! its own record. The columns are the items. A record that answered an item more than once
//! (repeated ratings in the same setting) enters that cell with the mean of its residuals.
//! Only responses used in estimation take part (Winsteps omits extreme persons and items:
//! their residual correlations are 0).
//!
//! # What is computed (equations)
//!
//! For a response `x` with model expectation `E`, variance `W` (Wright & Masters 1982,
//! eq. 5.4.1-5.4.2) the raw residual is `y = x - E` and the standardised residual `z = y / √W`.
//!
//! - **Residual correlations** between items `i` and `j`: Pearson's `r_ij` of `z` over the
//!   records that answered both (pairwise-complete), `r_ii = 1`; 0 where fewer than two records
//!   share the pair or a variance is 0.
//! - **Contrasts** (Winsteps PRCOMP=S): the eigenvalues `λ_1 >= λ_2 >= ...` of the matrix
//!   `R = (r_ij)` (its trace is the number of items `L`, so eigenvalues are "in item units");
//!   the loading of item `i` on contrast `c` is `v_ci √λ_c` (`v_c` the unit eigenvector), the
//!   correlation of the item's residuals with the contrast. Each contrast is oriented so that its
//!   largest absolute loading is positive.
//! - **Variance decomposition** (Winsteps Table 23.0): over the responses used,
//!   explained `V_E = Σ (E - x̄)²`, unexplained `V_U = Σ (x - E)²`, modelled unexplained
//!   `V_W = Σ W`. In eigenvalue units the unexplained variance is `L` and the variance explained
//!   by the measures `L · V_E / V_U`; the total is their sum. "Explained %" is
//!   `V_E / (V_E + V_U)` and the modelled ("Expected") % is `V_E / (V_E + V_W)`. The explained
//!   variance is split between the facets in proportion to `V_f = Σ (E_f - Ē_f)²`, `E_f` the
//!   expected score with facet `f` at the response's element and every other facet at its mean
//!   term (the spread of expected scores each facet alone produces; Winsteps' "explained by
//!   persons / by items" lines). The first five contrasts are reported with `λ / total` (share of the total
//!   raw variance) and `λ / L` (share of the unexplained variance).
//! - **Item clusters** of the first contrast (Winsteps Table 23.2/23.3): the items are divided
//!   by their loading into three clusters, 1 the most positive and 3 the most negative. The
//!   manual describes a statistical clustering of the loadings; here it is the optimal
//!   one-dimensional three-group partition (contiguous in loading order, minimal within-cluster
//!   sum of squares: the exact k-means and Ward solution in one dimension).
//! - **Cluster measures** (Winsteps Table 23.0 "Approximate relationships between the person
//!   measures"): every object is re-measured from each cluster's items alone, everything else at
//!   the run's values (maximum likelihood `Σ E(θ + rest) = Σ x`, extreme scores moved in by the
//!   run's extreme-score adjustment); `r_ab` is Pearson's correlation of the two clusters'
//!   measures and the disattenuated correlation is `r_ab / √(R_a R_b)`, `R` the model
//!   reliability `1 - mean(SE²) / SD²` of the cluster's measures (Spearman 1904). Both are given
//!   without and with extreme measures, for clusters 1-3, 1-2 and 2-3 as Winsteps prints them.
//! - **Yen's Q3** (Yen 1984): `Q3_ij` is Pearson's correlation of the raw residuals `y` of items
//!   `i` and `j` over the records that answered both; `Q3*_ij = Q3_ij - mean(Q3)` over all pairs
//!   (Christensen, Makransky & Horton 2017, Applied Psychological Measurement 41:178-194), and
//!   pairs with `Q3* > 0.2` are marked as locally dependent.
//!
//! Sources: Winsteps manual (Linacre), "Table 23.0 Variance components scree plot for items",
//! "Table 23.2 Principal components analysis/contrast of residuals" and "Dimensionality:
//! contrasts & variances"; Yen, W. M. (1984), Applied Psychological Measurement 8:125-145.
//!
//! Everything is accumulated in one ordered parallel pass over the records (plus one over the
//! objects for the cluster measures): no records x items matrix is built. [`residual_matrix`]
//! builds that matrix when a caller wants it (small data, tests).

use nalgebra::{DMatrix, SymmetricEigen};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;

use super::model::score_moments;
use super::ordered::ordered_sum;
use super::results::Fit;
use super::statistics::{correlation, pearson, Separation};
use crate::data::RatingData;

/// Contrasts reported (Winsteps prints the first five).
pub const CONTRASTS: usize = 5;
/// `Q3*` above which a pair is marked as locally dependent (Christensen et al. 2017).
pub const Q3_STAR_MARK: f64 = 0.2;
/// Item clusters of the first contrast (Winsteps Table 23.2).
pub const CLUSTERS: usize = 3;
/// The cluster pairs whose object measures are correlated, in Winsteps' order.
pub const CLUSTER_PAIRS: [(usize, usize); 3] = [(1, 3), (1, 2), (2, 3)];

/// Why a dimensionality analysis cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DimensionalityError {
    /// Fewer than two items have responses used in estimation.
    #[error(
        "dimensionality needs at least two items with responses used in estimation; \
         this run has {items}"
    )]
    TooFewItems {
        /// Items with responses used in estimation.
        items: usize,
    },
    /// An observation names an element or a category the fit does not know.
    #[error(
        "observation {observation} names an element or category the fit does not know \
         (the data are not the run's observations)"
    )]
    Mismatch {
        /// The observation (0-based).
        observation: usize,
    },
}

/// One item's loading on a contrast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loading {
    /// The item's label.
    pub item: String,
    /// Correlation of the item's standardised residuals with the contrast, `v √λ`.
    pub loading: f64,
}

/// One principal component of the standardised residuals (a Winsteps "contrast").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    /// 1 for the first contrast.
    pub contrast: usize,
    /// Eigenvalue in item units.
    pub eigenvalue: f64,
    /// Share of the total raw variance, `λ / total` (0-1).
    pub variance_share: f64,
    /// Share of the unexplained variance, `λ / L` (0-1).
    pub unexplained_share: f64,
    /// Every item's loading, in item order.
    pub loadings: Vec<Loading>,
}

/// One facet's part of the variance explained by the measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetVariance {
    /// The facet's name.
    pub facet: String,
    /// Eigenvalue units.
    pub eigenvalue: f64,
    /// Share of the total raw variance (0-1).
    pub share: f64,
}

/// Winsteps Table 23.0's variance decomposition, in eigenvalue (item) units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarianceDecomposition {
    /// Total raw variance in observations: explained + unexplained.
    pub total: f64,
    /// Raw variance explained by the measures.
    pub explained: f64,
    /// Its split between the facets.
    pub explained_by: Vec<FacetVariance>,
    /// Raw unexplained variance: the number of items.
    pub unexplained: f64,
    /// `explained / total` (0-1), "Observed".
    pub explained_share: f64,
    /// The explained share if the data fitted the model (`Σ W` as the unexplained part),
    /// "Expected".
    pub modelled_explained_share: f64,
}

/// Yen's Q3 of one item pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Q3Pair {
    /// The first item's label (in item order).
    pub a: String,
    /// The second item's label.
    pub b: String,
    /// Correlation of the raw residuals over the shared records.
    pub q3: f64,
    /// `Q3 - mean(Q3)`.
    pub q3_star: f64,
    /// Correlation of the standardised residuals (Winsteps Table 23.99), when defined.
    pub correlation: Option<f64>,
    /// Records that answered both items.
    pub records: usize,
    /// `Q3* > 0.2`.
    pub marked: bool,
}

/// Yen's Q3 over every item pair, largest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Q3Summary {
    /// The largest Q3 (`None` when no pair is defined).
    pub max: Option<f64>,
    /// The mean Q3 over the defined pairs.
    pub mean: Option<f64>,
    /// The `Q3*` above which a pair is marked.
    pub mark: f64,
    /// Every pair with a defined Q3, by Q3 descending.
    pub pairs: Vec<Q3Pair>,
}

/// One item cluster of the first contrast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemCluster {
    /// 1 (most positive loadings) to 3 (most negative).
    pub cluster: usize,
    /// Its items, in item order.
    pub items: Vec<String>,
    /// Objects measured from the cluster's items (extreme scores included).
    pub objects: usize,
    /// Model reliability of the non-extreme measures.
    pub reliability: Option<f64>,
    /// Model reliability with the extreme measures.
    pub reliability_with_extremes: Option<f64>,
}

/// The correlation of the object measures from two clusters' items (Winsteps Table 23.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterCorrelation {
    /// The first cluster (1-3).
    pub a: usize,
    /// The second cluster.
    pub b: usize,
    /// Objects with a non-extreme measure from both clusters.
    pub objects: usize,
    /// Pearson's correlation of the non-extreme measures.
    pub pearson: Option<f64>,
    /// Disattenuated by the two reliabilities.
    pub disattenuated: Option<f64>,
    /// Pearson's correlation including extreme measures.
    pub pearson_with_extremes: Option<f64>,
    /// Disattenuated, including extreme measures.
    pub disattenuated_with_extremes: Option<f64>,
}

/// The unit of a row of the residual matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordUnit {
    /// The facets whose element combination makes a record (object first).
    pub facets: Vec<String>,
    /// Records with at least one response used.
    pub records: usize,
    /// Responses used.
    pub responses: usize,
}

/// Winsteps Table 23 and Yen's Q3 for a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimensionality {
    /// The first contrasts (up to five, fewer with fewer items).
    pub contrasts: Vec<Contrast>,
    /// Yen's Q3.
    pub q3: Q3Summary,
    /// The variance decomposition.
    pub variance: VarianceDecomposition,
    /// The item clusters of the first contrast.
    pub clusters: Vec<ItemCluster>,
    /// Correlations of the object measures from the clusters (1-3, 1-2, 2-3).
    pub cluster_correlations: Vec<ClusterCorrelation>,
    /// The items analysed (with responses used), in item order.
    pub items: Vec<String>,
    /// What a row is.
    pub record: RecordUnit,
}

impl Dimensionality {
    /// The first contrast, if any.
    pub fn first_contrast(&self) -> Option<&Contrast> {
        self.contrasts.first()
    }

    /// The pairs marked as locally dependent (`Q3* > 0.2`).
    pub fn marked_pairs(&self) -> impl Iterator<Item = &Q3Pair> {
        self.q3.pairs.iter().filter(|p| p.marked)
    }
}

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

    fn merge(mut self, other: PairSums) -> PairSums {
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

/// The fit's measures, scales and categories in flat lookup form.
struct Lookup<'a> {
    fit: &'a Fit,
    signed: Vec<Vec<f64>>,
    active: Vec<Vec<bool>>,
    thresholds: Vec<Vec<f64>>,
    bases: Vec<i32>,
    /// Per scale: category index of `score - base`.
    categories: Vec<Vec<Option<usize>>>,
    max_categories: usize,
}

/// Where a response sits: linear predictor, its part without the object, scale and category.
#[derive(Clone, Copy)]
struct Located {
    eta: f64,
    rest: f64,
    scale: usize,
    category: usize,
    used: bool,
}

impl<'a> Lookup<'a> {
    fn new(fit: &'a Fit) -> Self {
        let signed = fit
            .facets
            .iter()
            .map(|f| {
                f.elements
                    .iter()
                    .map(|e| if f.positive { e.measure } else { -e.measure })
                    .collect()
            })
            .collect();
        let active = fit
            .facets
            .iter()
            .map(|f| f.elements.iter().map(|e| e.status.is_active()).collect())
            .collect();
        let thresholds = fit.scales.iter().map(|s| s.thresholds()).collect();
        let bases = fit
            .scales
            .iter()
            .map(|s| s.categories.first().map_or(0, |c| c.score))
            .collect::<Vec<i32>>();
        let categories = fit
            .scales
            .iter()
            .zip(&bases)
            .map(|(s, &base)| {
                let top = s.categories.last().map_or(base, |c| c.score);
                let mut map = vec![None; (top - base + 1).max(0) as usize];
                for (k, c) in s.categories.iter().enumerate() {
                    if let Some(slot) = map.get_mut((c.score - base) as usize) {
                        *slot = Some(k);
                    }
                }
                map
            })
            .collect();
        let max_categories = fit
            .scales
            .iter()
            .map(|s| s.categories.len())
            .max()
            .unwrap_or(1)
            .max(1);
        Lookup {
            fit,
            signed,
            active,
            thresholds,
            bases,
            categories,
            max_categories,
        }
    }

    fn locate(&self, data: &RatingData, n: usize, object: usize) -> Option<Located> {
        let mut eta = 0.0;
        let mut rest = 0.0;
        let mut used = true;
        for (f, (signed, active)) in self.signed.iter().zip(&self.active).enumerate() {
            let e = *data.elements.get(f)?.get(n)? as usize;
            let m = *signed.get(e)?;
            eta += m;
            if f != object {
                rest += m;
            }
            used &= *active.get(e)?;
        }
        let scale = match self.fit.scale_facet {
            Some(f) => *data.elements.get(f)?.get(n)? as usize,
            None => 0,
        };
        let base = *self.bases.get(scale)?;
        let score = *data.scores.get(n)?;
        let category = (*self
            .categories
            .get(scale)?
            .get(usize::try_from(score - base).ok()?)?)?;
        Some(Located {
            eta,
            rest,
            scale,
            category,
            used,
        })
    }
}

/// The records' order: the used responses sorted by the elements of the non-item facets
/// (object first), and where each record starts.
struct Records {
    order: Vec<u32>,
    starts: Vec<usize>,
    facets: Vec<usize>,
}

impl Records {
    fn new(data: &RatingData, used: &[bool]) -> Records {
        let mut facets = vec![data.object_facet];
        facets.extend(
            (0..data.facets.len()).filter(|&f| f != data.object_facet && f != data.item_facet),
        );
        let radix: Option<u64> = facets.iter().try_fold(1u64, |acc, &f| {
            acc.checked_mul(data.facets[f].len().max(1) as u64)
        });
        let candidates = (0..data.scores.len()).into_par_iter().filter(|&n| used[n]);
        let key = |n: usize| {
            facets.iter().fold(0u64, |acc, &f| {
                acc * data.facets[f].len().max(1) as u64 + u64::from(data.elements[f][n])
            })
        };
        let same = |a: u32, b: u32| {
            facets
                .iter()
                .all(|&f| data.elements[f][a as usize] == data.elements[f][b as usize])
        };
        let order: Vec<u32> = if radix.is_some() {
            let mut keyed: Vec<(u64, u32)> = candidates.map(|n| (key(n), n as u32)).collect();
            keyed.par_sort_unstable();
            keyed.into_iter().map(|(_, n)| n).collect()
        } else {
            let mut order: Vec<u32> = candidates.map(|n| n as u32).collect();
            order.par_sort_unstable_by(|&a, &b| {
                facets
                    .iter()
                    .map(|&f| data.elements[f][a as usize].cmp(&data.elements[f][b as usize]))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(&b))
            });
            order
        };
        let mut starts = Vec::new();
        for (k, &n) in order.iter().enumerate() {
            if k == 0 || !same(order[k - 1], n) {
                starts.push(k);
            }
        }
        starts.push(order.len());
        Records {
            order,
            starts,
            facets,
        }
    }

    fn count(&self) -> usize {
        self.starts.len() - 1
    }

    fn range(&self, record: usize) -> Range<usize> {
        self.starts[record]..self.starts[record + 1]
    }
}

/// Everything pass one sums.
#[derive(Clone)]
struct Sums {
    standardized: PairSums,
    raw: PairSums,
    count: f64,
    sum_x: f64,
    sum_e: f64,
    sum_e2: f64,
    sum_r2: f64,
    sum_w: f64,
    facet_sum: Vec<f64>,
}

impl Sums {
    fn new(items: usize, facets: usize) -> Self {
        Sums {
            standardized: PairSums::new(items),
            raw: PairSums::new(items),
            count: 0.0,
            sum_x: 0.0,
            sum_e: 0.0,
            sum_e2: 0.0,
            sum_r2: 0.0,
            sum_w: 0.0,
            facet_sum: vec![0.0; facets],
        }
    }

    fn merge(mut self, other: Sums) -> Sums {
        self.standardized = self.standardized.merge(other.standardized);
        self.raw = self.raw.merge(other.raw);
        self.count += other.count;
        self.sum_x += other.sum_x;
        self.sum_e += other.sum_e;
        self.sum_e2 += other.sum_e2;
        self.sum_r2 += other.sum_r2;
        self.sum_w += other.sum_w;
        super::ordered::add_into(&mut self.facet_sum, &other.facet_sum);
        self
    }
}

/// The run's data prepared for the analysis: lookups, the used responses and their records.
struct Prepared<'a> {
    lookup: Lookup<'a>,
    records: Records,
    /// Column of each item of the item facet (`None`: no response used).
    column: Vec<Option<usize>>,
    items: Vec<String>,
}

fn prepare<'a>(fit: &'a Fit, data: &RatingData) -> Result<Prepared<'a>, DimensionalityError> {
    let lookup = Lookup::new(fit);
    let object = data.object_facet;
    // Per observation: `None` the fit does not know it, else whether it was used.
    let located: Vec<Option<bool>> = (0..data.scores.len())
        .into_par_iter()
        .map(|n| lookup.locate(data, n, object).map(|l| l.used))
        .collect();
    if let Some(observation) = located.iter().position(Option::is_none) {
        return Err(DimensionalityError::Mismatch { observation });
    }
    let used: Vec<bool> = located.iter().map(|l| *l == Some(true)).collect();
    drop(located);
    let item_facet = data.item_facet;
    let n_items = data.facets[item_facet].len();
    let mut answered = vec![false; n_items];
    for (n, _) in used.iter().enumerate().filter(|(_, u)| **u) {
        answered[data.elements[item_facet][n] as usize] = true;
    }
    let mut column = vec![None; n_items];
    let mut items = Vec::new();
    for (i, a) in answered.iter().enumerate() {
        if *a {
            column[i] = Some(items.len());
            items.push(data.facets[item_facet].labels[i].clone());
        }
    }
    if items.len() < 2 {
        return Err(DimensionalityError::TooFewItems { items: items.len() });
    }
    let records = Records::new(data, &used);
    Ok(Prepared {
        lookup,
        records,
        column,
        items,
    })
}

/// Residuals of one record, per column: standardised and raw (means over repeated responses).
struct RecordRow {
    standardized: Vec<Option<f64>>,
    raw: Vec<Option<f64>>,
    count: Vec<f64>,
}

impl RecordRow {
    fn new(items: usize) -> Self {
        RecordRow {
            standardized: vec![None; items],
            raw: vec![None; items],
            count: vec![0.0; items],
        }
    }

    fn clear(&mut self) {
        self.standardized.iter_mut().for_each(|v| *v = None);
        self.raw.iter_mut().for_each(|v| *v = None);
        self.count.iter_mut().for_each(|v| *v = 0.0);
    }

    fn add(&mut self, column: usize, z: f64, y: f64) {
        self.count[column] += 1.0;
        *self.standardized[column].get_or_insert(0.0) += z;
        *self.raw[column].get_or_insert(0.0) += y;
    }

    fn finish(&mut self) {
        for ((z, y), c) in self
            .standardized
            .iter_mut()
            .zip(&mut self.raw)
            .zip(&self.count)
        {
            if *c > 1.0 {
                z.iter_mut().for_each(|v| *v /= c);
                y.iter_mut().for_each(|v| *v /= c);
            }
        }
    }
}

impl Prepared<'_> {
    /// Fills `row` with record `r`'s residuals and passes every response's
    /// (location, expected, variance) to `each`.
    fn record(
        &self,
        data: &RatingData,
        r: usize,
        row: &mut RecordRow,
        scratch: &mut [f64],
        mut each: impl FnMut(usize, &Located, f64, f64),
    ) {
        row.clear();
        for &n in &self.records.order[self.records.range(r)] {
            let n = n as usize;
            let Some(loc) = self.lookup.locate(data, n, data.object_facet) else {
                continue;
            };
            let Some(column) = self.column[data.elements[data.item_facet][n] as usize] else {
                continue;
            };
            let thresholds = &self.lookup.thresholds[loc.scale];
            let mom = score_moments(loc.eta, thresholds, &mut scratch[..thresholds.len() + 1]);
            let y = loc.category as f64 - mom.expected;
            let z = if mom.variance > 0.0 {
                y / mom.variance.sqrt()
            } else {
                0.0
            };
            row.add(column, z, y);
            each(n, &loc, mom.expected, mom.variance);
        }
        row.finish();
    }
}

/// The records x items matrices of standardised and raw residuals (`None`: no response), one
/// row per record (see the module notes for the unit), with each record's elements.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidualMatrix {
    /// The items (columns), in item order.
    pub items: Vec<String>,
    /// The facets of a record's elements (object first).
    pub facets: Vec<String>,
    /// Each record's element labels, in `facets` order.
    pub records: Vec<Vec<String>>,
    /// Standardised residuals `z`, one row per record.
    pub standardized: Vec<Vec<Option<f64>>>,
    /// Raw residuals `x - E`, one row per record.
    pub raw: Vec<Vec<Option<f64>>>,
}

/// The dense residual matrix of a run (for inspection and small data; [`dimensionality`] does
/// not build it).
pub fn residual_matrix(
    fit: &Fit,
    data: &RatingData,
) -> Result<ResidualMatrix, DimensionalityError> {
    let prepared = prepare(fit, data)?;
    let items = prepared.items.len();
    let mut scratch = vec![0.0; prepared.lookup.max_categories + 1];
    let mut row = RecordRow::new(items);
    let mut out = ResidualMatrix {
        items: prepared.items.clone(),
        facets: prepared
            .records
            .facets
            .iter()
            .map(|&f| data.facets[f].name.clone())
            .collect(),
        records: Vec::with_capacity(prepared.records.count()),
        standardized: Vec::with_capacity(prepared.records.count()),
        raw: Vec::with_capacity(prepared.records.count()),
    };
    for r in 0..prepared.records.count() {
        prepared.record(data, r, &mut row, &mut scratch, |_, _, _, _| {});
        let first = prepared.records.order[prepared.records.starts[r]] as usize;
        out.records.push(
            prepared
                .records
                .facets
                .iter()
                .map(|&f| data.facets[f].labels[data.elements[f][first] as usize].clone())
                .collect(),
        );
        out.standardized.push(row.standardized.clone());
        out.raw.push(row.raw.clone());
    }
    Ok(out)
}

/// One object's measure from one cluster's items.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ClusterMeasure {
    measure: f64,
    se: f64,
    extreme: bool,
}

/// Maximum-likelihood measure of an object from `responses` (rest of the linear predictor,
/// scale, category), the other facets fixed: solves `Σ E(θ + rest) = Σ x`, extreme scores moved
/// in by `adjustment` score points. `None` without information or with an extreme score and no
/// adjustment.
fn object_measure(
    responses: &[(f64, usize, usize)],
    thresholds: &[Vec<f64>],
    adjustment: f64,
    start: f64,
    scratch: &mut [f64],
) -> Option<ClusterMeasure> {
    let score: f64 = responses.iter().map(|r| r.2 as f64).sum();
    let top: f64 = responses.iter().map(|r| thresholds[r.1].len() as f64).sum();
    if top <= 0.0 {
        return None;
    }
    let extreme = score <= 0.0 || score >= top;
    let target = if score <= 0.0 {
        adjustment
    } else if score >= top {
        top - adjustment
    } else {
        score
    };
    if extreme && !(adjustment > 0.0 && adjustment < top) {
        return None;
    }
    let moments = |theta: f64, scratch: &mut [f64]| {
        responses.iter().fold((0.0, 0.0), |(e, w), &(rest, s, _)| {
            let t = &thresholds[s];
            let m = score_moments(theta + rest, t, &mut scratch[..t.len() + 1]);
            (e + m.expected, w + m.variance)
        })
    };
    // Newton-Raphson; the information of the last step (taken at most 1e-6 logits away) is
    // that of the estimate for the S.E.
    let mut theta = start;
    let mut information = 0.0;
    for _ in 0..100 {
        let (e, w) = moments(theta, scratch);
        if w <= 0.0 {
            return None;
        }
        information = w;
        let step = ((target - e) / w).clamp(-1.0, 1.0);
        theta += step;
        if step.abs() < 1e-6 {
            break;
        }
    }
    (information > 0.0 && theta.is_finite()).then(|| ClusterMeasure {
        measure: theta,
        se: 1.0 / information.sqrt(),
        extreme,
    })
}

/// Winsteps Table 23 (variance decomposition, contrasts, loadings, clusters and the
/// correlations of the cluster measures) and Yen's Q3 for a fit and the observations it was
/// fitted on. See the module notes for the unit of a row and the equations.
pub fn dimensionality(fit: &Fit, data: &RatingData) -> Result<Dimensionality, DimensionalityError> {
    let prepared = prepare(fit, data)?;
    let items = prepared.items.len();
    let n_facets = fit.facets.len();
    let records = prepared.records.count();
    let width = prepared.lookup.max_categories + 1;

    // Pass one: pairwise sums of the residuals and the variance sums, over the records.
    let sums = ordered_sum(
        records,
        || Sums::new(items, n_facets),
        |range| {
            let mut sums = Sums::new(items, n_facets);
            let mut row = RecordRow::new(items);
            let mut scratch = vec![0.0; width];
            for r in range {
                prepared.record(
                    data,
                    r,
                    &mut row,
                    &mut scratch,
                    |n, loc, expected, variance| {
                        let base = f64::from(prepared.lookup.bases[loc.scale]);
                        let x = base + loc.category as f64;
                        let e = base + expected;
                        sums.count += 1.0;
                        sums.sum_x += x;
                        sums.sum_e += e;
                        sums.sum_e2 += e * e;
                        sums.sum_r2 += (x - e) * (x - e);
                        sums.sum_w += variance;
                        for f in 0..n_facets {
                            let t = prepared.lookup.signed[f][data.elements[f][n] as usize];
                            sums.facet_sum[f] += t;
                        }
                    },
                );
                sums.standardized.add_row(&row.standardized);
                sums.raw.add_row(&row.raw);
            }
            sums
        },
        Sums::merge,
    );

    // Variance decomposition.
    let l = items as f64;
    let mean_x = sums.sum_x / sums.count;
    let explained_raw =
        (sums.sum_e2 - 2.0 * mean_x * sums.sum_e + sums.count * mean_x * mean_x).max(0.0);
    let explained = if sums.sum_r2 > 0.0 {
        l * explained_raw / sums.sum_r2
    } else {
        0.0
    };
    let total = explained + l;
    let facet_means: Vec<f64> = sums.facet_sum.iter().map(|s| s / sums.count).collect();
    let facet_variance = facet_variances(data, &prepared, &facet_means);
    let all_facets: f64 = facet_variance.iter().sum();
    let explained_by = fit
        .facets
        .iter()
        .zip(&facet_variance)
        .map(|(f, v)| {
            let eigenvalue = if all_facets > 0.0 {
                explained * v / all_facets
            } else {
                0.0
            };
            FacetVariance {
                facet: f.name.clone(),
                eigenvalue,
                share: eigenvalue / total,
            }
        })
        .collect();
    let variance = VarianceDecomposition {
        total,
        explained,
        explained_by,
        unexplained: l,
        explained_share: explained / total,
        modelled_explained_share: if explained_raw + sums.sum_w > 0.0 {
            explained_raw / (explained_raw + sums.sum_w)
        } else {
            0.0
        },
    };

    // Contrasts.
    let components = principal_components(&sums.standardized.correlation_matrix());
    let contrasts: Vec<Contrast> = components
        .iter()
        .take(CONTRASTS)
        .enumerate()
        .map(|(c, comp)| Contrast {
            contrast: c + 1,
            eigenvalue: comp.eigenvalue,
            variance_share: comp.eigenvalue / total,
            unexplained_share: comp.eigenvalue / l,
            loadings: prepared
                .items
                .iter()
                .zip(&comp.loadings)
                .map(|(item, &loading)| Loading {
                    item: item.clone(),
                    loading,
                })
                .collect(),
        })
        .collect();

    let q3 = q3_summary(&prepared.items, &sums.raw, &sums.standardized);

    // Clusters of the first contrast and the objects measured from each.
    let cluster_of = components
        .first()
        .map(|c| clusters_by_loading(&c.loadings))
        .unwrap_or_default();
    let (clusters, cluster_correlations) = cluster_measures(fit, data, &prepared, &cluster_of);

    Ok(Dimensionality {
        contrasts,
        q3,
        variance,
        clusters,
        cluster_correlations,
        items: prepared.items.clone(),
        record: RecordUnit {
            facets: prepared
                .records
                .facets
                .iter()
                .map(|&f| data.facets[f].name.clone())
                .collect(),
            records,
            responses: prepared.records.order.len(),
        },
    })
}

/// Per facet `f`, `Σ (E_f - Ē_f)²` over the responses used, `E_f` the expected score with facet
/// `f` at the response's element and every other facet at its mean term `means[g]`: the
/// variance of the expected scores that facet `f` alone produces. `E_f` depends only on the
/// element of `f` and the response's scale, so the responses are counted per (element, scale)
/// and each expectation is computed once.
fn facet_variances(data: &RatingData, prepared: &Prepared, means: &[f64]) -> Vec<f64> {
    let all: f64 = means.iter().sum();
    let n_scales = prepared.lookup.thresholds.len().max(1);
    let mut scratch = vec![0.0; prepared.lookup.max_categories + 1];
    let scale_of = |n: usize| match prepared.lookup.fit.scale_facet {
        Some(f) => data.elements[f][n] as usize,
        None => 0,
    };
    means
        .iter()
        .enumerate()
        .map(|(f, mean_f)| {
            let elements = prepared.lookup.signed[f].len();
            let mut counts = vec![0u32; elements * n_scales];
            for &n in &prepared.records.order {
                let n = n as usize;
                let at = data.elements[f][n] as usize * n_scales + scale_of(n);
                if let Some(c) = counts.get_mut(at) {
                    *c += 1;
                }
            }
            let (mut count, mut sum, mut sum2) = (0.0, 0.0, 0.0);
            for (at, &c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                let (element, scale) = (at / n_scales, at % n_scales);
                let thresholds = &prepared.lookup.thresholds[scale];
                let eta = all - mean_f + prepared.lookup.signed[f][element];
                let e = f64::from(prepared.lookup.bases[scale])
                    + score_moments(eta, thresholds, &mut scratch[..thresholds.len() + 1]).expected;
                let c = f64::from(c);
                count += c;
                sum += c * e;
                sum2 += c * e * e;
            }
            if count == 0.0 {
                return 0.0;
            }
            let m = sum / count;
            (sum2 / count - m * m).max(0.0)
        })
        .collect()
}

/// Pass two: every object re-measured from each cluster's items; the clusters' reliabilities
/// and the correlations of their measures.
fn cluster_measures(
    fit: &Fit,
    data: &RatingData,
    prepared: &Prepared,
    cluster_of: &[usize],
) -> (Vec<ItemCluster>, Vec<ClusterCorrelation>) {
    let object = data.object_facet;
    let order = &prepared.records.order;
    // Objects are contiguous in the record order (object first).
    let mut object_starts = Vec::new();
    for (k, &n) in order.iter().enumerate() {
        if k == 0
            || data.elements[object][order[k - 1] as usize] != data.elements[object][n as usize]
        {
            object_starts.push(k);
        }
    }
    object_starts.push(order.len());
    let objects = object_starts.len() - 1;
    let adjustment = fit.options.extreme_adjustment;
    let width = prepared.lookup.max_categories + 1;
    let measures: Vec<[Option<ClusterMeasure>; CLUSTERS]> = ordered_sum(
        objects,
        Vec::new,
        |range| {
            let mut out = Vec::with_capacity(range.len());
            let mut scratch = vec![0.0; width];
            let mut responses: [Vec<(f64, usize, usize)>; CLUSTERS] = Default::default();
            for o in range {
                responses.iter_mut().for_each(Vec::clear);
                let mut start = 0.0;
                for &n in &order[object_starts[o]..object_starts[o + 1]] {
                    let n = n as usize;
                    let Some(loc) = prepared.lookup.locate(data, n, object) else {
                        continue;
                    };
                    start = loc.eta - loc.rest;
                    let Some(column) = prepared.column[data.elements[data.item_facet][n] as usize]
                    else {
                        continue;
                    };
                    if let Some(&c) = cluster_of.get(column) {
                        responses[c - 1].push((loc.rest, loc.scale, loc.category));
                    }
                }
                let mut m: [Option<ClusterMeasure>; CLUSTERS] = [None; CLUSTERS];
                for (slot, r) in m.iter_mut().zip(&responses) {
                    if !r.is_empty() {
                        *slot = object_measure(
                            r,
                            &prepared.lookup.thresholds,
                            adjustment,
                            start,
                            &mut scratch,
                        );
                    }
                }
                out.push(m);
            }
            out
        },
        |mut a, b| {
            a.extend(b);
            a
        },
    );

    let reliability = |c: usize, with_extremes: bool| {
        let (values, errors): (Vec<f64>, Vec<f64>) = measures
            .iter()
            .filter_map(|m| m[c])
            .filter(|m| with_extremes || !m.extreme)
            .map(|m| (m.measure, m.se * m.se))
            .unzip();
        if values.len() < 2 {
            return None;
        }
        let k = values.len() as f64;
        let mean = values.iter().sum::<f64>() / k;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / k).sqrt();
        (sd > 0.0).then(|| Separation::new(sd, errors.iter().sum::<f64>() / k).reliability)
    };
    let clusters: Vec<ItemCluster> = (0..CLUSTERS)
        .map(|c| ItemCluster {
            cluster: c + 1,
            items: prepared
                .items
                .iter()
                .zip(cluster_of)
                .filter(|(_, &k)| k == c + 1)
                .map(|(i, _)| i.clone())
                .collect(),
            objects: measures.iter().filter(|m| m[c].is_some()).count(),
            reliability: reliability(c, false),
            reliability_with_extremes: reliability(c, true),
        })
        .collect();
    let correlations = CLUSTER_PAIRS
        .iter()
        .map(|&(a, b)| {
            let pairs = |with_extremes: bool| -> (Vec<f64>, Vec<f64>) {
                measures
                    .iter()
                    .filter_map(|m| Some((m[a - 1]?, m[b - 1]?)))
                    .filter(|(x, y)| with_extremes || !(x.extreme || y.extreme))
                    .map(|(x, y)| (x.measure, y.measure))
                    .unzip()
            };
            let disattenuate = |r: Option<f64>, with_extremes: bool| {
                let (ra, rb) = (clusters[a - 1].clone(), clusters[b - 1].clone());
                let (ra, rb) = if with_extremes {
                    (ra.reliability_with_extremes, rb.reliability_with_extremes)
                } else {
                    (ra.reliability, rb.reliability)
                };
                let product = ra? * rb?;
                (product > 0.0)
                    .then(|| r.map(|r| r / product.sqrt()))
                    .flatten()
            };
            let (x, y) = pairs(false);
            let pearson_plain = pearson(&x, &y);
            let (xe, ye) = pairs(true);
            let pearson_extremes = pearson(&xe, &ye);
            ClusterCorrelation {
                a,
                b,
                objects: x.len(),
                pearson: pearson_plain,
                disattenuated: disattenuate(pearson_plain, false),
                pearson_with_extremes: pearson_extremes,
                disattenuated_with_extremes: disattenuate(pearson_extremes, true),
            }
        })
        .collect();
    (clusters, correlations)
}

#[cfg(test)]
mod tests;
