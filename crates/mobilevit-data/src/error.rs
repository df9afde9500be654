//! Typed errors of the data crate.

use std::path::{Path, PathBuf};

/// What can go wrong reading or transforming data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// An image could not be decoded.
    #[error("{path}: cannot decode image: {message}")]
    Decode {
        /// The image.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// A line of a list or class-map file is wrong.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The list file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A dataset is unusable as a whole.
    #[error("{path}: {message}")]
    Dataset {
        /// The list file or folder.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An item has no class label, or one out of range: the dataset does not fit the model.
    #[error("{item}: {message}")]
    Label {
        /// The item (its file, or its index).
        item: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A transform is misconfigured.
    #[error("transform {op}: {message}")]
    Transform {
        /// The op's name.
        op: String,
        /// What is wrong.
        message: String,
    },
}

impl DataError {
    /// Whether the error concerns the whole run (a misconfigured transform, a label that does
    /// not fit) rather than one unreadable image, which may be skipped.
    pub fn is_fatal(&self) -> bool {
        matches!(self, DataError::Transform { .. } | DataError::Label { .. })
    }

    /// The file or item the error is about, if it is about one.
    pub fn subject(&self) -> Option<&Path> {
        match self {
            DataError::Io { path, .. }
            | DataError::Decode { path, .. }
            | DataError::Line { path, .. }
            | DataError::Dataset { path, .. } => Some(path),
            DataError::Label { item, .. } => Some(item),
            DataError::Transform { .. } => None,
        }
    }
}
