//! MHS-shaped simulated rating data with known truth.
//!
//! [`simulate`] draws a data set shaped like the Measuring Hate Speech corpus (Kennedy et al.
//! 2020): comments rated by crowd annotators on ten ordinal items, from the faceted
//! partial-credit model
//!
//! ```text
//! log(P_k / P_{k-1}) = B_n - C_j - D_i - F_{i,k}
//! ```
//!
//! (`B` comment measure, `C` rater severity, `D` item difficulty, `F` item thresholds centred per
//! item). Categories are drawn through [`crate::measure::model::category_probabilities`], the one
//! place the category equation is written.
//!
//! - **Items** ([`ITEMS`]): the MHS release coding, nine items `0..=4` and `hatespeech` `0..=2`.
//! - **Design** (linked, like MHS): a reference set of comments that every rater samples from, and
//!   the remaining comments each rated by a few raters; see the `design` module notes. The design is
//!   always connected.
//! - **Raters** ([`RaterKind`]): normal (model responses), random responders (uniform categories)
//!   and straight-liners (the same category position on every item of every comment).
//! - **Text** ([`LEXICON_TIERS`]): each comment has a synthetic English-like text whose words
//!   carry signal about its true measure, for text models downstream.
//!
//! Everything is drawn from ChaCha8 streams derived from [`SimulationConfig::seed`] (one stream
//! per stage), so the same configuration always yields byte-identical files.
//! [`Simulation::write`] writes the ratings and the truth tables as CSV (with polars) plus a
//! `simulation.json` manifest.

mod design;
mod items;
mod raters;
mod text;
mod write;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

pub use crate::measure::model::draw_category;

pub use items::{ItemSpec, ITEMS, MAX_CATEGORIES, N_ITEMS};
pub use raters::{
    careless_start, RaterKind, RaterMix, StraightLine, BENIGN_SHARE, CENTRAL_TENDENCY_STRETCH,
    DECOY_SEVERITY_SHIFT, LOW_DISCRIMINATION_SLOPE, MODAL_LEAN,
};
pub use text::{mean_tier, tier_of, tokens, FILLER_WORDS, LEXICON_TIERS, N_TIERS};
pub use write::SimulationFiles;

/// Why a simulation could not be configured, run or written.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// A configuration field is out of range; `field` names it.
    #[error("invalid simulation config: `{field}` {message}")]
    Config {
        /// The configuration field at fault.
        field: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// A file or directory could not be created or written.
    #[error("I/O error at {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// polars could not write a CSV file.
    #[error("could not write {path}: {source}")]
    Polars {
        /// The file.
        path: PathBuf,
        /// The polars error.
        #[source]
        source: polars::prelude::PolarsError,
    },
    /// The `simulation.json` manifest could not be serialized.
    #[error("could not write {path}: {source}")]
    Json {
        /// The manifest's path.
        path: PathBuf,
        /// The serialization error.
        #[source]
        source: serde_json::Error,
    },
}

/// Hyper-parameters of a simulation. Build with struct-update syntax from
/// [`SimulationConfig::default`] and check with [`SimulationConfig::validate`] ([`simulate`] does
/// so too).
///
/// With the defaults at `comments = 39_565` (the MHS comment count) the design has about 7,900
/// raters and 134,000 rows (MHS: 7,912 annotators, 135,556 rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationConfig {
    /// Number of comments, reference set included. Default 2,000.
    pub comments: usize,
    /// Inclusive range of the number of raters of each non-reference comment. Default (2, 4).
    pub raters_per_comment: (usize, usize),
    /// Size of the reference (linking) set. Default 50.
    pub reference_comments: usize,
    /// Inclusive range of the number of reference comments each rater rates. Default (1, 3).
    pub reference_per_rater: (usize, usize),
    /// Target number of comments per rater (MHS: ~17); determines the number of raters.
    /// Default 17.
    pub ratings_per_rater: usize,
    /// Share of raters who answer every item uniformly at random. Default 0.05.
    pub random_responder_share: f64,
    /// Share of raters who give the same category position everywhere. Default 0.03.
    pub straight_liner_share: f64,
    /// Mean of the comment measures `B ~ N(mean, sd²)`. Default -0.5.
    pub measure_mean: f64,
    /// SD of the comment measures. Default 2.0.
    pub measure_sd: f64,
    /// SD of rater severities `C ~ N(0, sd²)`, centred to mean 0 over normal raters. Default 0.7.
    pub severity_sd: f64,
    /// Seed of every random draw. Default 20200101.
    pub seed: u64,
    /// A planted category that is rarely chosen (see [`UnusedCategory`]). Default none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_category: Option<UnusedCategory>,
    /// Some items measure a second trait correlated with the first (default: none, the data
    /// are unidimensional). See [`SecondDimension`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_dimension: Option<SecondDimension>,
    /// Shares of the subtler rater kinds and honest decoys (default: none). See [`RaterMix`].
    #[serde(default, skip_serializing_if = "RaterMix::is_empty")]
    pub rater_mix: RaterMix,
}

