//! A recode of stored categories applied by one run (Facets' `Rating scale=` recoding, Winsteps'
//! `IREFER=`/`IVALUE=`), without re-importing the data.
//!
//! Per item, every category of the item's stored scale maps to a scored category; several
//! adjacent categories mapped to one value *collapse* them (Linacre 2002, "Optimizing rating
//! scale category effectiveness"). The stored categories are the scored categories of the
//! import (the raw codes when the dataset description had no `recode`). A run recode is written
//! in the same inline form as a dataset description's `recode`:
//!
//! ```toml
//! [recode]
//! sentiment = { "0" = 0, "1" = 0, "2" = 1, "3" = 2, "4" = 3 }
//! ```

use super::{ItemScale, RatingData};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why a recode cannot be read or applied. Every message names the item and the code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecodeError {
    /// The recode file is unreadable or not a recode.
    #[error("recode file {}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong (with the TOML line and key where known).
        message: String,
    },
    /// The recode names an item the data do not have.
    #[error("recode: `{item}` is not an item of the project (items: {known})")]
    UnknownItem {
        /// The item named.
        item: String,
        /// The items there are.
        known: String,
    },
    /// A code is not an integer.
    #[error("recode of item `{item}`: code `{code}` is not an integer category")]
    NotACode {
        /// The item.
        item: String,
        /// The code as written.
        code: String,
    },
    /// A code is not a category of the item's stored scale.
    #[error("recode of item `{item}`: code {code} is not a category of the item (its categories are {min}-{max})")]
    UnknownCode {
        /// The item.
        item: String,
        /// The code.
        code: i32,
        /// The item's lowest stored category.
        min: i32,
        /// The item's highest stored category.
        max: i32,
    },
    /// A category of the item has no recoded value.
    #[error("recode of item `{item}`: category {code} has no recoded value (map every category {min}-{max})")]
    MissingCode {
        /// The item.
        item: String,
        /// The unmapped category.
        code: i32,
        /// The item's lowest stored category.
        min: i32,
        /// The item's highest stored category.
        max: i32,
    },
    /// A scored value is negative.
    #[error(
        "recode of item `{item}`: code {code} maps to {value}; scored categories are 0 or more"
    )]
    NegativeValue {
        /// The item.
        item: String,
        /// The code.
        code: i32,
        /// The value given.
        value: i64,
    },
    /// After recoding the item has fewer than two scored categories.
    #[error("recode of item `{item}`: every category maps to {value}; an item needs at least two scored categories")]
    OneCategory {
        /// The item.
        item: String,
        /// The only value left.
        value: i32,
    },
}

/// Per item name: stored category -> scored category. Items not named keep their categories.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Recode {
    items: BTreeMap<String, BTreeMap<i32, i32>>,
}

/// The file form: one `[recode]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecodeFile {
    recode: BTreeMap<String, BTreeMap<String, i64>>,
}

impl Recode {
    /// A recode from its per-item maps.
    pub fn new(items: BTreeMap<String, BTreeMap<i32, i32>>) -> Recode {
        Recode { items }
    }

    /// The per-item maps.
    pub fn items(&self) -> &BTreeMap<String, BTreeMap<i32, i32>> {
        &self.items
    }

