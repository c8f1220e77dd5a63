//! Dataset descriptions: which columns of a rating file are the object, the rater facets, the
//! items, the text and the attributes, and how every item is scored.
//!
//! A description is TOML, validated against `schemas/dataset.schema.json` (JSON Schema 2020-12)
//! and then checked for meaning (every raw code recoded, no column used twice...). Every error
//! names the offending key in TOML's dotted form, e.g. `items[3].recode`.
//!
//! Built-in presets: [`Preset::Mhs`] (the released Measuring Hate Speech columns and codes) and
//! [`Preset::MhsCollapsed`] (the recode used for the published Facets scaling).

mod model;
pub use model::{Chosen, ModelFacet, ModelScale, ProjectModel, MODEL_META_KEY};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The JSON Schema every dataset description is validated against.
pub const DATASET_SCHEMA: &str = include_str!("../../schemas/dataset.schema.json");

/// How rows are laid out in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One row per object x rater, one column per item (the MHS release).
    #[default]
    Wide,
    /// One row per object x rater x item, with an item column and a score column.
    Long,
}

/// Columns kept as attributes (names or `*` glob patterns).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeColumns {
    /// Attribute columns of the objects (names or `*` patterns), kept for bias analysis.
    #[serde(default)]
    pub objects: Vec<String>,
    /// Attribute columns of the first rater facet's elements (names or `*` patterns).
    #[serde(default)]
    pub raters: Vec<String>,
}

/// The item and score columns of the long layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongColumns {
    /// The column holding the item name.
    pub item: String,
    /// The column holding the raw score.
    pub score: String,
}

/// How one item is read and scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemConfig {
    /// The item's name; in the long layout, its value in the item column.
    pub name: String,
    /// Wide layout: the column of this item (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The valid raw codes.
    pub categories: Vec<i64>,
    /// Raw code (as text, a TOML key) -> scored category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recode: Option<BTreeMap<String, i64>>,
    /// Reverse the scored categories (`min + max - score`) so that higher always means more
    /// of the measured trait.
    #[serde(default)]
    pub reversed: bool,
}

impl ItemConfig {
    /// The wide-layout column of this item.
    pub fn column(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.name)
    }

    /// The scored category of raw code `raw` before reversal, or `None` if `raw` is not a
    /// valid code.
    fn recoded(&self, raw: i64) -> Option<i64> {
        if !self.categories.contains(&raw) {
            return None;
        }
        match &self.recode {
            None => Some(raw),
            Some(map) => map.get(&raw.to_string()).copied(),
        }
    }

    /// The range of scored categories `(min, max)`.
    pub fn score_range(&self) -> (i64, i64) {
        let scored = self.categories.iter().filter_map(|&c| self.recoded(c));
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for s in scored {
            lo = lo.min(s);
            hi = hi.max(s);
        }
        (lo, hi)
    }

    /// The scored category of raw code `raw`: recoded, then reversed if asked
    /// (`min + max - s`). `None` if `raw` is not one of the item's categories.
    pub fn score(&self, raw: i64) -> Option<i64> {
        let s = self.recoded(raw)?;
        if self.reversed {
            let (lo, hi) = self.score_range();
            Some(lo + hi - s)
        } else {
            Some(s)
        }
    }
}

/// A validated dataset description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// A short name for the data set (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Wide or long row layout.
    #[serde(default)]
    pub layout: Layout,
    /// Field separator for delimited text (default by file extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// The column identifying the object of measurement (e.g. `comment_id`).
    pub object: String,
    /// The columns that are rater facets (e.g. `annotator_id`); may be empty.
    #[serde(default)]
    pub raters: Vec<String>,
    /// The column holding each object's text (used by the predictor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Columns kept as object or rater attributes for bias analysis.
    #[serde(default)]
    pub attributes: AttributeColumns,
    /// The item and score columns; required for the long layout only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<LongColumns>,
    /// The items, in reporting order.
    pub items: Vec<ItemConfig>,
}

