//! From a read specification to a staged import and the project's model: facets and their
//! roles, the model lines' scales, the data lines checked against `Labels=` and the model.

use super::data::{read_data, DataModel, DataRead, Observation};
use super::declared::{fail, Declared};
use super::parse::{AtLine, FacetBlock, ModelLine, ScaleBlock, Spec, Term};
use super::{FacetsOptions, SpecError, SpecRemedy};
use crate::config::{
    AttributeColumns, DatasetConfig, ItemConfig, Layout, LongColumns, ModelFacet, ModelScale,
    ProjectModel,
};
use crate::ingest::{
    FileFingerprint, IngestError, Staged, StagedFacet, StagedObservations, ValidationReport,
    DEFAULT_MAX_PROBLEMS,
};
use crate::measure::JmleUpdate;
use std::collections::HashMap;
use std::path::Path;

mod frame;
mod model_lines;

pub use frame::NO_CRITERION;
use frame::{check_frame_of_reference, project_model};
use model_lines::{line_of_item, model_lines, ModelLines, ScaleKind};

/// The facets a specification declares (`Facets=` and a `Labels=` block for each) and the
/// lines later messages point at.
struct Declaration<'a> {
    /// `Facets = n`: how many facets the data have.
    n: usize,
    /// The line of `Facets=`.
    facets_line: usize,
    /// The line of `Labels=`.
    labels_line: usize,
    /// The line of `Data=` (else the first model or labels line).
    data_line: usize,
    /// The `Labels=` block of facet `f + 1` at `f`.
    blocks: Vec<&'a FacetBlock>,
}

/// Each facet's orientation and centring (Facets' defaults: `Positive = 1`,
/// `Non-centered = 1`).
struct Orientation {
    /// Higher measures mean more of the facet's ability (else its difficulty or severity).
    positive: Vec<bool>,
    /// The facet floats rather than being centred at 0 logits.
    non_centred: Vec<bool>,
}

/// The facets' roles in the project and their column names: the object facet, the raters (in
/// specification order) and the item facet.
struct Roles {
    object: usize,
    item: usize,
    /// The rater facets, in specification order.
    raters: Vec<usize>,
    /// The project's order: object, raters, item.
    order: Vec<usize>,
    /// The project's name of each facet.
    name_of: Vec<String>,
    /// The long layout's item column (the item facet's label when free).
    item_column: String,
}

/// The elements the data use, in `Labels=` order, and how they are stored.
struct UsedElements {
    /// Per facet and declared element: whether an observation names it.
    used: Vec<Vec<bool>>,
    /// Per facet and declared element: its project label.
    project_labels: Vec<Vec<String>>,
    /// Per facet and declared element: its index among the stored elements (`u32::MAX`: unused).
    index_of: Vec<Vec<u32>>,
    /// Per facet: the labels of the stored elements.
    labels_of: Vec<Vec<String>>,
}

/// Builds the staged import and the model of a read specification.
pub(super) fn build(
    path: &Path,
    spec_bytes: &[u8],
    spec: Spec,
    options: &FacetsOptions,
) -> Result<Staged, IngestError> {
    let declaration = declaration(path, &spec)?;
    let blocks = &declaration.blocks;
    let declared: Vec<Declared> = blocks.iter().map(|b| Declared::new(b)).collect();
    let orientation = orientation(path, &spec, declaration.n)?;
    let object = object_facet(path, &spec, options, &declaration, &orientation)?;
    let lines = model_lines(path, &spec, &declaration, object)?;
    let item = lines.item;
    let line_of = |number: i64| line_of_item(&spec.models, item, number);
    let data_model = DataModel {
        blocks,
        declared: &declared,
        item,
        line_of_item: &line_of,
        max: &lines.scales.iter().map(|s| s.max).collect::<Vec<_>>(),
        labels_line: declaration.labels_line,
        data_line: declaration.data_line,
    };
    let data = read_data(path, &spec, &data_model)?;

    let mut report = warnings(path, &spec, blocks, &data);
    let roles = roles(blocks, object, item);
    let elements = used_elements(blocks, &declared, &data.observations, &mut report);
    let items = item_configs(&spec, blocks, &lines, &data.observations, &elements);
    let missing_responses = missing_responses(&data, item, items.len(), &elements);
    let observations = staged_observations(&data.observations, &roles, &elements);
    let config = dataset_config(&spec, &roles, items);
    check_frame_of_reference(path, &spec, &declaration, &orientation)?;
    let model = project_model(
        path,
        &spec,
        &declaration,
        &orientation,
        &lines,
        &roles,
        &elements,
    )?;

    let staged_facet = |f: usize| StagedFacet {
        name: roles.name_of[f].clone(),
        labels: elements.labels_of[f].clone(),
        attributes: Vec::new(),
    };
    Ok(Staged {
        source: path.to_path_buf(),
        fingerprint: fingerprint(spec_bytes, &data.bytes),
        config,
        rows: data.lines,
        objects: staged_facet(object),
        object_texts: vec![None; elements.labels_of[object].len()],
        rater_facets: roles.raters.iter().map(|&f| staged_facet(f)).collect(),
        observations,
        missing_responses,
        duplicates_dropped: data.duplicates,
        report,
        model: Some(model),
    })
}

