//! Simulated raters: how each kind answers, and the honest decoys a quality screen must leave
//! alone.
//!
//! Failing raters (what [`crate::quality::diagnosis`] must find):
//! - **random** and **straight-liners** (the gross failures);
//! - **central tendency**: the rater's thresholds are stretched by [`CENTRAL_TENDENCY_STRETCH`]
//!   (Jin & Wang 2018's threshold-scaling model with `ω = 3`), so the middle categories take
//!   over: `log(P_k / P_{k-1}) = η - ω F_{i,k}`;
//! - **modal leaning**: with probability [`MODAL_LEAN`] the rater gives the item's commonest
//!   answer (the category the model makes most frequent over all comments), else a model answer;
//! - **low discrimination**: the slope on the linear predictor is [`LOW_DISCRIMINATION_SLOPE`]
//!   (the generalized many-facet model of Uto & Ueno 2020: `log(P_k / P_{k-1}) = α (η - F_k)`);
//! - **reversed item**: model answers, but one item's scale read backwards (`m - x`);
//! - **halo**: one impression per comment: one uniform draw `u` per record turns into every
//!   item's category by the inverse CDF, so each item's answers have the model's distribution
//!   but the items of a record move together far beyond the model's local independence;
//! - **careless from the middle**: model answers for the first half of the rater's records in
//!   file order, uniformly random answers from then on.
//!
//! Honest decoys (model answers that a naive screen flags): **benign-only** raters, whose
//! comments all come from the most benign tenth (mostly all-zero answers, as the model
//! expects), and **very severe** / **very lenient** raters (severity shifted by
//! ±[`DECOY_SEVERITY_SHIFT`]).

use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use super::design::Pair;
use super::{draw_category, CommentTruth, ItemSpec, ITEMS, MAX_CATEGORIES, N_ITEMS};
use crate::measure::model::category_probabilities;

/// Threshold stretch `ω` of a central-tendency rater.
pub const CENTRAL_TENDENCY_STRETCH: f64 = 3.0;
/// Probability that a modal-leaning rater gives the item's commonest answer.
pub const MODAL_LEAN: f64 = 0.5;
/// Slope `α` of a low-discrimination rater on the linear predictor.
pub const LOW_DISCRIMINATION_SLOPE: f64 = 0.25;
/// Severity shift (logits) of the very severe and very lenient decoys.
pub const DECOY_SEVERITY_SHIFT: f64 = 2.5;
/// Share of comments (lowest true measures) a benign-only decoy rates from.
pub const BENIGN_SHARE: f64 = 0.1;

/// How a simulated rater answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaterKind {
    /// Responses drawn from the partial-credit model.
    Normal,
    /// Every item's category uniform at random, independent of the comment.
    Random,
    /// The same category position on every item of every comment.
    StraightLiner(StraightLine),
    /// Thresholds stretched: the middle categories take over.
    CentralTendency,
    /// Leans to each item's commonest answer.
    Modal,
    /// A quarter of the usual slope on the linear predictor.
    LowDiscrimination,
    /// One item (index into [`ITEMS`]) answered on a reversed scale.
    ReversedItem(u8),
    /// One impression for all items of a comment.
    Halo,
    /// Random answers from the middle of the session on.
    Careless,
    /// Honest, but rates only the most benign comments.
    BenignOnly,
    /// Honest, severity shifted up by [`DECOY_SEVERITY_SHIFT`].
    VerySevere,
    /// Honest, severity shifted down by [`DECOY_SEVERITY_SHIFT`].
    VeryLenient,
}

impl RaterKind {
    /// The label in `truth_raters.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            RaterKind::Normal => "normal",
            RaterKind::Random => "random",
            RaterKind::StraightLiner(_) => "straight_liner",
            RaterKind::CentralTendency => "central_tendency",
            RaterKind::Modal => "modal",
            RaterKind::LowDiscrimination => "low_discrimination",
            RaterKind::ReversedItem(_) => "reversed_item",
            RaterKind::Halo => "halo",
            RaterKind::Careless => "careless",
            RaterKind::BenignOnly => "benign_only",
            RaterKind::VerySevere => "very_severe",
            RaterKind::VeryLenient => "very_lenient",
        }
    }

    /// Whether the rater answers by the model (normal raters and the decoys): a quality screen
    /// should not flag it.
    pub fn is_honest(self) -> bool {
        matches!(
            self,
            RaterKind::Normal
                | RaterKind::BenignOnly
                | RaterKind::VerySevere
                | RaterKind::VeryLenient
        )
    }

    /// Whether the rater is an honest decoy (benign-only, very severe or very lenient).
    pub fn is_decoy(self) -> bool {
        self.is_honest() && self != RaterKind::Normal
    }
}

crate::options::named_enum!(
    /// The category position a straight-liner always gives.
    pub enum StraightLine, "straight_line" {
        /// Category 0 on every item.
        Lowest = "lowest",
        /// The middle category (`m / 2`, rounded down): 2 on `0..=4` items, 1 on `hatespeech`.
        Middle = "middle",
        /// Each item's top category.
        Highest = "highest",
    }
);

