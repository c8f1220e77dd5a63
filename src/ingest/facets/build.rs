//! From a read specification to a staged import and the project's model: facets and their
//! roles, the model lines' scales, the data lines checked against `Labels=` and the model.

use super::data::{read_data, DataModel, DataRead};
use super::parse::{FacetBlock, ModelLine, Spec, Term};
use super::{FacetsOptions, SpecError};
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

pub(super) fn fail<T>(
    path: &Path,
    line: usize,
    keyword: &str,
    value: &str,
    message: impl Into<String>,
) -> Result<T, IngestError> {
    Err(IngestError::Facets(Box::new(SpecError::new(
        path, line, keyword, value, message,
    ))))
}

/// The scale of one model line: the highest category, `Keep`, and the named block if any.
#[derive(Debug, Clone)]
struct LineScale {
    max: i64,
    keep: bool,
    named: Option<usize>,
}

/// `R`, `R9`, `RK`, `R9K`, `D`: the highest category and whether `K` is set.
fn scale_code(code: &str) -> Option<(i64, bool)> {
    let upper = code.trim().to_ascii_uppercase();
    if upper == "D" {
        return Some((1, false));
    }
    let rest = upper.strip_prefix('R')?;
    let (digits, keep) = match rest.strip_suffix('K') {
        Some(d) => (d, true),
        None => (rest, false),
    };
    let max = if digits.is_empty() {
        9
    } else {
        digits.parse::<i64>().ok()?
    };
    (1..=254).contains(&max).then_some((max, keep))
}

fn line_scale(path: &Path, spec: &Spec, model: &ModelLine) -> Result<LineScale, IngestError> {
    if let Some(w) = &model.weight {
        if w.parse::<f64>().ok() != Some(1.0) {
            return fail(
                path,
                model.line,
                "Models",
                &model.text,
                format!("model weight `{w}` is not supported (only 1)"),
            );
        }
    }
    if let Some(s) = spec
        .scales
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(&model.scale))
    {
        let block = &spec.scales[s];
        let Some((max, keep)) = scale_code(&block.structure) else {
            return fail(
                path,
                block.line,
                "Rating scale",
                &block.structure,
                "the scale structure must be R, Rnn, RK or D (B binomial, P Poisson and Dn are not supported)",
            );
        };
        if let Some(c) = block.categories.iter().find(|c| c.recode.is_some()) {
            return fail(
                path,
                c.line,
                "Rating scale",
                c.recode.as_deref().unwrap_or_default(),
                "recoding categories in Rating scale= is not supported; recode with `fit --recode`",
            );
        }
        if let Some(c) = block
            .categories
            .iter()
            .find(|c| c.number < 0 || c.number > max)
        {
            return fail(
                path,
                c.line,
                "Rating scale",
                &c.number.to_string(),
                format!("category {} lies outside the scale's 0-{max}", c.number),
            );
        }
        let keep = keep || block.keep || block.categories.iter().any(|c| c.keep);
        return Ok(LineScale {
            max,
            keep,
            named: Some(s),
        });
    }
    match scale_code(&model.scale) {
        Some((max, keep)) => Ok(LineScale {
            max,
            keep,
            named: None,
        }),
        None => fail(
            path,
            model.line,
            "Models",
            &model.scale,
            "the scale is neither R, Rnn, RK, D nor the name of a Rating scale= (B, P and Dn are not supported)",
        ),
    }
}

/// A declared element: its position in the facet block, its number, label and value.
pub(super) struct Declared<'a> {
    pub(super) by_number: HashMap<i64, usize>,
    pub(super) by_label: HashMap<String, usize>,
    block: &'a FacetBlock,
}

