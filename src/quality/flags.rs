//! Rater-quality flags: every flag states its rule and the numbers behind it.
//!
//! Default rules (all thresholds in [`FlagRules`], configurable per project):
//! - **Misfit** by Linacre's mean-square bands (Linacre 2002, RMT 16:2 p.878; Winsteps manual
//!   "Misfit diagnosis"): infit or outfit MnSq > 2.0 "distorting" (degrades measurement),
//!   1.5-2.0 "unproductive", < 0.5 "muted" (overfit: too predictable; not degrading, may inflate
//!   reliability). ZStd is reported beside each mean-square.
//! - **Too few responses** to judge fit (Linacre 1994: fewer than 10 is sparse): fewer objects
//!   rated than `min_objects`.
//! - **Straight-lining**: the same position on the scale (lowest, middle or highest category,
//!   relative to each item's range) in at least `straight_line_share` of the rater's responses.
//! - **Repeated answer vector**: the same vector of answers over the items on at least
//!   `repeated_vector_share` of the objects the rater rated.
//! - **Severity outlier**: severity more than `severity_outlier_mads` robust standard deviations
//!   (1.4826 x median absolute deviation) from the median severity of the facet.
//!
//! A flag's [`FlagLevel`] says what it recommends: `Exclude` (the default cleaning rule excludes
//! the rater) or `Review` (shown to the reviewer; not excluded automatically).

use crate::data::RatingData;
use crate::measure::{ElementStatistics, ElementStatus, Fit};
use crate::quality::diagnosis::{
    diagnose, Diagnosis, DiagnosisError, DiagnosisSettings, RaterDiagnosis, RecordOrder, Statistic,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Mean-square above which responses distort the measurement system (Linacre 2002).
pub const DISTORTING_MNSQ: f64 = 2.0;
/// Mean-square above which responses are unproductive for measurement (Linacre 2002).
pub const UNPRODUCTIVE_MNSQ: f64 = 1.5;
/// Mean-square below which responses are muted / overfit (Linacre 2002).
pub const MUTED_MNSQ: f64 = 0.5;
pub use crate::measure::statistics::{robust_location_scale, MAD_TO_SD};

/// What a flag recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlagLevel {
    /// Worth a look; not excluded by the default cleaning rule.
    Review,
    /// The default cleaning rule excludes the rater.
    Exclude,
}

/// The rules, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Infit or outfit mean-square above `distorting_mnsq`.
    Distorting,
    /// Infit or outfit mean-square above `unproductive_mnsq` (up to `distorting_mnsq`).
    Unproductive,
    /// Infit or outfit mean-square below `muted_mnsq` (overfit).
    Muted,
    /// Fewer objects rated than `min_objects`.
    TooFewResponses,
    /// The same relative scale position in at least `straight_line_share` of the responses.
    StraightLining,
    /// The same answer vector on at least `repeated_vector_share` of the complete objects.
    RepeatedVector,
    /// Severity more than `severity_outlier_mads` robust SDs from the facet's median, or an
    /// extreme score (severity off the scale).
    SeverityOutlier,
    /// Diagnosis: responses more surprising than the model allows (`l_z`).
    Erratic,
    /// Diagnosis: the rater's slope on the comments is below the model's.
    LowDiscrimination,
    /// Diagnosis: the middle categories take over (threshold stretch above 1).
    CentralTendency,
    /// Diagnosis: the extreme categories take over (threshold stretch below 1).
    ExtremeResponding,
    /// Diagnosis: the items of one record move together beyond the model.
    Halo,
    /// Diagnosis: one item's scale read backwards.
    ReversedItem,
    /// Diagnosis: each item's commonest answer more often than the model expects.
    ModalLeaning,
    /// Diagnosis: responses turn erratic from some record on.
    CarelessSegment,
}