impl StraightLine {
    /// The category this position means on `item`.
    pub fn score(self, item: &ItemSpec) -> u8 {
        match self {
            StraightLine::Lowest => 0,
            StraightLine::Middle => item.max_score() / 2,
            StraightLine::Highest => item.max_score(),
        }
    }
}

/// Shares of the subtler rater kinds and of the honest decoys among all raters (default: none,
/// so a configuration without them draws exactly what it drew before they existed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RaterMix {
    /// Central-tendency raters.
    pub central_tendency: f64,
    /// Modal-leaning raters.
    pub modal: f64,
    /// Low-discrimination raters.
    pub low_discrimination: f64,
    /// Raters who read one item's scale backwards.
    pub reversed_item: f64,
    /// Halo raters.
    pub halo: f64,
    /// Raters careless from the middle of their session.
    pub careless: f64,
    /// Honest raters of benign comments only.
    pub benign_only: f64,
    /// Honest very severe raters.
    pub very_severe: f64,
    /// Honest very lenient raters.
    pub very_lenient: f64,
}

impl RaterMix {
    /// 2% of each of the six subtler kinds (12% in all) and 2% of each decoy.
    pub fn realistic() -> Self {
        RaterMix {
            central_tendency: 0.02,
            modal: 0.02,
            low_discrimination: 0.02,
            reversed_item: 0.02,
            halo: 0.02,
            careless: 0.02,
            benign_only: 0.02,
            very_severe: 0.02,
            very_lenient: 0.02,
        }
    }

    /// Whether every share is 0 (the default).
    pub fn is_empty(&self) -> bool {
        self.shares().iter().all(|(_, share)| *share == 0.0)
    }

    /// Every share with its field name, in drawing order.
    pub fn shares(&self) -> [(&'static str, f64); 9] {
        [
            ("rater_mix.central_tendency", self.central_tendency),
            ("rater_mix.modal", self.modal),
            ("rater_mix.low_discrimination", self.low_discrimination),
            ("rater_mix.reversed_item", self.reversed_item),
            ("rater_mix.halo", self.halo),
            ("rater_mix.careless", self.careless),
            ("rater_mix.benign_only", self.benign_only),
            ("rater_mix.very_severe", self.very_severe),
            ("rater_mix.very_lenient", self.very_lenient),
        ]
    }

    /// The sum of the shares.
    pub fn total(&self) -> f64 {
        self.shares().iter().map(|(_, share)| share).sum()
    }
}

/// Draws the kinds of the mix's raters onto `kinds` (slots still `Normal`, taken in `order`),
/// at `quota(share)` raters per kind.
pub(super) fn assign_mix<R: Rng>(
    mix: &RaterMix,
    kinds: &mut [RaterKind],
    order: &[usize],
    quota: impl Fn(f64) -> usize,
    rng: &mut R,
) {
    let free: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&r| kinds[r] == RaterKind::Normal)
        .collect();
    let mut free = free.into_iter();
    let kinds_of_mix: [RaterKind; 9] = [
        RaterKind::CentralTendency,
        RaterKind::Modal,
        RaterKind::LowDiscrimination,
        RaterKind::ReversedItem(0),
        RaterKind::Halo,
        RaterKind::Careless,
        RaterKind::BenignOnly,
        RaterKind::VerySevere,
        RaterKind::VeryLenient,
    ];
    let normal_left = kinds.iter().filter(|k| **k == RaterKind::Normal).count();
    let mut left = normal_left.saturating_sub(1);
    for ((_, share), kind) in mix.shares().into_iter().zip(kinds_of_mix) {
        let k = quota(share).min(left);
        left -= k;
        for _ in 0..k {
            let Some(r) = free.next() else { return };
            kinds[r] = match kind {
                RaterKind::ReversedItem(_) => {
                    RaterKind::ReversedItem(rng.random_range(0..N_ITEMS) as u8)
                }
                other => other,
            };
        }
    }
}

/// Per item, its commonest answer under the model: the category with the largest summed
/// probability over every comment's true measure (at severity 0).
pub(super) fn commonest_categories(
    comments: &[CommentTruth],
    thresholds: &[Vec<f64>],
) -> [u8; N_ITEMS] {
    let mut probabilities = [0.0; MAX_CATEGORIES];
    std::array::from_fn(|i| {
        let item = &ITEMS[i];
        let mut totals = [0.0; MAX_CATEGORIES];
        for comment in comments {
            let p = &mut probabilities[..item.n_categories()];
            category_probabilities(comment.measure - item.difficulty, &thresholds[i], p);
            for (total, p) in totals.iter_mut().zip(p.iter()) {
                *total += p;
            }
        }
        totals[..item.n_categories()]
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(k, _)| k as u8)
    })
}

