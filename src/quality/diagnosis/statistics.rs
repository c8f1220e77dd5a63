//! The diagnosis statistics of one rater, from one set of its responses (observed or a bootstrap
//! replicate), in one pass over its records. The equations are in the module notes of
//! [`super`].

use nalgebra::{Matrix3, Vector3};

use super::bootstrap::Null;
use super::design::{Design, RaterDesign};
use super::{Statistic, Test};
use crate::measure::model::category_probabilities;

/// Records at least on each side of a change point.
pub(super) const MIN_SEGMENT_RECORDS: usize = 3;
/// Information below which a slope or a standardized residual is not computed.
pub(super) const MIN_INFORMATION: f64 = 1e-9;
/// Standardized excess surprisal of the records before a change point above which they are not a
/// careful start (see [`change_point`]).
pub(super) const CARELESS_PREFIX_MAX_Z: f64 = 3.0;
/// Model variance `Σ W` of the rater's answers to one item below which its slope is not tested:
/// with less, the slope's score is ruled by one or two rare answers and is far from normal.
pub(super) const MIN_ITEM_INFORMATION: f64 = 3.0;
/// Standardized residuals enter the halo and slope statistics clipped at ±this (Huber's bounded
/// influence): one answer the model gave a probability of .001 would otherwise rule a rater's
/// statistic, and the bootstrap's normal null cannot describe such a tail.
pub(super) const RESIDUAL_CLIP: f64 = 3.0;
/// One record's standardized residual products `h = Σ r̃_i r̃_i' / √Σ W_i W_i'` enter the halo
/// statistic at most ±this: a comment whose measure is far off (another rater pulled it) moves
/// every item of the record together once; a halo rater does so on every record.
pub(super) const RECORD_HALO_CLIP: f64 = 3.0;
/// A response's excess surprisal `−ln P_x − H` enters `l_z` and the change point at most this
/// (nats; `e⁵ ≈ 150`: an answer with probability under about 1/150 of the typical one counts as
/// that), for the same reason.
pub(super) const MAX_SURPRISAL_EXCESS: f64 = 5.0;
/// Null S.D. below which a statistic cannot be tested (it takes one value under the model).
pub(super) const MIN_NULL_SD: f64 = 1e-9;

/// The responses to evaluate: categories, the object shifts per record and the rater's term.
#[derive(Debug, Clone)]
pub(super) struct Draw {
    /// Category per response (as in [`RaterDesign::responses`]).
    pub categories: Vec<u8>,
    /// Shift of each record's object measure from the run's.
    pub record_shift: Vec<f64>,
    /// The rater's term in the linear predictor.
    pub term: f64,
}

impl Draw {
    /// The observed responses at the run's measures.
    pub fn observed(rater: &RaterDesign) -> Draw {
        Draw {
            categories: rater.responses.iter().map(|r| r.category).collect(),
            record_shift: vec![0.0; rater.records.len()],
            term: rater.term,
        }
    }
}

/// Score and information of one item's slope (see [`super`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ItemSlopeTerms {
    pub item: u32,
    pub responses: usize,
    w: f64,
    w_rest: f64,
    w_rest2: f64,
    residual: f64,
    residual_rest: f64,
}

impl ItemSlopeTerms {
    fn add(&mut self, rest: f64, residual: f64, variance: f64) {
        self.responses += 1;
        self.w += variance;
        self.w_rest += variance * rest;
        self.w_rest2 += variance * rest * rest;
        self.residual += residual;
        self.residual_rest += residual * rest;
    }

    /// `U = Σ (x − E)(η − η̄)` with `η̄ = Σ W η / Σ W`.
    fn score(&self) -> f64 {
        if self.w <= MIN_INFORMATION {
            return 0.0;
        }
        self.residual_rest - self.w_rest / self.w * self.residual
    }

