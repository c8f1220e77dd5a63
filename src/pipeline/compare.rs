//! Runs side by side: how far the object measures moved between two runs
//! ([`compare_runs`]), and which model fits better ([`compare_models`]: log-likelihood, free
//! parameters, AIC, BIC and, for nested MML models on the same observations, the
//! likelihood-ratio test).
//!
//! # Counting free parameters ([`free_parameters`])
//!
//! The count follows the identification the engine uses (and the degrees of freedom of Facets'
//! Table 5, `responses − free parameters`, which [`crate::measure::GlobalStatistics`] reports):
//!
//! - **elements**: every element estimated from the data (status measured: not anchored, not
//!   extreme, not dropped), minus one per centred facet (the sum-to-zero constraint fixes one
//!   element of it). Anchored elements are fixed; extreme elements are measured after
//!   estimation with the extreme-score adjustment and dropped elements not at all, so neither
//!   takes part in the likelihood.
//! - **thresholds**: a scale with `m` Rasch-Andrich thresholds has `m − 1` free ones (they sum
//!   to zero; the location is the owning item's, or the items' under a rating scale); anchored
//!   scales have none. A rating scale over `L` items thus has `(L − 1) + (m − 1)` item and
//!   threshold parameters, partial credit `Σ_i m_i − 1`: the difference is the number of
//!   threshold parameters the shared scale saves.
//! - **MML**: the object measures are integrated out, so instead of them the population SD `σ`
//!   counts, and its mean `μ` when estimated (object facet floating), as TAM's `tam.mml`
//!   information criteria count them (`R/tam_mml_ic.R`: free item parameters `xsi` minus fixed
//!   ones, plus the variance, plus regression parameters, where the mean is one).
//!
//! # Information criteria
//!
//! `AIC = −2 lnL + 2k`, `BIC = −2 lnL + k ln N` (Akaike 1974; Schwarz 1978). For MML `lnL` is the
//! marginal log-likelihood and `N` the number of objects (the independent sampling units; TAM's
//! `ic$n` is the number of persons). For JMLE `lnL` is the joint log-likelihood `Σ ln P(x)` over
//! the responses used in estimation and `N` the number of those responses (the units the joint
//! likelihood multiplies over); the object measures are parameters there, their number grows
//! with the data, and the joint likelihood is not a basis for inference (Neyman & Scott 1948):
//! the comparison says so.
//!
//! # Likelihood-ratio test ([`likelihood_ratio`])
//!
//! For two MML fits of the same observations (same data fingerprint) where one model is the other
//! with constraints, `χ² = 2 (lnL_general − lnL_restricted)` on `d.f. = k_general −
//! k_restricted` (Wilks 1938). The engine expresses one such nesting on the same observations:
//! a rating scale (one threshold set shared by the items) within partial credit (one per item),
//! all other options equal. A model without a facet cannot be fitted on the same observations
//! (the facets come with the project's data), so "a facet dropped" is not a nesting the
//! comparison can meet.

use super::pearson_of_pairs;
use super::PipelineError;
use crate::data::FacetRole;
use crate::measure::{ElementStatus, Fit, Method, ScaleModel};
use crate::store::Project;
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Two runs side by side: how far the object measures moved between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunComparison {
    /// The first run.
    pub first: i64,
    /// The second run.
    pub second: i64,
    /// Objects measured (not dropped) in both runs.
    pub objects_compared: usize,
    /// Pearson r of those objects' measures.
    pub measure_correlation: Option<f64>,
    /// Largest |difference| of an object measure between the runs.
    pub largest_shift: Option<f64>,
    /// Per run: object separation and reliability (model error, population SD).
    pub object_separation: [f64; 2],
    /// Per run: object reliability (model error, population SD).
    pub object_reliability: [f64; 2],
    /// Per run: iterations.
    pub iterations: [usize; 2],
    /// Per run: converged.
    pub converged: [bool; 2],
    /// The two runs as models: log-likelihood, parameters, AIC, BIC and the likelihood-ratio
    /// test where it applies ([`compare_fits`]).
    pub models: ModelComparison,
}

/// Compares the object measures of two stored runs of a project (they must share the object
/// facet, which every run of one project does).
pub fn compare_runs(
    project: &Project,
    first: i64,
    second: i64,
) -> Result<RunComparison, PipelineError> {
    let fits = [project.load_fit(first)?, project.load_fit(second)?];
    let fingerprints = [
        project.run_fingerprint(first)?,
        project.run_fingerprint(second)?,
    ];
    let models = compare_fits(&[
        RunModel {
            run: first,
            fit: &fits[0],
            data_fingerprint: &fingerprints[0],
        },
        RunModel {
            run: second,
            fit: &fits[1],
            data_fingerprint: &fingerprints[1],
        },
    ]);
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
        measure_correlation: pearson_of_pairs(&pairs),
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
        models,
    })
}