impl Rule {
    /// Every rule, in reporting order: the classic ones, then the diagnosis's.
    pub const ALL: [Rule; 15] = {
        let mut all = [Rule::Distorting; 15];
        let mut i = 0;
        while i < Rule::CLASSIC.len() {
            all[i] = Rule::CLASSIC[i];
            i += 1;
        }
        while i < all.len() {
            all[i] = Rule::DIAGNOSIS[i - Rule::CLASSIC.len()];
            i += 1;
        }
        all
    };

    /// The rules of the classic flags ([`flag_elements`]).
    pub const CLASSIC: [Rule; 7] = [
        Rule::Distorting,
        Rule::Unproductive,
        Rule::Muted,
        Rule::TooFewResponses,
        Rule::StraightLining,
        Rule::RepeatedVector,
        Rule::SeverityOutlier,
    ];

    /// The rules the diagnosis raises (one per [`Statistic`]).
    pub const DIAGNOSIS: [Rule; 8] = [
        Rule::Erratic,
        Rule::LowDiscrimination,
        Rule::CentralTendency,
        Rule::ExtremeResponding,
        Rule::Halo,
        Rule::ReversedItem,
        Rule::ModalLeaning,
        Rule::CarelessSegment,
    ];

    /// The rule a diagnosis statistic raises.
    pub fn of_statistic(statistic: Statistic) -> Rule {
        match statistic {
            Statistic::Erratic => Rule::Erratic,
            Statistic::LowDiscrimination => Rule::LowDiscrimination,
            Statistic::CentralTendency => Rule::CentralTendency,
            Statistic::ExtremeResponding => Rule::ExtremeResponding,
            Statistic::Halo => Rule::Halo,
            Statistic::ReversedItem => Rule::ReversedItem,
            Statistic::ModalLeaning => Rule::ModalLeaning,
            Statistic::CarelessSegment => Rule::CarelessSegment,
        }
    }

    /// The rule's stable snake_case name (as in project files and JSON).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Distorting => "distorting",
            Rule::Unproductive => "unproductive",
            Rule::Muted => "muted",
            Rule::TooFewResponses => "too_few_responses",
            Rule::StraightLining => "straight_lining",
            Rule::RepeatedVector => "repeated_vector",
            Rule::SeverityOutlier => "severity_outlier",
            Rule::Erratic => "erratic",
            Rule::LowDiscrimination => "low_discrimination",
            Rule::CentralTendency => "central_tendency",
            Rule::ExtremeResponding => "extreme_responding",
            Rule::Halo => "halo",
            Rule::ReversedItem => "reversed_item",
            Rule::ModalLeaning => "modal_leaning",
            Rule::CarelessSegment => "careless_segment",
        }
    }

    /// The rule named `name` (as written by [`Rule::name`]).
    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// Thresholds of the flag rules and the level each rule raises (validated, linfa style).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlagRules {
    /// Mean-square above which a rater is distorting (default 2.0).
    pub distorting_mnsq: f64,
    /// Mean-square above which a rater is unproductive (default 1.5).
    pub unproductive_mnsq: f64,
    /// Mean-square below which a rater is muted (default 0.5).
    pub muted_mnsq: f64,
    /// Fewer objects rated than this: too few to judge.
    pub min_objects: usize,
    /// Share of responses at one relative scale position that counts as
    /// straight-lining (default 0.95).
    pub straight_line_share: f64,
    /// Share of complete objects with the same answer vector that counts as a repeated
    /// vector (default 0.9).
    pub repeated_vector_share: f64,
    /// Objects with a complete answer vector needed before the repeated-vector rule applies.
    pub min_vectors: usize,
    /// Robust SDs (1.4826 x MAD) from the median severity beyond which a rater is a
    /// severity outlier (default 4).
    pub severity_outlier_mads: f64,
    /// Rules whose flags recommend exclusion; the others recommend review.
    pub exclude: Vec<Rule>,
    /// The per-rater diagnosis and its calibrated flags.
    pub diagnosis: DiagnosisSettings,
}

