//! The per-rater diagnosis: what each rater does wrong, in the field's words, with calibrated
//! flags.
//!
//! Fitted on top of a run: the run's measures (comments, items, thresholds, other facets) are
//! held fixed, and every rater gets its own small analysis (in parallel):
//!
//! - **Erratic responses**: the person-fit statistic `l_z` of Drasgow, Levine & Williams (1985),
//!   the standardized surprisal `Σ (−ln P_x − H) / √Σ V` (`H = −Σ P ln P` the entropy of the
//!   response's categories, `V = Σ P (ln P)² − H²` its variance).
//! - **Discrimination and threshold stretch**: the rater's generalized model (Uto & Ueno 2020's
//!   rater slope `α`; Jin & Wang 2018's threshold scale `ω`):
//!   `ln(P_k / P_{k−1}) = α (η_n − D_i) − α C_j − ω F_{i,k}`, Rasch at `α = ω = 1`. Low `α` is
//!   *low discrimination*, `ω > 1` *central tendency* (the middle categories take over),
//!   `ω < 1` *extreme responding*. Tested by the one-step (Newton from the Rasch values)
//!   estimate divided by its S.E.; the maximum-likelihood values with S.E.s are reported.
//! - **Halo**: the residual products over the pairs of items of one record (a comment rated by
//!   the rater), standardized under local independence, `h = Σ r_i r_{i'} / √Σ W_i W_{i'}`
//!   (`E r_i r_{i'} = 0`, `Var = W_i W_{i'}`), clipped at ±3 per record and summed over the
//!   records, `Σ clamp(h, ±3) / √records`.
//!
//! Residuals enter the halo and slope statistics clipped at 3 S.D.s (`r̃ = clamp(z, ±3) √W`,
//! Huber's bounded influence) and excess surprisals at 5 nats, so that one answer the model made
//! very improbable cannot rule a statistic whose null the bootstrap describes by a mean and S.D.
//! - **A reversed item**: per item, the rater's slope on the comment measures
//!   `b_ji = 1 + U_ji / I_ji` (score `U = Σ (x − E)(η − η̄)`, information `I = Σ W (η − η̄)²`,
//!   `η̄` the W-weighted mean): a reversed item has a large *negative* slope (Bonferroni over the
//!   rater's items).
//! - **Modal leaning**: responses in each item's commonest category against the model's
//!   expectation, `Σ (1[x = mode_i] − P_mode) / √Σ P_mode (1 − P_mode)`.
//! - **Careless segment**: a change point along the rater's records in session order (the file
//!   order, [`RecordOrder`]): the largest standardized excess surprisal of the records from `k`
//!   on over what the records before `k` predict; the start located by a CUSUM.
//!
//! **Calibration**: each statistic's null distribution comes from the fitted model on the rater's
//! own design (a parametric bootstrap: the same comments and items, responses redrawn from the
//! model at the comments' regressed measures, the comment measures and the rater's severity
//! re-estimated by one Newton step as the run would, the other raters' share of the comment's
//! score as noise with their observed residual variance). The replicates give the null mean and
//! S.D. and a bootstrap `z`; the empirical null of all raters' `z` (Efron 2004; only ever more
//! conservative) re-centres and re-scales it; `p` is the `t(30)` upper tail; a rater's tests are
//! Bonferroni-combined and Benjamini & Hochberg (1995) control the false discovery rate over the
//! raters at [`DiagnosisSettings::false_discovery_rate`].
//!
//! Severity is reported, never flagged: it is what the model removes.

mod bootstrap;
mod design;
mod exclusion;
mod fdr;
mod generalized;
mod statistics;
#[cfg(test)]
mod tests;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::RatingData;
use crate::measure::Fit;

pub use exclusion::ExclusionEffect;
pub use fdr::benjamini_hochberg;
pub use generalized::GeneralizedEstimates;

