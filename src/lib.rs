//! # scalewright
//!
//! Turns crowd ratings into interval-scale measures with many-facet Rasch models.
//!
//! The library is one pipeline; every front end (the `scalewright` command line, the terminal
//! workbench) calls the same functions:
//!
//! ```text
//! config ─► ingest ─► store ─► measure ─► quality ─► export ─► predict
//! (what the   (read &    (SQLite    (Rasch     (rater     (targets    (text
//!  data is)   validate)  project)   models)    review)    + S.E.)     model)
//! ```
//!
//! - [`config`]: the dataset description (TOML validated against `schemas/dataset.schema.json`)
//!   and the built-in presets (`mhs`, `mhs-collapsed`).
//! - [`ingest`]: reads CSV/TSV/Parquet with polars and validates every value before anything is
//!   written.
//! - [`store`]: the project file, one SQLite database with a versioned schema.
//! - [`data`]: [`data::RatingData`], the column-wise observations every stage shares.
//! - [`network`]: connectedness of the rating network (disjoint subsets).
//! - [`simulate`]: MHS-shaped data with known truth from the faceted partial-credit model.
//! - [`measure`]: the many-facet Rasch engine.
//! - [`quality`]: rater-quality flags (misfit bands, straight-lining, repeated vectors...).
//! - [`export`]: the interval-scale targets as CSV, Parquet or JSON, with provenance.
//! - [`report`]: one self-contained HTML report of a run (provenance, Tables 3, 5, 7, 8 and 13,
//!   flags, decisions and the figures as inline SVG).
//! - [`batch`]: `scalewright run PIPELINE.toml`, the whole pipeline from one file.
//! - [`predict`]: the multitask ordinal text predictor (hashed n-grams or MiniLM, CORAL heads,
//!   a score head explaining the measure), trained on a run's measures with candle.
//! - [`pipeline`]: the steps over a project that front ends call: [`pipeline::FitSettings`] and
//!   [`pipeline::ExportSettings`] (what a user chooses, parsed once), fit and flag, the run to
//!   use, export, cleaning, bias, run comparison.
//! - [`figures`]: figures of a run (Wright map, category curves, rater fit map, bias, ...): one
//!   figure model, one renderer to SVG and PNG with an embedded font, one builder per kind.
//! - [`options`]: option values parsed once by `FromStr` (the same message in every front end).
//! - [`progress`]: progress, history and cancellation of long work (observers).
//! - [`tui`]: the terminal workbench (a front end like the command line; nothing else in the
//!   library depends on it).
//!
//! The library never prints or draws; long-running work reports progress through callbacks.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod batch;
pub mod config;
pub mod data;
pub mod export;
pub mod figures;
pub mod ingest;
pub mod measure;
pub mod network;
pub mod options;
pub mod pipeline;
pub mod predict;
pub mod progress;
pub mod provenance;
pub mod quality;
pub mod report;
pub mod simulate;
pub mod store;
pub mod tui;
pub mod whole_file;

/// The version recorded in the provenance of every run and export.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// An error and its causes as one line, each text once: a cause whose text the line already
/// holds (as when an error embeds its source's message), or that only restates the previous
/// cause (`Error code 5: database is locked` after `database is locked`), is left out, so a
/// message never reads `X: X: X`.
pub fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut previous = String::new();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        let restates = !previous.is_empty() && text.contains(&previous);
        if !text.is_empty() && !line.contains(&text) && !restates {
            line.push_str(": ");
            line.push_str(&text);
        }
        previous = text;
        cause = e.source();
    }
    line
}

#[cfg(test)]
mod error_text_tests {
    #[derive(Debug, thiserror::Error)]
    #[error("project p.db: {source}")]
    struct Outer {
        source: Inner,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("database is locked")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("database is locked")]
    struct Sqlite {
        source: Code,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("Error code 5: database is locked")]
    struct Code;

    #[derive(Debug, thiserror::Error)]
    #[error("project p.db: busy: {source}")]
    struct Project {
        source: Sqlite,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("reading x.csv")]
    struct Context {
        source: Inner,
    }

    #[test]
    fn each_cause_is_said_once() {
        assert_eq!(
            super::error_text(&Outer { source: Inner }),
            "project p.db: database is locked"
        );
        assert_eq!(
            super::error_text(&Context { source: Inner }),
            "reading x.csv: database is locked"
        );
        assert_eq!(
            super::error_text(&Project {
                source: Sqlite { source: Code }
            }),
            "project p.db: busy: database is locked"
        );
    }
}
