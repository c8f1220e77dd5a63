//! Reading a Facets specification file into its parts: keywords with their lines, model lines,
//! rating scales, `Labels=` and the data lines. Nothing is checked against anything else here
//! (that is [`super::build`]); only the syntax of each line.

use super::SpecError;
use std::path::{Path, PathBuf};

/// A value with the spec line it was given on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AtLine<T> {
    pub line: usize,
    pub value: T,
}

/// One facet term of a model line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// `?`: every element, one shared set of thresholds.
    Any,
    /// `#`: every element, each with its own scale (partial credit).
    Each,
    /// Only these element numbers (a number or a range).
    Elements(Vec<i64>),
}

/// A model line: a term per facet, the scale, an optional weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelLine {
    pub line: usize,
    /// The line as written (for messages).
    pub text: String,
    /// Per facet: the term and whether it is marked for bias (`B`).
    pub terms: Vec<(Term, bool)>,
    /// The scale: `R`, `R9`, `RK`, `D`, or a name from `Rating scale=`.
    pub scale: String,
    /// The weight after the scale, as written.
    pub weight: Option<String>,
}

/// One category line of `Rating scale=`: `number = label, value, flag`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CategoryLine {
    pub line: usize,
    pub number: i64,
    pub label: String,
    /// The Rasch-Andrich threshold value given (a start value, or an anchor with `A`).
    pub value: Option<f64>,
    pub anchored: bool,
    pub keep: bool,
    /// Recoded values (not supported; refused by the builder).
    pub recode: Option<String>,
}

/// A `Rating (or partial credit) scale = name, structure[, scope[, numeration]]` block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScaleBlock {
    pub line: usize,
    pub name: String,
    pub structure: String,
    /// `K` (keep unobserved intermediate categories) in the scope/numeration fields.
    pub keep: bool,
    pub categories: Vec<CategoryLine>,
}

/// One element of `Labels=`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ElementLine {
    pub line: usize,
    pub number: i64,
    /// The label; `None` when only the number (or a range) is given.
    pub label: Option<String>,
    /// The value after the label (an anchor in an `,A` facet).
    pub value: Option<f64>,
}

/// One facet of `Labels=`: `number, label[, A | D]` and its elements.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FacetBlock {
    pub line: usize,
    pub number: usize,
    pub label: String,
    pub anchored: bool,
    pub dummy: bool,
    pub elements: Vec<ElementLine>,
}

/// Where the data are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DataSource {
    /// After `Data=` in the specification itself.
    Inline,
    /// In this file (already resolved against the specification's folder).
    File(PathBuf),
}

/// A specification, line by line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spec {
    pub title: Option<String>,
    pub facets: Option<AtLine<usize>>,
    pub positive: Option<AtLine<Vec<usize>>>,
    pub negative: Option<AtLine<Vec<usize>>>,
    pub non_centred: Option<AtLine<Vec<usize>>>,
    /// `Delements=`: element identifiers in the data are numbers (N), labels (L) or either.
    pub delements: Option<AtLine<(bool, bool)>>,
    pub models: Vec<ModelLine>,
    pub scales: Vec<ScaleBlock>,
    pub labels: Option<usize>,
    pub facet_blocks: Vec<FacetBlock>,
    pub data: Option<AtLine<DataSource>>,
    /// Inline data lines (line number, text without comment).
    pub data_lines: Vec<(usize, String)>,
    pub unexpected: Option<AtLine<f64>>,
    pub convergence: Option<AtLine<(f64, f64)>>,
    pub iterations: Option<AtLine<usize>>,
    pub xtreme: Option<AtLine<f64>>,
    /// Keywords scalewright does not use: (line, keyword as written).
    pub unused: Vec<(usize, String)>,
    /// Things read but not used (element start values, groups...): (line, what).
    pub ignored: Vec<(usize, String)>,
}

fn at_line<T>(line: usize, value: T) -> AtLine<T> {
    AtLine { line, value }
}