/// A category of one item made rarely chosen, for testing the category advisor
/// ([`crate::quality::categories`]): the two Rasch-Andrich thresholds around interior category
/// `K` of the item, `F_K` (from `K-1` into `K`) and `F_{K+1}` (from `K` into `K+1`), are
/// reversed around their midpoint `c` and spread to at least 2 logits apart:
/// `F_K = c + d`, `F_{K+1} = c - d` with `d = max(|F_{K+1} - F_K| / 2, 1)`. The thresholds still
/// sum to zero, and `P_K² / (P_{K-1} P_{K+1}) = exp(F_{K+1} - F_K) <= e^-2`, so `K` is never the
/// most probable category and is chosen far less often than its neighbours. `truth_thresholds.csv`
/// holds the planted values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnusedCategory {
    /// The item's name (one of [`ITEMS`]).
    pub item: String,
    /// The category `K`, strictly between the item's bottom and top categories.
    pub category: u8,
}

impl std::str::FromStr for UnusedCategory {
    type Err = SimulateError;

    /// Parses `ITEM:K`, e.g. `insult:2`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || SimulateError::Config {
            field: "unused_category",
            message: format!("takes ITEM:K, e.g. insult:2; got `{text}`"),
        };
        let (item, k) = text.rsplit_once(':').ok_or_else(bad)?;
        let category = k.trim().parse().map_err(|_| bad())?;
        Ok(UnusedCategory {
            item: item.trim().to_string(),
            category,
        })
    }
}

impl SimulationConfig {
    /// The true thresholds `F_{i,1..m}` of item `i` (index into [`ITEMS`]): the item's own, or
    /// the planted ones of [`SimulationConfig::unused_category`].
    pub fn item_thresholds(&self, i: usize) -> Vec<f64> {
        let mut thresholds = ITEMS[i].thresholds.to_vec();
        if let Some(unused) = &self.unused_category {
            let k = unused.category as usize;
            if unused.item == ITEMS[i].name && k >= 1 && k < thresholds.len() {
                let (into, out) = (thresholds[k - 1], thresholds[k]);
                let c = 0.5 * (into + out);
                let d = (0.5 * (out - into).abs()).max(1.0);
                thresholds[k - 1] = c + d;
                thresholds[k] = c - d;
            }
        }
        thresholds
    }
}

/// A second trait measured by some items: each comment has a second true measure
/// `B2 = mean + sd · (ρ z1 + √(1 - ρ²) z2)` (`z1` the standardised first measure, `z2` an
/// independent standard normal draw from its own stream), so `corr(B, B2) = ρ` with the same
/// mean and SD as `B`; normal raters answer the listed items from `B2` and the others from `B`.
/// Random responders and straight-liners are unaffected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondDimension {
    /// `ρ`, the correlation of the two traits, in [-1, 1].
    pub correlation: f64,
    /// The items (MHS names, [`ITEMS`]) that measure the second trait; default
    /// [`SecondDimension::DEFAULT_ITEMS`].
    pub items: Vec<String>,
}