/// Which likelihood a run's `log_likelihood` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LikelihoodKind {
    /// JMLE: `Σ ln P(x)` over the responses used, at the joint estimates (Facets Table 5).
    Joint,
    /// MML: the object measures integrated out over the fitted population.
    Marginal,
}

/// The free parameters of a fit, by kind (see the module notes for the counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParameterCount {
    /// Elements estimated from the data (status measured), the object facet's included for
    /// JMLE and left out for MML.
    pub elements: usize,
    /// One per centred facet with an estimated element (sum-to-zero), taken off `elements`.
    pub centring_constraints: usize,
    /// Free thresholds: `m − 1` per scale with `m` thresholds, anchored scales none.
    pub thresholds: usize,
    /// MML: the population SD, and the mean when estimated (0 for JMLE).
    pub population: usize,
    /// `elements − centring_constraints + thresholds + population`.
    pub total: usize,
}

/// Counts the free parameters of `fit` (see the module notes).
pub fn free_parameters(fit: &Fit) -> ParameterCount {
    let marginal = fit.mml.as_ref();
    let mut elements = 0;
    let mut centring_constraints = 0;
    for facet in &fit.facets {
        if marginal.is_some() && facet.role == FacetRole::Object {
            continue;
        }
        let measured = facet
            .elements
            .iter()
            .filter(|e| e.status == ElementStatus::Measured)
            .count();
        elements += measured;
        if facet.centred && measured > 0 {
            centring_constraints += 1;
        }
    }
    let thresholds = fit
        .scales
        .iter()
        .filter(|s| !s.anchored)
        .map(|s| s.thresholds().len().saturating_sub(1))
        .sum();
    let population = marginal.map_or(0, |m| if m.population_mean_fixed { 1 } else { 2 });
    ParameterCount {
        elements,
        centring_constraints,
        thresholds,
        population,
        total: elements - centring_constraints + thresholds + population,
    }
}

/// `AIC = −2 lnL + 2k` (Akaike 1974).
pub fn aic(log_likelihood: f64, parameters: usize) -> f64 {
    -2.0 * log_likelihood + 2.0 * parameters as f64
}

/// `BIC = −2 lnL + k ln N` (Schwarz 1978); `N` the number of independent units (objects for a
/// marginal likelihood).
pub fn bic(log_likelihood: f64, parameters: usize, sample_size: usize) -> f64 {
    -2.0 * log_likelihood + parameters as f64 * (sample_size.max(1) as f64).ln()
}

/// A likelihood-ratio test of a restricted model within a general one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LikelihoodRatioTest {
    /// The run of the restricted (nested) model.
    pub restricted: i64,
    /// The run of the general model.
    pub general: i64,
    /// `2 (lnL_general − lnL_restricted)`, at least 0.
    pub chi_square: f64,
    /// `k_general − k_restricted`.
    pub df: usize,
    /// Upper tail probability of the chi-square on `df` degrees of freedom.
    pub p: f64,
}

/// The likelihood-ratio statistic `χ² = 2 (lnL_general − lnL_restricted)` (Wilks 1938), floored
/// at 0 (a general model fitting worse than its restriction only means the EM stopped short of
/// the maximum), on `df` degrees of freedom, with its upper-tail p (statrs). `None` for `df = 0`.
pub fn likelihood_ratio(
    restricted: (i64, f64),
    general: (i64, f64),
    df: usize,
) -> Option<LikelihoodRatioTest> {
    let distribution = ChiSquared::new(df as f64).ok()?;
    let chi_square = (2.0 * (general.1 - restricted.1)).max(0.0);
    Some(LikelihoodRatioTest {
        restricted: restricted.0,
        general: general.0,
        chi_square,
        df,
        p: distribution.sf(chi_square),
    })
}

/// One run as a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The run.
    pub run: i64,
    /// JMLE or MML.
    pub method: Method,
    /// `rsm` (one shared scale) or `pcm` (one scale per element of the scale facet).
    pub scale_model: String,
    /// The facet whose elements own the scales under partial credit.
    pub scale_facet: Option<String>,
    /// Joint (JMLE) or marginal (MML).
    pub likelihood: LikelihoodKind,
    /// The log-likelihood (`fit.global.log_likelihood` for JMLE,
    /// `fit.mml.marginal_log_likelihood` for MML).
    pub log_likelihood: f64,
    /// Free parameters `k` ([`free_parameters`]).
    pub parameters: usize,
    /// How `parameters` was counted.
    pub parameter_count: ParameterCount,
    /// `N` of the BIC: objects (MML) or responses used in estimation (JMLE).
    pub sample_size: usize,
    /// `−2 lnL + 2k`.
    pub aic: f64,
    /// `−2 lnL + k ln N`.
    pub bic: f64,
    /// Responses used in estimation.
    pub observations: usize,
    /// Object separation (model error, population SD; Table 7).
    pub object_separation: f64,
    /// Object reliability (model error, population SD; Table 7).
    pub object_reliability: f64,
    /// Items (of the item facet, measured or anchored) with infit or outfit mean-square outside
    /// 0.5-1.5 (Linacre's productive band).
    pub misfitting_items: usize,
    /// Largest item outfit mean-square.
    pub item_outfit_max: Option<f64>,
    /// The fit met its convergence criteria.
    pub converged: bool,
}