/// The text of a line before its `;` comment (a `;` inside quotes is kept).
pub(crate) fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ';') => return line[..i].trim(),
            _ => {}
        }
    }
    line.trim()
}

/// Splits at `separator` outside quotes; fields are trimmed and unquoted.
pub(crate) fn split_fields(text: &str, separator: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c == separator => fields.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    fields.push(current);
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

/// The position of the first `=` outside quotes.
fn equals_at(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '=') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `keyword = value` when the line is a keyword line (the left side is a word, not an element
/// or category number).
fn keyword_of(text: &str) -> Option<(&str, &str)> {
    let at = equals_at(text)?;
    let key = text[..at].trim();
    let first = key.chars().next()?;
    if first.is_ascii_digit() || matches!(first, '-' | '+' | '"' | '\'' | '?' | '#' | '.') {
        return None;
    }
    Some((key, text[at + 1..].trim()))
}

/// A keyword's letters and digits, lower case: `Non-centered` -> `noncentered`.
fn normalise(keyword: &str) -> String {
    keyword
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// An element number or a range `a-b` (inclusive, `a <= b`).
pub(crate) fn parse_range(text: &str) -> Option<Result<(i64, i64), (i64, i64)>> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(Ok((n, n)));
    }
    let (a, b) = text.split_once('-')?;
    let (a, b) = (a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?);
    Some(if a <= b { Ok((a, b)) } else { Err((a, b)) })
}

/// Which block the following lines belong to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    None,
    Models,
    Scale(usize),
    /// `Labels=`: expecting a facet header (`None`) or elements of facet block `i`.
    Labels(Option<usize>),
    Data,
}

struct Reader<'a> {
    path: &'a Path,
    spec: Spec,
}

