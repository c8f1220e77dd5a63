//! The category advisor over a project's run: Linacre's guidelines per scale and the proposed
//! collapses ([`crate::quality::categories`]), their refits compared in one table, and the
//! dataset description with the collapses written into its items' `recode`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::settings::RecodeSetting;
use super::{fit_project, run_data, FitRequest, FitSettings, PipelineError};
use crate::config::DatasetConfig;
use crate::data::{FacetRole, Recode};
use crate::measure::{Fit, IterationReport, Observer, UnobservedCategories};
use crate::quality::categories::{category_functioning, ScaleCategories};
use crate::store::Project;

/// The category functioning of a run's scales, with the proposals.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryAdvice {
    /// The run.
    pub run_id: i64,
    /// The recode the run was fitted with (stored category -> scored category per item), which
    /// the proposals compose with; `None` for a run on the stored categories.
    pub run_recode: Option<Recode>,
    /// One entry per scale of the run's Table 8.
    pub scales: Vec<ScaleCategories>,
}

impl CategoryAdvice {
    /// The scales with a proposal.
    pub fn proposals(&self) -> impl Iterator<Item = &ScaleCategories> {
        self.scales.iter().filter(|s| s.proposal.is_some())
    }

    /// The recode to fit for the proposal of `scale` (stored category -> new category): the
    /// run's recode followed by the collapse. `None` when the scale has no proposal.
    pub fn recode_for(&self, scale: &ScaleCategories) -> Option<Recode> {
        let proposal = scale.proposal.as_ref()?;
        Some(self.compose(proposal.item_recodes.clone()))
    }

    /// The recode of every proposal together (their items differ: one scale per item, or one
    /// shared scale), after the run's recode. `None` without proposals.
    pub fn recode_for_all(&self) -> Option<Recode> {
        let mut items = BTreeMap::new();
        for scale in self.proposals() {
            if let Some(p) = &scale.proposal {
                items.extend(p.item_recodes.clone());
            }
        }
        (!items.is_empty()).then(|| self.compose(items))
    }

    /// The fit settings of a run with the proposal of `scale` (the workbench's fit through its
    /// job runner): the options of `fit`, the run the advice is about, as settings (anchors
    /// are not carried over), the rating network allowed to be as it was, the composed recode
    /// as a table and a note saying what the run is. `None` when the scale has no proposal.
    pub fn fit_settings(&self, scale: &ScaleCategories, fit: &Fit) -> Option<FitSettings> {
        let recode = self.recode_for(scale)?;
        let o = &fit.options;
        let non_centred = o
            .non_centred
            .iter()
            .flatten()
            .filter_map(|&f| fit.facets.get(f).map(|facet| facet.name.clone()))
            .collect();
        Some(FitSettings {
            method: o.method,
            scale: o.scale_model,
            update: o.update,
            object_estimator: o.mml.object_estimator,
            quadrature_points: o.mml.quadrature_points,
            max_residual: Some(o.convergence.max_score_residual),
            max_change: Some(o.convergence.max_change),
            max_iterations: o.convergence.max_iterations,
            keep_unobserved: o.unobserved_categories == UnobservedCategories::Keep,
            bias_correction: o.bias_correction,
            allow_disconnected: true,
            non_centred,
            anchor_file: None,
            anchor_run: None,
            note: format!(
                "categories: collapse of {} proposed on run {}",
                scale.scale, self.run_id
            ),
            recode: Some(RecodeSetting::Table(recode)),
            ignore_model: false,
            given: crate::config::Chosen::default(),
        })
    }

    fn compose(&self, items: BTreeMap<String, BTreeMap<i32, i32>>) -> Recode {
        let collapse = Recode::new(items);
        match &self.run_recode {
            Some(run) => run.then(&collapse),
            None => collapse,
        }
    }
}

/// Linacre's guidelines and the collapse proposals for every scale of run `run_id`.
pub fn category_advice(project: &Project, run_id: i64) -> Result<CategoryAdvice, PipelineError> {
    let data = run_data(project, run_id)?;
    let fit = project.load_fit(run_id)?;
    Ok(CategoryAdvice {
        run_id,
        run_recode: project.run_recode(run_id)?,
        scales: category_functioning(&fit, &data),
    })
}