/// What one record's answers are drawn from: the rater's kind and severity, the comment's
/// measure per item (the second trait's on its items), the true thresholds and the items'
/// commonest answers.
pub(super) struct RecordDraw<'a> {
    pub kind: RaterKind,
    pub severity: f64,
    pub measures: [f64; N_ITEMS],
    pub thresholds: &'a [Vec<f64>],
    pub commonest: &'a [u8; N_ITEMS],
}

impl RecordDraw<'_> {
    /// The record's answers. A normal rater uses one uniform draw per item in item order (as
    /// simulations drew before the other kinds existed); a random responder one uniform
    /// category per item; a straight-liner none.
    pub fn draw<R: Rng>(&self, rng: &mut R) -> [u8; N_ITEMS] {
        let mut probabilities = [0.0; MAX_CATEGORIES];
        let halo_draw: f64 = if self.kind == RaterKind::Halo {
            rng.random()
        } else {
            0.0
        };
        let mut scores = [0u8; N_ITEMS];
        for (i, (score, item)) in scores.iter_mut().zip(&ITEMS).enumerate() {
            let p = &mut probabilities[..item.n_categories()];
            let eta = self.measures[i] - self.severity - item.difficulty;
            let model = |p: &mut [f64], slope: f64, stretch: f64| {
                let thresholds: Vec<f64> = self.thresholds[i]
                    .iter()
                    .map(|f| slope * stretch * f)
                    .collect();
                category_probabilities(slope * eta, &thresholds, p);
            };
            *score = match self.kind {
                RaterKind::Random => rng.random_range(0..=item.max_score()),
                RaterKind::StraightLiner(line) => line.score(item),
                RaterKind::CentralTendency => {
                    model(p, 1.0, CENTRAL_TENDENCY_STRETCH);
                    draw_category(p, rng.random())
                }
                RaterKind::LowDiscrimination => {
                    model(p, LOW_DISCRIMINATION_SLOPE, 1.0);
                    draw_category(p, rng.random())
                }
                RaterKind::Halo => {
                    model(p, 1.0, 1.0);
                    draw_category(p, halo_draw)
                }
                RaterKind::Modal => {
                    if rng.random_bool(MODAL_LEAN) {
                        self.commonest[i]
                    } else {
                        model(p, 1.0, 1.0);
                        draw_category(p, rng.random())
                    }
                }
                RaterKind::ReversedItem(reversed) => {
                    model(p, 1.0, 1.0);
                    let x = draw_category(p, rng.random());
                    if usize::from(reversed) == i {
                        item.max_score() - x
                    } else {
                        x
                    }
                }
                RaterKind::Normal
                | RaterKind::Careless
                | RaterKind::BenignOnly
                | RaterKind::VerySevere
                | RaterKind::VeryLenient => {
                    category_probabilities(eta, &self.thresholds[i], p);
                    draw_category(p, rng.random())
                }
            };
        }
        scores
    }
}

/// Routes every rating of a benign-only rater to a comment among the most benign
/// [`BENIGN_SHARE`] by swapping comments with a rating of a normal rater there: every comment
/// and every rater keeps its number of ratings, and no rater rates a comment twice.
pub(super) fn route_benign<R: Rng>(
    pairs: &mut [Pair],
    kinds: &[RaterKind],
    comments: &[CommentTruth],
    rng: &mut R,
) {
    if !kinds.contains(&RaterKind::BenignOnly) {
        return;
    }
    let mut measures: Vec<f64> = comments.iter().map(|c| c.measure).collect();
    measures.sort_by(f64::total_cmp);
    let cut_at = ((BENIGN_SHARE * measures.len() as f64) as usize).min(measures.len() - 1);
    let cut = measures[cut_at];
    let benign = |c: u32| comments[c as usize].measure < cut;
    let mut taken: HashSet<(u32, u32)> = pairs.iter().map(|p| (p.comment, p.rater)).collect();
    let mut pool: Vec<usize> = (0..pairs.len())
        .filter(|&p| {
            benign(pairs[p].comment) && kinds[pairs[p].rater as usize] == RaterKind::Normal
        })
        .collect();
    pool.shuffle(rng);
    for at in 0..pairs.len() {
        let Pair { comment, rater } = pairs[at];
        if kinds[rater as usize] != RaterKind::BenignOnly || benign(comment) {
            continue;
        }
        let found = pool.iter().rposition(|&p| {
            let other = pairs[p];
            !taken.contains(&(other.comment, rater)) && !taken.contains(&(comment, other.rater))
        });
        let Some(slot) = found else { continue };
        let p = pool.swap_remove(slot);
        let other = pairs[p];
        taken.remove(&(comment, rater));
        taken.remove(&(other.comment, other.rater));
        taken.insert((other.comment, rater));
        taken.insert((comment, other.rater));
        pairs[at].comment = other.comment;
        pairs[p].comment = comment;
    }
}

/// Index (0-based, in file order) of the first careless record of a careless rater with
/// `records` records: the second half of the session.
pub fn careless_start(records: usize) -> usize {
    records / 2
}