impl Reader<'_> {
    fn error(
        &self,
        line: usize,
        keyword: &str,
        value: &str,
        message: impl Into<String>,
    ) -> SpecError {
        SpecError::new(self.path, line, keyword, value, message)
    }

    fn number(&self, line: usize, keyword: &str, value: &str) -> Result<f64, SpecError> {
        value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.error(line, keyword, value, "expected a number"))
    }

    fn facet_list(&self, line: usize, keyword: &str, value: &str) -> Result<Vec<usize>, SpecError> {
        let mut list = Vec::new();
        for field in split_fields(value, ',') {
            if field.is_empty() {
                continue;
            }
            match parse_range(&field) {
                Some(Ok((a, b))) if a >= 0 => list.extend((a..=b).map(|f| f as usize)),
                Some(Err(_)) => {
                    return Err(self.error(
                        line,
                        keyword,
                        value,
                        format!("the range `{field}` runs backwards"),
                    ))
                }
                _ => {
                    return Err(self.error(
                        line,
                        keyword,
                        value,
                        format!("`{field}` is not a facet number"),
                    ))
                }
            }
        }
        list.retain(|&f| f > 0);
        Ok(list)
    }

    fn model_line(&self, line: usize, text: &str) -> Result<ModelLine, SpecError> {
        let fields = split_fields(text, ',');
        let n = self.spec.facets.as_ref().map(|f| f.value).ok_or_else(|| {
            self.error(
                line,
                "Models",
                text,
                "Facets= must come before the model lines",
            )
        })?;
        if fields.len() < n + 1 {
            return Err(self.error(
                line,
                "Models",
                text,
                format!("a model line needs one term per facet ({n}) and a scale"),
            ));
        }
        let mut terms = Vec::with_capacity(n);
        for field in &fields[..n] {
            let upper = field.to_ascii_uppercase();
            let (core, bias) = match upper.strip_suffix('B') {
                Some(core) => (core.to_string(), true),
                None => (upper.clone(), false),
            };
            let term = match core.as_str() {
                "?" => Term::Any,
                "#" => Term::Each,
                _ => match parse_range(&core) {
                    Some(Ok((a, b))) => Term::Elements((a..=b).collect()),
                    Some(Err(_)) => {
                        return Err(self.error(
                            line,
                            "Models",
                            text,
                            format!("the element range `{field}` runs backwards"),
                        ))
                    }
                    None => {
                        return Err(self.error(
                            line,
                            "Models",
                            text,
                            format!("the facet term `{field}` is not supported (use ?, #, an element number or a range; X, -? and $ are not)"),
                        ))
                    }
                },
            };
            terms.push((term, bias));
        }
        let scale = fields[n].clone();
        let weight = fields.get(n + 1).filter(|w| !w.is_empty()).cloned();
        if fields.len() > n + 2 {
            return Err(self.error(
                line,
                "Models",
                text,
                "more fields than the terms, the scale and a weight",
            ));
        }
        Ok(ModelLine {
            line,
            text: text.to_string(),
            terms,
            scale,
            weight,
        })
    }

    fn category_line(&self, line: usize, text: &str) -> Result<CategoryLine, SpecError> {
        let (number, rest) = match equals_at(text) {
            Some(at) => (text[..at].trim(), text[at + 1..].trim()),
            None => match text.split_once(',') {
                Some((n, rest)) => (n.trim(), rest.trim()),
                None => (text.trim(), ""),
            },
        };
        let number = number.parse::<i64>().map_err(|_| {
            self.error(
                line,
                "Rating scale",
                text,
                "a category line starts with the category number",
            )
        })?;
        let fields = split_fields(rest, ',');
        let label = fields.first().cloned().unwrap_or_default();
        let value = match fields.get(1).map(String::as_str) {
            None | Some("") => None,
            Some(v) => Some(self.number(line, "Rating scale", v)?),
        };
        let flag = fields
            .get(2)
            .map(|f| f.to_ascii_uppercase())
            .unwrap_or_default();
        let recode = fields.get(3).filter(|r| !r.is_empty()).cloned();
        Ok(CategoryLine {
            line,
            number,
            label,
            value,
            anchored: flag.starts_with('A'),
            keep: flag.starts_with('K'),
            recode,
        })
    }

    fn facet_header(&self, line: usize, text: &str) -> Result<FacetBlock, SpecError> {
        let fields = split_fields(text, ',');
        let number = fields[0]
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                self.error(
                    line,
                    "Labels",
                    text,
                    "a facet header is `facet number, facet label[, A | D]`",
                )
            })?;
        let label = fields.get(1).cloned().unwrap_or_default();
        let flag = fields
            .get(2)
            .map(|f| f.to_ascii_uppercase())
            .unwrap_or_default();
        if !matches!(flag.as_str(), "" | "A" | "D") {
            return Err(self.error(
                line,
                "Labels",
                text,
                format!(
                    "facet flag `{}` is not supported (A anchored, D dummy)",
                    fields[2]
                ),
            ));
        }
        Ok(FacetBlock {
            line,
            number,
            label,
            anchored: flag == "A",
            dummy: flag == "D",
            elements: Vec::new(),
        })
    }

    fn element_lines(&mut self, line: usize, text: &str) -> Result<Vec<ElementLine>, SpecError> {
        let (head, rest) = match equals_at(text) {
            Some(at) => (text[..at].trim(), Some(text[at + 1..].trim())),
            None => match text.split_once(',') {
                Some((n, rest)) => (n.trim(), Some(rest.trim())),
                None => (text.trim(), None),
            },
        };
        let (a, b) = match parse_range(head) {
            Some(Ok(range)) => range,
            Some(Err(_)) => {
                return Err(self.error(
                    line,
                    "Labels",
                    text,
                    format!("the element range `{head}` runs backwards"),
                ))
            }
            None => {
                return Err(self.error(
                    line,
                    "Labels",
                    text,
                    "an element line is `number = label[, anchor value]` (or a range `a-b`)",
                ))
            }
        };
        let fields = rest.map(|r| split_fields(r, ',')).unwrap_or_default();
        let label = fields.first().filter(|l| !l.is_empty()).cloned();
        let value = match fields.get(1).map(String::as_str) {
            None | Some("") => None,
            Some(v) => Some(self.number(line, "Labels", v)?),
        };
        if fields.len() > 2 {
            self.spec
                .ignored
                .push((line, "element group numbers in Labels=".into()));
        }
        Ok((a..=b)
            .map(|number| ElementLine {
                line,
                number,
                label: if a == b { label.clone() } else { None },
                value,
            })
            .collect())
    }

    /// One `Keyword = value` line: the value kept in the specification, and the block the
    /// following lines belong to (`Models=`, `Rating scale=`, `Labels=`, `Data=`).
    fn keyword(&mut self, line: usize, key: &str, value: &str) -> Result<Block, SpecError> {
        match normalise(key).as_str() {
            "title" => {
                self.spec.title = Some(value.trim_matches(|c| c == '"' || c == '\'').to_string());
            }
            "facets" | "facetsindata" => self.facets(line, key, value)?,
            "positive" => {
                self.spec.positive = Some(at_line(line, self.facet_list(line, key, value)?));
            }
            "negative" => {
                self.spec.negative = Some(at_line(line, self.facet_list(line, key, value)?));
            }
            "noncentered" | "noncentred" | "noncenter" | "noncentre" => {
                self.spec.non_centred = Some(at_line(line, self.facet_list(line, key, value)?));
            }
            "delements" => self.delements(line, key, value)?,
            "model" | "models" => {
                if !value.is_empty() {
                    let model = self.model_line(line, value)?;
                    self.spec.models.push(model);
                }
                return Ok(Block::Models);
            }
            "ratingscale"
            | "ratingorpartialcreditscale"
            | "partialcreditscale"
            | "responsemodel" => return self.rating_scale(line, key, value),
            "labels" => {
                self.spec.labels = Some(line);
                return Ok(Block::Labels(None));
            }
            "data" | "datafile" => return self.data(line, key, value),
            "unexpected" => self.unexpected(line, key, value)?,
            "convergence" => self.convergence(line, key, value)?,
            "iterations" => self.iterations(line, key, value)?,
            "xtreme" => self.xtreme(line, key, value)?,
            _ => self.spec.unused.push((line, key.to_string())),
        }
        Ok(Block::None)
    }

    /// `Facets = n`: the number of facets (2 or more) in the data.
    fn facets(&mut self, line: usize, key: &str, value: &str) -> Result<(), SpecError> {
        let first = split_fields(value, ',')
            .into_iter()
            .next()
            .unwrap_or_default();
        let n = first
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 2)
            .ok_or_else(|| {
                self.error(
                    line,
                    key,
                    value,
                    "expected the number of facets (2 or more)",
                )
            })?;
        self.spec.facets = Some(at_line(line, n));
        Ok(())
    }

    /// `Delements = N | L | NL`: elements in the data are given by number, label or either.
    fn delements(&mut self, line: usize, key: &str, value: &str) -> Result<(), SpecError> {
        let v = value.trim().to_ascii_uppercase();
        let (n, l) = match v.as_str() {
            "N" => (true, false),
            "L" => (false, true),
            "NL" | "LN" => (true, true),
            _ => return Err(self.error(line, key, value, "expected N, L, NL or LN")),
        };
        self.spec.delements = Some(at_line(line, (n, l)));
        Ok(())
    }

    /// `Rating scale = name, structure[, K]`: a named scale whose category lines follow.
    fn rating_scale(&mut self, line: usize, key: &str, value: &str) -> Result<Block, SpecError> {
        let fields = split_fields(value, ',');
        let name = fields.first().cloned().unwrap_or_default();
        if name.is_empty() {
            return Err(self.error(
                line,
                key,
                value,
                "the scale needs a name: `Rating scale = name, R9`",
            ));
        }
        let structure = fields.get(1).cloned().unwrap_or_else(|| "R".into());
        let keep = fields[2.min(fields.len())..]
            .iter()
            .any(|f| f.eq_ignore_ascii_case("K") || f.eq_ignore_ascii_case("Keep"));
        self.spec.scales.push(ScaleBlock {
            line,
            name,
            structure,
            keep,
            categories: Vec::new(),
        });
        Ok(Block::Scale(self.spec.scales.len() - 1))
    }

    /// `Data =` (the data lines follow inline) or `Data file = name` (beside the
    /// specification).
    fn data(&mut self, line: usize, key: &str, value: &str) -> Result<Block, SpecError> {
        if value.is_empty() && normalise(key) == "data" {
            self.spec.data = Some(at_line(line, DataSource::Inline));
            Ok(Block::Data)
        } else if value.is_empty() {
            Err(self.error(line, key, value, "expected the data file's name"))
        } else {
            let name = value.trim_matches(|c| c == '"' || c == '\'');
            let folder = self.path.parent().unwrap_or_else(|| Path::new("."));
            self.spec.data = Some(at_line(line, DataSource::File(folder.join(name))));
            Ok(Block::None)
        }
    }

    /// `Unexpected = z`: the standardized residual from which a response is unexpected.
    fn unexpected(&mut self, line: usize, key: &str, value: &str) -> Result<(), SpecError> {
        let v = self.number(line, key, value)?;
        if v <= 0.0 {
            return Err(self.error(
                line,
                key,
                value,
                "expected a positive standardized residual",
            ));
        }
        self.spec.unexpected = Some(at_line(line, v));
        Ok(())
    }

    /// `Convergence = score residual, logit change` (Facets' defaults for a missing one; 0 is
    /// no criterion, but not both).
    fn convergence(&mut self, line: usize, key: &str, value: &str) -> Result<(), SpecError> {
        let fields = split_fields(value, ',');
        let residual = match fields.first().map(String::as_str) {
            None | Some("") => None,
            Some(v) => Some(self.non_negative(line, key, value, v)?),
        };
        let change = match fields.get(1).map(String::as_str) {
            None | Some("") => None,
            Some(v) => Some(self.non_negative(line, key, value, v)?),
        };
        let residual = residual.unwrap_or(crate::measure::options::FACETS_SCORE_RESIDUAL);
        let change = change.unwrap_or(crate::measure::options::FACETS_LOGIT_CHANGE);
        if residual == 0.0 && change == 0.0 {
            return Err(self.error(line, key, value, "at least one criterion must be above 0"));
        }
        self.spec.convergence = Some(at_line(line, (residual, change)));
        Ok(())
    }

    /// `Iterations = n`: the most iterations (0: no limit).
    fn iterations(&mut self, line: usize, key: &str, value: &str) -> Result<(), SpecError> {
        let n = value.trim().parse::<usize>().map_err(|_| {
            self.error(
                line,
                key,
                value,
                "expected a whole number of iterations (0 = no limit)",
            )
        })?;
        self.spec.iterations = Some(at_line(line, n));
        Ok(())
    }

    /// `Xtreme = fraction[, bias fraction]`: the extreme-score adjustment, strictly between 0
    /// and 1 (the bias one is not used).
    fn xtreme(&mut self, line: usize, key: &str, value: &str) -> Result<(), SpecError> {
        let first = split_fields(value, ',')
            .into_iter()
            .next()
            .unwrap_or_default();
        let v = self.number(line, key, &first)?;
        if !(v > 0.0 && v < 1.0) {
            return Err(self.error(
                line,
                key,
                value,
                "the extreme-score adjustment must lie strictly between 0 and 1",
            ));
        }
        self.spec.xtreme = Some(at_line(line, v));
        if split_fields(value, ',').len() > 1 {
            self.spec.ignored.push((
                line,
                "Xtreme='s second value (bias estimation uses its own .5)".into(),
            ));
        }
        Ok(())
    }

    fn non_negative(
        &self,
        line: usize,
        key: &str,
        value: &str,
        field: &str,
    ) -> Result<f64, SpecError> {
        field
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                self.error(
                    line,
                    key,
                    value,
                    format!("`{field}` is not a number of 0 or more"),
                )
            })
    }
}