    /// `I = Σ W (η − η̄)²`.
    fn information(&self) -> f64 {
        if self.w <= MIN_INFORMATION {
            return 0.0;
        }
        (self.w_rest2 - self.w_rest * self.w_rest / self.w).max(0.0)
    }

    /// The one-step slope `1 + U / I`.
    pub fn slope(&self) -> Option<f64> {
        let i = self.information();
        (i > MIN_INFORMATION).then(|| 1.0 + self.score() / i)
    }

    /// `1 / √I`.
    pub fn se(&self) -> Option<f64> {
        let i = self.information();
        (i > MIN_INFORMATION).then(|| 1.0 / i.sqrt())
    }

    /// `U / √I` (negative: the rater's answers fall as the comments rise).
    pub fn z(&self) -> f64 {
        let i = self.information();
        if i > MIN_INFORMATION {
            self.score() / i.sqrt()
        } else {
            f64::NAN
        }
    }
}

/// The statistics of one set of responses.
#[derive(Debug, Clone)]
pub(super) struct Values {
    /// `l_z`: standardized excess surprisal.
    pub lz: f64,
    /// One-step `(α − 1) / S.E.`.
    pub slope_z: f64,
    /// One-step `(ω − 1) / S.E.`.
    pub stretch_z: f64,
    /// `Σ_records clamp(h, ±3) / √records`, `h = Σ r̃_i r̃_i' / √Σ W_i W_i'` over the item pairs
    /// of a record (see [`super`]).
    pub halo: f64,
    /// Standardized excess of responses in the items' commonest categories.
    pub modal_z: f64,
    modal_observed: f64,
    modal_expected: f64,
    responses: usize,
    /// Per item the rater answered.
    pub item_slopes: Vec<ItemSlopeTerms>,
    /// The largest change-point statistic and the record (0-based) the segment starts at.
    pub change: Option<(f64, usize)>,
}

impl Values {
    /// Observed share of responses in the items' commonest categories.
    pub fn modal_share(&self) -> f64 {
        self.modal_observed / self.responses.max(1) as f64
    }

    /// The model's expected share there.
    pub fn modal_expected(&self) -> f64 {
        self.modal_expected / self.responses.max(1) as f64
    }

    /// The scalar statistics, oriented so that large values mean failing, in
    /// [`SCALAR_STATISTICS`] order.
    pub fn oriented(&self) -> [f64; SCALAR_STATISTICS.len()] {
        [
            self.lz,
            -self.slope_z,
            self.stretch_z,
            -self.stretch_z,
            self.halo,
            self.modal_z,
            self.change.map_or(f64::NAN, |c| c.0),
        ]
    }

    /// Per item slope, oriented (`−U/√I`: large when the slope is negative).
    pub fn oriented_items(&self) -> Vec<f64> {
        self.item_slopes.iter().map(|s| -s.z()).collect()
    }
}

/// The statistics with one value per rater, in the order of [`Values::oriented`].
pub(super) const SCALAR_STATISTICS: [Statistic; 7] = [
    Statistic::Erratic,
    Statistic::LowDiscrimination,
    Statistic::CentralTendency,
    Statistic::ExtremeResponding,
    Statistic::Halo,
    Statistic::ModalLeaning,
    Statistic::CarelessSegment,
];

/// Per-record sums on the way.
#[derive(Default)]
struct RecordSums {
    r: f64,
    r2: f64,
    w: f64,
    w2: f64,
    surprisal: f64,
    surprisal_variance: f64,
}