impl SecondDimension {
    /// The items measuring the second trait when none are named: the three most severe
    /// (`dehumanize`, `violence`, `genocide`).
    pub const DEFAULT_ITEMS: [&'static str; 3] = ["dehumanize", "violence", "genocide"];

    /// A second trait correlated `correlation` with the first, on the default items.
    pub fn new(correlation: f64) -> Self {
        SecondDimension {
            correlation,
            items: Self::DEFAULT_ITEMS.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether item `index` of [`ITEMS`] measures the second trait.
    pub fn measures(&self, index: usize) -> bool {
        ITEMS
            .get(index)
            .is_some_and(|item| self.items.iter().any(|name| name == item.name))
    }
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            comments: 2000,
            raters_per_comment: (2, 4),
            reference_comments: 50,
            reference_per_rater: (1, 3),
            ratings_per_rater: 17,
            random_responder_share: 0.05,
            straight_liner_share: 0.03,
            measure_mean: -0.5,
            measure_sd: 2.0,
            severity_sd: 0.7,
            seed: 20200101,
            unused_category: None,
            second_dimension: None,
            rater_mix: RaterMix::default(),
        }
    }
}

/// The MHS comment count; `SimulationConfig { comments: MHS_COMMENTS, ..Default::default() }`
/// gives an MHS-sized data set.
pub const MHS_COMMENTS: usize = 39_565;

impl SimulationConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), SimulateError> {
        fn bad(field: &'static str, message: impl Into<String>) -> Result<(), SimulateError> {
            Err(SimulateError::Config {
                field,
                message: message.into(),
            })
        }
        if self.reference_comments == 0 {
            return bad(
                "reference_comments",
                "must be at least 1: the reference set links the design",
            );
        }
        if self.comments <= self.reference_comments {
            return bad(
                "comments",
                format!(
                    "must exceed reference_comments ({}), got {}",
                    self.reference_comments, self.comments
                ),
            );
        }
        if self.comments > u32::MAX as usize / 2 {
            return bad("comments", format!("is too large ({})", self.comments));
        }
        let (k_min, k_max) = self.raters_per_comment;
        if k_min == 0 || k_min > k_max {
            return bad(
                "raters_per_comment",
                format!("must be (min, max) with 1 <= min <= max, got ({k_min}, {k_max})"),
            );
        }
        let (r_min, r_max) = self.reference_per_rater;
        if r_min == 0 || r_min > r_max || r_max > self.reference_comments {
            return bad(
                "reference_per_rater",
                format!(
                    "must be (min, max) with 1 <= min <= max <= reference_comments ({}), \
                     got ({r_min}, {r_max})",
                    self.reference_comments
                ),
            );
        }
        if self.ratings_per_rater <= r_max {
            return bad(
                "ratings_per_rater",
                format!(
                    "must exceed the most reference comments per rater ({r_max}), got {}",
                    self.ratings_per_rater
                ),
            );
        }
        for (field, share) in [
            ("random_responder_share", self.random_responder_share),
            ("straight_liner_share", self.straight_liner_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return bad(field, format!("must be a share in [0, 1], got {share}"));
            }
        }
        if self.random_responder_share + self.straight_liner_share >= 1.0 {
            return bad(
                "straight_liner_share",
                format!(
                    "plus random_responder_share must be below 1 (some raters must be normal), \
                     got {} + {}",
                    self.straight_liner_share, self.random_responder_share
                ),
            );
        }
        for (field, share) in self.rater_mix.shares() {
            if !(0.0..=1.0).contains(&share) {
                return bad(field, format!("must be a share in [0, 1], got {share}"));
            }
        }
        let failing = self.random_responder_share + self.straight_liner_share;
        if failing + self.rater_mix.total() >= 1.0 {
            return bad(
                "rater_mix",
                format!(
                    "shares plus random_responder_share and straight_liner_share must be below 1 \
                     (some raters must be normal), got {} + {failing}",
                    self.rater_mix.total()
                ),
            );
        }
        if !self.measure_mean.is_finite() {
            return bad(
                "measure_mean",
                format!("must be finite, got {}", self.measure_mean),
            );
        }
        for (field, sd) in [
            ("measure_sd", self.measure_sd),
            ("severity_sd", self.severity_sd),
        ] {
            if !(sd.is_finite() && sd >= 0.0) {
                return bad(field, format!("must be a finite SD >= 0, got {sd}"));
            }
        }
        if let Some(unused) = &self.unused_category {
            let Some(item) = ITEMS.iter().find(|i| i.name == unused.item) else {
                return bad(
                    "unused_category",
                    format!(
                        "names no item: `{}`; the items are {}",
                        unused.item,
                        ITEMS.map(|i| i.name).join(", ")
                    ),
                );
            };
            if unused.category == 0 || unused.category >= item.max_score() {
                return bad(
                    "unused_category",
                    format!(
                        "category {} of {} is not interior: K must be 1..={} (the bottom and top categories have one threshold)",
                        unused.category,
                        item.name,
                        item.max_score() - 1
                    ),
                );
            }
        }
        if let Some(second) = &self.second_dimension {
            if !(-1.0..=1.0).contains(&second.correlation) {
                return bad(
                    "second_dimension.correlation",
                    format!(
                        "must be a correlation in [-1, 1], got {}",
                        second.correlation
                    ),
                );
            }
            if second.items.is_empty() || second.items.len() >= N_ITEMS {
                return bad(
                    "second_dimension.items",
                    format!(
                        "must name between 1 and {} items, got {}",
                        N_ITEMS - 1,
                        second.items.len()
                    ),
                );
            }
            if let Some(unknown) = second
                .items
                .iter()
                .find(|name| !ITEMS.iter().any(|i| i.name == name.as_str()))
            {
                let names: Vec<&str> = ITEMS.iter().map(|i| i.name).collect();
                return bad(
                    "second_dimension.items",
                    format!(
                        "names `{unknown}`, not an item; items: {}",
                        names.join(", ")
                    ),
                );
            }
        }
        Ok(())
    }
}