/// Reads the specification's text (`path` names it in errors and locates `Data file=`).
pub(crate) fn parse(path: &Path, text: &str) -> Result<Spec, SpecError> {
    let mut reader = Reader {
        path,
        spec: Spec::default(),
    };
    let mut block = Block::None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let text = strip_comment(raw.trim_start_matches('\u{feff}'));
        if text.is_empty() {
            continue;
        }
        if block == Block::Data {
            reader.spec.data_lines.push((line, text.to_string()));
            continue;
        }
        if text == "*" {
            block = match block {
                Block::Labels(Some(_)) => Block::Labels(None),
                _ => Block::None,
            };
            continue;
        }
        if let Some((key, value)) = keyword_of(text) {
            block = reader.keyword(line, key, value)?;
            continue;
        }
        match block {
            Block::None => {
                return Err(reader.error(
                    line,
                    "(none)",
                    text,
                    "expected `keyword = value`; this line belongs to no Models=, Rating scale=, Labels= or Data= block",
                ))
            }
            Block::Models => {
                let model = reader.model_line(line, text)?;
                reader.spec.models.push(model);
            }
            Block::Scale(s) => {
                let category = reader.category_line(line, text)?;
                reader.spec.scales[s].categories.push(category);
            }
            Block::Labels(None) => {
                let facet = reader.facet_header(line, text)?;
                reader.spec.facet_blocks.push(facet);
                block = Block::Labels(Some(reader.spec.facet_blocks.len() - 1));
            }
            Block::Labels(Some(f)) => {
                let elements = reader.element_lines(line, text)?;
                reader.spec.facet_blocks[f].elements.extend(elements);
            }
            Block::Data => reader.spec.data_lines.push((line, text.to_string())),
        }
    }
    Ok(reader.spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_quotes_and_keywords() {
        assert_eq!(strip_comment("1 = \"A; B\" ; note"), "1 = \"A; B\"");
        assert_eq!(
            split_fields("1, \"Smith, Anne\" ,2", ','),
            vec!["1", "Smith, Anne", "2"]
        );
        assert_eq!(keyword_of("Non-centered = 1"), Some(("Non-centered", "1")));
        assert_eq!(keyword_of("1 = Anne"), None);
        assert_eq!(
            normalise("Rating (or partial credit) scale"),
            "ratingorpartialcreditscale"
        );
        assert_eq!(parse_range("1-4"), Some(Ok((1, 4))));
        assert_eq!(parse_range("4-1"), Some(Err((4, 1))));
        assert_eq!(parse_range("x"), None);
    }

    #[test]
    fn blocks_are_read_with_their_lines() {
        let text = "Title = T\nFacets = 3\nModels =\n?B,?B,#,R9\n*\nRating scale = S,R9,G,K\n1=low,0,A\n*\nLabels=\n1,Judges,A\n1=Ann,0.5\n2-3\n*\n2,People\n1=\"Bo; Bo\"\n*\nUsort = 1\nData=\n1,1,1-2,3,.\n";
        let spec = parse(Path::new("spec.txt"), text).unwrap();
        assert_eq!(spec.title.as_deref(), Some("T"));
        assert_eq!(spec.models.len(), 1);
        assert_eq!(spec.models[0].line, 4);
        assert_eq!(spec.models[0].terms[0], (Term::Any, true));
        assert_eq!(spec.models[0].terms[2], (Term::Each, false));
        assert!(spec.scales[0].keep);
        assert!(spec.scales[0].categories[0].anchored);
        assert_eq!(spec.facet_blocks.len(), 2);
        assert!(spec.facet_blocks[0].anchored);
        assert_eq!(spec.facet_blocks[0].elements.len(), 3);
        assert_eq!(spec.facet_blocks[0].elements[0].value, Some(0.5));
        assert_eq!(
            spec.facet_blocks[1].elements[0].label.as_deref(),
            Some("Bo; Bo")
        );
        assert_eq!(spec.unused, vec![(17, "Usort".to_string())]);
        assert_eq!(spec.data_lines, vec![(19, "1,1,1-2,3,.".to_string())]);
    }
}