/// A problem with a dataset description; every variant names where it was found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The description file could not be read.
    #[error("cannot read dataset description {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The description is not valid TOML.
    #[error("{origin}: not valid TOML: {message}")]
    Toml {
        /// Where the description came from (a path or `preset ...`).
        origin: String,
        /// The TOML parser's message.
        message: String,
    },
    /// The description does not match the dataset JSON Schema.
    #[error(
        "{origin}: does not match the dataset schema:\n{}",
        format_problems(problems)
    )]
    Schema {
        /// Where the description came from (a path or `preset ...`).
        origin: String,
        /// One problem per offending key.
        problems: Vec<KeyProblem>,
    },
    /// The description matches the schema but does not make sense (e.g. a column used twice).
    #[error("{origin}: {}", format_problems(problems))]
    Invalid {
        /// Where the description came from (a path or `preset ...`).
        origin: String,
        /// One problem per offending key.
        problems: Vec<KeyProblem>,
    },
    /// No built-in preset has this name.
    #[error("unknown preset `{0}`; the presets are: {presets}", presets = Preset::NAMES.join(", "))]
    UnknownPreset(String),
}

/// One problem at one key of a description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyProblem {
    /// The key in dotted TOML form (`items[2].recode`), or `(top level)`.
    pub key: String,
    /// What is wrong at that key.
    pub message: String,
}

fn format_problems(problems: &[KeyProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {}: {}", p.key, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The built-in dataset descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The released Measuring Hate Speech columns: nine items coded 0-4, `hatespeech` 0-2.
    Mhs,
    /// MHS with the categories collapsed as for the published Facets scaling.
    MhsCollapsed,
}

impl Preset {
    /// The preset names accepted by [`Preset::from_name`].
    pub const NAMES: [&'static str; 2] = ["mhs", "mhs-collapsed"];

    /// The preset called `name` (one of [`Preset::NAMES`]).
    pub fn from_name(name: &str) -> Result<Self, ConfigError> {
        match name {
            "mhs" => Ok(Preset::Mhs),
            "mhs-collapsed" => Ok(Preset::MhsCollapsed),
            other => Err(ConfigError::UnknownPreset(other.to_string())),
        }
    }

    /// The preset's name, as accepted by [`Preset::from_name`].
    pub fn name(self) -> &'static str {
        match self {
            Preset::Mhs => "mhs",
            Preset::MhsCollapsed => "mhs-collapsed",
        }
    }

    /// The preset's TOML text (what `scalewright init-config --preset` prints).
    pub fn toml(self) -> &'static str {
        match self {
            Preset::Mhs => include_str!("presets/mhs.toml"),
            Preset::MhsCollapsed => include_str!("presets/mhs-collapsed.toml"),
        }
    }

    /// The preset as a validated description.
    pub fn config(self) -> DatasetConfig {
        // The presets are part of the crate and covered by tests; parsing cannot fail at run time.
        DatasetConfig::from_toml_str(self.toml(), &format!("preset {}", self.name()))
            .expect("built-in preset is valid")
    }
}

impl DatasetConfig {
    /// Reads and validates a description from a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates a description; `origin` names it in errors (a path or `preset mhs`).
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let value: toml::Value = toml::from_str(text).map_err(|e| ConfigError::Toml {
            origin: origin.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        let json = serde_json::to_value(&value).map_err(|e| ConfigError::Toml {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let problems = schema_problems(&json);
        if !problems.is_empty() {
            return Err(ConfigError::Schema {
                origin: origin.to_string(),
                problems,
            });
        }
        let config: DatasetConfig =
            serde_json::from_value(json).map_err(|e| ConfigError::Schema {
                origin: origin.to_string(),
                problems: vec![KeyProblem {
                    key: "(top level)".into(),
                    message: e.to_string(),
                }],
            })?;
        let problems = config.meaning_problems();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                origin: origin.to_string(),
                problems,
            });
        }
        Ok(config)
    }

