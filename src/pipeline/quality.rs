//! The rater-quality report of a run.

use super::{rater_facet, run_data, PipelineError};
use crate::measure::statistics::quantile_sorted;
use crate::quality::{FlagRules, MeanSquareBand};
use crate::store::Project;
use serde::Serialize;

/// How many raters fall in each of Linacre's mean-square bands, at the limits of the project's
/// flag rules ([`FlagRules::band`]; by default < 0.5 muted, 0.5-1.5 productive, 1.5-2.0
/// unproductive, > 2.0 distorting).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MeanSquareBands {
    /// Below `muted_mnsq`: muted (overfit).
    pub muted: usize,
    /// Productive for measurement.
    pub productive: usize,
    /// Above `unproductive_mnsq`, up to `distorting_mnsq`.
    pub unproductive: usize,
    /// Above `distorting_mnsq`.
    pub distorting: usize,
    /// Type-7 quartiles of the mean-squares.
    pub quartiles: Option<[f64; 3]>,
}

impl MeanSquareBands {
    /// Counts `values` per band of `rules`.
    pub fn of(values: &[f64], rules: &FlagRules) -> Self {
        let mut bands = MeanSquareBands::default();
        for &v in values {
            match rules.band(v) {
                MeanSquareBand::Muted => bands.muted += 1,
                MeanSquareBand::Productive => bands.productive += 1,
                MeanSquareBand::Unproductive => bands.unproductive += 1,
                MeanSquareBand::Distorting => bands.distorting += 1,
            }
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let q = |p: f64| quantile_sorted(&sorted, p);
        bands.quartiles = q(0.25)
            .zip(q(0.5))
            .zip(q(0.75))
            .map(|((a, b), c)| [a, b, c]);
        bands
    }
}

/// The rater-quality report of a run.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    /// The run.
    pub run_id: i64,
    /// Raters with responses in the run.
    pub raters: usize,
    /// Raters flagged per rule (flags of the run; run `flag` first).
    pub flagged_per_rule: std::collections::BTreeMap<String, usize>,
    /// Raters with at least one flag whose rule recommends exclusion.
    pub raters_recommended_for_exclusion: usize,
    /// Infit mean-squares per band.
    pub infit: MeanSquareBands,
    /// Outfit mean-squares per band.
    pub outfit: MeanSquareBands,
    /// Facets' inter-rater agreement (observed vs expected exact agreement).
    pub agreement: crate::quality::agreement::RaterAgreement,
    /// Krippendorff's alpha per item.
    pub alpha: Vec<crate::quality::agreement::ItemAlpha>,
}

/// Counts per rule, mean-square distributions, Facets' inter-rater agreement and Krippendorff's
/// alpha per item, for run `run_id`.
pub fn quality_report(project: &Project, run_id: i64) -> Result<QualityReport, PipelineError> {
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    let facet = rater_facet(&data).ok_or(PipelineError::NoRaterFacet)?;
    let flags = project.flags(run_id)?;
    let rules = project.flag_rules()?;
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
        infit: MeanSquareBands::of(&infit, &rules),
        outfit: MeanSquareBands::of(&outfit, &rules),
        agreement: crate::quality::agreement::rater_agreement(&data, &fit, facet),
        alpha: crate::quality::agreement::alpha_per_item(&data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_project_s_flag_rules() {
        let values = [0.4, 0.9, 1.45, 1.6, 1.9, 2.5];
        let default = MeanSquareBands::of(&values, &FlagRules::default());
        assert_eq!(
            (
                default.muted,
                default.productive,
                default.unproductive,
                default.distorting
            ),
            (1, 2, 2, 1)
        );
        let strict = FlagRules {
            unproductive_mnsq: 1.3,
            distorting_mnsq: 1.7,
            ..FlagRules::default()
        };
        let b = MeanSquareBands::of(&values, &strict);
        assert_eq!(
            (b.muted, b.productive, b.unproductive, b.distorting),
            (1, 1, 2, 2)
        );
        // Type-7 quartiles of the six values.
        let q = default.quartiles.unwrap();
        assert!((q[1] - 1.525).abs() < 1e-12);
        assert!((q[0] - 1.0375).abs() < 1e-12);
    }
}