/// The truth about one comment.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentTruth {
    /// `comment_id` in the files (1-based).
    pub id: i64,
    /// `B_n`, the true measure in logits.
    pub measure: f64,
    /// The true measure on the second trait when the simulation has one
    /// ([`SimulationConfig::second_dimension`]).
    pub second_measure: Option<f64>,
    /// Whether the comment is in the reference (linking) set every rater samples from.
    pub is_reference: bool,
    /// MHS-style platform code 0..=3.
    pub platform: u8,
    /// Whether the comment targets Black people (drawn for 15% of comments).
    pub target_race_black: bool,
    /// Whether the comment targets women (drawn for 22% of comments).
    pub target_gender_women: bool,
    /// The synthetic text, whose words carry signal about the true measure.
    pub text: String,
    /// Number of raters who rated the comment.
    pub n_raters: usize,
}

/// The truth about one rater.
#[derive(Debug, Clone, PartialEq)]
pub struct RaterTruth {
    /// `annotator_id` in the files (1-based).
    pub id: i64,
    /// `C_j` in logits. Drawn for every rater; centred to mean 0 over normal raters. Only normal
    /// raters' responses depend on it.
    pub severity: f64,
    /// How the rater responds (model responses, random or straight-lining).
    pub kind: RaterKind,
    /// `male`, `female` or `non-binary`.
    pub gender: &'static str,
    /// Age in years (drawn from `N(37, 12²)`, rounded and clamped to 18..=80).
    pub age: u32,
    /// Number of comments the rater rated.
    pub n_ratings: usize,
    /// For a careless rater: the 1-based number of its first careless record in file order
    /// (its session order); from there on its answers are uniformly random.
    pub careless_from: Option<usize>,
}

/// One row of `ratings.csv`: a rater's answers to all ten items for one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    /// Index into [`Simulation::comments`].
    pub comment: u32,
    /// Index into [`Simulation::raters`].
    pub rater: u32,
    /// Category codes in [`ITEMS`] order.
    pub scores: [u8; N_ITEMS],
}

/// Counts recorded in `simulation.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationCounts {
    /// Rows of `ratings.csv` (comment–rater pairs).
    pub rows: usize,
    /// Item responses (`rows × 10`).
    pub responses: usize,
    /// Comments, reference set included.
    pub comments: usize,
    /// Comments in the reference (linking) set.
    pub reference_comments: usize,
    /// Raters of every kind.
    pub raters: usize,
    /// Raters who respond by the model.
    pub normal_raters: usize,
    /// Random responders.
    pub random_raters: usize,
    /// Straight-liners.
    pub straight_liners: usize,
}

/// A simulated data set with its truth. Ratings are in file order (shuffled).
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// The configuration the data were drawn from.
    pub config: SimulationConfig,
    /// Every comment with its true measure, in id order.
    pub comments: Vec<CommentTruth>,
    /// Every rater with its true severity and kind, in id order.
    pub raters: Vec<RaterTruth>,
    /// The rating rows, in file order (shuffled).
    pub ratings: Vec<Rating>,
}

