//! The model lines of a specification (`Models=`): each line's scale (its highest category,
//! `Keep`, a named `Rating scale=` block), which facet the lines tell apart (the item facet),
//! and whether the design is one rating scale or partial credit by a facet.

use super::*;
/// The scale of one model line: the highest category, `Keep`, and the named block if any.
#[derive(Debug, Clone)]
pub(super) struct LineScale {
    pub(super) max: i64,
    pub(super) keep: bool,
    pub(super) named: Option<usize>,
}

/// `R`, `R9`, `RK`, `R9K`, `D`: the highest category and whether `K` is set.
pub(super) fn scale_code(code: &str) -> Option<(i64, bool)> {
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

pub(super) fn line_scale(
    path: &Path,
    spec: &Spec,
    model: &ModelLine,
) -> Result<LineScale, IngestError> {
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
            return Err(IngestError::Facets(Box::new(
                SpecError::new(
                    path,
                    c.line,
                    "Rating scale",
                    c.recode.as_deref().unwrap_or_default(),
                    "recoding categories in Rating scale= is not supported; recode per run instead",
                )
                .with_remedy(SpecRemedy::RecodePerRun),
            )));
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

/// What the model lines say: each line's scale, the item facet, and rating scale or partial
/// credit.
pub(super) struct ModelLines {
    /// The scale of each model line.
    pub(super) scales: Vec<LineScale>,
    /// The facet the model lines tell apart (else the last facet other than the objects).
    pub(super) item: usize,
    /// One rating scale, or partial credit by a facet.
    pub(super) scale: ScaleKind,
}

/// The model lines: at least one, a term per facet, each line's scale, which facet they tell
/// apart (the item facet), and rating scale or partial credit.
pub(super) fn model_lines(
    path: &Path,
    spec: &Spec,
    declaration: &Declaration,
    object: usize,
) -> Result<ModelLines, IngestError> {
    let n = declaration.n;
    if spec.models.is_empty() {
        return fail(
            path,
            declaration.facets_line,
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
        .map(|m| line_scale(path, spec, m))
        .collect::<Result<_, _>>()?;
    let (each, restricted) = varying_facets(spec);
    check_varying_facets(path, spec, &each, &restricted)?;
    let blocks = &declaration.blocks;
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
        return model_error(
            path,
            &spec.models[0],
            format!(
                "the model lines restrict the object facet ({}); restrict the items instead",
                blocks[object].label
            ),
        );
    }
    let scale = scale_kind(path, spec, &each, item)?;
    Ok(ModelLines {
        scales,
        item,
        scale,
    })
}

/// Fails at model line `m` with `message`.
pub(super) fn model_error<T>(
    path: &Path,
    m: &ModelLine,
    message: String,
) -> Result<T, IngestError> {
    fail(path, m.line, "Models", &m.text, message)
}

/// The facets whose elements have their own scale (`#`) and those the model lines restrict to
/// some elements, each once in the order first met.
pub(super) fn varying_facets(spec: &Spec) -> (Vec<usize>, Vec<usize>) {
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
    (each, restricted)
}

/// Partial credit by one facet at most; model lines restrict one facet only (not together with
/// `#`), and several lines differ by that facet's elements.
pub(super) fn check_varying_facets(
    path: &Path,
    spec: &Spec,
    each: &[usize],
    restricted: &[usize],
) -> Result<(), IngestError> {
    if each.len() > 1 {
        model_error(
            path,
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
            path,
            m,
            "model lines may restrict the elements of one facet only, and not together with #"
                .into(),
        )?;
    }
    if restricted.is_empty() && spec.models.len() > 1 {
        model_error(
            path,
            &spec.models[1],
            "several model lines must differ by the elements of one facet (e.g. one line per item)"
                .into(),
        )?;
    }
    Ok(())
}

/// Rating scale (one model line), or partial credit by the `#` facet or by the items (one model
/// line per item element).
pub(super) fn scale_kind(
    path: &Path,
    spec: &Spec,
    each: &[usize],
    item: usize,
) -> Result<ScaleKind, IngestError> {
    if let Some(&f) = each.first() {
        return Ok(ScaleKind::PartialCredit(f));
    }
    if spec.models.len() <= 1 {
        return Ok(ScaleKind::RatingScale);
    }
    for m in &spec.models {
        if let Term::Elements(list) = &m.terms[item].0 {
            if list.len() > 1 {
                model_error(
                    path,
                    m,
                    "one rating scale shared by a group of elements, beside other model lines, is not supported: give each element its own line, or use # for partial credit".into(),
                )?;
            }
        }
    }
    Ok(ScaleKind::PartialCredit(item))
}

/// Which model line item element `number` falls under (the first that matches, as Facets).
pub(super) fn line_of_item(models: &[ModelLine], item: usize, number: i64) -> Option<usize> {
    models.iter().position(|m| match &m.terms[item].0 {
        Term::Any | Term::Each => true,
        Term::Elements(list) => list.contains(&number),
    })
}

#[derive(Debug, Clone, Copy)]
pub(super) enum ScaleKind {
    RatingScale,
    PartialCredit(usize),
}