/// Evaluates the statistics of `draw` (see [`super`] for the equations).
pub(super) fn evaluate(design: &Design, rater: &RaterDesign, draw: &Draw) -> Values {
    let mut probabilities = vec![0.0; design.max_categories];
    let mut score = Vector3::zeros();
    let mut information = Matrix3::zeros();
    let (mut surprisal, mut surprisal_variance) = (0.0, 0.0);
    let (mut modal_observed, mut modal_expected, mut modal_variance) = (0.0, 0.0, 0.0);
    let (mut pair_sum, mut pairs) = (0.0, 0.0);
    let mut segments: Vec<(f64, f64)> = Vec::with_capacity(rater.records.len());
    let mut items: Vec<ItemSlopeTerms> = Vec::new();
    let mut item_slot: Vec<Option<usize>> = vec![None; design.item_labels.len()];
    let mut record = RecordSums::default();
    let mut current = rater.responses.first().map_or(0, |r| r.record);
    let mut close = |record: &mut RecordSums, segments: &mut Vec<(f64, f64)>| {
        let pair_weight = (record.w * record.w - record.w2) / 2.0;
        if pair_weight > MIN_INFORMATION {
            let products = (record.r * record.r - record.r2) / 2.0;
            pair_sum += (products / pair_weight.sqrt()).clamp(-RECORD_HALO_CLIP, RECORD_HALO_CLIP);
            pairs += 1.0;
        }
        segments.push((record.surprisal, record.surprisal_variance));
        *record = RecordSums::default();
    };
    for (response, &x) in rater.responses.iter().zip(&draw.categories) {
        if response.record != current {
            close(&mut record, &mut segments);
            current = response.record;
        }
        let scale = &design.scales[response.scale as usize];
        let p = &mut probabilities[..scale.cumulative.len()];
        let rest = response.rest + draw.record_shift[response.record as usize];
        category_probabilities(rest + draw.term, &scale.thresholds, p);
        let m = Moments::of(p, &scale.cumulative);
        let x = usize::from(x).min(p.len() - 1);
        let residual = x as f64 - m.expected;
        score += Vector3::new(
            residual * rest,
            -residual,
            -(scale.cumulative[x] - m.expected_phi),
        );
        information += Matrix3::new(
            m.variance * rest * rest,
            -m.variance * rest,
            -rest * m.cov_k_phi,
            -m.variance * rest,
            m.variance,
            m.cov_k_phi,
            -rest * m.cov_k_phi,
            m.cov_k_phi,
            m.var_phi,
        );
        let excess = (-p[x].max(f64::MIN_POSITIVE).ln() - m.entropy).min(MAX_SURPRISAL_EXCESS);
        surprisal += excess;
        surprisal_variance += m.surprisal_variance;
        record.surprisal += excess;
        record.surprisal_variance += m.surprisal_variance;
        // The clipped residual `r̃ = clamp(z, ±c) √W`.
        let clipped = if m.variance > MIN_INFORMATION {
            let sd = m.variance.sqrt();
            (residual / sd).clamp(-RESIDUAL_CLIP, RESIDUAL_CLIP) * sd
        } else {
            0.0
        };
        record.r += clipped;
        record.r2 += clipped * clipped;
        record.w += m.variance;
        record.w2 += m.variance * m.variance;
        if let Some(&mode) = design.modal.get(response.item as usize) {
            if let Some(&pm) = p.get(usize::from(mode)) {
                modal_observed += f64::from(u8::from(x == usize::from(mode)));
                modal_expected += pm;
                modal_variance += pm * (1.0 - pm);
            }
        }
        let slot = *item_slot[response.item as usize].get_or_insert_with(|| {
            items.push(ItemSlopeTerms {
                item: response.item,
                ..Default::default()
            });
            items.len() - 1
        });
        items[slot].add(rest, clipped, m.variance);
    }
    if !rater.responses.is_empty() {
        close(&mut record, &mut segments);
    }
    let (slope_z, stretch_z) = one_step_z(&score, &information);
    items.sort_by_key(|s| s.item);
    Values {
        lz: standardized(surprisal, surprisal_variance),
        slope_z,
        stretch_z,
        halo: standardized(pair_sum, pairs),
        modal_z: standardized(modal_observed - modal_expected, modal_variance),
        modal_observed,
        modal_expected,
        responses: rater.responses.len(),
        item_slopes: items,
        change: change_point(&segments),
    }
}