    /// Whether the recode changes nothing (names no item).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A recode from TOML maps with text keys, as a dataset description writes them
    /// (`{ "0" = 0, "1" = 0 }`); codes must be integers and values non-negative.
    pub fn from_text_keys(
        items: &BTreeMap<String, BTreeMap<String, i64>>,
    ) -> Result<Recode, RecodeError> {
        let mut out = BTreeMap::new();
        for (item, map) in items {
            let mut codes = BTreeMap::new();
            for (key, &value) in map {
                let code = key
                    .trim()
                    .parse::<i32>()
                    .map_err(|_| RecodeError::NotACode {
                        item: item.clone(),
                        code: key.clone(),
                    })?;
                let scored = i32::try_from(value)
                    .ok()
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| RecodeError::NegativeValue {
                        item: item.clone(),
                        code,
                        value,
                    })?;
                codes.insert(code, scored);
            }
            out.insert(item.clone(), codes);
        }
        Ok(Recode::new(out))
    }

    /// Reads a recode file (a `[recode]` table of per-item maps).
    pub fn read(path: &Path) -> Result<Recode, RecodeError> {
        let file_error = |message: String| RecodeError::File {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        Recode::parse(&text).map_err(|e| match e {
            RecodeError::File { message, .. } => file_error(message),
            other => file_error(other.to_string()),
        })
    }

    /// Parses the text of a recode file.
    pub fn parse(text: &str) -> Result<Recode, RecodeError> {
        let file: RecodeFile = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().replace('\n', " ");
            let message = match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: {message}")
                }
                None => message,
            };
            RecodeError::File {
                path: PathBuf::new(),
                message,
            }
        })?;
        Recode::from_text_keys(&file.recode)
    }

    /// The file form, readable by [`Recode::read`].
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# scalewright run recode: per item, stored category -> scored category\n[recode]\n",
        );
        for (item, map) in &self.items {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("\"{k}\" = {v}")).collect();
            let key = if item
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                item.clone()
            } else {
                format!("\"{}\"", item.replace('\\', "\\\\").replace('"', "\\\""))
            };
            let _ = writeln!(out, "{key} = {{ {} }}", pairs.join(", "));
        }
        out
    }

    /// One line per item, `item: 0,1->0 2->1 3->2`, for tables and provenance.
    pub fn describe(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|(item, map)| format!("{item}: {}", describe_map(map)))
            .collect()
    }

    /// The recode of one item, `0,1->0 2->1`, if it has one.
    pub fn describe_item(&self, item: &str) -> Option<String> {
        self.items.get(item).map(describe_map)
    }

    /// The recode lines that concern one rating scale: its item's (a per-item scale, `item` is
    /// the item's name) or every item's (a shared rating scale, `item` is `None`).
    pub fn describe_scale(&self, item: Option<&str>) -> Vec<String> {
        match item {
            Some(item) => self.describe_item(item).into_iter().collect(),
            None => self.describe(),
        }
    }

    /// This recode followed by `next`: a category goes through `self` (unchanged where `self`
    /// does not name its item) and then through `next`. A value `next` does not map is left
    /// unmapped, so [`Recode::apply`] names it.
    pub fn then(&self, next: &Recode) -> Recode {
        let mut items = self.items.clone();
        for (item, second) in &next.items {
            let composed = match self.items.get(item) {
                Some(first) => first
                    .iter()
                    .filter_map(|(&code, mid)| second.get(mid).map(|&v| (code, v)))
                    .collect(),
                None => second.clone(),
            };
            items.insert(item.clone(), composed);
        }
        Recode { items }
    }

    /// Checks the recode against the items and scales of `data` and returns the recoded item
    /// scales (the lowest to the highest scored value).
    pub fn check(&self, data: &RatingData) -> Result<Vec<ItemScale>, RecodeError> {
        self.check_scales(&data.items().labels, &data.item_scales)
    }

    /// [`Recode::check`] against item labels and their stored scales (no observations needed).
    pub fn check_scales(
        &self,
        labels: &[String],
        item_scales: &[ItemScale],
    ) -> Result<Vec<ItemScale>, RecodeError> {
        let mut scales = item_scales.to_vec();
        for (item, map) in &self.items {
            let index = labels
                .iter()
                .position(|l| l == item)
                .filter(|&i| i < item_scales.len())
                .ok_or_else(|| RecodeError::UnknownItem {
                    item: item.clone(),
                    known: labels.join(", "),
                })?;
            let scale = &item_scales[index];
            let (min, max) = (scale.min_score, scale.max_score);
            if let Some(&code) = map.keys().find(|&&c| c < min || c > max) {
                return Err(RecodeError::UnknownCode {
                    item: item.clone(),
                    code,
                    min,
                    max,
                });
            }
            if let Some(code) = (min..=max).find(|c| !map.contains_key(c)) {
                return Err(RecodeError::MissingCode {
                    item: item.clone(),
                    code,
                    min,
                    max,
                });
            }
            if let Some((&code, &value)) = map.iter().find(|(_, &v)| v < 0) {
                return Err(RecodeError::NegativeValue {
                    item: item.clone(),
                    code,
                    value: value.into(),
                });
            }
            let lowest = map.values().copied().min().unwrap_or(0);
            let highest = map.values().copied().max().unwrap_or(0);
            if lowest == highest {
                return Err(RecodeError::OneCategory {
                    item: item.clone(),
                    value: lowest,
                });
            }
            scales[index] = ItemScale {
                min_score: lowest,
                max_score: highest,
            };
        }
        Ok(scales)
    }

    /// The observations of `data` with every named item's categories recoded (checked first by
    /// [`Recode::check`]); facets, elements and order are unchanged.
    pub fn apply(&self, data: &RatingData) -> Result<RatingData, RecodeError> {
        let scales = self.check(data)?;
        let by_item: Vec<Option<&BTreeMap<i32, i32>>> = data
            .items()
            .labels
            .iter()
            .map(|l| self.items.get(l))
            .collect();
        let items = &data.elements[data.item_facet];
        let scores = data
            .scores
            .iter()
            .zip(items)
            .map(|(&score, &item)| {
                by_item[item as usize]
                    .and_then(|map| map.get(&score).copied())
                    .unwrap_or(score)
            })
            .collect();
        Ok(RatingData {
            facets: data.facets.clone(),
            elements: data.elements.clone(),
            scores,
            item_scales: scales,
            object_facet: data.object_facet,
            item_facet: data.item_facet,
        })
    }
}