impl Default for FlagRules {
    fn default() -> Self {
        FlagRules {
            distorting_mnsq: DISTORTING_MNSQ,
            unproductive_mnsq: UNPRODUCTIVE_MNSQ,
            muted_mnsq: MUTED_MNSQ,
            min_objects: 5,
            straight_line_share: 0.95,
            repeated_vector_share: 0.9,
            min_vectors: 4,
            severity_outlier_mads: 4.0,
            exclude: [Rule::Distorting, Rule::StraightLining, Rule::RepeatedVector]
                .into_iter()
                .chain(Rule::DIAGNOSIS)
                .collect(),
            diagnosis: DiagnosisSettings::default(),
        }
    }
}

/// The `diagnosis.` name of a diagnosis setting.
fn diagnosis_field(field: &'static str) -> &'static str {
    match field {
        "false_discovery_rate" => "diagnosis.false_discovery_rate",
        "replicates" => "diagnosis.replicates",
        "min_records" => "diagnosis.min_records",
        _ => "diagnosis",
    }
}

/// Standardized excess (`(observed − expected) / √Σ P(1 − P)`) of the responses at the modal
/// position that a straight-lining flag needs beyond the model's own expectation: a rater of
/// benign comments only who answers 0 everywhere does what the model expects.
pub const STRAIGHT_LINE_MIN_EXCESS_Z: f64 = 3.0;

/// An invalid rule setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("flag rule setting `{field}`: {reason}")]
pub struct FlagRulesError {
    /// The setting (or settings) at fault.
    pub field: &'static str,
    /// What the setting must satisfy.
    pub reason: String,
}

/// Linacre's mean-square bands ("Misfit diagnosis: infit outfit mean-square standardized"), at
/// the limits of a project's [`FlagRules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeanSquareBand {
    /// Below `muted_mnsq` (default 0.5): overfit, too predictable.
    Muted,
    /// Up to `unproductive_mnsq` (default 1.5): productive for measurement.
    Productive,
    /// Up to `distorting_mnsq` (default 2.0): unproductive, not degrading.
    Unproductive,
    /// Above `distorting_mnsq`: distorts the measurement system.
    Distorting,
}

impl FlagRules {
    /// The band of a mean-square under these rules (the limits the flags use: above
    /// `distorting_mnsq` distorting, above `unproductive_mnsq` unproductive, below
    /// `muted_mnsq` muted).
    pub fn band(&self, mean_square: f64) -> MeanSquareBand {
        if mean_square > self.distorting_mnsq {
            MeanSquareBand::Distorting
        } else if mean_square > self.unproductive_mnsq {
            MeanSquareBand::Unproductive
        } else if mean_square < self.muted_mnsq {
            MeanSquareBand::Muted
        } else {
            MeanSquareBand::Productive
        }
    }

    /// Checks that the limits are ordered and the shares are proportions.
    pub fn validate(&self) -> Result<(), FlagRulesError> {
        let bad = |field, reason: &str| {
            Err(FlagRulesError {
                field,
                reason: reason.to_string(),
            })
        };
        if !(self.muted_mnsq > 0.0
            && self.muted_mnsq < 1.0
            && self.unproductive_mnsq > 1.0
            && self.distorting_mnsq >= self.unproductive_mnsq)
        {
            return bad(
                "distorting_mnsq/unproductive_mnsq/muted_mnsq",
                "need 0 < muted < 1 < unproductive <= distorting",
            );
        }
        for (field, share) in [
            ("straight_line_share", self.straight_line_share),
            ("repeated_vector_share", self.repeated_vector_share),
        ] {
            if !(share > 0.5 && share <= 1.0) {
                return bad(field, "must lie in (0.5, 1]");
            }
        }
        if self.min_vectors < 2 {
            return bad("min_vectors", "must be at least 2");
        }
        if !(self.severity_outlier_mads.is_finite() && self.severity_outlier_mads > 0.0) {
            return bad("severity_outlier_mads", "must be a positive number");
        }
        self.diagnosis.validate().map_err(|e| match e {
            DiagnosisError::Settings { field, reason } => FlagRulesError {
                field: diagnosis_field(field),
                reason,
            },
            other => FlagRulesError {
                field: "diagnosis",
                reason: other.to_string(),
            },
        })
    }

