//! One module per command: its clap arguments and its body (`run`).

pub mod bias;
pub mod categories;
pub mod clean;
pub mod compare;
pub mod decide;
pub mod decisions;
pub mod export;
pub mod fit;
pub mod flag;
pub mod import_run;
pub mod info;
pub mod ingest;
pub mod init_config;
pub mod models;
pub mod open;
pub mod plan;
pub mod plot;
pub mod predict;
pub mod quality;
pub mod report;
pub mod run;
pub mod runs;
pub mod simulate;
pub mod train;