/// Replicates of the parametric bootstrap per rater by default.
pub const DEFAULT_REPLICATES: usize = 40;
/// Default false discovery rate of the flags.
pub const DEFAULT_FALSE_DISCOVERY_RATE: f64 = 0.05;
/// Records (comments rated) a rater needs before it is diagnosed.
pub const DEFAULT_MIN_RECORDS: usize = 5;
/// Seed of the bootstrap by default.
pub const DEFAULT_SEED: u64 = 20_201_009;
/// Fewest replicates that estimate a null mean and S.D.
pub const MIN_REPLICATES: usize = 10;

/// Settings of the diagnosis (validated, linfa style).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiagnosisSettings {
    /// Whether flagging runs the diagnosis (default true).
    pub enabled: bool,
    /// The false discovery rate controlled over every test (default 0.05).
    pub false_discovery_rate: f64,
    /// Bootstrap replicates per rater (default 40).
    pub replicates: usize,
    /// Seed of the bootstrap (the diagnosis is deterministic in it).
    pub seed: u64,
    /// Records a rater needs to be diagnosed (default 5).
    pub min_records: usize,
}

impl Default for DiagnosisSettings {
    fn default() -> Self {
        DiagnosisSettings {
            enabled: true,
            false_discovery_rate: DEFAULT_FALSE_DISCOVERY_RATE,
            replicates: DEFAULT_REPLICATES,
            seed: DEFAULT_SEED,
            min_records: DEFAULT_MIN_RECORDS,
        }
    }
}

/// Why the diagnosis could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiagnosisError {
    /// A setting is out of range.
    #[error("diagnosis setting `{field}`: {reason}")]
    Settings {
        /// The setting.
        field: &'static str,
        /// What it must satisfy.
        reason: String,
    },
    /// The facet is not a facet of the data or of the fit.
    #[error("facet {facet} is not a facet of the run (it has {facets})")]
    NoFacet {
        /// The facet asked for.
        facet: usize,
        /// The run's number of facets.
        facets: usize,
    },
}

impl DiagnosisSettings {
    /// Checks every setting; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DiagnosisError> {
        let bad = |field, reason: String| Err(DiagnosisError::Settings { field, reason });
        if !(self.false_discovery_rate > 0.0 && self.false_discovery_rate < 1.0) {
            return bad(
                "false_discovery_rate",
                format!("must lie in (0, 1), got {}", self.false_discovery_rate),
            );
        }
        if self.replicates < MIN_REPLICATES {
            return bad(
                "replicates",
                format!(
                    "must be at least {MIN_REPLICATES} to estimate a null distribution, got {}",
                    self.replicates
                ),
            );
        }
        if self.min_records < 2 {
            return bad(
                "min_records",
                format!("must be at least 2, got {}", self.min_records),
            );
        }
        Ok(())
    }
}

crate::options::named_enum!(
    /// What a test looks for (each one statistic of [`RaterDiagnosis`]).
    pub enum Statistic, "statistic" {
        /// Person misfit `l_z`: responses more surprising than the model allows.
        Erratic = "erratic",
        /// Rater slope `α` below 1.
        LowDiscrimination = "low_discrimination",
        /// Threshold stretch `ω` above 1: the middle categories.
        CentralTendency = "central_tendency",
        /// Threshold stretch `ω` below 1: the extreme categories.
        ExtremeResponding = "extreme_responding",
        /// Items of one record move together beyond the model.
        Halo = "halo",
        /// One item's scale read backwards.
        ReversedItem = "reversed_item",
        /// Each item's commonest answer more often than expected.
        ModalLeaning = "modal_leaning",
        /// Responses turn erratic from some record on.
        CarelessSegment = "careless_segment",
    }
);

impl Statistic {
    /// The statistic's rater type in the field's words (without its item or record).
    pub fn words(self) -> &'static str {
        match self {
            Statistic::Erratic => "erratic responses",
            Statistic::LowDiscrimination => "low discrimination",
            Statistic::CentralTendency => "central tendency",
            Statistic::ExtremeResponding => "extreme responding",
            Statistic::Halo => "halo",
            Statistic::ReversedItem => "reversed item",
            Statistic::ModalLeaning => "modal leaning",
            Statistic::CarelessSegment => "careless segment",
        }
    }
}