/// `Facets=` and `Labels=` are given, and `Labels=` declares each facet 1 to n once.
fn declaration<'a>(path: &Path, spec: &'a Spec) -> Result<Declaration<'a>, IngestError> {
    let first_line = spec
        .models
        .first()
        .map(|m| m.line)
        .or(spec.labels)
        .or(spec.data.as_ref().map(|d| d.line))
        .unwrap_or(1);
    let Some(facets) = &spec.facets else {
        return fail(
            path,
            first_line,
            "Facets",
            "",
            "Facets= is missing: say how many facets the data have (e.g. Facets = 3)",
        );
    };
    let n = facets.value;
    let data_line = spec.data.as_ref().map_or(first_line, |d| d.line);
    let Some(labels_line) = spec.labels.filter(|_| !spec.facet_blocks.is_empty()) else {
        return fail(
            path,
            data_line,
            "Labels",
            "",
            "Labels= is missing: the data refer to elements that no Labels= declares",
        );
    };
    Ok(Declaration {
        n,
        facets_line: facets.line,
        labels_line,
        data_line,
        blocks: facet_blocks(path, spec, n, labels_line)?,
    })
}

/// The `Labels=` block of each facet 1 to n: none beyond `Facets = n`, none twice, none
/// missing.
fn facet_blocks<'a>(
    path: &Path,
    spec: &'a Spec,
    n: usize,
    labels_line: usize,
) -> Result<Vec<&'a FacetBlock>, IngestError> {
    let mut blocks: Vec<Option<&FacetBlock>> = vec![None; n];
    for block in &spec.facet_blocks {
        if block.number > n {
            return fail(
                path,
                block.line,
                "Labels",
                &block.number.to_string(),
                format!("facet {} is beyond Facets = {n}", block.number),
            );
        }
        if blocks[block.number - 1].is_some() {
            return fail(
                path,
                block.line,
                "Labels",
                &block.number.to_string(),
                format!("facet {} is declared twice", block.number),
            );
        }
        check_elements(path, block)?;
        blocks[block.number - 1] = Some(block);
    }
    blocks
        .into_iter()
        .enumerate()
        .map(|(f, b)| {
            b.ok_or_else(|| {
                IngestError::Facets(Box::new(SpecError::new(
                    path,
                    labels_line,
                    "Labels",
                    "",
                    format!("Labels= declares no facet {} (Facets = {n})", f + 1),
                )))
            })
        })
        .collect()
}

/// The elements of one facet's block: each number once, and 1 or more.
fn check_elements(path: &Path, block: &FacetBlock) -> Result<(), IngestError> {
    let mut numbers = HashMap::new();
    for e in &block.elements {
        if let Some(first) = numbers.insert(e.number, e.line) {
            return fail(
                path,
                e.line,
                "Labels",
                &e.number.to_string(),
                format!(
                    "element {} of facet {} is declared twice (first at line {first})",
                    e.number, block.number
                ),
            );
        }
        if e.number <= 0 {
            return fail(
                path,
                e.line,
                "Labels",
                &e.number.to_string(),
                "element numbers are 1 or more",
            );
        }
    }
    Ok(())
}