impl Simulation {
    /// The items and their true parameters (always [`ITEMS`]).
    pub fn items(&self) -> &'static [ItemSpec; N_ITEMS] {
        &ITEMS
    }

    /// The ratings as three-facet rating data (comment, rater, item; element `j` of each facet
    /// is the simulation's index `j`, labelled with its id): the responses of the written file
    /// without going through it, for benchmarks and tests of the engine alone.
    pub fn rating_data(&self) -> crate::data::RatingData {
        use crate::data::{Facet, FacetRole, ItemScale, RatingData};
        let n = self.ratings.len() * N_ITEMS;
        let mut elements = vec![
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        ];
        let mut scores = Vec::with_capacity(n);
        for r in &self.ratings {
            for (i, &s) in r.scores.iter().enumerate() {
                elements[0].push(r.comment);
                elements[1].push(r.rater);
                elements[2].push(i as u32);
                scores.push(i32::from(s));
            }
        }
        let facet = |name: &str, role, labels: Vec<String>| Facet {
            name: name.into(),
            role,
            labels,
        };
        RatingData {
            facets: vec![
                facet(
                    "comment",
                    FacetRole::Object,
                    self.comments.iter().map(|c| c.id.to_string()).collect(),
                ),
                facet(
                    "rater",
                    FacetRole::Rater,
                    self.raters.iter().map(|r| r.id.to_string()).collect(),
                ),
                facet(
                    "item",
                    FacetRole::Item,
                    ITEMS.iter().map(|i| i.name.to_string()).collect(),
                ),
            ],
            elements,
            scores,
            item_scales: ITEMS
                .iter()
                .map(|i| ItemScale {
                    min_score: 0,
                    max_score: i32::from(i.max_score()),
                })
                .collect(),
            object_facet: 0,
            item_facet: 2,
        }
    }

    /// Per rater kind (its `truth_raters.csv` label): how many of `raters` are of that kind and
    /// how many of those are flagged. `raters` gives each rater's index with whether a quality
    /// screen flagged it (for scoring a screen against the truth).
    pub fn flagged_by_kind(
        &self,
        raters: impl IntoIterator<Item = (u32, bool)>,
    ) -> std::collections::BTreeMap<&'static str, (usize, usize)> {
        let mut by_kind = std::collections::BTreeMap::new();
        for (rater, flagged) in raters {
            let kind = self.raters[rater as usize].kind.as_str();
            let entry: &mut (usize, usize) = by_kind.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += usize::from(flagged);
        }
        by_kind
    }

    /// The counts recorded in `simulation.json`.
    pub fn counts(&self) -> SimulationCounts {
        let count = |f: fn(&RaterKind) -> bool| self.raters.iter().filter(|r| f(&r.kind)).count();
        SimulationCounts {
            rows: self.ratings.len(),
            responses: self.ratings.len() * N_ITEMS,
            comments: self.comments.len(),
            reference_comments: self.comments.iter().filter(|c| c.is_reference).count(),
            raters: self.raters.len(),
            normal_raters: count(|k| *k == RaterKind::Normal),
            random_raters: count(|k| *k == RaterKind::Random),
            straight_liners: count(|k| matches!(k, RaterKind::StraightLiner(_))),
        }
    }
}

/// Random streams, one per stage, so a change in one stage does not shift the others.
#[derive(Clone, Copy)]
enum Stream {
    Comments = 1,
    Design = 2,
    Raters = 3,
    Texts = 4,
    Responses = 5,
    Order = 6,
    SecondDimension = 7,
    Careless = 8,
    Benign = 9,
}

fn stream(seed: u64, which: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(which as u64);
    rng
}

/// MHS platform code weights (codes 0..=3).
const PLATFORM_WEIGHTS: [f64; 4] = [0.15, 0.35, 0.30, 0.20];
/// Share of comments targeting each group.
const TARGET_RACE_BLACK_SHARE: f64 = 0.15;
const TARGET_GENDER_WOMEN_SHARE: f64 = 0.22;
/// Annotator gender shares (male, female; the rest non-binary) and age distribution.
const GENDER_SHARES: (f64, f64) = (0.48, 0.49);
const AGE_MEAN: f64 = 37.0;
const AGE_SD: f64 = 12.0;
const AGE_RANGE: (f64, f64) = (18.0, 80.0);
/// Rater-kind minimums (one of each kind when its share is positive) apply from this many raters.
const MIN_RATERS_FOR_EVERY_KIND: usize = 10;