    /// The description as TOML (stored with every dataset in the project).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what the schema cannot say.
    fn meaning_problems(&self) -> Vec<KeyProblem> {
        let mut problems = Vec::new();
        let mut add = |key: String, message: String| problems.push(KeyProblem { key, message });
        // Every column plays one role: (column, key that names it).
        let mut claims: Vec<(&str, String)> = vec![(self.object.as_str(), "object".into())];
        for (r, rater) in self.raters.iter().enumerate() {
            claims.push((rater, format!("raters[{r}]")));
        }
        if let Some(text) = &self.text {
            claims.push((text, "text".into()));
        }
        match (self.layout, &self.long) {
            (Layout::Long, Some(long)) => {
                claims.push((&long.item, "long.item".into()));
                claims.push((&long.score, "long.score".into()));
            }
            (Layout::Wide, Some(_)) => add(
                "long".into(),
                "the [long] table applies only to layout = \"long\"".into(),
            ),
            _ => {}
        }
        if self.layout == Layout::Wide {
            for (i, item) in self.items.iter().enumerate() {
                claims.push((item.column(), format!("items[{i}]")));
            }
        }
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for (column, key) in &claims {
            match owner.get(column) {
                Some(previous) => add(
                    key.clone(),
                    format!("column `{column}` is already used by `{previous}`"),
                ),
                None => {
                    owner.insert(column, key);
                }
            }
        }
        let mut names = BTreeSet::new();
        for (i, item) in self.items.iter().enumerate() {
            if !names.insert(item.name.as_str()) {
                add(
                    format!("items[{i}].name"),
                    format!("item `{}` is listed twice", item.name),
                );
            }
            if self.layout == Layout::Long && item.column.is_some() {
                add(
                    format!("items[{i}].column"),
                    "a column per item applies only to the wide layout".into(),
                );
            }
            if let Some(recode) = &item.recode {
                for raw in &item.categories {
                    if !recode.contains_key(&raw.to_string()) {
                        add(
                            format!("items[{i}].recode"),
                            format!("raw code {raw} has no recoded value"),
                        );
                    }
                }
                for key in recode.keys() {
                    let listed = key
                        .parse::<i64>()
                        .map(|k| item.categories.contains(&k))
                        .unwrap_or(false);
                    if !listed {
                        add(
                            format!("items[{i}].recode.\"{key}\""),
                            format!("`{key}` is not one of the item's categories"),
                        );
                    }
                }
            }
            let (lo, hi) = item.score_range();
            if lo >= hi {
                add(
                    format!("items[{i}]"),
                    "after recoding, the item has fewer than two scored categories".into(),
                );
            }
        }
        if let Some(sep) = &self.separator {
            if !sep.is_ascii() {
                add("separator".into(), "must be one ASCII character".into());
            }
        }
        problems
    }

    /// The separator byte for a delimited file at `path`.
    pub fn separator_for(&self, path: &Path) -> u8 {
        if let Some(sep) = &self.separator {
            return sep.as_bytes()[0];
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("tsv") || ext.eq_ignore_ascii_case("tab") => {
                b'\t'
            }
            _ => b',',
        }
    }

    /// The item with name `name`.
    pub fn item_named(&self, name: &str) -> Option<(usize, &ItemConfig)> {
        self.items.iter().enumerate().find(|(_, i)| i.name == name)
    }

    /// The columns the description names outright (not attribute patterns), with their keys.
    pub fn required_columns(&self) -> Vec<(String, String)> {
        let mut columns = vec![("object".to_string(), self.object.clone())];
        for (r, rater) in self.raters.iter().enumerate() {
            columns.push((format!("raters[{r}]"), rater.clone()));
        }
        if let Some(text) = &self.text {
            columns.push(("text".into(), text.clone()));
        }
        match (&self.layout, &self.long) {
            (Layout::Long, Some(long)) => {
                columns.push(("long.item".into(), long.item.clone()));
                columns.push(("long.score".into(), long.score.clone()));
            }
            _ => {
                for (i, item) in self.items.iter().enumerate() {
                    columns.push((format!("items[{i}]"), item.column().to_string()));
                }
            }
        }
        columns
    }

