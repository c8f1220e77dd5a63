//! A project written back out as a Facets specification with its data inline
//! (`export --what facets`), which Facets and Minifac read and `ingest --facets` reads back to
//! the same model; optionally with a run's measures as anchors (`,A` facets and an anchored
//! rating scale).

use super::ExportError;
use crate::config::{ModelFacet, ModelScale, ProjectModel};
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

/// The specification being written: the project's data, its model and a run's anchors, the
/// facets' order and numbers in the file, and the text so far.
struct SpecWriter<'a> {
    data: &'a RatingData,
    model: Option<&'a ProjectModel>,
    anchors: Option<&'a RunAnchors>,
    source: &'a Path,
    /// The data facets in the file's order.
    order: Vec<usize>,
    /// Per data facet: its number in the file (1-based).
    number_of: Vec<usize>,
    /// [`score_shift`]: scores are written minus this.
    shift: i32,
    /// [`largest_shifted_score`]: the scale's maximum in the file.
    max_score: i32,
    text: String,
}

/// How the categories are shared in the model lines.
struct ScaleSetup {
    /// `None`: one shared rating scale; `Some(f)`: partial credit by facet `f` (`#`).
    scale_facet: Option<usize>,
    /// `K`: unobserved intermediate categories are kept.
    keep: bool,
    /// The lowest shifted score of any item.
    min_score: i32,
    /// Whether the items' score ranges differ (then one model line per item).
    ranges_differ: bool,
    /// The shared scale's name in `Rating scale=`.
    scale_name: String,
}

/// The specification text of `data` under `model` (or scalewright's defaults), with `anchors`.
pub fn facets_spec(
    data: &RatingData,
    model: Option<&ProjectModel>,
    anchors: Option<&RunAnchors>,
    source: &Path,
) -> String {
    let mut spec = SpecWriter::new(data, model, anchors, source);
    spec.heading();
    spec.orientation();
    let setup = spec.scale_setup();
    let named = spec.models(&setup);
    spec.named_scales(&named, setup.keep);
    spec.shared_scale(&setup);
    spec.stopping_rules();
    let numbers = spec.labels();
    spec.data_lines(&numbers);
    spec.text
}

impl<'a> SpecWriter<'a> {
    fn new(
        data: &'a RatingData,
        model: Option<&'a ProjectModel>,
        anchors: Option<&'a RunAnchors>,
        source: &'a Path,
    ) -> Self {
        let order = file_order(data, model);
        let mut number_of = vec![0; data.facets.len()];
        for (i, &f) in order.iter().enumerate() {
            number_of[f] = i + 1;
        }
        SpecWriter {
            data,
            model,
            anchors,
            source,
            order,
            number_of,
            shift: score_shift(data),
            max_score: largest_shifted_score(data),
            text: String::new(),
        }
    }