impl<'a> Declared<'a> {
    fn new(block: &'a FacetBlock) -> Self {
        let by_number = block
            .elements
            .iter()
            .enumerate()
            .map(|(i, e)| (e.number, i))
            .collect();
        let by_label = block
            .elements
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.label.as_ref().map(|l| (l.to_lowercase(), i)))
            .collect();
        Declared {
            by_number,
            by_label,
            block,
        }
    }

    /// The project labels: the Facets label when present and unique, else the number.
    fn project_labels(&self) -> Vec<String> {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for e in &self.block.elements {
            if let Some(l) = &e.label {
                *count.entry(l.as_str()).or_default() += 1;
            }
        }
        let mut labels: Vec<String> = self
            .block
            .elements
            .iter()
            .map(|e| match &e.label {
                Some(l) if count[l.as_str()] == 1 && !l.is_empty() => l.clone(),
                _ => e.number.to_string(),
            })
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for l in &labels {
            *seen.entry(l.clone()).or_default() += 1;
        }
        for (i, e) in self.block.elements.iter().enumerate() {
            if seen[&labels[i]] > 1 {
                labels[i] = format!("{}: {}", e.number, e.label.as_deref().unwrap_or(""));
            }
        }
        labels
    }
}

/// Builds the staged import and the model of a read specification.
pub(super) fn build(
    path: &Path,
    spec_bytes: &[u8],
    spec: Spec,
    options: &FacetsOptions,
) -> Result<Staged, IngestError> {
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
    // Facet blocks 1..=n, each once.
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
        blocks[block.number - 1] = Some(block);
    }
    let blocks: Vec<&FacetBlock> = blocks
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
        .collect::<Result<_, _>>()?;
    let declared: Vec<Declared> = blocks.iter().map(|b| Declared::new(b)).collect();

    // Orientation and centring (Facets' defaults: Positive=1, Non-centered=1).
    let check_facets = |list: &Option<super::parse::AtLine<Vec<usize>>>,
                        keyword: &str|
     -> Result<(), IngestError> {
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
    };
    check_facets(&spec.positive, "Positive")?;
    check_facets(&spec.negative, "Negative")?;
    check_facets(&spec.non_centred, "Non-centered")?;
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

    // The object facet.
    let object = match &options.object {
        Some(name) => {
            let wanted = name.trim();
            let found = blocks.iter().position(|b| {
                b.number.to_string() == wanted || b.label.eq_ignore_ascii_case(wanted)
            });
            match found {
                Some(f) => f,
                None => {
                    return Err(IngestError::Read {
                        path: path.to_path_buf(),
                        message: format!(
                            "--object {wanted}: no such facet; the facets are {}",
                            blocks
                                .iter()
                                .map(|b| format!("{} ({})", b.number, b.label))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
                }
            }
        }
        None => {
            let usable = |f: usize| !blocks[f].dummy && !blocks[f].anchored;
            match (0..n)
                .find(|&f| positive[f] && non_centred[f] && usable(f))
                .or_else(|| (0..n).find(|&f| positive[f] && usable(f)))
            {
                Some(f) => f,
                None => {
                    return fail(
                        path,
                        spec.positive.as_ref().map_or(labels_line, |p| p.line),
                        "Positive",
                        "",
                        "no facet is positively oriented, so the object facet is unclear; name it with --object",
                    )
                }
            }
        }
    };

    // The model lines.
    if spec.models.is_empty() {
        return fail(
            path,
            facets.line,
            "Models",
            "",
            "no Models= line: give at least one, e.g. Models = ?,?,?,R9",
        );
    }
    for m in &spec.models {
        if m.terms.len() != n {
            return fail(
                path,
                m.line,
                "Models",
                &m.text,
                format!("{} terms for {n} facets", m.terms.len()),
            );
        }
    }
    let scales: Vec<LineScale> = spec
        .models
        .iter()
        .map(|m| line_scale(path, &spec, m))
        .collect::<Result<_, _>>()?;
    let mut each: Vec<usize> = Vec::new();
    let mut restricted: Vec<usize> = Vec::new();
    for m in &spec.models {
        for (f, (term, _)) in m.terms.iter().enumerate() {
            match term {
                Term::Each if !each.contains(&f) => each.push(f),
                Term::Elements(_) if !restricted.contains(&f) => restricted.push(f),
                _ => {}
            }
        }
    }
    let model_error = |m: &ModelLine, message: String| -> Result<(), IngestError> {
        fail(path, m.line, "Models", &m.text, message)
    };
    if each.len() > 1 {
        model_error(
            &spec.models[0],
            "partial credit (#) by more than one facet is not supported".into(),
        )?;
    }
    if restricted.len() > 1 || (restricted.len() == 1 && !each.is_empty()) {
        let m = spec
            .models
            .iter()
            .find(|m| m.terms.iter().any(|(t, _)| matches!(t, Term::Elements(_))))
            .unwrap_or(&spec.models[0]);
        model_error(
            m,
            "model lines may restrict the elements of one facet only, and not together with #"
                .into(),
        )?;
    }
    if restricted.is_empty() && spec.models.len() > 1 {
        model_error(
            &spec.models[1],
            "several model lines must differ by the elements of one facet (e.g. one line per item)"
                .into(),
        )?;
    }
    let item = match restricted.first() {
        Some(&r) => r,
        // The last facet other than the objects, a dummy facet only if nothing else is left.
        None => (0..n)
            .rev()
            .find(|&f| f != object && !blocks[f].dummy)
            .or_else(|| (0..n).rev().find(|&f| f != object))
            .unwrap_or(0),
    };
    if item == object {
        let m = &spec.models[0];
        model_error(
            m,
            format!(
                "the model lines restrict the object facet ({}); restrict the items instead",
                blocks[object].label
            ),
        )?;
    }
    // Which model line each item element falls under (the first that matches, as Facets).
    let line_of_item = |number: i64| -> Option<usize> {
        spec.models.iter().position(|m| match &m.terms[item].0 {
            Term::Any | Term::Each => true,
            Term::Elements(list) => list.contains(&number),
        })
    };
    let scale = if let Some(&f) = each.first() {
        ScaleKind::PartialCredit(f)
    } else if spec.models.len() > 1 {
        for m in &spec.models {
            if let Term::Elements(list) = &m.terms[item].0 {
                if list.len() > 1 {
                    model_error(
                        m,
                        "one rating scale shared by a group of elements, beside other model lines, is not supported: give each element its own line, or use # for partial credit".into(),
                    )?;
                }
            }
        }
        ScaleKind::PartialCredit(item)
    } else {
        ScaleKind::RatingScale
    };

    let data_model = DataModel {
        blocks: &blocks,
        declared: &declared,
        item,
        line_of_item: &line_of_item,
        max: &scales.iter().map(|s| s.max).collect::<Vec<_>>(),
        labels_line,
        data_line,
    };
    let DataRead {
        observations,
        missing_by_item,
        unmatched,
        duplicates,
        lines: data_lines,
        bytes: data_bytes,
    } = read_data(path, &spec, &data_model)?;

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
    if unmatched > 0 {
        report.warning(
            None,
            None,
            None,
            format!(
                "{unmatched} observation(s) match no model line and are left out, as Facets does"
            ),
        );
    }
    if duplicates > 0 {
        report.warning(
            None,
            None,
            None,
            format!("{duplicates} observation(s) repeat an identical one and are counted once"),
        );
    }

    // Facets in the project's order: object, raters (specification order), item.
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

    // Elements used by the data, in Labels= order.
    let mut used: Vec<Vec<bool>> = blocks
        .iter()
        .map(|b| vec![false; b.elements.len()])
        .collect();
    for obs in &observations {
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

    // Items: their scales.
    // The lowest category of a line's scale: 0 (Facets' R), or the lowest category its
    // Rating scale= lists when that is higher and no observation lies below it.
    let mut observed_low: Vec<i64> = vec![i64::MAX; spec.models.len()];
    for o in &observations {
        if let Some(m) = line_of_item(blocks[item].elements[o.elements[item]].number) {
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
        .map(|e| line_of_item(e.number).map_or(0, |m| scales[m].max))
        .collect();
    let item_low: Vec<i64> = blocks[item]
        .elements
        .iter()
        .map(|e| line_of_item(e.number).map_or(0, |m| line_low[m]))
        .collect();
    let items: Vec<ItemConfig> = (0..blocks[item].elements.len())
        .filter(|&e| used[item][e])
        .map(|e| ItemConfig {
            name: project_labels[item][e].clone(),
            column: None,
            categories: (item_low[e]..=item_max[e]).collect(),
            recode: None,
            reversed: false,
        })
        .collect();
    let mut missing_responses = vec![0usize; items.len()];
    for (e, count) in &missing_by_item {
        if index_of[item][*e] != u32::MAX {
            missing_responses[index_of[item][*e] as usize] += count;
        }
    }

    let mut obs = StagedObservations {
        raters: vec![Vec::with_capacity(observations.len()); raters.len()],
        ..StagedObservations::default()
    };
    for o in &observations {
        obs.source_row.push(o.line as u32);
        obs.object.push(index_of[object][o.elements[object]]);
        for (r, &f) in raters.iter().enumerate() {
            obs.raters[r].push(index_of[f][o.elements[f]]);
        }
        obs.item.push(index_of[item][o.elements[item]]);
        // Scores were checked to lie in the model's categories (0 to its top) when read.
        obs.raw.push(o.score as i32);
        obs.score.push(o.score as i32);
    }

    let config = DatasetConfig {
        name: spec.title.clone(),
        layout: Layout::Long,
        separator: None,
        object: name_of[object].clone(),
        raters: raters.iter().map(|&f| name_of[f].clone()).collect(),
        text: None,
        attributes: AttributeColumns::default(),
        long: Some(LongColumns {
            item: item_column,
            score: "score".into(),
        }),
        items,
    };

    // The model.
    let anchored_or_dummy = |f: usize| {
        blocks[f].dummy
            || (blocks[f].anchored && blocks[f].elements.iter().any(|e| e.value.is_some()))
    };
    let floating: Vec<usize> = (0..n)
        .filter(|&f| non_centred[f] && !anchored_or_dummy(f))
        .collect();
    let nc_line = spec.non_centred.as_ref().map_or(facets.line, |l| l.line);
    if floating.len() > 1 {
        return fail(
            path,
            nc_line,
            "Non-centered",
            &floating.iter().map(|f| (f + 1).to_string()).collect::<Vec<_>>().join(","),
            "more than one facet floats (non-centred, not anchored): the frame of reference needs exactly one, or anchors",
        );
    }
    if floating.is_empty() && !(0..n).any(anchored_or_dummy) {
        return fail(
            path,
            nc_line,
            "Non-centered",
            "",
            "every facet is centred and none is anchored: one facet must float",
        );
    }
    let model_facets: Vec<ModelFacet> = order
        .iter()
        .map(|&f| {
            let block = blocks[f];
            let bias = spec.models.iter().any(|m| m.terms[f].1);
            ModelFacet {
                name: name_of[f].clone(),
                label: block.label.clone(),
                number: block.number,
                positive: positive[f],
                non_centred: non_centred[f],
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
        .collect();
    let keep_unobserved = scales.iter().any(|s| s.keep);
    let named = match scale {
        ScaleKind::RatingScale => scales[0].named.map(|s| &spec.scales[s]),
        ScaleKind::PartialCredit(_) => None,
    };
    let threshold_anchors = match named {
        Some(block) if block.categories.iter().any(|c| c.anchored) => {
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
            Some(values)
        }
        _ => None,
    };
    let model = ProjectModel {
        origin: format!("Facets specification {}", path.display()),
        title: spec.title.clone(),
        facets: model_facets,
        scale: match scale {
            ScaleKind::RatingScale => ModelScale::RatingScale,
            ScaleKind::PartialCredit(f) => ModelScale::PartialCredit {
                facet: name_of[f].clone(),
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
    };

    let mut sha_input = spec_bytes.to_vec();
    sha_input.extend_from_slice(&data_bytes);
    let fingerprint = FileFingerprint {
        sha256: crate::provenance::sha256_hex(&sha_input),
        bytes: sha_input.len() as u64,
        invalid_utf8: None,
    };
    let n_objects = labels_of[object].len();
    let staged_facet = |f: usize| StagedFacet {
        name: name_of[f].clone(),
        labels: labels_of[f].clone(),
        attributes: Vec::new(),
    };
    Ok(Staged {
        source: path.to_path_buf(),
        fingerprint,
        config,
        rows: data_lines,
        objects: staged_facet(object),
        object_texts: vec![None; n_objects],
        rater_facets: raters.iter().map(|&f| staged_facet(f)).collect(),
        observations: obs,
        missing_responses,
        duplicates_dropped: duplicates,
        report,
        model: Some(model),
    })
}

/// A criterion Facets switched off (`Convergence = 0, ...`): large enough never to bind.
pub const NO_CRITERION: f64 = 1e12;

#[derive(Debug, Clone, Copy)]
enum ScaleKind {
    RatingScale,
    PartialCredit(usize),
}