/// `value / √variance` (NaN without variance).
fn standardized(value: f64, variance: f64) -> f64 {
    if variance > MIN_INFORMATION {
        value / variance.sqrt()
    } else {
        f64::NAN
    }
}

/// One Newton step from the Rasch values of `(α, αC, ω)`: `Δ = I⁻¹ U`; returns
/// `Δ_α / √(I⁻¹)_αα` and `Δ_ω / √(I⁻¹)_ωω`.
fn one_step_z(score: &Vector3<f64>, information: &Matrix3<f64>) -> (f64, f64) {
    let Some(inverse) = information.try_inverse() else {
        return (f64::NAN, f64::NAN);
    };
    let step = inverse * score;
    let z = |i: usize| {
        let v = inverse[(i, i)];
        if v > 0.0 {
            step[i] / v.sqrt()
        } else {
            f64::NAN
        }
    };
    (z(0), z(2))
}

/// The change point of the records' excess surprisals `(e_t, v_t)`. The test statistic: for each
/// split `k` with at least [`MIN_SEGMENT_RECORDS`] records on each side, `T_k = (A − (V_a / V_b)
/// B) / √(V_a + V_a² / V_b)` (`A, V_a` the sums from `k` on, `B, V_b` before `k`): the excess of
/// the later records over what the earlier ones predict, standardized under independence; the
/// largest `T_k` is the statistic. Where the segment starts: the split that minimises the
/// variance-weighted CUSUM `C_k = B − (V_b / V) E` (`E, V` the totals), the classic estimator of a
/// single change in mean (Page 1954), which unlike the standardized `T_k` is not drawn towards
/// the ends. Returns the statistic and that split; nothing when the records before the split are
/// already erratic (their standardized excess above [`CARELESS_PREFIX_MAX_Z`]): that rater is
/// erratic throughout, not careless from a point on.
fn change_point(segments: &[(f64, f64)]) -> Option<(f64, usize)> {
    let n = segments.len();
    if n < 2 * MIN_SEGMENT_RECORDS {
        return None;
    }
    let total: (f64, f64) = segments
        .iter()
        .fold((0.0, 0.0), |acc, s| (acc.0 + s.0, acc.1 + s.1));
    if total.1 <= MIN_INFORMATION {
        return None;
    }
    let mut before = (0.0, 0.0);
    let mut statistic: Option<f64> = None;
    let mut start: Option<(f64, usize, f64)> = None;
    for (k, segment) in segments
        .iter()
        .enumerate()
        .take(n - MIN_SEGMENT_RECORDS + 1)
    {
        if k >= MIN_SEGMENT_RECORDS && before.1 > MIN_INFORMATION {
            let after = (total.0 - before.0, total.1 - before.1);
            let ratio = after.1 / before.1;
            let variance = after.1 + after.1 * ratio;
            if variance > MIN_INFORMATION {
                let t = (after.0 - ratio * before.0) / variance.sqrt();
                statistic = Some(statistic.map_or(t, |s: f64| s.max(t)));
            }
            let cusum = before.0 - before.1 / total.1 * total.0;
            if start.is_none_or(|(c, _, _)| cusum < c) {
                start = Some((cusum, k, before.0 / before.1.sqrt()));
            }
        }
        before.0 += segment.0;
        before.1 += segment.1;
    }
    let (_, k, before_z) = start?;
    // A rater erratic from the start (a random responder) has no careless *segment*.
    if before_z > CARELESS_PREFIX_MAX_Z {
        return None;
    }
    Some((statistic?, k))
}

/// The model's moments of one response that the statistics use.
struct Moments {
    expected: f64,
    variance: f64,
    expected_phi: f64,
    var_phi: f64,
    cov_k_phi: f64,
    entropy: f64,
    surprisal_variance: f64,
}

