//! Where a [`Loader`](crate::Loader)'s images come from: anything that gives a labelled image
//! by index. A list file's or class folders' [`Sample`]s are one; with the `burn-dataset`
//! feature, any Burn `Dataset` of labelled images is another
//! ([`DatasetSource`](crate::DatasetSource)).

use std::path::PathBuf;
use std::sync::Arc;

use crate::dataset::Sample;
use crate::error::DataError;
use crate::image::{ChannelOrder, Image};

/// A decoded image, its class index and what to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledPixels {
    /// The image, three channels.
    pub image: Image,
    /// Class index.
    pub label: usize,
    /// What to call it in reports (its file, where it has one).
    pub name: PathBuf,
}

/// Labelled images by index, read by a loader's worker threads.
pub trait ImageSource: Send + Sync {
    /// Number of images.
    fn len(&self) -> usize;

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image `index`, decoded to three channels in `order`, and its label. An unreadable image
    /// is a [`DataError::Io`] or [`DataError::Decode`] naming it (which the loader may skip);
    /// an item without a usable label is a [`DataError::Label`] (which stops it).
    fn load(&self, index: usize, order: ChannelOrder) -> Result<LabelledPixels, DataError>;
}

impl ImageSource for Vec<Sample> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn load(&self, index: usize, order: ChannelOrder) -> Result<LabelledPixels, DataError> {
        let sample = &self[index];
        Ok(LabelledPixels {
            image: Image::open(&sample.path, order)?,
            label: sample.label,
            name: sample.path.clone(),
        })
    }
}

impl<S: ImageSource + ?Sized> ImageSource for Arc<S> {
    fn len(&self) -> usize {
        self.as_ref().len()
    }

    fn load(&self, index: usize, order: ChannelOrder) -> Result<LabelledPixels, DataError> {
        self.as_ref().load(index, order)
    }
}
