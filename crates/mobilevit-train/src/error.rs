//! Typed errors of training.

use std::path::PathBuf;

/// What can stop a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The config is wrong.
    #[error("{0}")]
    Config(String),
    /// The config file is wrong.
    #[error(transparent)]
    ConfigFile(#[from] mobilevit_config::ConfigError),
    /// The batch plan is impossible.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// Data could not be read.
    #[error(transparent)]
    Data(#[from] mobilevit_data::DataError),
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] mobilevit::ModelError),
    /// Weights could not be read or written.
    #[error(transparent)]
    Weights(#[from] mobilevit::WeightsError),
    /// A file could not be written or read.
    #[error("{path}: {message}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A device worker failed (a panic in the backend, or a worker that stopped).
    #[error("data parallel training: {0}")]
    Worker(String),
    /// Training in several processes failed (ranks that disagree, a transport error).
    #[error("training on several ranks: {0}")]
    Ranks(String),
    /// The loss is no longer a number.
    #[error(
        "the training loss became {value} at epoch {epoch}, step {step}; stopping. The last good \
         checkpoint is {checkpoint}"
    )]
    NonFiniteLoss {
        /// The loss value.
        value: f32,
        /// Epoch (1-based).
        epoch: usize,
        /// Optimizer step within the run.
        step: usize,
        /// Where the last checkpoint is.
        checkpoint: String,
    },
}

impl TrainError {
    /// A file or folder that could not be read or written.
    pub(crate) fn io(path: &std::path::Path, error: impl std::fmt::Display) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
    }
}
