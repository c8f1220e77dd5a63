//! The integration tests, one test binary (cargo's own `tests/testsuite/main.rs` shape): the
//! crate and its dependencies are linked once for the whole suite instead of once per file.
//! Each module is one area, end to end through the binary (`common::scalewright`) or the library.

#![allow(clippy::unwrap_used)] // tests may panic on unexpected values

mod bias_cli;
mod categories_cli;
mod cli_errors;
mod common;
mod compare_plan_cli;
mod concurrency;
mod design_plan;
mod dimensionality_cli;
mod export_cli;
mod facets_cli;
mod figures_cli;
mod figures_snapshots;
mod fit_cli;
mod flags_truth;
mod import_kill;
mod ingest;
mod ingest_batches;
mod model_comparison;
mod option_messages;
mod pipeline_cli;
mod predict_cli;
mod quality_cli;
mod recode_cli;
mod reliability;
mod report_cli;
mod sample_data;
mod store_migration;
mod tui_jobs;
mod tui_snapshots;
mod tui_tmux;
