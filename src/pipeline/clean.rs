//! Iterative cleaning: fit -> flag -> exclude -> refit until no new rater is flagged.

use super::pearson_of_pairs;
use super::{fit_project, flag_run, FitRequest, PipelineError};
use crate::data::FacetRole;
use crate::measure::{Fit, IterationReport, Observer};
use crate::store::Project;
use serde::Serialize;

/// One round of iterative cleaning.
#[derive(Debug, Clone, Serialize)]
pub struct CleaningRound {
    /// 1-based round number.
    pub round: usize,
    /// The round's run.
    pub run_id: i64,
    /// Raters excluded after this round's flags.
    pub excluded: Vec<String>,
    /// Pearson r of the object measures with the previous round's (None in round 1).
    pub measure_correlation: Option<f64>,
    /// Largest |shift| of an object measure since the previous round.
    pub largest_shift: Option<f64>,
    /// Object separation (model S.E., population SD).
    pub object_separation: f64,
    /// Object reliability (model S.E., population SD).
    pub object_reliability: f64,
    /// Whether the round's fit converged.
    pub converged: bool,
}

/// Fit -> flag -> exclude the raters whose flags recommend exclusion -> refit, until a round
/// flags no new rater or `max_rounds` fits have run. Every step is stored (runs, flags,
/// decisions with source `rule:<name>`).
pub fn clean(
    project: &mut Project,
    request: &FitRequest,
    max_rounds: usize,
    observer: &mut dyn Observer<IterationReport>,
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
                (pearson_of_pairs(&pairs), Some(shift))
            }
        };
        let flags = flag_run(project, outcome.run_id)?.flags;
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