    /// A stable SHA-256 of the description (recorded in provenance).
    pub fn sha256(&self) -> String {
        crate::provenance::sha256_hex(self.to_toml().as_bytes())
    }
}

/// Validates `instance` against [`DATASET_SCHEMA`], turning every violation into a key problem.
fn schema_problems(instance: &serde_json::Value) -> Vec<KeyProblem> {
    validate_against(DATASET_SCHEMA, instance)
}

/// Validates `instance` against the JSON Schema text `schema`, turning every violation into a
/// problem at its key in dotted TOML form.
pub fn validate_against(schema: &str, instance: &serde_json::Value) -> Vec<KeyProblem> {
    let schema: serde_json::Value = match serde_json::from_str(schema) {
        Ok(schema) => schema,
        Err(e) => {
            return vec![KeyProblem {
                key: "(schema)".into(),
                message: format!("the built-in schema is not valid JSON: {e}"),
            }]
        }
    };
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![KeyProblem {
                key: "(schema)".into(),
                message: format!("the built-in schema is invalid: {e}"),
            }]
        }
    };
    validator
        .iter_errors(instance)
        .map(|e| KeyProblem {
            key: dotted_key(e.instance_path.as_str()),
            message: e.to_string(),
        })
        .collect()
}

/// `/items/3/recode` -> `items[3].recode`; the empty pointer -> `(top level)`.
fn dotted_key(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').filter(|p| !p.is_empty()) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.chars().all(|c| c.is_ascii_digit()) && !out.is_empty() {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    if out.is_empty() {
        "(top level)".into()
    } else {
        out
    }
}