    fn level(&self, rule: Rule) -> FlagLevel {
        if self.exclude.contains(&rule) {
            FlagLevel::Exclude
        } else {
            FlagLevel::Review
        }
    }
}

/// One flag on one element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Facet index in the data.
    pub facet: usize,
    /// The element's index in the facet.
    pub element: u32,
    /// The element's label.
    pub label: String,
    /// The rule that raised the flag.
    pub rule: Rule,
    /// What the flag recommends (exclusion or review).
    pub level: FlagLevel,
    /// The rule and the numbers, in words (`outfit MnSq 2.41 (ZStd 5.3) > 2.0`).
    pub message: String,
    /// The numbers behind the flag, by name.
    pub evidence: HashMap<String, f64>,
    /// For a diagnosis flag: the rater type in words ("reversed on `sentiment`", "careless from
    /// response 9").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rater_type: Option<String>,
}

/// Per element of a rater facet: how the responses use the scale (for straight-lining and
/// repeated vectors).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponsePattern {
    /// Responses of the element.
    pub responses: usize,
    /// Distinct objects it rated.
    pub objects: usize,
    /// Share of responses at the most used relative position.
    pub modal_position_share: f64,
    /// Which relative position that is (0 = lowest, 1 = highest).
    pub modal_position: f64,
    /// Objects rated on every item the rater used, and the share of them with the most frequent
    /// answer vector.
    pub complete_vectors: usize,
    /// The share of those objects with the most frequent answer vector.
    pub modal_vector_share: f64,
    /// With a fit: the model's expected share of responses at the modal position, and the
    /// observed excess over it standardized, `(observed − Σ P) / √Σ P (1 − P)`.
    pub expected_position: Option<(f64, f64)>,
}

/// Relative position of a score on its item's range: (x - min) / (max - min), in 1/1000ths so
/// that equal positions compare equal.
fn relative_position(score: i32, min: i32, max: i32) -> u32 {
    if max <= min {
        return 0;
    }
    ((score - min) as f64 / (max - min) as f64 * 1000.0).round() as u32
}

/// Response patterns of every element of facet `facet`.
pub fn response_patterns(data: &RatingData, facet: usize) -> Vec<ResponsePattern> {
    let n_elements = data.facets[facet].len();
    let n_items = data.items().len();
    // Per element: counts per relative position, and per object the answer vector.
    let mut positions: Vec<HashMap<u32, usize>> = vec![HashMap::new(); n_elements];
    let mut vectors: Vec<HashMap<u32, Vec<i32>>> = vec![HashMap::new(); n_elements];
    let mut responses = vec![0usize; n_elements];
    for n in 0..data.len() {
        let e = data.elements[facet][n] as usize;
        let item = data.elements[data.item_facet][n] as usize;
        let scale = &data.item_scales[item];
        *positions[e]
            .entry(relative_position(
                data.scores[n],
                scale.min_score,
                scale.max_score,
            ))
            .or_default() += 1;
        responses[e] += 1;
        let object = data.elements[data.object_facet][n];
        let vector = vectors[e]
            .entry(object)
            .or_insert_with(|| vec![i32::MIN; n_items]);
        vector[item] = data.scores[n];
    }
    (0..n_elements)
        .map(|e| {
            let (modal_position, modal_count) = positions[e]
                .iter()
                .max_by_key(|(p, c)| (**c, std::cmp::Reverse(**p)))
                .map(|(p, c)| (*p as f64 / 1000.0, *c))
                .unwrap_or((0.0, 0));
            let mut vector_counts: HashMap<&Vec<i32>, usize> = HashMap::new();
            // Complete: the object has an answer on every item this rater answers anywhere.
            let used_items: Vec<usize> = (0..n_items)
                .filter(|&i| vectors[e].values().any(|v| v[i] != i32::MIN))
                .collect();
            let mut complete = 0;
            for v in vectors[e].values() {
                if used_items.iter().all(|&i| v[i] != i32::MIN) {
                    complete += 1;
                    *vector_counts.entry(v).or_default() += 1;
                }
            }
            let modal_vector = vector_counts.values().copied().max().unwrap_or(0);
            ResponsePattern {
                responses: responses[e],
                objects: vectors[e].len(),
                modal_position_share: if responses[e] > 0 {
                    modal_count as f64 / responses[e] as f64
                } else {
                    0.0
                },
                modal_position,
                complete_vectors: complete,
                modal_vector_share: if complete > 0 {
                    modal_vector as f64 / complete as f64
                } else {
                    0.0
                },
                expected_position: None,
            }
        })
        .collect()
}