/// One calibrated test of one rater.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Test {
    /// What the test looks for.
    pub statistic: Statistic,
    /// The observed statistic, oriented so that large values mean the failing behaviour.
    pub value: f64,
    /// Mean of the statistic over the bootstrap replicates.
    pub null_mean: f64,
    /// S.D. of the statistic over the bootstrap replicates.
    pub null_sd: f64,
    /// `(value − null_mean) / null_sd`, against the rater's own bootstrap.
    pub bootstrap_z: f64,
    /// `bootstrap_z` against the empirical null of every rater's (Efron 2004): `(z − median) /
    /// (1.4826 MAD)`.
    pub z: f64,
    /// One-sided `p` (the `t(30)` upper tail of `z`; Bonferroni over items for a reversed
    /// item).
    pub p: f64,
    /// Benjamini-Hochberg `q` over the raters, each rater's tests Bonferroni-combined (see the
    /// module notes).
    pub q: f64,
    /// For a reversed item: the item (element of the item facet).
    pub item: Option<u32>,
    /// For a careless segment: the 1-based record (in session order) the segment starts at.
    pub from_record: Option<usize>,
}

/// One item's slope of one rater (see the module notes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSlope {
    /// The item (element of the item facet).
    pub item: u32,
    /// The item's label.
    pub label: String,
    /// Responses of the rater to the item.
    pub responses: usize,
    /// One-step slope `1 + U / I` on the comment measures (1 under the model).
    pub slope: Option<f64>,
    /// S.E. of the slope, `1 / √I`.
    pub se: Option<f64>,
}

/// The diagnosis of one rater.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaterDiagnosis {
    /// The rater facet.
    pub facet: usize,
    /// The rater, by element index.
    pub element: u32,
    /// The rater's label.
    pub label: String,
    /// Records (objects rated).
    pub records: usize,
    /// Responses.
    pub responses: usize,
    /// The run's severity (never flagged).
    pub severity: f64,
    /// The rater's generalized-model estimates (`None` when they do not converge, e.g. a
    /// straight-liner).
    pub generalized: Option<GeneralizedEstimates>,
    /// The halo statistic: standardized residual products over the item pairs of a record
    /// (0 under the model, S.D. about 1).
    pub halo: f64,
    /// Observed share of responses in each item's commonest category.
    pub modal_share: f64,
    /// The model's expected share there.
    pub modal_expected: f64,
    /// Per item the rater answered: its slope.
    pub item_slopes: Vec<ItemSlope>,
    /// Every test, in [`Statistic`] order.
    pub tests: Vec<Test>,
    /// What excluding the rater would change (flagged raters).
    pub exclusion: Option<ExclusionEffect>,
    /// The rater's types in words at the settings' false discovery rate, one per finding in
    /// [`RaterDiagnosis::findings`] order ("central tendency", "reversed on `sentiment`",
    /// "careless from response 9").
    pub types: Vec<String>,
}

impl RaterDiagnosis {
    /// The tests whose `q` reaches the false discovery rate `level`, most significant first.
    pub fn findings(&self, level: f64) -> Vec<&Test> {
        let mut found: Vec<&Test> = self.tests.iter().filter(|t| t.q <= level).collect();
        found.sort_by(|a, b| a.q.total_cmp(&b.q).then(b.z.total_cmp(&a.z)));
        found
    }
}

/// A finding's rater type in words.
pub fn type_words(test: &Test, item_label: &dyn Fn(u32) -> String) -> String {
    match (test.statistic, test.item, test.from_record) {
        (Statistic::ReversedItem, Some(item), _) => format!("reversed on `{}`", item_label(item)),
        (Statistic::CarelessSegment, _, Some(record)) => format!("careless from response {record}"),
        (statistic, _, _) => statistic.words().to_string(),
    }
}