/// True when `column` matches the attribute `pattern` (`*` matches any run of characters).
pub fn glob_matches(pattern: &str, column: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == column;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !column.starts_with(first) || !column[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &column[first.len()..column.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
object = "pid"
raters = ["rater"]
[[items]]
name = "crit1"
categories = [0, 1, 2, 3]
"#;

    #[test]
    fn presets_parse_and_collapse_as_published() {
        let mhs = Preset::Mhs.config();
        assert_eq!(mhs.items.len(), 10);
        assert_eq!(mhs.items[9].name, "hatespeech");
        assert_eq!(mhs.items[9].score_range(), (0, 2));
        let collapsed = Preset::MhsCollapsed.config();
        let scored = |name: &str| -> Vec<i64> {
            let (_, item) = collapsed.item_named(name).unwrap();
            item.categories
                .iter()
                .map(|&c| item.score(c).unwrap())
                .collect()
        };
        assert_eq!(scored("sentiment"), vec![0, 1, 2, 3, 4]);
        assert_eq!(scored("insult"), vec![0, 0, 1, 2, 3]);
        assert_eq!(scored("humiliate"), vec![0, 0, 0, 1, 2]);
        assert_eq!(scored("genocide"), vec![0, 0, 0, 1, 1]);
        assert_eq!(scored("attack_defend"), vec![0, 0, 1, 2, 3]);
        assert_eq!(scored("hatespeech"), vec![0, 0, 1]);
        // Category counts of the published scaling: 5,5,4,3,2,2,2,2,4,2 (31 in all).
        let sizes: Vec<i64> = collapsed
            .items
            .iter()
            .map(|i| {
                let (lo, hi) = i.score_range();
                hi - lo + 1
            })
            .collect();
        assert_eq!(sizes, vec![5, 5, 4, 3, 2, 2, 2, 2, 4, 2]);
    }

    #[test]
    fn minimal_description_gets_defaults() {
        let c = DatasetConfig::from_toml_str(MINIMAL, "test").unwrap();
        assert_eq!(c.layout, Layout::Wide);
        assert_eq!(c.items[0].column(), "crit1");
        assert_eq!(c.items[0].score(3), Some(3));
        assert_eq!(c.items[0].score(4), None);
    }

    #[test]
    fn reversal_mirrors_the_scored_range() {
        let text = MINIMAL.replace(
            "categories = [0, 1, 2, 3]",
            "categories = [1, 2, 3]\nreversed = true",
        );
        let c = DatasetConfig::from_toml_str(&text, "test").unwrap();
        assert_eq!(c.items[0].score(1), Some(3));
        assert_eq!(c.items[0].score(3), Some(1));
    }

    fn schema_error_keys(text: &str) -> Vec<String> {
        match DatasetConfig::from_toml_str(text, "bad.toml") {
            Err(ConfigError::Schema { problems, .. })
            | Err(ConfigError::Invalid { problems, .. }) => {
                problems.into_iter().map(|p| p.key).collect()
            }
            other => panic!("expected a key error, got {other:?}"),
        }
    }

    #[test]
    fn schema_errors_name_the_offending_key() {
        let keys = schema_error_keys(
            &MINIMAL.replace("categories = [0, 1, 2, 3]", "categories = [\"a\", 1]"),
        );
        assert_eq!(keys, vec!["items[0].categories[0]"]);
        let keys = schema_error_keys(&format!("layuot = \"wide\"\n{MINIMAL}"));
        assert_eq!(keys, vec!["(top level)"]);
        let err =
            DatasetConfig::from_toml_str(&format!("layuot = \"wide\"\n{MINIMAL}"), "bad.toml")
                .unwrap_err()
                .to_string();
        assert!(err.contains("bad.toml") && err.contains("layuot"), "{err}");
        let keys = schema_error_keys("raters = []\n[[items]]\nname = \"a\"\ncategories = [0,1]\n");
        assert_eq!(keys, vec!["(top level)"]);
        let keys = schema_error_keys(&MINIMAL.replace(
            "categories = [0, 1, 2, 3]",
            "categories = [0, 1]\nrecode = { \"x\" = 1 }",
        ));
        assert!(
            keys.iter().any(|k| k.starts_with("items[0].recode")),
            "{keys:?}"
        );
    }

    #[test]
    fn meaning_errors_name_the_offending_key() {
        let text = MINIMAL.replace(
            "categories = [0, 1, 2, 3]",
            "categories = [0, 1, 2]\nrecode = { \"0\" = 0, \"1\" = 1 }",
        );
        assert_eq!(schema_error_keys(&text), vec!["items[0].recode"]);
        let text = MINIMAL.replace("raters = [\"rater\"]", "raters = [\"pid\"]");
        assert_eq!(schema_error_keys(&text), vec!["raters[0]"]);
        let text = MINIMAL.replace(
            "categories = [0, 1, 2, 3]",
            "categories = [0, 1]\nrecode = { \"0\" = 0, \"1\" = 0 }",
        );
        assert_eq!(schema_error_keys(&text), vec!["items[0]"]);
        let text =
            "layout = \"long\"\nobject = \"p\"\n[[items]]\nname = \"a\"\ncategories = [0,1]\n";
        assert_eq!(schema_error_keys(text), vec!["(top level)"]);
    }

    #[test]
    fn toml_syntax_errors_say_where() {
        let err = DatasetConfig::from_toml_str("object = ", "cfg.toml").unwrap_err();
        assert!(matches!(err, ConfigError::Toml { .. }));
        assert!(
            err.to_string().starts_with("cfg.toml: not valid TOML"),
            "{err}"
        );
    }

    #[test]
    fn globs_match_like_shell_patterns() {
        assert!(glob_matches("target_*", "target_race_black"));
        assert!(!glob_matches("target_*", "annotator_id"));
        assert!(glob_matches("*_id", "comment_id"));
        assert!(glob_matches("a*b*c", "a-x-b-y-c"));
        assert!(!glob_matches("a*b*c", "a-x-c"));
        assert!(glob_matches("platform", "platform"));
    }

    #[test]
    fn description_round_trips_through_toml() {
        let c = Preset::MhsCollapsed.config();
        let again = DatasetConfig::from_toml_str(&c.to_toml(), "round trip").unwrap();
        assert_eq!(c, again);
        assert_eq!(c.sha256(), again.sha256());
    }
}