/// Sets every pattern's [`ResponsePattern::expected_position`] from `fit`: per response of the
/// rater, the model's probability of the score at the rater's modal relative position. A rater
/// with an extreme score (all responses in one end category) has no finite severity to expect
/// anything from, so it is given the facet's median severity: the question is then whether a
/// typical rater would answer these comments the same way.
pub fn expect_positions(
    data: &RatingData,
    fit: &Fit,
    facet: usize,
    patterns: &mut [ResponsePattern],
) {
    let raters = &fit.facets[facet];
    let measured: Vec<f64> = raters
        .elements
        .iter()
        .filter(|e| e.status == ElementStatus::Measured)
        .map(|e| e.measure)
        .collect();
    let typical = robust_location_scale(&measured).map_or(0.0, |(centre, _)| centre);
    let sign = if raters.positive { 1.0 } else { -1.0 };
    let mut sums = vec![(0.0, 0.0, 0usize); patterns.len()];
    let mut probabilities = Vec::new();
    for n in 0..data.len() {
        let e = data.elements[facet][n] as usize;
        let Some(pattern) = patterns.get(e) else {
            continue;
        };
        let Some(location) = fit.locate(data, n) else {
            continue;
        };
        let eta = match raters.elements.get(e) {
            Some(rater) if matches!(rater.status, ElementStatus::Extreme(_)) => {
                location.eta + sign * (typical - rater.measure)
            }
            _ => location.eta,
        };
        let item = data.elements[data.item_facet][n] as usize;
        let scale = &data.item_scales[item];
        let position = (pattern.modal_position * 1000.0).round() as u32;
        let score = (scale.min_score..=scale.max_score)
            .find(|&x| relative_position(x, scale.min_score, scale.max_score) == position);
        let thresholds = location.scale.thresholds();
        probabilities.resize(thresholds.len() + 1, 0.0);
        crate::measure::model::category_probabilities(eta, &thresholds, &mut probabilities);
        let p = score
            .and_then(|x| location.scale.categories.iter().position(|c| c.score == x))
            .and_then(|k| probabilities.get(k).copied())
            .unwrap_or(0.0);
        sums[e].0 += p;
        sums[e].1 += p * (1.0 - p);
        sums[e].2 += 1;
    }
    for (pattern, (expected, variance, count)) in patterns.iter_mut().zip(sums) {
        if count == 0 {
            continue;
        }
        let observed = pattern.modal_position_share * count as f64;
        let z = if variance > 0.0 {
            (observed - expected) / variance.sqrt()
        } else if observed > expected + 0.5 {
            f64::INFINITY
        } else {
            0.0
        };
        pattern.expected_position = Some((expected / count as f64, z));
    }
}