/// A run to compare: its id, fit and data fingerprint ([`crate::provenance::data_fingerprint`]).
#[derive(Debug, Clone, Copy)]
pub struct RunModel<'a> {
    /// The run.
    pub run: i64,
    /// Its fit.
    pub fit: &'a Fit,
    /// The fingerprint of the observations it was fitted on.
    pub data_fingerprint: &'a str,
}

/// Runs compared as models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelComparison {
    /// One summary per run, in the order asked.
    pub runs: Vec<ModelSummary>,
    /// Every run was fitted on the same observations (same data fingerprint).
    pub same_observations: bool,
    /// The likelihood-ratio test of the first nested pair (`null` when no pair is nested).
    pub lr_test: Option<LikelihoodRatioTest>,
    /// Every nested pair's test.
    pub lr_tests: Vec<LikelihoodRatioTest>,
    /// What the numbers can and cannot say.
    pub notes: Vec<String>,
}

/// Mean-squares outside this band count as misfit in [`ModelSummary::misfitting_items`].
const PRODUCTIVE_BAND: (f64, f64) = (0.5, 1.5);

fn scale_model_name(fit: &Fit) -> (String, Option<String>) {
    match fit.options.scale_model {
        ScaleModel::RatingScale => ("rsm".into(), None),
        ScaleModel::PartialCredit { .. } => (
            "pcm".into(),
            fit.scale_facet
                .and_then(|f| fit.facets.get(f))
                .map(|f| f.name.clone()),
        ),
    }
}

/// The summary of one run as a model.
pub fn summarise_model(run: i64, fit: &Fit) -> ModelSummary {
    let count = free_parameters(fit);
    let (likelihood, log_likelihood, sample_size) = match &fit.mml {
        Some(m) => {
            let objects = fit
                .facets
                .iter()
                .find(|f| f.role == FacetRole::Object)
                .map_or(0, |f| {
                    f.elements
                        .iter()
                        .filter(|e| e.status != ElementStatus::Dropped)
                        .count()
                });
            (LikelihoodKind::Marginal, m.marginal_log_likelihood, objects)
        }
        None => (
            LikelihoodKind::Joint,
            fit.global.log_likelihood,
            fit.global.estimation_observations,
        ),
    };
    let objects = fit.facets.iter().find(|f| f.role == FacetRole::Object);
    let items = fit.facets.iter().find(|f| f.role == FacetRole::Item);
    let outside =
        |v: Option<f64>| v.is_some_and(|v| v < PRODUCTIVE_BAND.0 || v > PRODUCTIVE_BAND.1);
    let item_elements = items.map_or(&[][..], |f| &f.elements[..]);
    let (scale_model, scale_facet) = scale_model_name(fit);
    ModelSummary {
        run,
        method: fit.options.method,
        scale_model,
        scale_facet,
        likelihood,
        log_likelihood,
        parameters: count.total,
        parameter_count: count,
        sample_size,
        aic: aic(log_likelihood, count.total),
        bic: bic(log_likelihood, count.total, sample_size),
        observations: fit.global.estimation_observations,
        object_separation: objects.map_or(0.0, |f| f.summary.model_population.separation),
        object_reliability: objects.map_or(0.0, |f| f.summary.model_population.reliability),
        misfitting_items: item_elements
            .iter()
            .filter(|e| outside(e.infit) || outside(e.outfit))
            .count(),
        item_outfit_max: item_elements
            .iter()
            .filter_map(|e| e.outfit)
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v)))),
        converged: fit.converged,
    }
}

/// Whether `a` is nested in `b` as a model the engine fits on the same observations: both MML,
/// `a` a rating scale and `b` partial credit, every other option equal, no anchored scale.
fn nested_within(a: &Fit, b: &Fit) -> bool {
    let (oa, ob) = (&a.options, &b.options);
    oa.method == Method::Mml
        && ob.method == Method::Mml
        && oa.scale_model == ScaleModel::RatingScale
        && matches!(ob.scale_model, ScaleModel::PartialCredit { .. })
        && oa.anchors.scales.is_empty()
        && ob.anchors.scales.is_empty()
        && oa.anchors.elements == ob.anchors.elements
        && oa.non_centred == ob.non_centred
        && oa.unobserved_categories == ob.unobserved_categories
}