fn normal<R: Rng>(rng: &mut R, mean: f64, sd: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    mean + sd * z
}

/// Draws a simulated data set. Deterministic in `cfg` (including its seed).
pub fn simulate(cfg: &SimulationConfig) -> Result<Simulation, SimulateError> {
    cfg.validate()?;

    // Comments: measures, attributes and the reference set.
    let mut rng = stream(cfg.seed, Stream::Comments);
    let mut comments: Vec<CommentTruth> = (0..cfg.comments)
        .map(|c| {
            let measure = normal(&mut rng, cfg.measure_mean, cfg.measure_sd);
            let u: f64 = rng.random();
            let mut cumulative = 0.0;
            let platform = PLATFORM_WEIGHTS
                .iter()
                .position(|w| {
                    cumulative += w;
                    u < cumulative
                })
                .unwrap_or(PLATFORM_WEIGHTS.len() - 1) as u8;
            CommentTruth {
                id: c as i64 + 1,
                measure,
                second_measure: None,
                is_reference: false,
                platform,
                target_race_black: rng.random_bool(TARGET_RACE_BLACK_SHARE),
                target_gender_women: rng.random_bool(TARGET_GENDER_WOMEN_SHARE),
                text: String::new(),
                n_raters: 0,
            }
        })
        .collect();
    let reference: Vec<u32> =
        rand::seq::index::sample(&mut rng, cfg.comments, cfg.reference_comments)
            .iter()
            .map(|c| c as u32)
            .collect();
    for &c in &reference {
        comments[c as usize].is_reference = true;
    }

    if let Some(second) = &cfg.second_dimension {
        // Its own stream: the first trait and everything else stay as without it.
        let mut rng = stream(cfg.seed, Stream::SecondDimension);
        let rho = second.correlation;
        for comment in &mut comments {
            let z1 = if cfg.measure_sd > 0.0 {
                (comment.measure - cfg.measure_mean) / cfg.measure_sd
            } else {
                0.0
            };
            let z2: f64 = rng.sample(StandardNormal);
            comment.second_measure = Some(
                cfg.measure_mean + cfg.measure_sd * (rho * z1 + (1.0 - rho * rho).sqrt() * z2),
            );
        }
    }
    let second_items: [bool; N_ITEMS] = std::array::from_fn(|i| {
        cfg.second_dimension
            .as_ref()
            .is_some_and(|second| second.measures(i))
    });

    let mut design = design::build(
        cfg,
        cfg.comments,
        &reference,
        &mut stream(cfg.seed, Stream::Design),
    );

    let mut raters = draw_raters(cfg, design.n_raters, &mut stream(cfg.seed, Stream::Raters));
    let kinds: Vec<RaterKind> = raters.iter().map(|r| r.kind).collect();
    raters::route_benign(
        &mut design.pairs,
        &kinds,
        &comments,
        &mut stream(cfg.seed, Stream::Benign),
    );

    let mut rng = stream(cfg.seed, Stream::Texts);
    for comment in &mut comments {
        let z = if cfg.measure_sd > 0.0 {
            (comment.measure - cfg.measure_mean) / cfg.measure_sd
        } else {
            0.0
        };
        comment.text = text::generate_text(z, &mut rng);
    }

    let mut rng = stream(cfg.seed, Stream::Responses);
    let thresholds: Vec<Vec<f64>> = (0..N_ITEMS).map(|i| cfg.item_thresholds(i)).collect();
    let commonest = raters::commonest_categories(&comments, &thresholds);
    let mut ratings: Vec<Rating> = design
        .pairs
        .iter()
        .map(|pair| {
            let comment = &comments[pair.comment as usize];
            let rater = &raters[pair.rater as usize];
            let draw = raters::RecordDraw {
                kind: rater.kind,
                severity: rater.severity,
                measures: std::array::from_fn(|i| match comment.second_measure {
                    Some(second) if second_items[i] && rater.kind.is_honest() => second,
                    _ => comment.measure,
                }),
                thresholds: &thresholds,
                commonest: &commonest,
            };
            Rating {
                comment: pair.comment,
                rater: pair.rater,
                scores: draw.draw(&mut rng),
            }
        })
        .collect();
    ratings.shuffle(&mut stream(cfg.seed, Stream::Order));
    make_careless(
        &mut ratings,
        &mut raters,
        &mut stream(cfg.seed, Stream::Careless),
    );

    for rating in &ratings {
        comments[rating.comment as usize].n_raters += 1;
        raters[rating.rater as usize].n_ratings += 1;
    }

    Ok(Simulation {
        config: cfg.clone(),
        comments,
        raters,
        ratings,
    })
}

