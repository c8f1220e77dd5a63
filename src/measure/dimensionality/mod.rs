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

use serde::{Deserialize, Serialize};

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

mod compute;
mod correlation;
pub use compute::*;
pub use correlation::*;

#[cfg(test)]
mod tests;