fn evidence(pairs: &[(&str, f64)]) -> HashMap<String, f64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// A rule's finding on one rater: the rule, its message and the numbers behind it.
type Finding = (Rule, String, HashMap<String, f64>);

/// Applies `rules` to every element of rater facet `facet` of a fit.
pub fn flag_elements(data: &RatingData, fit: &Fit, facet: usize, rules: &FlagRules) -> Vec<Flag> {
    let mut patterns = response_patterns(data, facet);
    expect_positions(data, fit, facet, &mut patterns);
    let measures = &fit.facets[facet];
    let measured: Vec<f64> = measures
        .elements
        .iter()
        .filter(|e| e.status == ElementStatus::Measured)
        .map(|e| e.measure)
        .collect();
    let spread = robust_location_scale(&measured);
    let mut flags = Vec::new();
    for (e, stats) in measures.elements.iter().enumerate() {
        let pattern = &patterns[e];
        if pattern.responses == 0 {
            continue;
        }
        let mut findings: Vec<Finding> = [
            misfit(stats, rules),
            too_few_responses(pattern, rules),
            straight_lining(pattern, rules),
            repeated_vector(pattern, rules),
            severity_outlier(stats, spread, rules),
        ]
        .into_iter()
        .flatten()
        .collect();
        if findings.iter().all(|f| f.0 != Rule::SeverityOutlier) {
            findings.extend(extreme_severity(stats));
        }
        for (rule, message, evidence) in findings {
            flags.push(Flag {
                facet,
                element: e as u32,
                label: stats.label.clone(),
                rule,
                level: rules.level(rule),
                message,
                evidence,
                rater_type: None,
            });
        }
    }
    flags
}

/// Everything the flag rules find on a run's rater facet: the classic flags (mean-square
/// bands, straight-lining, repeated vectors, severity) and, when the rules enable it, the
/// diagnosis with its calibrated flags (one per finding), each rater's records in session
/// `order` when given (the store's file order, [`crate::store::Project::record_order`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Every flag, classic first, then the diagnosis's by rater.
    pub flags: Vec<Flag>,
    /// The diagnosis (`None` when the rules disable it).
    pub diagnosis: Option<Diagnosis>,
}

/// Applies `rules` to rater facet `facet` of a fit: [`flag_elements`] and, when enabled, the
/// diagnosis ([`crate::quality::diagnosis`]), whose findings become flags.
pub fn assess(
    data: &RatingData,
    fit: &Fit,
    facet: usize,
    rules: &FlagRules,
    order: Option<&RecordOrder>,
) -> Result<Assessment, DiagnosisError> {
    let mut flags = flag_elements(data, fit, facet, rules);
    let diagnosis = if rules.diagnosis.enabled {
        Some(diagnose(data, fit, facet, &rules.diagnosis, order)?)
    } else {
        None
    };
    if let Some(diagnosis) = &diagnosis {
        for rater in &diagnosis.raters {
            flags.extend(diagnosis_flags(rater, diagnosis, rules));
        }
    }
    Ok(Assessment { flags, diagnosis })
}

/// The diagnosis flags (those with a rater type) by `(facet, element)`, each rater's most
/// significant first (ascending `q`; ties in stored order): what the figure, the report and the
/// export show of a rater.
pub fn diagnosis_findings(flags: &[Flag]) -> std::collections::BTreeMap<(usize, u32), Vec<&Flag>> {
    let mut by_rater: std::collections::BTreeMap<(usize, u32), Vec<&Flag>> = Default::default();
    for flag in flags.iter().filter(|f| f.rater_type.is_some()) {
        by_rater
            .entry((flag.facet, flag.element))
            .or_default()
            .push(flag);
    }
    let q = |f: &Flag| f.evidence.get("q").copied().unwrap_or(1.0);
    for list in by_rater.values_mut() {
        list.sort_by(|a, b| q(a).total_cmp(&q(b)));
    }
    by_rater
}

