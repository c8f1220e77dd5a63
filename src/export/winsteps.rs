//! A project written as a Winsteps control file with its data (`export --what winsteps`):
//! persons are the objects, items the item facet. Winsteps has two facets, so the rater facets
//! are folded in as the user chooses ([`WinstepsFold`]):
//! - `persons` (default): one person record per object x raters combination ("stacking", the
//!   usual way to analyse judged data in Winsteps): every rating keeps its item, and a record's
//!   name is `object|rater...`;
//! - `items`: one person record per object, one Winsteps item per raters x item combination
//!   seen in the data ("racking"), named `rater...|item`.
//!
//! Partial credit by item becomes `ISGROUPS=0`, a shared rating scale the default single group;
//! Facets' `Keep` becomes `STKEEP=YES`.

use super::facets::{largest_shifted_score, score_shift};
use crate::config::{ModelScale, ProjectModel};
use crate::data::RatingData;
use std::collections::BTreeMap;
use std::path::Path;

/// How the rater facets are folded into Winsteps' persons x items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WinstepsFold {
    /// One person record per object x raters (stacking).
    #[default]
    Persons,
    /// One item per raters x item (racking).
    Items,
}

/// The names front ends use for [`WinstepsFold`].
pub const WINSTEPS_FOLD_NAMES: [(&str, WinstepsFold); 2] = [
    ("persons", WinstepsFold::Persons),
    ("items", WinstepsFold::Items),
];

impl std::str::FromStr for WinstepsFold {
    type Err = crate::options::OptionError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::options::parse_choice("winsteps fold", text, &WINSTEPS_FOLD_NAMES)
    }
}

impl std::fmt::Display for WinstepsFold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(crate::options::choice_name(*self, &WINSTEPS_FOLD_NAMES))
    }
}

/// The Winsteps control and data text of `data`, and how many persons and items it has.
pub fn winsteps_control(
    data: &RatingData,
    model: Option<&ProjectModel>,
    fold: WinstepsFold,
    source: &Path,
) -> (String, usize, usize) {
    let raters: Vec<usize> = data.rater_facets().collect();
    let item = data.item_facet;
    let object = data.object_facet;
    let rater_key =
        |n: usize| -> Vec<u32> { raters.iter().map(|&f| data.elements[f][n]).collect() };
    let rater_name = |key: &[u32]| -> Vec<String> {
        raters
            .iter()
            .zip(key)
            .map(|(&f, &e)| data.facets[f].labels[e as usize].clone())
            .collect()
    };
    // Persons and items in order of their keys.
    let mut persons: BTreeMap<(u32, Vec<u32>), usize> = BTreeMap::new();
    let mut items: BTreeMap<(Vec<u32>, u32), usize> = BTreeMap::new();
    for n in 0..data.len() {
        let o = data.elements[object][n];
        let i = data.elements[item][n];
        match fold {
            WinstepsFold::Persons => {
                persons.insert((o, rater_key(n)), 0);
                items.insert((Vec::new(), i), 0);
            }
            WinstepsFold::Items => {
                persons.insert((o, Vec::new()), 0);
                items.insert((rater_key(n), i), 0);
            }
        }
    }
    for (i, v) in persons.values_mut().enumerate() {
        *v = i;
    }
    for (i, v) in items.values_mut().enumerate() {
        *v = i;
    }
    let shift = score_shift(data);
    let max = largest_shifted_score(data);
    let width = max.to_string().len();
    let mut grid = vec![vec![None; items.len()]; persons.len()];
    for n in 0..data.len() {
        let o = data.elements[object][n];
        let i = data.elements[item][n];
        let (p, it) = match fold {
            WinstepsFold::Persons => (persons[&(o, rater_key(n))], items[&(Vec::new(), i)]),
            WinstepsFold::Items => (persons[&(o, Vec::new())], items[&(rater_key(n), i)]),
        };
        grid[p][it] = Some(data.scores[n] - shift);
    }
    let person_names: Vec<String> = persons
        .keys()
        .map(|(o, key)| {
            let mut parts = vec![data.facets[object].labels[*o as usize].clone()];
            parts.extend(rater_name(key));
            parts.join("|").replace(['\n', '\r'], " ")
        })
        .collect();
    let item_names: Vec<String> = items
        .keys()
        .map(|(key, i)| {
            let mut parts = rater_name(key);
            parts.push(data.facets[item].labels[*i as usize].clone());
            parts.join("|").replace(['\n', '\r'], " ")
        })
        .collect();
    let name_len = person_names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(1)
        .max(1);
    let partial_credit = match model.map(|m| &m.scale) {
        Some(ModelScale::RatingScale) => false,
        Some(ModelScale::PartialCredit { .. }) | None => true,
    };
    let keep = model.is_some_and(|m| m.keep_unobserved);
    let codes: String = (0..=max)
        .map(|k| format!("{k:>width$}"))
        .collect::<Vec<_>>()
        .join("");
    let title = model
        .and_then(|m| m.title.clone())
        .unwrap_or_else(|| format!("scalewright project {}", source.display()));
    let mut text = String::new();
    let mut line = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    line(format!(
        "; Winsteps control file written by scalewright {} from {}",
        crate::VERSION,
        source.display()
    ));
    line(format!(
        "; persons = {}{}; rater facets folded into the {fold} ({})",
        data.facets[object].name,
        raters
            .iter()
            .map(|&f| format!(" x {}", data.facets[f].name))
            .collect::<String>(),
        match fold {
            WinstepsFold::Persons => "one record per object x raters",
            WinstepsFold::Items => "one item per raters x item",
        }
    ));
    if shift < 0 {
        line(format!("; scores are shifted up by {}", -shift));
    }
    line("&INST".into());
    line(format!("TITLE = \"{}\"", title.replace('"', "'")));
    line("NAME1 = 1".into());
    line(format!("NAMLEN = {name_len}"));
    line(format!("ITEM1 = {}", name_len + 2));
    line(format!("NI = {}", items.len()));
    line(format!("XWIDE = {width}"));
    line(format!("CODES = \"{codes}\""));
    if partial_credit {
        line("ISGROUPS = 0 ; partial credit: each item its own scale".into());
    }
    line(format!("STKEEP = {}", if keep { "YES" } else { "NO" }));
    line("&END".into());
    for name in &item_names {
        line(name.clone());
    }
    line("END NAMES".into());
    for (p, name) in person_names.iter().enumerate() {
        let mut record = format!("{name:<name_len$} ");
        for cell in &grid[p] {
            match cell {
                Some(score) => record.push_str(&format!("{score:>width$}")),
                None => record.push_str(&format!("{:>width$}", ".")),
            }
        }
        line(record);
    }
    (text, persons.len(), items.len())
}