    /// Appends one line.
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// The model's facet of data facet `f`, if the project has a model that names it.
    fn model_facet(&self, f: usize) -> Option<&'a ModelFacet> {
        self.model.and_then(|m| m.facet(&self.data.facets[f].name))
    }

    /// The `Labels=` label of data facet `f`: the specification's, else the project's name.
    fn label_of(&self, f: usize) -> String {
        self.model_facet(f)
            .map_or_else(|| self.data.facets[f].name.clone(), |m| m.label.clone())
    }

    /// The file numbers of the facets `pick` chooses, in file order (`0` for none).
    fn facet_list(&self, pick: impl Fn(usize) -> bool) -> String {
        let l: Vec<String> = self
            .order
            .iter()
            .filter(|&&f| pick(f))
            .map(|&f| self.number_of[f].to_string())
            .collect();
        if l.is_empty() {
            "0".to_string()
        } else {
            l.join(",")
        }
    }

    /// Whether data facet `f` is marked for bias analysis (`B`).
    fn bias(&self, f: usize) -> bool {
        self.model_facet(f).is_some_and(|m| m.bias)
    }

    /// The shifted score range of item `i`.
    fn item_range(&self, i: usize) -> (i32, i32) {
        let s = &self.data.item_scales[i];
        (s.min_score - self.shift, s.max_score - self.shift)
    }

    /// The comment naming the writer and the source, the score shift, `Title=` and `Facets=`.
    fn heading(&mut self) {
        self.line(&format!(
            "; Facets specification written by scalewright {} from {}",
            crate::VERSION,
            self.source.display()
        ));
        if self.shift < 0 {
            self.line(&format!(
                "; scores are shifted up by {} so that the lowest category is 0",
                -self.shift
            ));
        }
        let title = self
            .model
            .and_then(|m| m.title.clone())
            .unwrap_or_else(|| format!("scalewright project {}", self.source.display()));
        self.line(&format!("Title = {title}"));
        self.line(&format!("Facets = {}", self.data.facets.len()));
    }

    /// `Positive=` and `Non-centered=`: the model's, else the objects; with a run's anchors the
    /// other facets are fixed, so the objects float.
    fn orientation(&mut self) {
        let object = self.data.object_facet;
        let positive = self.facet_list(|f| self.model_facet(f).map_or(f == object, |m| m.positive));
        self.line(&format!("Positive = {positive}"));
        let non_centred = self.facet_list(|f| match (self.anchors, self.model_facet(f)) {
            (Some(_), _) | (None, None) => f == object,
            (None, Some(m)) => m.non_centred,
        });
        self.line(&format!("Non-centered = {non_centred}"));
    }

    /// How the categories are shared: a shared scale, partial credit by a facet (`#`), and the
    /// items' score ranges.
    fn scale_setup(&self) -> ScaleSetup {
        let data = self.data;
        let scale = match self.model.map(|m| &m.scale) {
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
        let items = data.item_scales.len();
        ScaleSetup {
            scale_facet,
            keep: self.model.is_some_and(|m| m.keep_unobserved),
            min_score: (0..items).map(|i| self.item_range(i).0).min().unwrap_or(0),
            ranges_differ: (1..items).any(|i| self.item_range(i) != self.item_range(0)),
            scale_name: self
                .model
                .and_then(|m| m.scale_name.clone())
                .unwrap_or_else(|| "Scale".into()),
        }
    }

    /// `Models=`: one line with a shared scale or partial credit by a facet, or one line per
    /// item when the items' ranges differ. Returns the named scales the lines use (a scale
    /// whose lowest category is above 0: name, lowest, highest).
    fn models(&mut self, setup: &ScaleSetup) -> Vec<(String, i32, i32)> {
        let item_facet = self.data.item_facet;
        let term = |f: usize, each: bool| {
            format!(
                "{}{}",
                if each { "#" } else { "?" },
                if self.bias(f) { "B" } else { "" }
            )
        };
        let mut named: Vec<(String, i32, i32)> = Vec::new();
        let mut lines: Vec<String> = Vec::new();
        if setup.scale_facet == Some(item_facet) && setup.ranges_differ {
            lines.push("Models =".into());
            let item_numbers = element_numbers(self.data, self.model, item_facet);
            for (i, number) in item_numbers.iter().enumerate() {
                let terms: Vec<String> = self
                    .order
                    .iter()
                    .map(|&f| {
                        if f == item_facet {
                            format!("{number}{}", if self.bias(f) { "B" } else { "" })
                        } else {
                            term(f, false)
                        }
                    })
                    .collect();
                let (lo, hi) = self.item_range(i);
                let code = scale_code(&mut named, setup.keep, lo, hi);
                lines.push(format!("{},{code}", terms.join(",")));
            }
            lines.push("*".into());
        } else {
            let terms: Vec<String> = self
                .order
                .iter()
                .map(|&f| term(f, Some(f) == setup.scale_facet))
                .collect();
            let scale_text = if setup.scale_facet.is_none() {
                facets_label(&setup.scale_name)
            } else {
                scale_code(&mut named, setup.keep, setup.min_score, self.max_score)
            };
            lines.push(format!("Models = {},{}", terms.join(","), scale_text));
        }
        for l in &lines {
            self.line(l);
        }
        named
    }

    /// A `Rating scale=` block for each named scale, listing its lowest category.
    fn named_scales(&mut self, named: &[(String, i32, i32)], keep: bool) {
        for (name, lo, hi) in named {
            self.line(&format!(
                "Rating scale = {name},R{hi}{}",
                if keep { ",S,K" } else { "" }
            ));
            self.line(&format!("{lo} ="));
            self.line("*");
        }
    }

    /// The shared scale's `Rating scale=` block: the run's thresholds as anchors, else the
    /// category labels; with partial credit a note that the thresholds are not anchored.
    fn shared_scale(&mut self, setup: &ScaleSetup) {
        if setup.scale_facet.is_some() {
            if self.anchors.is_some_and(|a| !a.anchors.scales.is_empty()) {
                self.line("; the run's partial-credit thresholds are not written as anchors (Facets anchors them per element in its own Rating scale= blocks)");
            }
            return;
        }
        self.line(&format!(
            "Rating scale = {},R{}{}",
            facets_label(&setup.scale_name),
            self.max_score,
            if setup.keep { ",G,K" } else { "" }
        ));
        let labels = self
            .model
            .map(|m| m.category_labels.clone())
            .unwrap_or_default();
        let label = |k: i64| {
            labels
                .iter()
                .find(|(c, _)| *c == k)
                .map_or_else(String::new, |(_, l)| facets_label(l))
        };
        let thresholds = self.anchors.and_then(|a| {
            a.anchors
                .scales
                .iter()
                .find(|s| s.element.is_none())
                .map(|s| (s, &a.rating_scale_categories))
        });
        let mut lines: Vec<String> = Vec::new();
        match thresholds {
            Some((s, categories)) if categories.len() == s.thresholds.len() + 1 => {
                for (k, raw) in categories.iter().enumerate() {
                    let value = if k == 0 { 0.0 } else { s.thresholds[k - 1] };
                    let raw = i64::from(raw - self.shift);
                    lines.push(format!("{raw} = {},{value:.6},A", label(raw)));
                }
            }
            _ => {
                // The lowest category is always listed (it sets the range read back).
                let lowest = i64::from(setup.min_score);
                if !labels.iter().any(|(k, _)| *k == lowest) {
                    lines.push(format!("{lowest} ="));
                }
                let mut sorted = labels.clone();
                sorted.sort_by_key(|(k, _)| *k);
                for (k, l) in &sorted {
                    lines.push(format!("{k} = {}", facets_label(l)));
                }
            }
        }
        lines.push("*".into());
        for l in &lines {
            self.line(l);
        }
    }

    /// The model's stopping rules and fit settings: `Unexpected=`, `Convergence=` (0 for a
    /// criterion switched off), `Iterations=`, `Xtreme=`.
    fn stopping_rules(&mut self) {
        let Some(m) = self.model else {
            return;
        };
        if let Some(z) = m.unexpected_z {
            self.line(&format!("Unexpected = {z}"));
        }
        if let Some((r, c)) = m.convergence {
            let off = |v: f64| {
                if v >= crate::ingest::facets::NO_CRITERION {
                    0.0
                } else {
                    v
                }
            };
            self.line(&format!("Convergence = {}, {}", off(r), off(c)));
        }
        if let Some(i) = m.max_iterations {
            self.line(&format!("Iterations = {i}"));
        }
        if let Some(x) = m.extreme_adjustment {
            self.line(&format!("Xtreme = {x}"));
        }
    }

    /// `Labels=`: each facet in file order (`,D` dummy, `,A` anchored) and its elements with
    /// their anchor values. Returns the element numbers of each data facet.
    fn labels(&mut self) -> Vec<Vec<i64>> {
        self.line("Labels =");
        let numbers: Vec<Vec<i64>> = (0..self.data.facets.len())
            .map(|f| element_numbers(self.data, self.model, f))
            .collect();
        for f in self.order.clone() {
            self.facet_labels(f, &numbers[f]);
        }
        numbers
    }

    /// The `Labels=` block of data facet `f`: its header and one line per element (its anchor
    /// value from the run, else from the model, if any).
    fn facet_labels(&mut self, f: usize, numbers: &[i64]) {
        let anchored: Vec<(u32, f64)> = self
            .anchors
            .map(|a| {
                a.anchors
                    .elements
                    .iter()
                    .filter(|e| e.facet == f)
                    .map(|e| (e.element, e.measure))
                    .collect()
            })
            .unwrap_or_default();
        let model_anchors = if self.anchors.is_none() {
            self.model_facet(f)
                .map(|m| m.anchors.clone())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let dummy = self.model_facet(f).is_some_and(|m| m.dummy);
        let flag = if dummy {
            ",D"
        } else if !anchored.is_empty() || !model_anchors.is_empty() {
            ",A"
        } else {
            ""
        };
        let header = format!(
            "{},{}{flag}",
            self.number_of[f],
            facets_label(&self.label_of(f))
        );
        self.line(&header);
        for (e, label) in self.data.facets[f].labels.iter().enumerate() {
            let value = anchored
                .iter()
                .find(|(el, _)| *el as usize == e)
                .map(|p| p.1)
                .or_else(|| model_anchors.iter().find(|(l, _)| l == label).map(|p| p.1));
            let element = match value {
                Some(v) if !dummy => format!("{} = {},{v:.6}", numbers[e], facets_label(label)),
                _ => format!("{} = {}", numbers[e], facets_label(label)),
            };
            self.line(&element);
        }
        self.line("*");
    }

    /// `Data=` and one line per observation: the element numbers in file order, the shifted
    /// score.
    fn data_lines(&mut self, numbers: &[Vec<i64>]) {
        let header: Vec<String> = self.order.iter().map(|&f| self.label_of(f)).collect();
        self.line(&format!("Data = ; {}, score", header.join(", ")));
        let data = self.data;
        for n in 0..data.len() {
            let mut fields: Vec<String> = self
                .order
                .iter()
                .map(|&f| numbers[f][data.elements[f][n] as usize].to_string())
                .collect();
            fields.push((data.scores[n] - self.shift).to_string());
            let _ = writeln!(self.text, "{}", fields.join(","));
        }
    }
}

/// The scale code of a model line whose categories run `lo` to `hi`: `Rhi` (`RhiK` with
/// `keep`) from 0, else a named scale (added to `named` once), so that reading the file back
/// gives the same range (Facets' R always starts at 0).
fn scale_code(named: &mut Vec<(String, i32, i32)>, keep: bool, lo: i32, hi: i32) -> String {
    if lo == 0 {
        format!("R{hi}{}", if keep { "K" } else { "" })
    } else {
        let name = format!("Scale{lo}to{hi}");
        if !named.iter().any(|(n, _, _)| *n == name) {
            named.push((name.clone(), lo, hi));
        }
        name
    }
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
