//! Typed errors of the model crate.

use std::path::PathBuf;

/// What can go wrong when naming, building or checking a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The name is not one of the MobileViT variants.
    #[error(
        "unknown model '{0}': expected one of MobileViT_XXS, MobileViT_XS, MobileViT_S, \
         MobileViTV2_x0_5, _x0_75, _x1_0, _x1_25, _x1_5, _x1_75, _x2_0, MobileViTV3_XXS, _XS, \
         _S, _XXS_L2, _XS_L2, _S_L2, _x0_5, _x0_75, _x1_0 (or in timm's spelling: \
         mobilevit_xxs, mobilevitv2_050, mobilevitv3_xxs, ...)"
    )]
    UnknownVariant(String),
    /// The input tensor cannot go through the network.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The class count is zero.
    #[error("the number of classes must be at least 1")]
    NoClasses,
    /// A model option is out of range.
    #[error("invalid model option: {0}")]
    InvalidOption(String),
}

/// What can go wrong when reading or writing weights.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The file could not be opened or read.
    #[error("{path}: {message}")]
    Io {
        /// The weights file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The file is not in a format it claims or seems to be.
    #[error("{path}: {message}")]
    Format {
        /// The weights file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file was read but does not describe this model.
    #[error("{path}: {message}")]
    Mismatch {
        /// The weights file.
        path: PathBuf,
        /// Which tensors are missing, unexpected or of the wrong shape.
        message: String,
    },
    /// The file's metadata names something this build does not know.
    #[error("{path}: bad metadata: {message}")]
    Metadata {
        /// The weights file.
        path: PathBuf,
        /// The key and what is wrong with it.
        message: String,
    },
    /// The model described by the file is invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
}