/// The diagnosis of every rater of one facet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The rater facet.
    pub facet: usize,
    /// The settings it ran with.
    pub settings: DiagnosisSettings,
    /// Raters with at least `min_records` records, in element order.
    pub raters: Vec<RaterDiagnosis>,
    /// Raters left out for too few records.
    pub too_few_records: usize,
    /// Raters in the false-discovery-rate family (raters with at least one test).
    pub tested: usize,
    /// Object (comment) separation reliability of the run.
    pub object_reliability: Option<f64>,
}

impl Diagnosis {
    /// Raters with at least one finding at the settings' false discovery rate.
    pub fn flagged(&self) -> impl Iterator<Item = &RaterDiagnosis> {
        let level = self.settings.false_discovery_rate;
        self.raters
            .iter()
            .filter(move |r| !r.findings(level).is_empty())
    }
}

/// The session order of records: per `(rater element, object element)` a sort key (the store's
/// dataset and source row of the record's first response: the file order). Without it, records
/// are in data order.
pub type RecordOrder = std::collections::HashMap<(u32, u32), u64>;

/// Diagnoses every rater of facet `facet` of `fit` (fitted to `data`), each rater's records in
/// session `order` when given.
pub fn diagnose(
    data: &RatingData,
    fit: &Fit,
    facet: usize,
    settings: &DiagnosisSettings,
    order: Option<&RecordOrder>,
) -> Result<Diagnosis, DiagnosisError> {
    settings.validate()?;
    if facet >= data.facets.len() || facet >= fit.facets.len() {
        return Err(DiagnosisError::NoFacet {
            facet,
            facets: fit.facets.len().min(data.facets.len()),
        });
    }
    let design = design::Design::build(data, fit, facet, order);
    let (eligible, too_few): (Vec<_>, Vec<_>) = design
        .raters
        .iter()
        .partition(|r| r.records.len() >= settings.min_records);
    let mut raters: Vec<RaterDiagnosis> = eligible
        .par_iter()
        .map(|rater| diagnose_rater(&design, rater, settings))
        .collect();
    fdr::empirical_null(&mut raters);
    let tested = fdr::assign_q(&mut raters);
    let level = settings.false_discovery_rate;
    let reliability = exclusion::Reliability::of(&design);
    let item_label = |item: u32| design.item_label(item);
    for (diagnosis, rater) in raters.iter_mut().zip(&eligible) {
        diagnosis.types = diagnosis
            .findings(level)
            .into_iter()
            .map(|t| type_words(t, &item_label))
            .collect();
        if !diagnosis.types.is_empty() {
            diagnosis.exclusion = reliability
                .as_ref()
                .map(|r| exclusion::effect(&design, rater, r));
        }
    }
    Ok(Diagnosis {
        facet,
        settings: settings.clone(),
        raters,
        too_few_records: too_few.len(),
        tested,
        object_reliability: reliability.map(|r| r.value()),
    })
}

/// One rater: the observed statistics, the bootstrap's null, and the tests (without `q`).
fn diagnose_rater(
    design: &design::Design,
    rater: &design::RaterDesign,
    settings: &DiagnosisSettings,
) -> RaterDiagnosis {
    let observed = statistics::evaluate(design, rater, &statistics::Draw::observed(rater));
    let null = bootstrap::null_distribution(design, rater, settings);
    let tests = statistics::tests(&observed, &null);
    let item_slopes = observed
        .item_slopes
        .iter()
        .map(|s| ItemSlope {
            item: s.item,
            label: design.item_label(s.item),
            responses: s.responses,
            slope: s.slope(),
            se: s.se(),
        })
        .collect();
    RaterDiagnosis {
        facet: design.facet,
        element: rater.element,
        label: rater.label.clone(),
        records: rater.records.len(),
        responses: rater.responses.len(),
        severity: rater.severity,
        generalized: generalized::estimate(design, rater),
        halo: observed.halo,
        modal_share: observed.modal_share(),
        modal_expected: observed.modal_expected(),
        item_slopes,
        tests,
        exclusion: None,
        types: Vec::new(),
    }
}
