//! A project written back out as a Facets specification with its data inline
//! (`export --what facets`), which Facets and Minifac read and `ingest --facets` reads back to
//! the same model; optionally with a run's measures as anchors (`,A` facets and an anchored
//! rating scale).

use super::ExportError;
use crate::config::{ModelScale, ProjectModel};
use crate::data::RatingData;
use crate::measure::{Anchors, ScaleModel};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What an interchange export (`facets`, `winsteps`) wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InterchangeSummary {
    /// The file written (Winsteps: the control file with the data in it).
    pub path: PathBuf,
    /// `facets` or `winsteps`.
    pub what: String,
    /// Observations written.
    pub observations: usize,
    /// The facets, in the order of the file.
    pub facets: Vec<String>,
    /// Anchored values written (elements and thresholds), from `run_id`.
    pub anchors: usize,
    /// The run the anchors came from.
    pub run_id: Option<i64>,
}

/// A run's anchors with the raw scores of the shared rating scale's categories, for
/// `Rating scale=` lines.
#[derive(Debug, Clone, Default)]
pub struct RunAnchors {
    /// The run.
    pub run_id: i64,
    /// Element and threshold anchors at the run's values.
    pub anchors: Anchors,
    /// The raw score of each category of the shared rating scale (lowest first).
    pub rating_scale_categories: Vec<i32>,
}

/// A label as Facets reads it: quoted when it holds a separator or comment character.
pub(crate) fn facets_label(label: &str) -> String {
    if label.contains([',', ';', '=', '"', '\'']) || label.trim() != label || label.is_empty() {
        format!("\"{}\"", label.replace('"', "'"))
    } else {
        label.to_string()
    }
}

/// The data facets in the file's order, with their numbers: the model's (the specification
/// the project came from) or the project's order.
fn file_order(data: &RatingData, model: Option<&ProjectModel>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..data.facets.len()).collect();
    if let Some(model) = model {
        let number = |f: usize| {
            model
                .facet(&data.facets[f].name)
                .map_or(usize::MAX, |m| m.number)
        };
        order.sort_by_key(|&f| (number(f), f));
    }
    order
}

/// Element numbers of facet `f`: the specification's when every element has one, else 1..n.
fn element_numbers(data: &RatingData, model: Option<&ProjectModel>, f: usize) -> Vec<i64> {
    let facet = &data.facets[f];
    if let Some(m) = model.and_then(|m| m.facet(&facet.name)) {
        let numbers: Option<Vec<i64>> = facet
            .labels
            .iter()
            .map(|l| m.numbers.iter().find(|(label, _)| label == l).map(|p| p.1))
            .collect();
        if let Some(numbers) = numbers {
            let mut sorted = numbers.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() == numbers.len() && sorted.first().is_some_and(|&n| n > 0) {
                return numbers;
            }
        }
    }
    (1..=facet.len() as i64).collect()
}

/// The largest score of any item after [`score_shift`] (at least 1): the scale's maximum in
/// the written files.
pub(crate) fn largest_shifted_score(data: &RatingData) -> i32 {
    let shift = score_shift(data);
    data.item_scales
        .iter()
        .map(|s| s.max_score - shift)
        .max()
        .unwrap_or(1)
        .max(1)
}

/// The lowest score of any item when below 0 (scores are shifted up by it), else 0.
pub(crate) fn score_shift(data: &RatingData) -> i32 {
    data.item_scales
        .iter()
        .map(|s| s.min_score)
        .min()
        .unwrap_or(0)
        .min(0)
}