impl Moments {
    /// From the category probabilities `p` and the cumulative thresholds `Φ`.
    fn of(p: &[f64], cumulative: &[f64]) -> Moments {
        let (mut e, mut e2, mut ephi, mut ephi2, mut ekphi, mut h, mut h2) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (k, (&pk, &phi)) in p.iter().zip(cumulative).enumerate() {
            if pk <= 0.0 {
                continue;
            }
            let k = k as f64;
            e += k * pk;
            e2 += k * k * pk;
            ephi += phi * pk;
            ephi2 += phi * phi * pk;
            ekphi += k * phi * pk;
            let l = pk.ln();
            h -= pk * l;
            h2 += pk * l * l;
        }
        Moments {
            expected: e,
            variance: (e2 - e * e).max(0.0),
            expected_phi: ephi,
            var_phi: (ephi2 - ephi * ephi).max(0.0),
            cov_k_phi: ekphi - e * ephi,
            entropy: h,
            surprisal_variance: (h2 - h * h).max(0.0),
        }
    }
}

/// `P(T > z)`: the one-sided `p` of a standardized statistic `z`.
///
/// The tail is Student's `t` with [`NULL_TAIL_DEGREES_OF_FREEDOM`] degrees of freedom, not the
/// normal: the statistics of a rater's 150-odd responses have somewhat heavier tails than a
/// normal with the bootstrap's mean and S.D. (measured on honest simulated raters: normal tails
/// flagged 8 of 595, this tail none, at the same recall of failing raters within 1%).
pub(super) fn upper_tail(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, NULL_TAIL_DEGREES_OF_FREEDOM) {
        Ok(t) => t.sf(z),
        Err(_) => 0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2),
    }
}

/// Degrees of freedom of the `t` tail of [`upper_tail`].
pub(super) const NULL_TAIL_DEGREES_OF_FREEDOM: f64 = 30.0;

/// The tests of one rater: each observed statistic against its bootstrap null, one
/// reversed-item test per item (`q` left at 1 for the false-discovery-rate pass).
pub(super) fn tests(observed: &Values, null: &Null) -> Vec<Test> {
    let mut tests = Vec::new();
    let oriented = observed.oriented();
    for (s, statistic) in SCALAR_STATISTICS.iter().enumerate() {
        if *statistic == Statistic::ModalLeaning {
            // The reversed item sits before modal leaning in [`Statistic`] order.
            tests.extend(
                observed
                    .oriented_items()
                    .iter()
                    .zip(&null.items)
                    .zip(&observed.item_slopes)
                    .filter(|(_, slope)| slope.w >= MIN_ITEM_INFORMATION)
                    .filter_map(|((&value, moments), slope)| {
                        let mut test = calibrated(Statistic::ReversedItem, value, moments)?;
                        test.item = Some(slope.item);
                        Some(test)
                    }),
            );
        }
        let Some(mut test) = calibrated(*statistic, oriented[s], &null.scalars[s]) else {
            continue;
        };
        if *statistic == Statistic::CarelessSegment {
            test.from_record = observed.change.map(|(_, k)| k + 1);
        }
        tests.push(test);
    }
    tests
}

/// A test of `value` against `null` (`None` when either is not finite or the null has no
/// spread).
fn calibrated(statistic: Statistic, value: f64, null: &Welford) -> Option<Test> {
    let (mean, sd) = (null.mean(), null.sd());
    if !(value.is_finite() && mean.is_finite() && sd.is_finite() && sd > MIN_NULL_SD) {
        return None;
    }
    let z = (value - mean) / sd;
    Some(Test {
        statistic,
        value,
        null_mean: mean,
        null_sd: sd,
        bootstrap_z: z,
        z,
        p: upper_tail(z),
        q: 1.0,
        item: None,
        from_record: None,
    })
}

/// Running mean and variance (Welford 1962) of the finite values added.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Welford {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Welford {
    /// Adds `x` (ignored when not finite).
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// The mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.mean
        }
    }

    /// The sample S.D. (NaN below two values).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt()
        }
    }
}
