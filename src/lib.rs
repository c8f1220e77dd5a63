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
//! - [`batch`]: `scalewright run PIPELINE.toml`, the whole pipeline from one file.
//! - [`predict`]: the multitask ordinal text predictor (hashed n-grams or MiniLM, CORAL heads,
//!   a score head explaining the measure), trained on a run's measures with candle.
//! - [`pipeline`]: the steps over a project that front ends call: [`pipeline::FitSettings`] and
//!   [`pipeline::ExportSettings`] (what a user chooses, parsed once), fit and flag, the run to
//!   use, export, cleaning, bias, run comparison.
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
pub mod ingest;
pub mod measure;
pub mod network;
pub mod options;
pub mod pipeline;
pub mod predict;
pub mod progress;
pub mod quality;
pub mod simulate;
pub mod store;
pub mod tui;

/// The version recorded in the provenance of every run and export.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
