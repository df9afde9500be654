//! Typed errors of the data crate.

use std::path::PathBuf;

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
    /// A transform is misconfigured.
    #[error("transform {op}: {message}")]
    Transform {
        /// The op's name.
        op: String,
        /// What is wrong.
        message: String,
    },
}