/// The specification text of `data` under `model` (or scalewright's defaults), with `anchors`.
pub fn facets_spec(
    data: &RatingData,
    model: Option<&ProjectModel>,
    anchors: Option<&RunAnchors>,
    source: &Path,
) -> String {
    let order = file_order(data, model);
    let number_of: Vec<usize> = {
        let mut n = vec![0; data.facets.len()];
        for (i, &f) in order.iter().enumerate() {
            n[f] = i + 1;
        }
        n
    };
    let label_of = |f: usize| {
        model
            .and_then(|m| m.facet(&data.facets[f].name))
            .map_or_else(|| data.facets[f].name.clone(), |m| m.label.clone())
    };
    let shift = score_shift(data);
    let max_score = largest_shifted_score(data);
    let mut text = String::new();
    let mut line = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    line(format!(
        "; Facets specification written by scalewright {} from {}",
        crate::VERSION,
        source.display()
    ));
    if shift < 0 {
        line(format!(
            "; scores are shifted up by {} so that the lowest category is 0",
            -shift
        ));
    }
    let title = model
        .and_then(|m| m.title.clone())
        .unwrap_or_else(|| format!("scalewright project {}", source.display()));
    line(format!("Title = {title}"));
    line(format!("Facets = {}", data.facets.len()));
    let list = |pick: &dyn Fn(usize) -> bool| {
        let l: Vec<String> = order
            .iter()
            .filter(|&&f| pick(f))
            .map(|&f| number_of[f].to_string())
            .collect();
        if l.is_empty() {
            "0".to_string()
        } else {
            l.join(",")
        }
    };
    let model_facet = |f: usize| model.and_then(|m| m.facet(&data.facets[f].name));
    line(format!(
        "Positive = {}",
        list(&|f| model_facet(f).map_or(f == data.object_facet, |m| m.positive))
    ));
    // With a run's anchors the other facets are fixed, so the objects float.
    line(format!(
        "Non-centered = {}",
        list(&|f| match (anchors, model_facet(f)) {
            (Some(_), _) | (None, None) => f == data.object_facet,
            (None, Some(m)) => m.non_centred,
        })
    ));
    // The model: a shared scale, partial credit by a facet (#), or one line per item when the
    // items' ranges differ.
    let scale = match model.map(|m| &m.scale) {
        Some(ModelScale::RatingScale) => ScaleModel::RatingScale,
        Some(ModelScale::PartialCredit { facet }) => ScaleModel::PartialCredit {
            facet: data.facets.iter().position(|f| f.name == *facet),
        },
        None => ScaleModel::default(),
    };
    let scale_facet = match scale {
        ScaleModel::RatingScale => None,
        ScaleModel::PartialCredit { facet } => Some(facet.unwrap_or(data.item_facet)),
    };
    let keep = model.is_some_and(|m| m.keep_unobserved);
    let code = |max: i32| format!("R{max}{}", if keep { "K" } else { "" });
    let bias = |f: usize| model_facet(f).is_some_and(|m| m.bias);
    let term = |f: usize, each: bool| {
        format!(
            "{}{}",
            if each { "#" } else { "?" },
            if bias(f) { "B" } else { "" }
        )
    };
    let item_numbers = element_numbers(data, model, data.item_facet);
    let range = |i: usize| {
        let s = &data.item_scales[i];
        (s.min_score - shift, s.max_score - shift)
    };
    let min_score = (0..data.item_scales.len())
        .map(|i| range(i).0)
        .min()
        .unwrap_or(0);
    let ranges_differ = (1..data.item_scales.len()).any(|i| range(i) != range(0));
    let scale_name = model
        .and_then(|m| m.scale_name.clone())
        .unwrap_or_else(|| "Scale".into());
    // A scale whose lowest category is above 0 is named, with that category listed, so that
    // reading the file back gives the same range (Facets' R always starts at 0).
    let mut named: Vec<(String, i32, i32)> = Vec::new();
    let mut scale_code = |lo: i32, hi: i32| -> String {
        if lo == 0 {
            code(hi)
        } else {
            let name = format!("Scale{lo}to{hi}");
            if !named.iter().any(|(n, _, _)| *n == name) {
                named.push((name.clone(), lo, hi));
            }
            name
        }
    };
    if scale_facet == Some(data.item_facet) && ranges_differ {
        line("Models =".into());
        for (i, number) in item_numbers.iter().enumerate() {
            let terms: Vec<String> = order
                .iter()
                .map(|&f| {
                    if f == data.item_facet {
                        format!("{number}{}", if bias(f) { "B" } else { "" })
                    } else {
                        term(f, false)
                    }
                })
                .collect();
            let (lo, hi) = range(i);
            line(format!("{},{}", terms.join(","), scale_code(lo, hi)));
        }
        line("*".into());
    } else {
        let terms: Vec<String> = order
            .iter()
            .map(|&f| term(f, Some(f) == scale_facet))
            .collect();
        let scale_text = if scale_facet.is_none() {
            facets_label(&scale_name)
        } else {
            scale_code(min_score, max_score)
        };
        line(format!("Models = {},{}", terms.join(","), scale_text));
    }
    for (name, lo, hi) in &named {
        line(format!(
            "Rating scale = {name},R{hi}{}",
            if keep { ",S,K" } else { "" }
        ));
        line(format!("{lo} ="));
        line("*".into());
    }
    if scale_facet.is_none() {
        line(format!(
            "Rating scale = {},R{max_score}{}",
            facets_label(&scale_name),
            if keep { ",G,K" } else { "" }
        ));
        let labels = model.map(|m| m.category_labels.clone()).unwrap_or_default();
        let label = |k: i64| {
            labels
                .iter()
                .find(|(c, _)| *c == k)
                .map_or_else(String::new, |(_, l)| facets_label(l))
        };
        let thresholds = anchors.and_then(|a| {
            a.anchors
                .scales
                .iter()
                .find(|s| s.element.is_none())
                .map(|s| (s, &a.rating_scale_categories))
        });
        match thresholds {
            Some((s, categories)) if categories.len() == s.thresholds.len() + 1 => {
                for (k, raw) in categories.iter().enumerate() {
                    let value = if k == 0 { 0.0 } else { s.thresholds[k - 1] };
                    let raw = i64::from(raw - shift);
                    line(format!("{raw} = {},{value:.6},A", label(raw)));
                }
            }
            _ => {
                // The lowest category is always listed (it sets the range read back).
                let lowest = i64::from(min_score);
                if !labels.iter().any(|(k, _)| *k == lowest) {
                    line(format!("{lowest} ="));
                }
                let mut sorted = labels.clone();
                sorted.sort_by_key(|(k, _)| *k);
                for (k, l) in &sorted {
                    line(format!("{k} = {}", facets_label(l)));
                }
            }
        }
        line("*".into());
    } else if anchors.is_some_and(|a| !a.anchors.scales.is_empty()) {
        line("; the run's partial-credit thresholds are not written as anchors (Facets anchors them per element in its own Rating scale= blocks)".into());
    }
    if let Some(m) = model {
        if let Some(z) = m.unexpected_z {
            line(format!("Unexpected = {z}"));
        }
        if let Some((r, c)) = m.convergence {
            let off = |v: f64| {
                if v >= crate::ingest::facets::NO_CRITERION {
                    0.0
                } else {
                    v
                }
            };
            line(format!("Convergence = {}, {}", off(r), off(c)));
        }
        if let Some(i) = m.max_iterations {
            line(format!("Iterations = {i}"));
        }
        if let Some(x) = m.extreme_adjustment {
            line(format!("Xtreme = {x}"));
        }
    }
    line("Labels =".into());
    let numbers: Vec<Vec<i64>> = (0..data.facets.len())
        .map(|f| element_numbers(data, model, f))
        .collect();
    for &f in &order {
        let anchored: Vec<(u32, f64)> = anchors
            .map(|a| {
                a.anchors
                    .elements
                    .iter()
                    .filter(|e| e.facet == f)
                    .map(|e| (e.element, e.measure))
                    .collect()
            })
            .unwrap_or_default();
        let model_anchors = if anchors.is_none() {
            model_facet(f)
                .map(|m| m.anchors.clone())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let dummy = model_facet(f).is_some_and(|m| m.dummy);
        let flag = if dummy {
            ",D"
        } else if !anchored.is_empty() || !model_anchors.is_empty() {
            ",A"
        } else {
            ""
        };
        line(format!(
            "{},{}{flag}",
            number_of[f],
            facets_label(&label_of(f))
        ));
        for (e, label) in data.facets[f].labels.iter().enumerate() {
            let value = anchored
                .iter()
                .find(|(el, _)| *el as usize == e)
                .map(|p| p.1)
                .or_else(|| model_anchors.iter().find(|(l, _)| l == label).map(|p| p.1));
            match value {
                Some(v) if !dummy => line(format!(
                    "{} = {},{v:.6}",
                    numbers[f][e],
                    facets_label(label)
                )),
                _ => line(format!("{} = {}", numbers[f][e], facets_label(label))),
            }
        }
        line("*".into());
    }
    let header: Vec<String> = order.iter().map(|&f| label_of(f)).collect();
    line(format!("Data = ; {}, score", header.join(", ")));
    for n in 0..data.len() {
        let mut fields: Vec<String> = order
            .iter()
            .map(|&f| numbers[f][data.elements[f][n] as usize].to_string())
            .collect();
        fields.push((data.scores[n] - shift).to_string());
        let _ = writeln!(text, "{}", fields.join(","));
    }
    text
}

/// Counts the anchored values [`facets_spec`] writes (elements and thresholds).
pub fn anchored_values(anchors: Option<&RunAnchors>) -> usize {
    anchors.map_or(0, |a| {
        a.anchors.elements.len()
            + a.anchors
                .scales
                .iter()
                .filter(|s| s.element.is_none())
                .map(|s| s.thresholds.len())
                .sum::<usize>()
    })
}

/// Writes `text` to `path` whole or not at all ([`super::write_whole`]).
pub(crate) fn write_text(path: &Path, text: &str) -> Result<(), ExportError> {
    super::write_whole(path, text.as_bytes()).map_err(|e| ExportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}