/// `0,1->0 2->1 3->2`: the codes mapped to each value, in value order.
fn describe_map(map: &BTreeMap<i32, i32>) -> String {
    let mut by_value: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    for (&code, &value) in map {
        by_value.entry(value).or_default().push(code);
    }
    by_value
        .iter()
        .map(|(value, codes)| {
            let codes: Vec<String> = codes.iter().map(i32::to_string).collect();
            format!("{}->{value}", codes.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Facet, FacetRole};

    fn data() -> RatingData {
        let facets = vec![
            Facet::with_labels("comment", FacetRole::Object, ["c1", "c2"]),
            Facet::with_labels("item", FacetRole::Item, ["respect", "violence"]),
        ];
        let scale = ItemScale {
            min_score: 0,
            max_score: 4,
        };
        let responses = [
            (vec![0, 0], 0),
            (vec![0, 1], 1),
            (vec![1, 0], 3),
            (vec![1, 1], 4),
        ];
        RatingData::from_responses(facets, scale, responses).unwrap()
    }

    fn violence_collapse() -> Recode {
        Recode::parse(
            "[recode]\nviolence = { \"0\" = 0, \"1\" = 0, \"2\" = 0, \"3\" = 1, \"4\" = 1 }\n",
        )
        .unwrap()
    }

    #[test]
    fn applies_per_item_and_narrows_the_scale() {
        let recoded = violence_collapse().apply(&data()).unwrap();
        assert_eq!(recoded.scores, vec![0, 0, 3, 1]);
        assert_eq!(
            recoded.item_scales[1],
            ItemScale {
                min_score: 0,
                max_score: 1
            }
        );
        assert_eq!(recoded.item_scales[0], data().item_scales[0]);
    }

    #[test]
    fn round_trips_through_its_file_form() {
        let recode = violence_collapse();
        assert_eq!(Recode::parse(&recode.to_toml()).unwrap(), recode);
        assert_eq!(recode.describe(), vec!["violence: 0,1,2->0 3,4->1"]);
    }

    #[test]
    fn composes_in_order() {
        let first = violence_collapse();
        let second = Recode::parse(
            "[recode]\nviolence = { \"0\" = 1, \"1\" = 0 }\nrespect = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 1, \"4\" = 2 }\n",
        )
        .unwrap();
        let both = first.then(&second);
        assert_eq!(
            both.describe(),
            vec!["respect: 0,1->0 2,3->1 4->2", "violence: 3,4->0 0,1,2->1"]
        );
        assert_eq!(both.apply(&data()).unwrap().scores, vec![0, 1, 1, 0]);
    }

    #[test]
    fn names_the_item_and_code_of_every_mistake() {
        let d = data();
        let err = |text: &str| Recode::parse(text).and_then(|r| r.apply(&d)).unwrap_err();
        assert_eq!(
            err("[recode]\nrespekt = { \"0\" = 0 }").to_string(),
            "recode: `respekt` is not an item of the project (items: respect, violence)"
        );
        assert_eq!(
            err("[recode]\nrespect = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 1, \"4\" = 1, \"7\" = 2 }")
                .to_string(),
            "recode of item `respect`: code 7 is not a category of the item (its categories are 0-4)"
        );
        assert_eq!(
            err("[recode]\nrespect = { \"0\" = 0, \"1\" = 0, \"2\" = 1, \"3\" = 1 }").to_string(),
            "recode of item `respect`: category 4 has no recoded value (map every category 0-4)"
        );
        assert_eq!(
            err("[recode]\nrespect = { \"x\" = 0 }").to_string(),
            "recode of item `respect`: code `x` is not an integer category"
        );
        assert_eq!(
            err("[recode]\nrespect = { \"0\" = -1 }").to_string(),
            "recode of item `respect`: code 0 maps to -1; scored categories are 0 or more"
        );
        assert_eq!(
            err("[recode]\nrespect = { \"0\" = 1, \"1\" = 1, \"2\" = 1, \"3\" = 1, \"4\" = 1 }")
                .to_string(),
            "recode of item `respect`: every category maps to 1; an item needs at least two scored categories"
        );
        assert!(err("[recodes]\nrespect = {}")
            .to_string()
            .contains("unknown field `recodes`"));
    }
}
