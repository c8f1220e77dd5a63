//! Facets specification files (Linacre's Facets and the free Minifac): `Facets=`, `Labels=`,
//! `Models=`, `Rating scale=` and the data inline after `Data=` or in a `Data file=`.
//!
//! [`stage_spec`] reads a specification into the same [`Staged`] import a rating file with a
//! dataset description gives, plus the specification's model ([`crate::config::ProjectModel`]:
//! orientation, centring, anchors, dummy facets, rating scale or partial credit, stopping
//! rules), which the store keeps with the project so that `fit` reproduces the Facets setup.
//! Every error names the specification's line, the keyword and the value; keywords scalewright
//! does not use are listed in one warning. docs/facets.md maps every keyword.

mod build;
mod data;
mod declared;
pub use build::NO_CRITERION;
mod parse;

use super::{IngestError, Staged};
use std::path::{Path, PathBuf};

/// A problem in a Facets specification (or its data file): where, which keyword, which value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}, line {line}: {keyword}{}: {message}", path.display(), if value.is_empty() { String::new() } else { format!(" `{value}`") })]
pub struct SpecError {
    /// The specification, or the data file for a data line.
    pub path: PathBuf,
    /// The line (1-based).
    pub line: usize,
    /// The keyword the line belongs to (`Labels`, `Models`, `Data`...).
    pub keyword: String,
    /// The offending value as written.
    pub value: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// What a front end can offer instead, when something can (a per-run recode, naming the
    /// object facet).
    pub remedy: Option<SpecRemedy>,
}

/// What a front end can offer for a specification it cannot take as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecRemedy {
    /// Recode the categories per run (a fit's recode) instead of in the specification.
    RecodePerRun,
    /// Name the object facet.
    NameObjectFacet,
}

impl SpecError {
    pub(crate) fn new(
        path: &Path,
        line: usize,
        keyword: &str,
        value: &str,
        message: impl Into<String>,
    ) -> SpecError {
        SpecError {
            path: path.to_path_buf(),
            line,
            keyword: keyword.to_string(),
            value: super::problems::bounded_value(value.trim()),
            message: message.into(),
            remedy: None,
        }
    }

    /// The error with what a front end can offer instead.
    pub(crate) fn with_remedy(mut self, remedy: SpecRemedy) -> SpecError {
        self.remedy = Some(remedy);
        self
    }
}

/// Choices of a Facets import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetsOptions {
    /// The object facet, by number or label; `None`: the first positively oriented
    /// non-centred facet (else the first positive one).
    pub object: Option<String>,
}

/// Reads and checks a Facets specification (and its data file); nothing is written anywhere.
pub fn stage_spec(path: &Path, options: &FacetsOptions) -> Result<Staged, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let spec = parse::parse(path, &text).map_err(Box::new)?;
    build::build(path, &bytes, spec, options)
}

#[cfg(test)]
mod tests;
