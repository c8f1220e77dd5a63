//! Why training or prediction failed.

use std::path::PathBuf;

use crate::store::StoreError;

/// A failure of the text predictor.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A training option is out of range; `field` names it.
    #[error("invalid training option `{field}`: {message}")]
    InvalidOption {
        field: &'static str,
        message: String,
    },
    #[error("the project has no fitted run to learn from (run `scalewright fit` first)")]
    NoRun,
    #[error("run {run_id} leaves too few comments with text and a measure to train on ({found}; at least {needed} are needed)")]
    TooFewComments {
        run_id: i64,
        found: usize,
        needed: usize,
    },
    #[error("the project has no model {model_id}")]
    NoSuchModel { model_id: i64 },
    #[error("model {model_id} has status `{status}` and no weights")]
    NoWeights { model_id: i64, status: String },
    #[error("model {model_id}: stored configuration or weights are unreadable: {message}")]
    CorruptModel { model_id: i64, message: String },
    #[error("training was cancelled; no model was stored")]
    Cancelled,
    #[error(
        "training diverged at epoch {epoch} (the loss is not finite); lower the learning rate"
    )]
    Diverged { epoch: usize },
    #[error("sentence encoder at {}: {message}", dir.display())]
    Encoder { dir: PathBuf, message: String },
    #[error("input {}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    #[error("could not write {}: {message}", path.display())]
    Output { path: PathBuf, message: String },
    #[error("tensor computation failed: {0}")]
    Tensor(#[from] candle_core::Error),
}
