//! What a user chooses for a fit or an export, in one front-end-neutral form: the command line
//! fills it from its arguments, the pipeline file deserialises it (`[fit]`, `[[export]]`), the
//! workbench fills it from its forms. Each value is parsed by the library's own `FromStr`
//! ([`crate::options`]), and [`FitSettings::request`] turns names into indices, the convergence
//! defaults of the update path into numbers and anchors into values, once for every front end.

use super::{anchors_from_run, read_anchor_file, FitRequest, PipelineError};
use crate::config::Chosen;
use crate::data::{Recode, RecodeError};
use crate::export::winsteps::WinstepsFold;
use crate::export::{ExportKind, Rescale};
use crate::measure::options::DEFAULT_QUADRATURE_POINTS;
use crate::measure::{
    Convergence, FitOptions, JmleUpdate, Method, MmlOptions, ObjectEstimator, ScaleModel,
    UnobservedCategories,
};
use crate::options::deserialize_from_str;
use crate::store::Project;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The choices of a fit (`scalewright fit`, a pipeline's `[fit]`, the workbench's fit form).
/// The defaults reproduce Facets' (JMLE, partial credit per item, `Convergence = .5, .01`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitSettings {
    /// `jmle` or `mml`.
    #[serde(deserialize_with = "deserialize_from_str")]
    pub method: Method,
    /// `pcm` (one scale per item, Facets `#`) or `rsm` (one shared scale).
    #[serde(deserialize_with = "deserialize_from_str")]
    pub scale: ScaleModel,
    /// The JMLE iteration path: `accelerated`, `facets` or `winsteps`.
    #[serde(deserialize_with = "deserialize_from_str")]
    pub update: JmleUpdate,
    /// MML: `eap` or `wle` object measures.
    #[serde(deserialize_with = "deserialize_from_str")]
    pub object_estimator: ObjectEstimator,
    /// MML: Gauss-Hermite quadrature points.
    pub quadrature_points: usize,
    /// Largest marginal score residual; `None`: the update path's default (Facets' .5,
    /// Winsteps' .1).
    pub max_residual: Option<f64>,
    /// Largest change in logits; `None`: the update path's default (Facets' .01, Winsteps'
    /// .005).
    pub max_change: Option<f64>,
    /// Iteration cap.
    pub max_iterations: usize,
    /// Keep unobserved intermediate categories (Facets `Keep`).
    pub keep_unobserved: bool,
    /// The (L-1)/L JMLE bias correction.
    pub bias_correction: bool,
    /// Fit a disconnected rating network anyway.
    pub allow_disconnected: bool,
    /// Facets that float (Facets `Non-centered=`), by name; empty: the object facet.
    pub non_centred: Vec<String>,
    /// An anchor file (CSV `facet,element,category,value`).
    pub anchor_file: Option<PathBuf>,
    /// Anchor the non-object facets and the thresholds at this run's values.
    pub anchor_run: Option<i64>,
    /// A note stored with the run.
    pub note: String,
    /// Recode the stored categories for this run: a recode file, or (pipeline files, the
    /// workbench) the per-item maps themselves.
    pub recode: Option<RecodeSetting>,
    /// Fit with scalewright's own defaults even when the project stores a model (a Facets
    /// import): by default the stored model fills every option these settings leave at its
    /// default ([`crate::config::ProjectModel::apply`]).
    pub ignore_model: bool,
    /// Options the front end knows were given explicitly, even at their default value (the
    /// command line's `--scale pcm`); they are not taken from the project's model.
    #[serde(skip)]
    pub given: Chosen,
}

/// Where a fit's recode comes from: a file (`fit --recode FILE`, `[fit] recode = "FILE"`) or the
/// maps themselves (`[fit.recode] item = { "0" = 0, ... }`, the workbench's proposals).
#[derive(Debug, Clone, PartialEq)]
pub enum RecodeSetting {
    /// A recode file (a `[recode]` table; see [`Recode::read`]).
    File(PathBuf),
    /// The recode itself.
    Table(Recode),
}

impl RecodeSetting {
    /// The recode (a file is read now).
    pub fn resolve(&self) -> Result<Recode, RecodeError> {
        match self {
            RecodeSetting::File(path) => Recode::read(path),
            RecodeSetting::Table(recode) => Ok(recode.clone()),
        }
    }

