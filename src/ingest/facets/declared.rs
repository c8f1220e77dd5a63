//! What the building of a specification and the reading of its data share: the declared
//! elements of each facet (`Labels=`) and the one way a problem is reported (file, line,
//! keyword, value).

use super::parse::FacetBlock;
use super::SpecError;
use crate::ingest::IngestError;
use std::collections::HashMap;
use std::path::Path;

/// Fails with a [`SpecError`] at `line` of `path`: the keyword, the value as written and what is
/// wrong.
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

/// A declared element: its position in the facet block, its number, label and value.
pub(super) struct Declared<'a> {
    pub(super) by_number: HashMap<i64, usize>,
    pub(super) by_label: HashMap<String, usize>,
    block: &'a FacetBlock,
}

impl<'a> Declared<'a> {
    pub(super) fn new(block: &'a FacetBlock) -> Self {
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
    pub(super) fn project_labels(&self) -> Vec<String> {
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
