//! The project's measurement model from a specification: the frame of reference (exactly one
//! facet floats, or anchors fix it), each facet's orientation, centring and anchors, the
//! rating scales' threshold anchors and the stopping rules.

use super::*;
/// Whether facet `f` is fixed without centring: a dummy facet, or anchored with element values.
pub(super) fn anchored_or_dummy(block: &FacetBlock) -> bool {
    block.dummy || (block.anchored && block.elements.iter().any(|e| e.value.is_some()))
}

/// The frame of reference: exactly one facet floats (non-centred, not anchored), or anchors fix
/// it.
pub(super) fn check_frame_of_reference(
    path: &Path,
    spec: &Spec,
    declaration: &Declaration,
    orientation: &Orientation,
) -> Result<(), IngestError> {
    let blocks = &declaration.blocks;
    let n = declaration.n;
    let floating: Vec<usize> = (0..n)
        .filter(|&f| orientation.non_centred[f] && !anchored_or_dummy(blocks[f]))
        .collect();
    let nc_line = spec
        .non_centred
        .as_ref()
        .map_or(declaration.facets_line, |l| l.line);
    if floating.len() > 1 {
        return fail(
            path,
            nc_line,
            "Non-centered",
            &floating.iter().map(|f| (f + 1).to_string()).collect::<Vec<_>>().join(","),
            "more than one facet floats (non-centred, not anchored): the frame of reference needs exactly one, or anchors",
        );
    }
    if floating.is_empty() && !blocks.iter().any(|b| anchored_or_dummy(b)) {
        return fail(
            path,
            nc_line,
            "Non-centered",
            "",
            "every facet is centred and none is anchored: one facet must float",
        );
    }
    Ok(())
}

/// The model's facets in the project's order: orientation, centring, dummy, bias terms, the
/// stored elements' Facets numbers and anchor values.
pub(super) fn model_facets(
    spec: &Spec,
    declaration: &Declaration,
    orientation: &Orientation,
    roles: &Roles,
    elements: &UsedElements,
) -> Vec<ModelFacet> {
    let UsedElements {
        used,
        project_labels,
        ..
    } = elements;
    roles
        .order
        .iter()
        .map(|&f| {
            let block = declaration.blocks[f];
            let bias = spec.models.iter().any(|m| m.terms[f].1);
            ModelFacet {
                name: roles.name_of[f].clone(),
                label: block.label.clone(),
                number: block.number,
                positive: orientation.positive[f],
                non_centred: orientation.non_centred[f],
                dummy: block.dummy,
                bias,
                numbers: block
                    .elements
                    .iter()
                    .enumerate()
                    .filter(|(e, _)| used[f][*e])
                    .map(|(e, el)| (project_labels[f][e].clone(), el.number))
                    .collect(),
                anchors: if block.anchored {
                    block
                        .elements
                        .iter()
                        .enumerate()
                        .filter(|(e, _)| used[f][*e])
                        .filter_map(|(e, el)| el.value.map(|v| (project_labels[f][e].clone(), v)))
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// The anchored Rasch-Andrich thresholds of a named rating scale: the values of its anchored
/// categories above the lowest, in category order; every one above the lowest must be given.
pub(super) fn threshold_anchors(
    path: &Path,
    named: Option<&ScaleBlock>,
) -> Result<Option<Vec<f64>>, IngestError> {
    let Some(block) = named.filter(|b| b.categories.iter().any(|c| c.anchored)) else {
        return Ok(None);
    };
    let mut anchored: Vec<_> = block.categories.iter().filter(|c| c.anchored).collect();
    anchored.sort_by_key(|c| c.number);
    let values: Vec<f64> = anchored
        .iter()
        .skip(1)
        .map(|c| c.value.unwrap_or(0.0))
        .collect();
    if values.is_empty() {
        return fail(
            path,
            anchored[0].line,
            "Rating scale",
            &anchored[0].number.to_string(),
            "anchor the thresholds of every category above the lowest (`k = label, value, A`)",
        );
    }
    Ok(Some(values))
}

/// The project's model from the specification: facets, rating scale or partial credit, the
/// named scale's labels and anchors, and Facets' stopping rules.
pub(super) fn project_model(
    path: &Path,
    spec: &Spec,
    declaration: &Declaration,
    orientation: &Orientation,
    lines: &ModelLines,
    roles: &Roles,
    elements: &UsedElements,
) -> Result<ProjectModel, IngestError> {
    let facets = model_facets(spec, declaration, orientation, roles, elements);
    let keep_unobserved = lines.scales.iter().any(|s| s.keep);
    let named = match lines.scale {
        ScaleKind::RatingScale => lines.scales[0].named.map(|s| &spec.scales[s]),
        ScaleKind::PartialCredit(_) => None,
    };
    let threshold_anchors = threshold_anchors(path, named)?;
    Ok(ProjectModel {
        origin: format!("Facets specification {}", path.display()),
        title: spec.title.clone(),
        facets,
        scale: match lines.scale {
            ScaleKind::RatingScale => ModelScale::RatingScale,
            ScaleKind::PartialCredit(f) => ModelScale::PartialCredit {
                facet: roles.name_of[f].clone(),
            },
        },
        scale_name: named.map(|b| b.name.clone()),
        category_labels: named
            .map(|b| {
                b.categories
                    .iter()
                    .filter(|c| !c.label.is_empty())
                    .map(|c| (c.number, c.label.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        keep_unobserved,
        threshold_anchors,
        convergence: spec.convergence.as_ref().map(|c| {
            // 0 means "no criterion" in Facets.
            let none = |v: f64| if v == 0.0 { NO_CRITERION } else { v };
            (none(c.value.0), none(c.value.1))
        }),
        max_iterations: spec.iterations.as_ref().map(|i| i.value).filter(|&i| i > 0),
        extreme_adjustment: spec.xtreme.as_ref().map(|x| x.value),
        unexpected_z: spec.unexpected.as_ref().map(|u| u.value),
        update: JmleUpdate::Facets,
    })
}

/// A criterion Facets switched off (`Convergence = 0, ...`): large enough never to bind.
pub const NO_CRITERION: f64 = 1e12;