/// The flags of one rater's findings.
fn diagnosis_flags(rater: &RaterDiagnosis, diagnosis: &Diagnosis, rules: &FlagRules) -> Vec<Flag> {
    let level = diagnosis.settings.false_discovery_rate;
    rater
        .findings(level)
        .into_iter()
        .zip(&rater.types)
        .map(|(test, words)| {
            let rule = Rule::of_statistic(test.statistic);
            let mut numbers = vec![
                ("statistic", test.value),
                ("z", test.z),
                ("p", test.p),
                ("q", test.q),
            ];
            if let Some(g) = &rater.generalized {
                numbers.extend([
                    ("discrimination", g.discrimination),
                    ("discrimination_se", g.discrimination_se),
                    ("stretch", g.stretch),
                    ("stretch_se", g.stretch_se),
                ]);
            }
            if let Some(item) = test.item {
                numbers.push(("item", f64::from(item)));
            }
            if let Some(record) = test.from_record {
                numbers.push(("from_record", record as f64));
            }
            if let Some(effect) = &rater.exclusion {
                numbers.extend([
                    ("exclusion_mean_shift", effect.mean_absolute_shift),
                    ("exclusion_reliability", effect.reliability_after),
                ]);
            }
            Flag {
                facet: rater.facet,
                element: rater.element,
                label: rater.label.clone(),
                rule,
                level: rules.level(rule),
                message: format!(
                    "{words} (z {:.1}, p {:.1e}, q {:.3} <= {level})",
                    test.z, test.p, test.q
                ),
                evidence: evidence(&numbers),
                rater_type: Some(words.clone()),
            }
        })
        .collect()
}

/// Misfit (Linacre's mean-square bands): the worse of infit and outfit decides the band,
/// distorting above `distorting_mnsq`, unproductive above `unproductive_mnsq`, muted below
/// `muted_mnsq`.
fn misfit(stats: &ElementStatistics, rules: &FlagRules) -> Option<Finding> {
    let (infit, outfit) = (stats.infit?, stats.outfit?);
    let (worst_name, worst, zstd) = if (outfit - 1.0).abs() >= (infit - 1.0).abs() {
        ("outfit", outfit, stats.outfit_zstd.unwrap_or(f64::NAN))
    } else {
        ("infit", infit, stats.infit_zstd.unwrap_or(f64::NAN))
    };
    let numbers = evidence(&[
        ("infit", infit),
        ("infit_zstd", stats.infit_zstd.unwrap_or(f64::NAN)),
        ("outfit", outfit),
        ("outfit_zstd", stats.outfit_zstd.unwrap_or(f64::NAN)),
    ]);
    let high = infit.max(outfit);
    if high > rules.distorting_mnsq {
        Some((
            Rule::Distorting,
            format!("{worst_name} MnSq {worst:.2} (ZStd {zstd:.1}) > {:.1}: distorts the measurement system", rules.distorting_mnsq),
            numbers,
        ))
    } else if high > rules.unproductive_mnsq {
        Some((
            Rule::Unproductive,
            format!("{worst_name} MnSq {worst:.2} (ZStd {zstd:.1}) in {:.1}-{:.1}: unproductive for measurement", rules.unproductive_mnsq, rules.distorting_mnsq),
            numbers,
        ))
    } else if infit.min(outfit) < rules.muted_mnsq {
        Some((
            Rule::Muted,
            format!("{worst_name} MnSq {worst:.2} (ZStd {zstd:.1}) < {:.1}: muted, too predictable (overfit)", rules.muted_mnsq),
            numbers,
        ))
    } else {
        None
    }
}