    /// The recode, checked against the project's items and their stored scales; a problem
    /// with a file's recode names the file.
    pub fn resolve_for(&self, project: &Project) -> Result<Recode, PipelineError> {
        let recode = self.resolve()?;
        let items = project
            .facets()?
            .into_iter()
            .find(|f| f.role == crate::data::FacetRole::Item)
            .map(|f| f.labels)
            .unwrap_or_default();
        let checked = recode.check_scales(&items, &project.item_scales()?);
        match (checked, self) {
            (Ok(_), _) => Ok(recode),
            (Err(e), RecodeSetting::File(path)) => Err(RecodeError::File {
                path: path.clone(),
                message: e.to_string(),
            }
            .into()),
            (Err(e), RecodeSetting::Table(_)) => Err(e.into()),
        }
    }
}

impl<'de> Deserialize<'de> for RecodeSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RecodeSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a recode file name, or a table of per-item maps such as `{ violence = { \"0\" = 0, \"1\" = 0, \"2\" = 1 } }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RecodeSetting, E> {
                Ok(RecodeSetting::File(PathBuf::from(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RecodeSetting, A::Error> {
                let items: BTreeMap<String, BTreeMap<String, i64>> =
                    Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Recode::from_text_keys(&items)
                    .map(RecodeSetting::Table)
                    .map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Default for FitSettings {
    fn default() -> Self {
        FitSettings {
            method: Method::Jmle,
            scale: ScaleModel::default(),
            update: JmleUpdate::default(),
            object_estimator: ObjectEstimator::default(),
            quadrature_points: DEFAULT_QUADRATURE_POINTS,
            max_residual: None,
            max_change: None,
            max_iterations: Convergence::default().max_iterations,
            keep_unobserved: false,
            bias_correction: false,
            allow_disconnected: false,
            non_centred: Vec::new(),
            anchor_file: None,
            anchor_run: None,
            note: String::new(),
            recode: None,
            ignore_model: false,
            given: Chosen::default(),
        }
    }
}

impl FitSettings {
    /// The engine's options (no project needed: names and anchors are not resolved).
    pub fn options(&self) -> FitOptions {
        let defaults = Convergence::default_for(self.update);
        FitOptions {
            method: self.method,
            mml: MmlOptions {
                quadrature_points: self.quadrature_points,
                object_estimator: self.object_estimator,
                ..MmlOptions::default()
            },
            scale_model: self.scale,
            convergence: Convergence {
                max_score_residual: self.max_residual.unwrap_or(defaults.max_score_residual),
                max_change: self.max_change.unwrap_or(defaults.max_change),
                max_iterations: self.max_iterations,
            },
            unobserved_categories: if self.keep_unobserved {
                UnobservedCategories::Keep
            } else {
                UnobservedCategories::Ordinal
            },
            bias_correction: self.bias_correction,
            update: self.update,
            ..FitOptions::default()
        }
    }

    /// The fit request for `project`: facet names resolved, anchors read (from the file or
    /// the run), options validated by the engine when the fit starts.
    pub fn request(&self, project: &Project) -> Result<FitRequest, PipelineError> {
        if self.anchor_file.is_some() && self.anchor_run.is_some() {
            return Err(PipelineError::InvalidSetting(
                "give an anchor file or an anchor run, not both".into(),
            ));
        }
        let mut options = self.options();
        if !self.ignore_model {
            if let Some(model) = project.measurement_model()? {
                let defaults = FitSettings::default();
                let given = self.given;
                let chosen = Chosen {
                    scale: given.scale || self.scale != defaults.scale,
                    update: given.update || self.update != defaults.update,
                    max_residual: self.max_residual.is_some(),
                    max_change: self.max_change.is_some(),
                    max_iterations: given.max_iterations
                        || self.max_iterations != defaults.max_iterations,
                    non_centred: !self.non_centred.is_empty(),
                    anchors: self.anchor_file.is_some() || self.anchor_run.is_some(),
                };
                model.apply(&mut options, &project.facets()?, chosen);
            }
        }
        if !self.non_centred.is_empty() {
            let facets = project.facets()?;
            let mut indices = Vec::new();
            for name in &self.non_centred {
                let index = facets.iter().position(|f| f.name == *name).ok_or_else(|| {
                    PipelineError::InvalidSetting(format!(
                        "non-centred: no facet `{name}`; facets: {}",
                        facets
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                indices.push(index);
            }
            options.non_centred = Some(indices);
        }
        let recode = self
            .recode
            .as_ref()
            .map(|r| r.resolve_for(project))
            .transpose()?;
        if self.anchor_file.is_some() || self.anchor_run.is_some() {
            let (data, _) = project.ratings_for_fit()?;
            let data = match &recode {
                Some(recode) => recode.apply(&data)?,
                None => data,
            };
            options.anchors = match (&self.anchor_file, self.anchor_run) {
                (Some(file), _) => read_anchor_file(file, &data)?,
                (None, Some(run)) => anchors_from_run(project, run, &data)?,
                (None, None) => Default::default(),
            };
        }
        Ok(FitRequest {
            options,
            allow_disconnected: self.allow_disconnected,
            note: self.note.clone(),
            recode,
        })
    }
}

/// The choices of an export (`scalewright export`, a pipeline's `[[export]]`, the workbench's
/// Export screen).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// `objects`, `raters`, `items` or `joined`.
    #[serde(deserialize_with = "deserialize_from_str")]
    pub what: ExportKind,
    /// The output file: `.csv` (with a `.json` provenance sidecar), `.parquet` or `.json`.
    pub out: PathBuf,
    /// The run; `None`: the newest.
    #[serde(default)]
    pub run: Option<i64>,
    /// Name the columns as the MHS release does.
    #[serde(default)]
    pub mhs_columns: bool,
    /// `a + b * measure` in user units.
    #[serde(default)]
    pub rescale: Option<Rescale>,
    /// With `joined`: the original data file.
    #[serde(default)]
    pub join: Option<PathBuf>,
    /// Objects of an MML run: this many plausible values per object (`pv1..pvN`).
    #[serde(default)]
    pub plausible_values: Option<crate::measure::plausible::PlausibleDraws>,
    /// The seed of the plausible values (default [`crate::export::DEFAULT_PLAUSIBLE_SEED`]).
    #[serde(default)]
    pub plausible_seed: Option<u64>,
    /// `facets`: write the run's measures (non-object facets) and rating-scale thresholds as
    /// anchors.
    #[serde(default)]
    pub anchors: bool,
    /// `winsteps`: fold the rater facets into the persons (default) or the items.
    #[serde(default, deserialize_with = "deserialize_optional_from_str")]
    pub fold: Option<WinstepsFold>,
}

fn deserialize_optional_from_str<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = crate::options::OptionError>,
{
    deserialize_from_str(d).map(Some)
}

impl ExportSettings {
    /// Objects of the newest run to `out`, no rescaling.
    pub fn new(what: ExportKind, out: impl Into<PathBuf>) -> Self {
        ExportSettings {
            what,
            out: out.into(),
            run: None,
            mhs_columns: false,
            rescale: None,
            join: None,
            plausible_values: None,
            plausible_seed: None,
            anchors: false,
            fold: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convergence_defaults_follow_the_update_path_unless_given() {
        let facets = FitSettings {
            update: JmleUpdate::Facets,
            ..Default::default()
        }
        .options();
        assert_eq!(
            (
                facets.convergence.max_score_residual,
                facets.convergence.max_change
            ),
            (0.5, 0.01)
        );
        let winsteps = FitSettings {
            update: JmleUpdate::Winsteps,
            ..Default::default()
        };
        let options = winsteps.options();
        assert_eq!(options.update, JmleUpdate::Winsteps);
        assert_eq!(
            (
                options.convergence.max_score_residual,
                options.convergence.max_change
            ),
            (0.1, 0.005)
        );
        let explicit = FitSettings {
            max_residual: Some(0.3),
            ..winsteps
        }
        .options();
        assert_eq!(
            (
                explicit.convergence.max_score_residual,
                explicit.convergence.max_change
            ),
            (0.3, 0.005)
        );
    }

    #[test]
    fn settings_deserialise_through_the_same_parsers_as_the_command_line() {
        let settings: FitSettings =
            serde_json::from_str(r#"{"method":"mml","scale":"rsm","update":"winsteps"}"#).unwrap();
        assert_eq!(settings.method, Method::Mml);
        assert_eq!(settings.scale, ScaleModel::RatingScale);
        assert_eq!(settings.update, JmleUpdate::Winsteps);
        let err = serde_json::from_str::<FitSettings>(r#"{"method":"ucon"}"#).unwrap_err();
        assert_eq!(
            err.to_string().split(" at line").next().unwrap(),
            "ucon".parse::<Method>().unwrap_err().to_string()
        );
        let export: ExportSettings =
            serde_json::from_str(r#"{"what":"raters","out":"r.csv","rescale":[50,10]}"#).unwrap();
        assert_eq!(export.what, ExportKind::Raters);
        assert_eq!(export.rescale, Some(Rescale::new(50.0, 10.0).unwrap()));
        let err = serde_json::from_str::<ExportSettings>(
            r#"{"what":"objects","out":"o.csv","rescale":[0,0]}"#,
        )
        .unwrap_err();
        assert!(err
            .to_string()
            .starts_with(&"0,0".parse::<Rescale>().unwrap_err().to_string()));
    }
}