/// Compares runs as models (pure: the fits and fingerprints in hand). The likelihood-ratio test
/// is computed for every pair of runs on the same observations where one model is nested in the
/// other ([`nested_within`]); `lr_test` is the first such pair's. The notes say why a test is
/// missing and what the numbers do not support.
pub fn compare_fits(runs: &[RunModel<'_>]) -> ModelComparison {
    let summaries: Vec<ModelSummary> = runs.iter().map(|r| summarise_model(r.run, r.fit)).collect();
    let mut notes = Vec::new();
    let same_observations = runs
        .windows(2)
        .all(|w| w[0].data_fingerprint == w[1].data_fingerprint);
    if !same_observations {
        notes.push(
            "the runs were fitted on different observations (exclusions, recodes or new data \
             since): their likelihoods, AIC and BIC are over different data and cannot be \
             compared; compare them by object separation, reliability and item fit only"
                .to_string(),
        );
    }
    let methods: Vec<Method> = runs.iter().map(|r| r.fit.options.method).collect();
    if methods.contains(&Method::Jmle) {
        notes.push(
            "JMLE's joint log-likelihood treats every object measure as a parameter, whose \
             number grows with the data (Neyman & Scott 1948): it is not a basis for inference, \
             so no likelihood-ratio test is made with it and its AIC/BIC are descriptive only; \
             fit MML runs to test models"
                .to_string(),
        );
    }
    if methods.contains(&Method::Jmle) && methods.contains(&Method::Mml) {
        notes.push(
            "joint (JMLE) and marginal (MML) log-likelihoods are different quantities and are \
             not compared with each other"
                .to_string(),
        );
    }
    let mut lr_tests = Vec::new();
    for i in 0..runs.len() {
        for j in i + 1..runs.len() {
            if runs[i].data_fingerprint != runs[j].data_fingerprint {
                continue;
            }
            let (restricted, general) = if nested_within(runs[i].fit, runs[j].fit) {
                (i, j)
            } else if nested_within(runs[j].fit, runs[i].fit) {
                (j, i)
            } else {
                if methods[i] == Method::Mml && methods[j] == Method::Mml {
                    notes.push(format!(
                        "runs {} and {} are not nested (a likelihood-ratio test needs the same \
                         options except a rating scale within partial credit): compare them by \
                         AIC and BIC",
                        runs[i].run, runs[j].run
                    ));
                }
                continue;
            };
            let (r, g) = (&summaries[restricted], &summaries[general]);
            let df = g.parameters.saturating_sub(r.parameters);
            match likelihood_ratio((r.run, r.log_likelihood), (g.run, g.log_likelihood), df) {
                Some(test) => {
                    if g.log_likelihood < r.log_likelihood {
                        notes.push(format!(
                            "run {}'s marginal log-likelihood is below that of its restriction \
                             run {}: the EM stopped short of the maximum; the chi-square is \
                             taken as 0 (fit with tighter MML tolerances)",
                            g.run, r.run
                        ));
                    }
                    lr_tests.push(test);
                }
                None => notes.push(format!(
                    "runs {} and {} have the same number of free parameters: no \
                     likelihood-ratio test",
                    r.run, g.run
                )),
            }
        }
    }
    for s in summaries.iter().filter(|s| !s.converged) {
        notes.push(format!(
            "run {} did not converge: its log-likelihood is not at the maximum",
            s.run
        ));
    }
    ModelComparison {
        runs: summaries,
        same_observations,
        lr_test: lr_tests.first().copied(),
        lr_tests,
        notes,
    }
}

/// Compares stored runs as models ([`compare_fits`]): at least two, each named once.
pub fn compare_models(project: &Project, runs: &[i64]) -> Result<ModelComparison, PipelineError> {
    if runs.len() < 2 {
        return Err(PipelineError::InvalidSetting(format!(
            "compare needs two or more runs, got {}",
            runs.len()
        )));
    }
    for (i, run) in runs.iter().enumerate() {
        if runs[..i].contains(run) {
            return Err(PipelineError::InvalidSetting(format!(
                "run {run} is named twice; name each run once"
            )));
        }
    }
    let mut fits = Vec::with_capacity(runs.len());
    for &run in runs {
        fits.push((run, project.load_fit(run)?, project.run_fingerprint(run)?));
    }
    let models: Vec<RunModel<'_>> = fits
        .iter()
        .map(|(run, fit, fingerprint)| RunModel {
            run: *run,
            fit,
            data_fingerprint: fingerprint,
        })
        .collect();
    Ok(compare_fits(&models))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::ingest::{stage, IngestOptions};
    use crate::measure::{NoObserver, ScaleModel};
    use crate::pipeline::{fit_project, FitRequest};

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
        let r = pearson_of_pairs(&pairs).unwrap();
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
