//! The project's own measurement model: what a Facets specification said about orientation,
//! centring, anchors, dummy facets, the scale structure and the stopping rules.
//!
//! A project ingested from CSV + TOML has no stored model: `fit` uses its own defaults. A
//! project ingested from a Facets specification (`ingest SPEC --facets`) stores one (in the
//! project's `meta` table, as JSON), and every fit of the project starts from it; the fit's own
//! options override it (see [`ProjectModel::apply`]). Facets and elements are named, not
//! numbered, so the model reads the same whatever indices the store gives them.

use crate::data::Facet;
use crate::measure::{
    Convergence, ElementAnchor, FitOptions, JmleUpdate, ScaleAnchor, ScaleModel,
    UnobservedCategories,
};
use serde::{Deserialize, Serialize};

/// One facet of the model, in the project's facet order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFacet {
    /// The project's name of the facet (`item` for the item facet).
    pub name: String,
    /// The facet's label in the specification (Facets' `Labels=` header), e.g. `Traits`.
    pub label: String,
    /// The facet's number in the specification (1-based).
    pub number: usize,
    /// Positively oriented (Facets `Positive=`).
    pub positive: bool,
    /// Floats: not centred on 0 (Facets `Non-centered=`).
    pub non_centred: bool,
    /// A dummy facet (`,D`): every element anchored at 0, there for bias analysis only.
    pub dummy: bool,
    /// Marked for bias analysis in the model (`?B`).
    pub bias: bool,
    /// Per element of the facet (by label): its number in the specification.
    pub numbers: Vec<(String, i64)>,
    /// Anchored elements (by label) and their measures in the facet's own orientation.
    pub anchors: Vec<(String, f64)>,
}

/// How the categories are shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelScale {
    /// One rating scale shared by every observation (`?,?,?,R9`).
    RatingScale,
    /// One scale per element of the named facet (`#` in a model line, or one model line per
    /// item).
    PartialCredit {
        /// The project's name of the facet whose elements own a scale.
        facet: String,
    },
}

/// The model a project was ingested with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectModel {
    /// Where the model came from (e.g. `Facets specification guilford.txt`).
    pub origin: String,
    /// The specification's `Title=`.
    pub title: Option<String>,
    /// The facets, in the project's order (object, raters, item).
    pub facets: Vec<ModelFacet>,
    /// Shared rating scale or partial credit.
    pub scale: ModelScale,
    /// The name of the rating scale in the specification (`Rating scale = Creativity,R9`).
    pub scale_name: Option<String>,
    /// Category labels of the rating scale: (category, label).
    pub category_labels: Vec<(i64, String)>,
    /// Keep unobserved intermediate categories (Facets `K`).
    pub keep_unobserved: bool,
    /// Anchored Rasch-Andrich thresholds of the shared rating scale (`F_1..F_m`).
    pub threshold_anchors: Option<Vec<f64>>,
    /// `Convergence =`: largest score residual and largest change.
    pub convergence: Option<(f64, f64)>,
    /// `Iterations =` (a positive cap).
    pub max_iterations: Option<usize>,
    /// `Xtreme =`: the extreme-score adjustment of estimation.
    pub extreme_adjustment: Option<f64>,
    /// `Unexpected =`: |standardized residual| from which a response is unexpected.
    pub unexpected_z: Option<f64>,
    /// The JMLE path that reproduces the source program (`facets` for a Facets specification).
    pub update: JmleUpdate,
}

/// What a fit's own settings already chose; the model fills in the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Chosen {
    /// The scale structure was given.
    pub scale: bool,
    /// The update path was given.
    pub update: bool,
    /// The largest score residual was given.
    pub max_residual: bool,
    /// The largest change was given.
    pub max_change: bool,
    /// The iteration cap was given.
    pub max_iterations: bool,
    /// The non-centred facets were given.
    pub non_centred: bool,
    /// Anchors were given (a file or a run).
    pub anchors: bool,
}

/// The key of the stored model in the project's `meta` table.
pub const MODEL_META_KEY: &str = "model";

impl ProjectModel {
    /// The index of the facet called `name` among `facets`.
    fn index(facets: &[Facet], name: &str) -> Option<usize> {
        facets.iter().position(|f| f.name == name)
    }