/// Too few objects rated to judge the rater.
fn too_few_responses(pattern: &ResponsePattern, rules: &FlagRules) -> Option<Finding> {
    (pattern.objects < rules.min_objects).then(|| {
        (
            Rule::TooFewResponses,
            format!(
                "{} object(s) rated < {}: too few to judge",
                pattern.objects, rules.min_objects
            ),
            evidence(&[
                ("objects", pattern.objects as f64),
                ("responses", pattern.responses as f64),
            ]),
        )
    })
}

/// Straight-lining: a large share of the responses at the same position of each item's range.
fn straight_lining(pattern: &ResponsePattern, rules: &FlagRules) -> Option<Finding> {
    if pattern.modal_position_share < rules.straight_line_share || pattern.objects < 2 {
        return None;
    }
    if let Some((_, z)) = pattern.expected_position {
        if z < STRAIGHT_LINE_MIN_EXCESS_Z {
            return None;
        }
    }
    let position = match pattern.modal_position {
        p if p <= 0.0 => "the lowest category".to_string(),
        p if p >= 1.0 => "the highest category".to_string(),
        p => format!("position {p:.2} of each item's range"),
    };
    let mut numbers = evidence(&[
        ("share", pattern.modal_position_share),
        ("position", pattern.modal_position),
        ("responses", pattern.responses as f64),
    ]);
    let expected = match pattern.expected_position {
        Some((share, _)) => {
            numbers.insert("expected_share".into(), share);
            format!("; the model expects {:.0}%", 100.0 * share)
        }
        None => String::new(),
    };
    Some((
        Rule::StraightLining,
        format!(
            "{:.0}% of {} responses at {position} (>= {:.0}%){expected}",
            100.0 * pattern.modal_position_share,
            pattern.responses,
            100.0 * rules.straight_line_share
        ),
        numbers,
    ))
}

/// A repeated response vector: the same answers to every item on a large share of the objects.
fn repeated_vector(pattern: &ResponsePattern, rules: &FlagRules) -> Option<Finding> {
    (pattern.complete_vectors >= rules.min_vectors
        && pattern.modal_vector_share >= rules.repeated_vector_share)
        .then(|| {
            (
                Rule::RepeatedVector,
                format!(
                    "the same answers to every item on {:.0}% of {} objects (>= {:.0}%)",
                    100.0 * pattern.modal_vector_share,
                    pattern.complete_vectors,
                    100.0 * rules.repeated_vector_share
                ),
                evidence(&[
                    ("share", pattern.modal_vector_share),
                    ("objects", pattern.complete_vectors as f64),
                ]),
            )
        })
}

/// A severity outlier: a measured rater's severity more than `severity_outlier_mads` robust
/// S.D.s (`spread`: median and 1.4826 x MAD of the measured severities) from the median.
fn severity_outlier(
    stats: &ElementStatistics,
    spread: Option<(f64, f64)>,
    rules: &FlagRules,
) -> Option<Finding> {
    let (Some((center, sd)), ElementStatus::Measured) = (spread, stats.status) else {
        return None;
    };
    (sd > 0.0 && (stats.measure - center).abs() > rules.severity_outlier_mads * sd).then(|| {
        (
            Rule::SeverityOutlier,
            format!(
                "severity {:.2} is {:.1} robust S.D. from the median {:.2} (> {:.1})",
                stats.measure,
                (stats.measure - center).abs() / sd,
                center,
                rules.severity_outlier_mads
            ),
            evidence(&[
                ("measure", stats.measure),
                ("median", center),
                ("robust_sd", sd),
            ]),
        )
    })
}

/// An extreme rater: no fit statistics, and its severity is off the scale.
fn extreme_severity(stats: &ElementStatistics) -> Option<Finding> {
    let ElementStatus::Extreme(side) = stats.status else {
        return None;
    };
    let word = side.as_str();
    Some((
        Rule::SeverityOutlier,
        format!(
            "extreme ({word}) score on every response: severity off the scale ({:.2})",
            stats.measure
        ),
        evidence(&[("measure", stats.measure)]),
    ))
}
