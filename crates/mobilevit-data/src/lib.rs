//! Data for mobilevit-rs: image decoding, reference-exact transforms and presets, datasets,
//! samplers and a parallel loader. Knows nothing of the model.

pub mod dataset;
pub mod error;
pub mod image;
pub mod preset;
pub mod resize;
pub mod transforms;

pub use dataset::{Sample, read_class_map, read_list, scan_class_folders};
pub use error::DataError;
pub use image::{ChannelOrder, Image};
pub use preset::Preset;
pub use resize::{Interpolation, resize};
pub use transforms::{ChwTensor, CropRule, Pipeline, ShortSideRule, Transform};