    /// Fills the options a fit left at their defaults from the model. `facets` are the
    /// project's facets (names and element labels); model facets or elements the project does
    /// not have (anymore) are skipped.
    pub fn apply(&self, options: &mut FitOptions, facets: &[Facet], chosen: Chosen) {
        if !chosen.scale {
            options.scale_model = match &self.scale {
                ModelScale::RatingScale => ScaleModel::RatingScale,
                ModelScale::PartialCredit { facet } => ScaleModel::PartialCredit {
                    facet: Self::index(facets, facet),
                },
            };
        }
        if !chosen.update {
            options.update = self.update;
        }
        let defaults = Convergence::default_for(options.update);
        if !chosen.max_residual {
            options.convergence.max_score_residual = self
                .convergence
                .map_or(defaults.max_score_residual, |c| c.0);
        }
        if !chosen.max_change {
            options.convergence.max_change = self.convergence.map_or(defaults.max_change, |c| c.1);
        }
        if let (false, Some(cap)) = (chosen.max_iterations, self.max_iterations) {
            options.convergence.max_iterations = cap;
        }
        if self.keep_unobserved {
            options.unobserved_categories = UnobservedCategories::Keep;
        }
        if let Some(x) = self.extreme_adjustment {
            options.extreme_adjustment = x;
        }
        if let Some(z) = self.unexpected_z {
            options.unexpected_z = z;
        }
        let indexed: Vec<(usize, &ModelFacet)> = self
            .facets
            .iter()
            .filter_map(|m| Self::index(facets, &m.name).map(|i| (i, m)))
            .collect();
        options.positive = Some(
            indexed
                .iter()
                .filter(|(_, m)| m.positive)
                .map(|(i, _)| *i)
                .collect(),
        );
        if !chosen.non_centred {
            options.non_centred = Some(
                indexed
                    .iter()
                    .filter(|(_, m)| m.non_centred)
                    .map(|(i, _)| *i)
                    .collect(),
            );
        }
        if !chosen.anchors {
            for (f, m) in &indexed {
                let labels = &facets[*f].labels;
                let element = |label: &str| labels.iter().position(|l| l == label);
                if m.dummy {
                    options
                        .anchors
                        .elements
                        .extend((0..labels.len()).map(|e| ElementAnchor {
                            facet: *f,
                            element: e as u32,
                            measure: 0.0,
                        }));
                } else {
                    options.anchors.elements.extend(m.anchors.iter().filter_map(
                        |(label, value)| {
                            element(label).map(|e| ElementAnchor {
                                facet: *f,
                                element: e as u32,
                                measure: *value,
                            })
                        },
                    ));
                }
            }
            if let (Some(thresholds), ScaleModel::RatingScale) =
                (&self.threshold_anchors, options.scale_model)
            {
                options.anchors.scales.push(ScaleAnchor {
                    element: None,
                    thresholds: thresholds.clone(),
                });
            }
        }
    }

    /// The model facet called `name`.
    pub fn facet(&self, name: &str) -> Option<&ModelFacet> {
        self.facets.iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::FacetRole;

    fn model() -> ProjectModel {
        let facet = |name: &str, positive, non_centred, dummy| ModelFacet {
            name: name.into(),
            label: name.into(),
            number: 1,
            positive,
            non_centred,
            dummy,
            bias: false,
            numbers: vec![],
            anchors: vec![],
        };
        ProjectModel {
            origin: "test".into(),
            title: None,
            facets: vec![
                facet("examinee", true, false, false),
                facet("judge", false, true, false),
                facet("session", false, false, true),
                facet("item", false, false, false),
            ],
            scale: ModelScale::RatingScale,
            scale_name: None,
            category_labels: vec![],
            keep_unobserved: false,
            threshold_anchors: None,
            convergence: Some((0.1, 0.001)),
            max_iterations: Some(40),
            extreme_adjustment: Some(0.25),
            unexpected_z: Some(2.0),
            update: JmleUpdate::Facets,
        }
    }

    fn facets() -> Vec<Facet> {
        vec![
            Facet::with_labels("examinee", FacetRole::Object, ["a", "b"]),
            Facet::with_labels("judge", FacetRole::Rater, ["j"]),
            Facet::with_labels("session", FacetRole::Rater, ["s1", "s2"]),
            Facet::with_labels("item", FacetRole::Item, ["i"]),
        ]
    }

    #[test]
    fn the_model_fills_what_the_fit_left_open_and_yields_to_what_it_chose() {
        let mut options = FitOptions::default();
        model().apply(&mut options, &facets(), Chosen::default());
        assert_eq!(options.scale_model, ScaleModel::RatingScale);
        assert_eq!(options.update, JmleUpdate::Facets);
        assert_eq!(options.convergence.max_score_residual, 0.1);
        assert_eq!(options.convergence.max_change, 0.001);
        assert_eq!(options.convergence.max_iterations, 40);
        assert_eq!(options.extreme_adjustment, 0.25);
        assert_eq!(options.unexpected_z, 2.0);
        assert_eq!(options.positive, Some(vec![0]));
        assert_eq!(options.non_centred, Some(vec![1]));
        // The dummy facet's two elements are anchored at 0.
        let anchored: Vec<(usize, u32, f64)> = options
            .anchors
            .elements
            .iter()
            .map(|a| (a.facet, a.element, a.measure))
            .collect();
        assert_eq!(anchored, vec![(2, 0, 0.0), (2, 1, 0.0)]);

        let mut chosen = FitOptions {
            scale_model: ScaleModel::default(),
            ..FitOptions::default()
        };
        chosen.convergence.max_change = 0.05;
        model().apply(
            &mut chosen,
            &facets(),
            Chosen {
                scale: true,
                max_change: true,
                non_centred: true,
                anchors: true,
                ..Chosen::default()
            },
        );
        assert_eq!(chosen.scale_model, ScaleModel::default());
        assert_eq!(chosen.convergence.max_change, 0.05);
        assert_eq!(chosen.convergence.max_score_residual, 0.1);
        assert_eq!(chosen.non_centred, None);
        assert!(chosen.anchors.elements.is_empty());
    }
}
