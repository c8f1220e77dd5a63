//! Why training or prediction failed.

use std::path::PathBuf;

use crate::store::StoreError;

/// A failure of the text predictor.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// The project store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A training option is out of range; `field` names it.
    #[error("invalid training option `{field}`: {message}")]
    InvalidOption {
        /// The option's name.
        field: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// No run was given and the project has no fitted run whose measures could be learned.
    #[error("the project has no fitted run to learn from")]
    NoRun,
    /// The run has too few comments with both a text and a measure to train on.
    #[error("run {run_id} leaves too few comments with text and a measure to train on ({found}; at least {needed} are needed)")]
    TooFewComments {
        /// The run whose measures were to be learned.
        run_id: i64,
        /// Comments with both a text and a measure in that run.
        found: usize,
        /// The least number of comments training needs.
        needed: usize,
    },
    /// The project has no model with this id.
    #[error("the project has no model {model_id}")]
    NoSuchModel {
        /// The requested model.
        model_id: i64,
    },
    /// The model has no stored weights (e.g. its training did not finish).
    #[error("model {model_id} has status `{status}` and no weights")]
    NoWeights {
        /// The model.
        model_id: i64,
        /// The model's recorded status.
        status: crate::store::ModelStatus,
    },
    /// The model's stored configuration or weights cannot be read back.
    #[error("model {model_id}: stored configuration or weights are unreadable: {message}")]
    CorruptModel {
        /// The model.
        model_id: i64,
        /// What could not be read.
        message: String,
    },
    /// Training was cancelled through its observer; nothing was stored.
    #[error("training was cancelled; no model was stored")]
    Cancelled,
    /// The training loss became infinite or NaN.
    #[error(
        "training diverged at epoch {epoch} (the loss is not finite); lower the learning rate"
    )]
    Diverged {
        /// The epoch at which the loss stopped being finite.
        epoch: usize,
    },
    /// The sentence encoder (MiniLM) could not be loaded, or is not the one the model was
    /// trained with.
    #[error("sentence encoder at {}: {message}", dir.display())]
    Encoder {
        /// The encoder's directory.
        dir: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A file of texts to predict could not be read.
    #[error("input {}: {message}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Predictions or model weights could not be written.
    #[error("could not write {}: {message}", path.display())]
    Output {
        /// The output file (`safetensors` when serializing weights).
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A tensor operation (candle) failed.
    #[error("tensor computation failed: {0}")]
    Tensor(#[from] candle_core::Error),
}

impl From<crate::progress::Cancelled> for PredictError {
    fn from(_: crate::progress::Cancelled) -> Self {
        PredictError::Cancelled
    }
}