/// `Positive=`, `Negative=` and `Non-centered=` name facets within `Facets = n`; each facet's
/// orientation and centring (Facets' defaults: `Positive = 1`, `Non-centered = 1`).
fn orientation(path: &Path, spec: &Spec, n: usize) -> Result<Orientation, IngestError> {
    check_facet_list(path, &spec.positive, "Positive", n)?;
    check_facet_list(path, &spec.negative, "Negative", n)?;
    check_facet_list(path, &spec.non_centred, "Non-centered", n)?;
    let mut positive: Vec<bool> = (1..=n)
        .map(|f| {
            spec.positive
                .as_ref()
                .map_or(f == 1, |p| p.value.contains(&f))
        })
        .collect();
    if let Some(neg) = &spec.negative {
        for &f in &neg.value {
            positive[f - 1] = false;
        }
    }
    let non_centred: Vec<bool> = (1..=n)
        .map(|f| {
            spec.non_centred
                .as_ref()
                .map_or(f == 1, |p| p.value.contains(&f))
        })
        .collect();
    Ok(Orientation {
        positive,
        non_centred,
    })
}

/// A list of facet numbers after `keyword` names no facet beyond `Facets = n`.
fn check_facet_list(
    path: &Path,
    list: &Option<AtLine<Vec<usize>>>,
    keyword: &str,
    n: usize,
) -> Result<(), IngestError> {
    if let Some(l) = list {
        if let Some(f) = l.value.iter().find(|&&f| f > n) {
            return fail(
                path,
                l.line,
                keyword,
                &f.to_string(),
                format!("facet {f} is beyond Facets = {n}"),
            );
        }
    }
    Ok(())
}

