//! Data for mobilevit-rs: image decoding, reference-exact transforms and presets, datasets,
//! samplers and a parallel loader. Knows nothing of the model.

#[cfg(feature = "burn-dataset")]
pub mod burn_dataset;
#[cfg(feature = "burn-vision")]
mod burn_vision;
pub mod dataset;
pub mod erasing;
pub mod error;
pub mod image;
pub mod loader;
pub mod mix;
pub mod mnist;
pub mod ops;
pub mod rand_augment;
pub mod resize;
pub mod resize_cv2;
pub mod sampler;
pub mod source;
pub mod split;
pub mod transforms;

#[cfg(feature = "burn-dataset")]
pub use burn_dataset::{
    DatasetSource, EncodedImage, LabelledImage, PipelineDataset, SampleDataset, TransformedImage,
};
pub use dataset::{IMAGE_EXTENSIONS, Sample, read_class_map, read_list, scan_class_folders};
pub use error::DataError;
pub use image::{ChannelOrder, Image};
pub use loader::{CorruptImages, LoadedBatch, Loader, LoaderConfig, LoadingEpoch, derive_seed};
pub use mix::{BatchMix, MixOperator, Mixed};
pub use mobilevit_contract::{Adapted, EVAL_CROP, PipelineOrigin, Preprocessing, Preset};
pub use ops::pipeline_from_ops;
pub use rand_augment::{AugmentOp, RandAugment, apply_op};
pub use resize::{Interpolation, resize};
pub use sampler::{Batch, BatchSampler, CvnetsRule, Scale, Scales};
pub use source::{ImageSource, LabelledPixels};
pub use split::{FolderSplit, split_class_folders, write_split_lists};
pub use transforms::{ChwTensor, CropRule, Pipeline, RunPipeline, ShortSideRule, Transform};