/// A mean-square summary over the measured items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanSquareSummary {
    /// Mean over the items.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl MeanSquareSummary {
    fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        Some(MeanSquareSummary {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// One row of the refit comparison: the original run or a proposal fitted as a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRefit {
    /// `original`, the collapsed scale's name, or `all proposals`.
    pub label: String,
    /// The run (the original, or the new run stored for the proposal).
    pub run_id: i64,
    /// The scales with disordered Rasch-Andrich thresholds.
    pub disordered_scales: Vec<String>,
    /// Whether the collapsed scale(s) have ordered thresholds in this run (`None` for the
    /// original row).
    pub collapsed_ordered: Option<bool>,
    /// Infit mean-squares of the items.
    pub item_infit: Option<MeanSquareSummary>,
    /// Outfit mean-squares of the items.
    pub item_outfit: Option<MeanSquareSummary>,
    /// Object separation (model error, population SD).
    pub object_separation: f64,
    /// Object reliability (model error, population SD).
    pub object_reliability: f64,
    /// The fit converged.
    pub converged: bool,
}

fn refit_row(label: String, run_id: i64, fit: &Fit, collapsed: &[String]) -> CategoryRefit {
    let disordered_scales: Vec<String> = fit
        .scales
        .iter()
        .filter(|s| s.is_disordered())
        .map(|s| s.label.clone())
        .collect();
    let items = fit.facets.iter().find(|f| f.role == FacetRole::Item);
    let values = |pick: fn(&crate::measure::ElementStatistics) -> Option<f64>| {
        let v: Vec<f64> = items
            .map(|f| f.elements.iter().filter_map(pick).collect())
            .unwrap_or_default();
        MeanSquareSummary::of(&v)
    };
    let objects = fit
        .facets
        .iter()
        .find(|f| f.role == FacetRole::Object)
        .map(|f| f.summary.model_population);
    CategoryRefit {
        label,
        run_id,
        collapsed_ordered: (!collapsed.is_empty())
            .then(|| collapsed.iter().all(|c| !disordered_scales.contains(c))),
        disordered_scales,
        item_infit: values(|e| e.infit),
        item_outfit: values(|e| e.outfit),
        object_separation: objects.map_or(0.0, |s| s.separation),
        object_reliability: objects.map_or(0.0, |s| s.reliability),
        converged: fit.converged,
    }
}

/// Fits every proposal of `advice` as a run (the original run's options, the proposal's recode
/// composed after the run's own, a note saying what it is), and all proposals together when
/// there are several; returns the original and the new runs side by side.
pub fn refit_proposals(
    project: &mut Project,
    advice: &CategoryAdvice,
    observer: &mut dyn Observer<IterationReport>,
) -> Result<Vec<CategoryRefit>, PipelineError> {
    let original = project.load_fit(advice.run_id)?;
    let mut rows = vec![refit_row("original".into(), advice.run_id, &original, &[])];
    let mut planned: Vec<(String, Vec<String>, Recode)> = Vec::new();
    for scale in advice.proposals() {
        if let Some(recode) = advice.recode_for(scale) {
            planned.push((scale.scale.clone(), vec![scale.scale.clone()], recode));
        }
    }
    if planned.len() > 1 {
        if let Some(recode) = advice.recode_for_all() {
            let scales = planned.iter().map(|(s, _, _)| s.clone()).collect();
            planned.push(("all proposals".into(), scales, recode));
        }
    }
    for (label, scales, recode) in planned {
        let request = FitRequest {
            options: original.options.clone(),
            // The collapse changes categories, not who rated what: the run's network.
            allow_disconnected: true,
            note: format!(
                "categories: collapse of {} proposed on run {}",
                scales.join(", "),
                advice.run_id
            ),
            recode: Some(recode),
        };
        let outcome = fit_project(project, &request, observer)?;
        rows.push(refit_row(label, outcome.run_id, &outcome.fit, &scales));
    }
    Ok(rows)
}

/// The project's dataset description with every proposal of `advice` written into its items'
/// `recode`: each raw code maps to its final category (the description's own recode and
/// reversal, the run's recode, then the collapse). A reversed item stays reversed: its recode
/// becomes `lo + hi - final`, which the reversal turns back into `final`.
pub fn proposed_description(
    project: &Project,
    advice: &CategoryAdvice,
) -> Result<DatasetConfig, PipelineError> {
    let text = project.dataset_config_toml()?.ok_or_else(|| {
        PipelineError::InvalidSetting(format!(
            "project {} has no stored dataset description (no file was imported)",
            project.path().display()
        ))
    })?;
    let origin = format!(
        "the dataset description stored in {}",
        project.path().display()
    );
    let mut config = DatasetConfig::from_toml_str(&text, &origin)
        .map_err(|e| PipelineError::InvalidSetting(e.to_string()))?;
    // The run's own recode goes into the description too, with or without a collapse.
    let Some(recode) = advice
        .recode_for_all()
        .or_else(|| advice.run_recode.clone())
    else {
        return Ok(config);
    };
    for item in &mut config.items {
        let Some(map) = recode.items().get(&item.name) else {
            continue;
        };
        let finals: Vec<(i64, i64)> = item
            .categories
            .iter()
            .filter_map(|&raw| {
                let stored = item.score(raw)?;
                let stored32 = i32::try_from(stored).ok()?;
                let new = map.get(&stored32).copied().unwrap_or(stored32);
                Some((raw, i64::from(new)))
            })
            .collect();
        let (lo, hi) = finals
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), (_, f)| {
                (lo.min(*f), hi.max(*f))
            });
        item.recode = Some(
            finals
                .into_iter()
                .map(|(raw, f)| {
                    let value = if item.reversed { lo + hi - f } else { f };
                    (raw.to_string(), value)
                })
                .collect(),
        );
    }
    // What the ingest would read back: the written text must validate.
    DatasetConfig::from_toml_str(&config.to_toml(), "the proposed dataset description")
        .map_err(|e| PipelineError::InvalidSetting(e.to_string()))
}

/// Writes `config` to `path` whole or not at all (a temporary file next to it, renamed over
/// `path`; removed again on failure).
pub fn write_description(path: &Path, config: &DatasetConfig) -> Result<(), PipelineError> {
    super::write_whole(path, config.to_toml().as_bytes())
}