/// Careless raters answer uniformly at random from the middle of their session (their records
/// in file order, [`careless_start`]) on; records where that starts in their truth.
fn make_careless<R: Rng>(ratings: &mut [Rating], raters: &mut [RaterTruth], rng: &mut R) {
    if !raters.iter().any(|r| r.kind == RaterKind::Careless) {
        return;
    }
    let mut records = vec![0usize; raters.len()];
    for rating in ratings.iter() {
        records[rating.rater as usize] += 1;
    }
    let mut seen = vec![0usize; raters.len()];
    for rating in ratings.iter_mut() {
        let r = rating.rater as usize;
        if raters[r].kind == RaterKind::Careless && seen[r] >= careless_start(records[r]) {
            for (score, item) in rating.scores.iter_mut().zip(&ITEMS) {
                *score = rng.random_range(0..=item.max_score());
            }
        }
        seen[r] += 1;
    }
    for (rater, &n) in raters.iter_mut().zip(&records) {
        if rater.kind == RaterKind::Careless {
            rater.careless_from = Some(careless_start(n) + 1);
        }
    }
}

/// Rater kinds, severities and attributes for `n` raters.
fn draw_raters<R: Rng>(cfg: &SimulationConfig, n: usize, rng: &mut R) -> Vec<RaterTruth> {
    let quota = |share: f64| {
        let k = (share * n as f64).round() as usize;
        if share > 0.0 && k == 0 && n >= MIN_RATERS_FOR_EVERY_KIND {
            1
        } else {
            k
        }
    };
    let mut n_random = quota(cfg.random_responder_share);
    let mut n_straight = quota(cfg.straight_liner_share);
    // Keep at least one normal rater.
    while n_random + n_straight >= n && n_random + n_straight > 0 {
        if n_straight >= n_random {
            n_straight -= 1;
        } else {
            n_random -= 1;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    let mut kinds = vec![RaterKind::Normal; n];
    for &r in &order[..n_random] {
        kinds[r] = RaterKind::Random;
    }
    for &r in &order[n_random..n_random + n_straight] {
        let line = match rng.random_range(0..3) {
            0 => StraightLine::Lowest,
            1 => StraightLine::Middle,
            _ => StraightLine::Highest,
        };
        kinds[r] = RaterKind::StraightLiner(line);
    }
    raters::assign_mix(&cfg.rater_mix, &mut kinds, &order, quota, rng);

    let mut raters: Vec<RaterTruth> = kinds
        .into_iter()
        .enumerate()
        .map(|(r, kind)| {
            let severity = normal(rng, 0.0, cfg.severity_sd)
                + match kind {
                    RaterKind::VerySevere => DECOY_SEVERITY_SHIFT,
                    RaterKind::VeryLenient => -DECOY_SEVERITY_SHIFT,
                    _ => 0.0,
                };
            let u: f64 = rng.random();
            let gender = if u < GENDER_SHARES.0 {
                "male"
            } else if u < GENDER_SHARES.0 + GENDER_SHARES.1 {
                "female"
            } else {
                "non-binary"
            };
            let age = normal(rng, AGE_MEAN, AGE_SD)
                .round()
                .clamp(AGE_RANGE.0, AGE_RANGE.1) as u32;
            RaterTruth {
                id: r as i64 + 1,
                severity,
                kind,
                gender,
                age,
                n_ratings: 0,
                careless_from: None,
            }
        })
        .collect();

    let (sum, count) = raters
        .iter()
        .filter(|r| r.kind == RaterKind::Normal)
        .fold((0.0, 0usize), |(s, c), r| (s + r.severity, c + 1));
    if count > 0 {
        let mean = sum / count as f64;
        for r in &mut raters {
            r.severity -= mean;
        }
    }
    raters
}
