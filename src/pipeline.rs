//! The pipeline's steps over a project, as every front end (command line, workbench, batch
//! pipeline) calls them. Each step reads from the project, runs a library stage, and stores the
//! result in one transaction; none prints or draws.
//!
//! - [`fit_project`]: loads the observations in force (exclusions masked), checks that the rating
//!   network is connected (refusing, or fitting with the subsets recorded, as asked), fits, and
//!   stores the run.
//! - [`read_anchor_file`], [`anchors_from_run`]: fix measures and thresholds to score new data on
//!   an existing scale.

use crate::data::{FacetRole, RatingData};
use crate::measure::{
    self, Anchors, ElementAnchor, ElementStatus, Fit, FitObserver, FitOptions, MeasureError,
    ScaleAnchor,
};
use crate::network::{connectedness, Connectedness};
use crate::store::{now_rfc3339, Project, StoreError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why a pipeline step failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Measure(#[from] MeasureError),
    #[error("the project has no observations to fit (import data first)")]
    NoData,
    #[error("the rating network is disconnected: {}; measures in different subsets are not comparable. Link the subsets (anchor elements, add linking ratings) or fit anyway with --allow-disconnected", describe_disconnection(.0))]
    Disconnected(Box<Connectedness>),
    #[error("run {run_id} was fitted on other observations than those in force now (decisions changed since); fit again first")]
    StaleRun { run_id: i64 },
    #[error("bias term: {0}")]
    UnknownTerm(String),
    #[error("the project has no rater facet to review")]
    NoRaterFacet,
    #[error("anchor file {}: {message}", path.display())]
    AnchorFile { path: PathBuf, message: String },
}

fn describe_disconnection(c: &Connectedness) -> String {
    c.disconnected_pairs()
        .map(|p| {
            format!(
                "{} x {} split into {} subsets",
                p.first_facet,
                p.second_facet,
                p.subsets.len()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What to fit and how.
#[derive(Debug, Clone, Default)]
pub struct FitRequest {
    pub options: FitOptions,
    /// Fit a disconnected design anyway (the subsets are stored with the run and reported).
    pub allow_disconnected: bool,
    /// A note stored with the run.
    pub note: String,
}

/// A stored fit.
#[derive(Debug, Clone, Serialize)]
pub struct FitOutcome {
    pub run_id: i64,
    #[serde(skip)]
    pub fit: Fit,
    /// Observations masked because their rater (or another element) is excluded.
    pub masked_observations: usize,
    pub observations: usize,
    pub connectedness: Connectedness,
}

/// Loads the project's observations in force, checks connectedness, fits and stores the run.
pub fn fit_project(
    project: &mut Project,
    request: &FitRequest,
    observer: &mut dyn FitObserver,
) -> Result<FitOutcome, PipelineError> {
    let (data, masked) = project.ratings_for_fit()?;
    if data.is_empty() {
        return Err(PipelineError::NoData);
    }
    let network = connectedness(&data);
    if !network.connected && !request.allow_disconnected {
        return Err(PipelineError::Disconnected(Box::new(network)));
    }
    let started_at = now_rfc3339();
    let fit = measure::fit(&data, &request.options, observer)?;
    let tables = [(
        "connectedness",
        serde_json::to_value(&network).unwrap_or(serde_json::Value::Null),
    )];
    let run_id = project.save_fit(&fit, &data, &started_at, &request.note, &tables)?;
    Ok(FitOutcome {
        run_id,
        fit,
        masked_observations: masked,
        observations: data.len(),
        connectedness: network,
    })
}

/// Anchors every element of the non-object facets and every threshold at the values of a stored
/// run (to measure new objects on an existing scale). Extreme and dropped elements are left free.
pub fn anchors_from_run(
    project: &Project,
    run_id: i64,
    data: &RatingData,
) -> Result<Anchors, PipelineError> {
    let fit = project.load_fit(run_id)?;
    let mut anchors = Anchors::default();
    for (f, facet) in fit.facets.iter().enumerate() {
        if data.facets.get(f).map(|d| d.role) == Some(FacetRole::Object) {
            continue;
        }
        for (e, element) in facet.elements.iter().enumerate() {
            if matches!(
                element.status,
                ElementStatus::Measured | ElementStatus::Anchored
            ) {
                anchors.elements.push(ElementAnchor {
                    facet: f,
                    element: e as u32,
                    measure: element.measure,
                });
            }
        }
    }
    for scale in &fit.scales {
        anchors.scales.push(ScaleAnchor {
            element: scale.element,
            thresholds: scale.thresholds(),
        });
    }
    Ok(anchors)
}

/// Reads anchors from a CSV file with the columns `facet,element,category,value`:
/// - an element anchor: `annotator_id,10873,,0.42` (facet name, element label, no category);
/// - a threshold anchor: `threshold,insult,2,-0.35` (the word `threshold`, the item label, or `*`
///   for the shared rating scale, the category k of `F_k`, the value). A scale's thresholds must
///   be given for all its categories 1..m.
pub fn read_anchor_file(path: &Path, data: &RatingData) -> Result<Anchors, PipelineError> {
    use polars::prelude::*;
    let fail = |message: String| PipelineError::AnchorFile {
        path: path.to_path_buf(),
        message,
    };
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| fail(e.to_string()))?;
    let column = |name: &str| -> Result<Vec<Option<String>>, PipelineError> {
        let c = df.column(name).map_err(|_| {
            fail(format!(
                "no column `{name}` (expected facet,element,category,value)"
            ))
        })?;
        let s = c.str().map_err(|e| fail(e.to_string()))?;
        Ok(s.iter().map(|v| v.map(|x| x.trim().to_string())).collect())
    };
    let (facets, elements, categories, values) = (
        column("facet")?,
        column("element")?,
        column("category")?,
        column("value")?,
    );
    let mut anchors = Anchors::default();
    let mut thresholds: std::collections::BTreeMap<Option<u32>, Vec<(usize, f64)>> =
        Default::default();
    for r in 0..df.height() {
        let row = r + 1;
        let facet = facets[r].clone().unwrap_or_default();
        let element = elements[r].clone().unwrap_or_default();
        let value: f64 = values[r]
            .as_deref()
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                fail(format!(
                    "row {row}, column `value`: {:?} is not a number",
                    values[r].clone().unwrap_or_default()
                ))
            })?;
        if facet == "threshold" {
            let category: usize = categories[r]
                .as_deref()
                .and_then(|c| c.parse().ok())
                .filter(|&c| c >= 1)
                .ok_or_else(|| {
                    fail(format!(
                        "row {row}, column `category`: a threshold needs its category k >= 1"
                    ))
                })?;
            let scale = if element == "*" {
                None
            } else {
                let items = data.items();
                let idx = items
                    .labels
                    .iter()
                    .position(|l| *l == element)
                    .ok_or_else(|| {
                        fail(format!("row {row}, column `element`: no item `{element}`"))
                    })?;
                Some(idx as u32)
            };
            thresholds.entry(scale).or_default().push((category, value));
            continue;
        }
        let f = data.facet_index(&facet).ok_or_else(|| {
            fail(format!(
                "row {row}, column `facet`: no facet `{facet}` (facets: {})",
                data.facets
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let e = data.facets[f]
            .labels
            .iter()
            .position(|l| *l == element)
            .ok_or_else(|| {
                fail(format!(
                    "row {row}, column `element`: no element `{element}` in facet `{facet}`"
                ))
            })?;
        anchors.elements.push(ElementAnchor {
            facet: f,
            element: e as u32,
            measure: value,
        });
    }
    for (scale, mut list) in thresholds {
        list.sort_by_key(|(k, _)| *k);
        if list.iter().enumerate().any(|(i, (k, _))| *k != i + 1) {
            return Err(fail(format!(
                "the thresholds of scale {} must be given for categories 1..m without gaps",
                scale
                    .map(|s| data.items().labels[s as usize].clone())
                    .unwrap_or_else(|| "*".into())
            )));
        }
        anchors.scales.push(ScaleAnchor {
            element: scale,
            thresholds: list.into_iter().map(|(_, v)| v).collect(),
        });
    }
    Ok(anchors)
}

/// The observations run `run_id` was fitted on (those in force now, which must be the same).
pub fn run_data(project: &Project, run_id: i64) -> Result<RatingData, PipelineError> {
    let (data, _) = project.ratings_for_fit()?;
    if crate::store::data_fingerprint(&data) != project.run_fingerprint(run_id)? {
        return Err(PipelineError::StaleRun { run_id });
    }
    Ok(data)
}

/// The first rater facet of a project's data (what flags and decisions are about by default).
pub fn rater_facet(data: &RatingData) -> Option<usize> {
    data.rater_facets().next()
}

/// Flags the raters (first rater facet) of run `run_id` with the project's rules and stores the
/// flags. The observations in force must be the ones the run used.
pub fn flag_run(
    project: &mut Project,
    run_id: i64,
) -> Result<Vec<crate::quality::Flag>, PipelineError> {
    let rules = project.flag_rules()?;
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    let facet = rater_facet(&data).ok_or(PipelineError::NoRaterFacet)?;
    let flags = crate::quality::flag_elements(&data, &fit, facet, &rules);
    project.save_flags(run_id, &flags)?;
    Ok(flags)
}

/// One round of iterative cleaning.
#[derive(Debug, Clone, Serialize)]
pub struct CleaningRound {
    pub round: usize,
    pub run_id: i64,
    /// Raters excluded after this round's flags.
    pub excluded: Vec<String>,
    /// Pearson r of the object measures with the previous round's (None in round 1).
    pub measure_correlation: Option<f64>,
    /// Largest |shift| of an object measure since the previous round.
    pub largest_shift: Option<f64>,
    pub object_separation: f64,
    pub object_reliability: f64,
    pub converged: bool,
}

/// Fit -> flag -> exclude the raters whose flags recommend exclusion -> refit, until a round
/// flags no new rater or `max_rounds` fits have run. Every step is stored (runs, flags,
/// decisions with source `rule:<name>`).
pub fn clean(
    project: &mut Project,
    request: &FitRequest,
    max_rounds: usize,
    observer: &mut dyn FitObserver,
) -> Result<Vec<CleaningRound>, PipelineError> {
    let mut rounds: Vec<CleaningRound> = Vec::new();
    let mut previous: Option<Vec<f64>> = None;
    for round in 1..=max_rounds.max(1) {
        let outcome = fit_project(project, request, observer)?;
        let objects = &outcome.fit.facets[outcome
            .fit
            .facets
            .iter()
            .position(|f| f.role == FacetRole::Object)
            .unwrap_or(0)];
        let current: Vec<f64> = objects.elements.iter().map(|e| e.measure).collect();
        let active: Vec<bool> = objects.elements.iter().map(|e| e.count > 0).collect();
        let (measure_correlation, largest_shift) = match &previous {
            None => (None, None),
            Some(prev) => {
                let pairs: Vec<(f64, f64)> = prev
                    .iter()
                    .zip(&current)
                    .zip(&active)
                    .filter(|(_, &a)| a)
                    .map(|((p, c), _)| (*p, *c))
                    .collect();
                let shift = pairs.iter().map(|(p, c)| (p - c).abs()).fold(0.0, f64::max);
                (crate::quality::pearson(&pairs), Some(shift))
            }
        };
        let flags = flag_run(project, outcome.run_id)?;
        let excluded_now: std::collections::HashSet<(usize, u32)> =
            project.excluded_elements()?.into_iter().collect();
        let mut by_rule: std::collections::BTreeMap<&'static str, Vec<String>> = Default::default();
        for flag in &flags {
            if flag.level == crate::quality::FlagLevel::Exclude
                && !excluded_now.contains(&(flag.facet, flag.element))
            {
                let list = by_rule.entry(flag.rule.name()).or_default();
                if !list.contains(&flag.label) {
                    list.push(flag.label.clone());
                }
            }
        }
        let facet_name = facet_name_of(&outcome.fit, flags.first().map(|f| f.facet));
        let mut excluded = Vec::new();
        for (rule, labels) in &by_rule {
            let fresh: Vec<String> = labels
                .iter()
                .filter(|l| !excluded.contains(*l))
                .cloned()
                .collect();
            if fresh.is_empty() {
                continue;
            }
            project.decide_many(
                &facet_name,
                &fresh,
                crate::store::Decision::Exclude,
                &format!("flagged by rule {rule} in run {}", outcome.run_id),
                &format!("rule:{rule}"),
                Some(outcome.run_id),
            )?;
            excluded.extend(fresh);
        }
        let summary = &objects.summary.model_population;
        rounds.push(CleaningRound {
            round,
            run_id: outcome.run_id,
            excluded: excluded.clone(),
            measure_correlation,
            largest_shift,
            object_separation: summary.separation,
            object_reliability: summary.reliability,
            converged: outcome.fit.converged,
        });
        previous = Some(current);
        if excluded.is_empty() {
            break;
        }
    }
    Ok(rounds)
}

fn facet_name_of(fit: &Fit, facet: Option<usize>) -> String {
    facet
        .and_then(|f| fit.facets.get(f))
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

/// Resolves one term of `--between`: a facet name, a role word (`object`, `rater`, `item`), or
/// `FACET.ATTRIBUTE` (an attribute of a facet's elements, e.g. `comment_id.target_race_black`).
fn interaction_term(
    project: &Project,
    data: &RatingData,
    term: &str,
) -> Result<crate::measure::bias::InteractionTerm, PipelineError> {
    use crate::measure::bias::InteractionTerm;
    let facet_of = |name: &str| -> Option<usize> {
        data.facet_index(name).or_else(|| match name {
            "object" => Some(data.object_facet),
            "item" => Some(data.item_facet),
            "rater" => data.rater_facets().next(),
            _ => None,
        })
    };
    if let Some(f) = facet_of(term) {
        return Ok(InteractionTerm::Facet { facet: f });
    }
    if let Some((facet, attribute)) = term.split_once('.') {
        if let Some(f) = facet_of(facet) {
            let values = project.attribute_values(&data.facets[f].name, attribute)?;
            if values.iter().all(Option::is_none) {
                return Err(PipelineError::UnknownTerm(format!(
                    "facet `{}` has no attribute `{attribute}`",
                    data.facets[f].name
                )));
            }
            return Ok(InteractionTerm::Attribute {
                facet: f,
                name: attribute.to_string(),
                values,
            });
        }
    }
    Err(PipelineError::UnknownTerm(format!(
        "`{term}` is not a facet ({}), a role (object, rater, item) or FACET.ATTRIBUTE",
        data.facets
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Facets Table 13 for two terms of run `run_id` (stored with the run as `bias:<a> x <b>`).
pub fn bias_table(
    project: &mut Project,
    run_id: i64,
    between: [&str; 2],
) -> Result<crate::measure::bias::InteractionTable, PipelineError> {
    use crate::measure::bias::{
        interactions, BiasDirection, InteractionSpec, FACETS_BIAS_EXTREME_ADJUSTMENT,
    };
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    let spec = InteractionSpec {
        terms: [
            interaction_term(project, &data, between[0])?,
            interaction_term(project, &data, between[1])?,
        ],
        extreme_adjustment: FACETS_BIAS_EXTREME_ADJUSTMENT,
        direction: BiasDirection::Ability,
    };
    let table = interactions(&data, &fit, &spec)?;
    let value = serde_json::to_value(&table).unwrap_or(serde_json::Value::Null);
    project.save_run_table(
        run_id,
        &format!("bias:{} x {}", between[0], between[1]),
        &value,
    )?;
    Ok(table)
}

/// How many raters fall in each of Linacre's mean-square bands.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MeanSquareBands {
    /// < 0.5: muted (overfit).
    pub muted: usize,
    /// 0.5-1.5: productive for measurement.
    pub productive: usize,
    /// 1.5-2.0: unproductive.
    pub unproductive: usize,
    /// > 2.0: distorting.
    pub distorting: usize,
    pub quartiles: Option<[f64; 3]>,
}

impl MeanSquareBands {
    fn of(values: &[f64]) -> Self {
        use crate::quality::flags::{DISTORTING_MNSQ, MUTED_MNSQ, UNPRODUCTIVE_MNSQ};
        let mut bands = MeanSquareBands::default();
        for &v in values {
            if v < MUTED_MNSQ {
                bands.muted += 1;
            } else if v <= UNPRODUCTIVE_MNSQ {
                bands.productive += 1;
            } else if v <= DISTORTING_MNSQ {
                bands.unproductive += 1;
            } else {
                bands.distorting += 1;
            }
        }
        if !values.is_empty() {
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            let q = |p: f64| {
                let h = p * (sorted.len() - 1) as f64;
                let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
                sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
            };
            bands.quartiles = Some([q(0.25), q(0.5), q(0.75)]);
        }
        bands
    }
}

/// The rater-quality report of a run.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub run_id: i64,
    pub raters: usize,
    /// Raters flagged per rule (flags of the run; run `flag` first).
    pub flagged_per_rule: std::collections::BTreeMap<String, usize>,
    pub raters_recommended_for_exclusion: usize,
    pub infit: MeanSquareBands,
    pub outfit: MeanSquareBands,
    pub agreement: crate::quality::agreement::RaterAgreement,
    pub alpha: Vec<crate::quality::agreement::ItemAlpha>,
}

/// Counts per rule, mean-square distributions, Facets' inter-rater agreement and Krippendorff's
/// alpha per item, for run `run_id`.
pub fn quality_report(project: &Project, run_id: i64) -> Result<QualityReport, PipelineError> {
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    let facet = rater_facet(&data).ok_or(PipelineError::NoRaterFacet)?;
    let flags = project.flags(run_id)?;
    let mut per_rule: std::collections::BTreeMap<String, std::collections::BTreeSet<u32>> =
        Default::default();
    let mut exclude = std::collections::BTreeSet::new();
    for f in &flags {
        per_rule
            .entry(f.rule.name().to_string())
            .or_default()
            .insert(f.element);
        if f.level == crate::quality::FlagLevel::Exclude {
            exclude.insert(f.element);
        }
    }
    let elements = &fit.facets[facet].elements;
    let infit: Vec<f64> = elements.iter().filter_map(|e| e.infit).collect();
    let outfit: Vec<f64> = elements.iter().filter_map(|e| e.outfit).collect();
    Ok(QualityReport {
        run_id,
        raters: elements.iter().filter(|e| e.count > 0).count(),
        flagged_per_rule: per_rule.into_iter().map(|(k, v)| (k, v.len())).collect(),
        raters_recommended_for_exclusion: exclude.len(),
        infit: MeanSquareBands::of(&infit),
        outfit: MeanSquareBands::of(&outfit),
        agreement: crate::quality::agreement::rater_agreement(&data, &fit, facet),
        alpha: crate::quality::agreement::alpha_per_item(&data),
    })
}

/// Two runs side by side: how far the object measures moved between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunComparison {
    pub first: i64,
    pub second: i64,
    /// Objects measured (not dropped) in both runs.
    pub objects_compared: usize,
    /// Pearson r of those objects' measures.
    pub measure_correlation: Option<f64>,
    /// Largest |difference| of an object measure between the runs.
    pub largest_shift: Option<f64>,
    /// Per run: object separation and reliability (model error, population SD).
    pub object_separation: [f64; 2],
    pub object_reliability: [f64; 2],
    pub iterations: [usize; 2],
    pub converged: [bool; 2],
}

/// Compares the object measures of two stored runs of a project (they must share the object
/// facet, which every run of one project does).
pub fn compare_runs(
    project: &Project,
    first: i64,
    second: i64,
) -> Result<RunComparison, PipelineError> {
    let fits = [project.load_fit(first)?, project.load_fit(second)?];
    let objects = |fit: &Fit| {
        fit.facets
            .iter()
            .position(|f| f.role == FacetRole::Object)
            .unwrap_or(0)
    };
    let [a, b] = [
        &fits[0].facets[objects(&fits[0])],
        &fits[1].facets[objects(&fits[1])],
    ];
    let pairs: Vec<(f64, f64)> = a
        .elements
        .iter()
        .zip(&b.elements)
        .filter(|(x, y)| x.status != ElementStatus::Dropped && y.status != ElementStatus::Dropped)
        .map(|(x, y)| (x.measure, y.measure))
        .collect();
    let largest_shift = pairs
        .iter()
        .map(|(x, y)| (x - y).abs())
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
    Ok(RunComparison {
        first,
        second,
        objects_compared: pairs.len(),
        measure_correlation: crate::quality::pearson(&pairs),
        largest_shift,
        object_separation: [
            a.summary.model_population.separation,
            b.summary.model_population.separation,
        ],
        object_reliability: [
            a.summary.model_population.reliability,
            b.summary.model_population.reliability,
        ],
        iterations: [fits[0].iterations(), fits[1].iterations()],
        converged: [fits[0].converged, fits[1].converged],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::ingest::{stage, IngestOptions};
    use crate::measure::{NoObserver, ScaleModel};

    #[test]
    fn comparing_runs_reports_how_far_the_object_measures_moved() {
        let dir = tempfile::tempdir().unwrap();
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/mhs_sample_99rows.csv");
        let staged = stage(&data, &Preset::Mhs.config(), &IngestOptions::default()).unwrap();
        let mut project = Project::create_or_open(&dir.path().join("p.db")).unwrap();
        project.import(&staged).unwrap();
        // The 99 real rows: one annotator per comment, so the network is disconnected.
        let request = FitRequest {
            allow_disconnected: true,
            ..Default::default()
        };
        let pcm = fit_project(&mut project, &request, &mut NoObserver).unwrap();
        let mut rsm_request = request.clone();
        rsm_request.options.scale_model = ScaleModel::RatingScale;
        let rsm = fit_project(&mut project, &rsm_request, &mut NoObserver).unwrap();

        let same = compare_runs(&project, pcm.run_id, pcm.run_id).unwrap();
        assert_eq!(same.largest_shift, Some(0.0));
        assert!((same.measure_correlation.unwrap() - 1.0).abs() < 1e-12);

        let c = compare_runs(&project, pcm.run_id, rsm.run_id).unwrap();
        let objects = |f: &Fit| {
            f.facets[0]
                .elements
                .iter()
                .map(|e| (e.status, e.measure))
                .collect::<Vec<_>>()
        };
        let (a, b) = (objects(&pcm.fit), objects(&rsm.fit));
        let pairs: Vec<(f64, f64)> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x.0 != ElementStatus::Dropped && y.0 != ElementStatus::Dropped)
            .map(|(x, y)| (x.1, y.1))
            .collect();
        assert_eq!(c.objects_compared, pairs.len());
        // The runs are read back from the project (JSON): equal to the last bits or so.
        let r = crate::quality::pearson(&pairs).unwrap();
        assert!((c.measure_correlation.unwrap() - r).abs() < 1e-12);
        assert!(r < 1.0);
        let shift = pairs.iter().map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
        assert!((c.largest_shift.unwrap() - shift).abs() < 1e-12);
        assert!(shift > 0.0);
        assert_eq!(c.iterations, [pcm.fit.iterations(), rsm.fit.iterations()]);
        assert!(
            (c.object_reliability[1] - rsm.fit.facets[0].summary.model_population.reliability)
                .abs()
                < 1e-12
        );
    }
}