/// The object facet: the one `--object` names (by number or label), else the first positively
/// oriented non-centred facet that is neither a dummy nor anchored (else the first positive one).
fn object_facet(
    path: &Path,
    spec: &Spec,
    options: &FacetsOptions,
    declaration: &Declaration,
    orientation: &Orientation,
) -> Result<usize, IngestError> {
    let blocks = &declaration.blocks;
    if let Some(name) = &options.object {
        let wanted = name.trim();
        let found = blocks
            .iter()
            .position(|b| b.number.to_string() == wanted || b.label.eq_ignore_ascii_case(wanted));
        return found.ok_or_else(|| IngestError::UnknownObjectFacet {
            path: path.to_path_buf(),
            wanted: wanted.to_string(),
            facets: blocks
                .iter()
                .map(|b| format!("{} ({})", b.number, b.label))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let Orientation {
        positive,
        non_centred,
    } = orientation;
    let usable = |f: usize| !blocks[f].dummy && !blocks[f].anchored;
    let n = declaration.n;
    match (0..n)
        .find(|&f| positive[f] && non_centred[f] && usable(f))
        .or_else(|| (0..n).find(|&f| positive[f] && usable(f)))
    {
        Some(f) => Ok(f),
        None => Err(IngestError::Facets(Box::new(
            SpecError::new(
                path,
                spec.positive
                    .as_ref()
                    .map_or(declaration.labels_line, |p| p.line),
                "Positive",
                "",
                "no facet is positively oriented, so the object facet is unclear; name the object facet",
            )
            .with_remedy(SpecRemedy::NameObjectFacet),
        ))),
    }
}

/// The import's warnings: keywords and values scalewright does not use, element values without
/// `,A`, and observations left out (no model line) or counted once (repeated).
fn warnings(path: &Path, spec: &Spec, blocks: &[&FacetBlock], data: &DataRead) -> ValidationReport {
    let mut report = ValidationReport::new(path.to_path_buf(), DEFAULT_MAX_PROBLEMS);
    if !spec.unused.is_empty() {
        report.warning(
            None,
            None,
            None,
            format!(
                "keywords scalewright does not use (they shape Facets' output, not the model; see docs/facets.md): {}",
                spec.unused
                    .iter()
                    .map(|(line, key)| format!("{key}= (line {line})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    for (line, what) in &spec.ignored {
        report.warning(Some(*line as u64), None, None, format!("not used: {what}"));
    }
    for (f, block) in blocks.iter().enumerate() {
        if !block.anchored {
            if let Some(e) = block.elements.iter().find(|e| e.value.is_some()) {
                report.warning(
                    Some(e.line as u64),
                    None,
                    None,
                    format!("facet {} ({}) has element values but no `,A` flag: Facets treats them as start values, scalewright does not use them", f + 1, block.label),
                );
            }
        }
    }
    if data.unmatched > 0 {
        report.warning(
            None,
            None,
            None,
            format!(
                "{} observation(s) match no model line and are left out, as Facets does",
                data.unmatched
            ),
        );
    }
    if data.duplicates > 0 {
        report.warning(
            None,
            None,
            None,
            format!(
                "{} observation(s) repeat an identical one and are counted once",
                data.duplicates
            ),
        );
    }
    report
}

/// The facets in the project's order (object, raters in specification order, item) and their
/// names: the `Labels=` label (else `facet N`), made unique against `item`, `score` and each
/// other.
fn roles(blocks: &[&FacetBlock], object: usize, item: usize) -> Roles {
    let n = blocks.len();
    let raters: Vec<usize> = (0..n).filter(|&f| f != object && f != item).collect();
    let order: Vec<usize> = std::iter::once(object)
        .chain(raters.iter().copied())
        .chain(std::iter::once(item))
        .collect();
    let mut taken: Vec<String> = vec![crate::data::ITEM_FACET.to_string(), "score".into()];
    let mut name_of = vec![String::new(); n];
    for &f in order.iter().filter(|&&f| f != item) {
        let base = if blocks[f].label.trim().is_empty() {
            format!("facet {}", f + 1)
        } else {
            blocks[f].label.trim().to_string()
        };
        let mut name = base.clone();
        if taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
            name = format!("{base} (facet {})", f + 1);
        }
        taken.push(name.clone());
        name_of[f] = name;
    }
    name_of[item] = crate::data::ITEM_FACET.to_string();
    let item_column = {
        let label = blocks[item].label.trim();
        if label.is_empty() || taken.iter().any(|t| t.eq_ignore_ascii_case(label)) {
            format!("facet {}", item + 1)
        } else {
            label.to_string()
        }
    };
    Roles {
        object,
        item,
        raters,
        order,
        name_of,
        item_column,
    }
}

/// The elements the observations use, in `Labels=` order; declared elements without
/// observations are not stored (one warning lists them per facet).
fn used_elements(
    blocks: &[&FacetBlock],
    declared: &[Declared],
    observations: &[Observation],
    report: &mut ValidationReport,
) -> UsedElements {
    let n = blocks.len();
    let mut used: Vec<Vec<bool>> = blocks
        .iter()
        .map(|b| vec![false; b.elements.len()])
        .collect();
    for obs in observations {
        for (f, &e) in obs.elements.iter().enumerate() {
            used[f][e] = true;
        }
    }
    let project_labels: Vec<Vec<String>> = declared.iter().map(Declared::project_labels).collect();
    let mut index_of: Vec<Vec<u32>> = Vec::with_capacity(n);
    let mut labels_of: Vec<Vec<String>> = Vec::with_capacity(n);
    let mut unused_elements: Vec<String> = Vec::new();
    for f in 0..n {
        let mut index = vec![u32::MAX; blocks[f].elements.len()];
        let mut labels = Vec::new();
        for (e, u) in used[f].iter().enumerate() {
            if *u {
                index[e] = labels.len() as u32;
                labels.push(project_labels[f][e].clone());
            }
        }
        let unused = used[f].iter().filter(|u| !**u).count();
        if unused > 0 {
            unused_elements.push(format!("{unused} of facet {} ({})", f + 1, blocks[f].label));
        }
        index_of.push(index);
        labels_of.push(labels);
    }
    if !unused_elements.is_empty() {
        report.warning(
            None,
            None,
            None,
            format!(
                "elements declared in Labels= without observations are not stored: {}",
                unused_elements.join(", ")
            ),
        );
    }
    UsedElements {
        used,
        project_labels,
        index_of,
        labels_of,
    }
}

/// The stored items and their categories: from the lowest to the highest category of the item's
/// model line. The lowest is 0 (Facets' R), or the lowest category its `Rating scale=` lists
/// when that is higher and no observation lies below it.
fn item_configs(
    spec: &Spec,
    blocks: &[&FacetBlock],
    lines: &ModelLines,
    observations: &[Observation],
    elements: &UsedElements,
) -> Vec<ItemConfig> {
    let item = lines.item;
    let scales = &lines.scales;
    let line_of = |number: i64| line_of_item(&spec.models, item, number);
    let mut observed_low: Vec<i64> = vec![i64::MAX; spec.models.len()];
    for o in observations {
        if let Some(m) = line_of(blocks[item].elements[o.elements[item]].number) {
            observed_low[m] = observed_low[m].min(o.score);
        }
    }
    let line_low: Vec<i64> = scales
        .iter()
        .enumerate()
        .map(|(m, s)| {
            let listed = s
                .named
                .and_then(|b| spec.scales[b].categories.iter().map(|c| c.number).min())
                .unwrap_or(0);
            listed.min(observed_low[m]).max(0)
        })
        .collect();
    let item_max: Vec<i64> = blocks[item]
        .elements
        .iter()
        .map(|e| line_of(e.number).map_or(0, |m| scales[m].max))
        .collect();
    let item_low: Vec<i64> = blocks[item]
        .elements
        .iter()
        .map(|e| line_of(e.number).map_or(0, |m| line_low[m]))
        .collect();
    (0..blocks[item].elements.len())
        .filter(|&e| elements.used[item][e])
        .map(|e| ItemConfig {
            name: elements.project_labels[item][e].clone(),
            column: None,
            categories: (item_low[e]..=item_max[e]).collect(),
            recode: None,
            reversed: false,
        })
        .collect()
}

/// Per stored item: the responses given as `.` (missing).
fn missing_responses(
    data: &DataRead,
    item: usize,
    n_items: usize,
    elements: &UsedElements,
) -> Vec<usize> {
    let mut missing_responses = vec![0usize; n_items];
    for (e, count) in &data.missing_by_item {
        if elements.index_of[item][*e] != u32::MAX {
            missing_responses[elements.index_of[item][*e] as usize] += count;
        }
    }
    missing_responses
}

/// The observations column-wise: source line, object, each rater facet, item and score.
fn staged_observations(
    observations: &[Observation],
    roles: &Roles,
    elements: &UsedElements,
) -> StagedObservations {
    let index_of = &elements.index_of;
    let mut obs = StagedObservations {
        raters: vec![Vec::with_capacity(observations.len()); roles.raters.len()],
        ..StagedObservations::default()
    };
    for o in observations {
        obs.source_row.push(o.line as u32);
        obs.object
            .push(index_of[roles.object][o.elements[roles.object]]);
        for (r, &f) in roles.raters.iter().enumerate() {
            obs.raters[r].push(index_of[f][o.elements[f]]);
        }
        obs.item.push(index_of[roles.item][o.elements[roles.item]]);
        // Scores were checked to lie in the model's categories (0 to its top) when read.
        obs.raw.push(o.score as i32);
        obs.score.push(o.score as i32);
    }
    obs
}

/// The project's dataset description: long layout, the facets' names, the items.
fn dataset_config(spec: &Spec, roles: &Roles, items: Vec<ItemConfig>) -> DatasetConfig {
    DatasetConfig {
        name: spec.title.clone(),
        layout: Layout::Long,
        separator: None,
        object: roles.name_of[roles.object].clone(),
        raters: roles
            .raters
            .iter()
            .map(|&f| roles.name_of[f].clone())
            .collect(),
        text: None,
        attributes: AttributeColumns::default(),
        long: Some(LongColumns {
            item: roles.item_column.clone(),
            score: "score".into(),
        }),
        items,
    }
}

/// The import's fingerprint: the SHA-256 of the specification's bytes followed by the data
/// file's.
fn fingerprint(spec_bytes: &[u8], data_bytes: &[u8]) -> FileFingerprint {
    let mut sha_input = spec_bytes.to_vec();
    sha_input.extend_from_slice(data_bytes);
    FileFingerprint {
        sha256: crate::provenance::sha256_hex(&sha_input),
        bytes: sha_input.len() as u64,
        invalid_utf8: None,
    }
}
