//! A loaded image classifier for programs that embed mobilevit-rs (the Python, C and
//! WebAssembly engines): weights of any format `mobilevit convert` reads, the preprocessing
//! they record applied to every image, class names, and a thread pool of its own.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use mobilevit::{
    LoadOptions, LoadedWeights, MobileVit, ModelError, WeightsError, WeightsInfo, load_weights,
    load_weights_bytes,
};
use mobilevit_data::{
    ChannelOrder, ChwTensor, DataError, Image, Pipeline, Preprocessing, RunPipeline,
};

use crate::labels::{ClassNames, LabelError};
use crate::predict::{Scored, top_k};

/// What can go wrong when loading or running a [`Classifier`].
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// The weights file is missing.
    #[error("{0}: no such file")]
    NotFound(PathBuf),
    /// The weights could not be read or do not describe a MobileViT.
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// The weights do not say how their input was preprocessed.
    #[error(
        "{0}: the weights do not record their preprocessing (a checkpoint written before it \
         was recorded); convert them again with `mobilevit convert`, which records it"
    )]
    NoPreprocessing(PathBuf),
    /// The class names do not fit the model.
    #[error(transparent)]
    Labels(#[from] LabelError),
    /// An image could not be read or decoded.
    #[error(transparent)]
    Image(#[from] DataError),
    /// An input has the wrong size or shape.
    #[error("{0}")]
    InvalidInput(String),
    /// The thread pool could not be started.
    #[error("cannot start {threads} compute threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why not.
        message: String,
    },
}

impl From<ModelError> for ClassifierError {
    fn from(error: ModelError) -> Self {
        Self::InvalidInput(error.to_string())
    }
}

/// MobileViT with its weights' record, ready to classify images on the CPU.
///
/// A classifier [loaded](Self::load) from a file runs every call on its own rayon pool, so
/// that a host program's threads and other classifiers are left alone; one made
/// [from bytes](Self::from_bpk_bytes) runs on the caller's (in WebAssembly, the page's one
/// thread). Calls from several threads at once are safe.
pub struct Classifier {
    model: MobileVit,
    info: WeightsInfo,
    names: ClassNames,
    device: Device,
    pool: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("model", &self.model_name())
            .field("num_classes", &self.num_classes())
            .field("threads", &self.threads())
            .finish_non_exhaustive()
    }
}

impl Classifier {
    /// Loads a `.bpk` checkpoint or any file `mobilevit convert` reads; `threads` compute
    /// threads (all cores when `None`; zero is an error, not "all cores" as rayon reads it).
    pub fn load(path: &Path, threads: Option<usize>) -> Result<Self, ClassifierError> {
        existing(path)?;
        if threads == Some(0) {
            return Err(ClassifierError::InvalidInput(
                "threads must be at least 1".into(),
            ));
        }
        let threads = threads.unwrap_or(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|index| format!("mobilevit-{index}"))
            .build()
            .map_err(|error| ClassifierError::Threads {
                threads,
                message: error.to_string(),
            })?;
        let device = Device::flex();
        let loaded = load_weights(path, LoadOptions::default(), &device)?;
        Self::new(path, loaded, device, Some(pool))
    }

    /// A `.bpk` checkpoint held in memory (a file a web page fetched), computing on the
    /// caller's rayon pool; `name` names it in errors.
    pub fn from_bpk_bytes(bytes: Vec<u8>, name: &Path) -> Result<Self, ClassifierError> {
        let device = Device::flex();
        let loaded = load_weights_bytes(bytes, name, LoadOptions::default(), &device)?;
        Self::new(name, loaded, device, None)
    }

    /// Folds the batch norms; refuses weights that do not record their preprocessing.
    fn new(
        path: &Path,
        loaded: LoadedWeights,
        device: Device,
        pool: Option<rayon::ThreadPool>,
    ) -> Result<Self, ClassifierError> {
        let info = loaded
            .info
            .ok_or_else(|| ClassifierError::NoPreprocessing(path.to_path_buf()))?;
        let names = ClassNames::for_model(None, Some(&info), loaded.model.num_classes())?;
        Ok(Self {
            model: loaded.model.fold_batch_norm(),
            info,
            names,
            device,
            pool,
        })
    }

    /// Runs `work` on the classifier's pool, or the caller's.
    fn compute<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// The variant's name, as PaddleClas spells it (`MobileViT_XXS`).
    pub fn model_name(&self) -> String {
        self.model.config.variant.to_string()
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.model.num_classes()
    }

    /// Compute threads.
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or_else(
            rayon::current_num_threads,
            rayon::ThreadPool::current_num_threads,
        )
    }

    /// What the weights are and expect.
    pub fn info(&self) -> &WeightsInfo {
        &self.info
    }

    /// The preprocessing every image gets.
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.info.preprocessing
    }

    /// The class names.
    pub fn names(&self) -> &ClassNames {
        &self.names
    }

    /// Reads and decodes an image file.
    pub fn open_image(path: &Path) -> Result<Image, ClassifierError> {
        existing(path)?;
        Ok(Image::open(path, ChannelOrder::Rgb)?)
    }

    /// Decodes an encoded image (PNG, JPEG, BMP, WebP) held in memory; `name` names it in
    /// errors.
    pub fn decode_image(bytes: &[u8], name: &Path) -> Result<Image, ClassifierError> {
        Image::decode(bytes, ChannelOrder::Rgb).map_err(|message| {
            ClassifierError::Image(DataError::Decode {
                path: name.to_path_buf(),
                message,
            })
        })
    }

    /// An image from `height * width * 3` bytes of interleaved RGB, row-major.
    pub fn rgb_image(
        pixels: Vec<u8>,
        width: usize,
        height: usize,
    ) -> Result<Image, ClassifierError> {
        let expected = width.checked_mul(height).and_then(|n| n.checked_mul(3));
        if width == 0 || height == 0 || expected != Some(pixels.len()) {
            return Err(ClassifierError::InvalidInput(format!(
                "an RGB image of {width}x{height} needs {} bytes, got {}",
                expected.map_or("too many".to_string(), |n| n.to_string()),
                pixels.len()
            )));
        }
        Ok(Image {
            width,
            height,
            pixels,
            order: ChannelOrder::Rgb,
        })
    }

    /// The `k` most probable classes of each image (best first), after the weights'
    /// preprocessing; images of one size share a forward pass.
    pub fn classify(
        &self,
        images: Vec<Image>,
        k: usize,
    ) -> Result<Vec<Vec<Scored>>, ClassifierError> {
        let pipeline: &Pipeline = &self.info.preprocessing.pipeline;
        let tensors = images
            .into_iter()
            .map(|image| pipeline.run_deterministic(image.with_order(pipeline.order)))
            .collect::<Result<Vec<ChwTensor>, DataError>>()?;
        for tensor in &tensors {
            MobileVit::check_input([1, 3, tensor.height, tensor.width])?;
        }
        let tensors: Vec<&ChwTensor> = tensors.iter().collect();
        Ok(self.compute(|| top_k(&self.model, &tensors, &self.names, k, &self.device)))
    }

    /// Logits of a preprocessed float32 batch.
    ///
    /// # Shapes
    /// - `values`: `[batch, 3, height, width]`, row-major
    /// - returns: `[batch, num_classes]`, row-major
    pub fn forward(
        &self,
        values: Vec<f32>,
        shape: [usize; 4],
    ) -> Result<Vec<f32>, ClassifierError> {
        MobileVit::check_input(shape)?;
        let expected: usize = shape.iter().product();
        if values.len() != expected {
            return Err(ClassifierError::InvalidInput(format!(
                "a batch of shape {shape:?} needs {expected} values, got {}",
                values.len()
            )));
        }
        let logits = self.compute(|| {
            let images = Tensor::<4>::from_data(TensorData::new(values, shape), &self.device);
            mobilevit::forward_sharded(&self.model, images).into_data()
        });
        logits
            .try_into_vec::<f32>()
            .map_err(|error| ClassifierError::InvalidInput(format!("{error:?}")))
    }
}

/// `path` when it is a file, [`ClassifierError::NotFound`] otherwise.
fn existing(path: &Path) -> Result<&Path, ClassifierError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(ClassifierError::NotFound(path.to_path_buf()))
    }
}

/// The preprocessing record as JSON (the server's `/metadata`, the ONNX metadata, the Python
/// engine's `info`): origin, channel order, input size, scale, mean, std and the whole
/// pipeline.
pub fn describe(preprocessing: &Preprocessing) -> serde_json::Value {
    let pipeline = &preprocessing.pipeline;
    serde_json::json!({
        "origin": preprocessing.origin,
        "channel_order": pipeline.order.to_string(),
        "image_size": preprocessing.input_size(),
        "scale": pipeline.scale,
        "mean": pipeline.mean,
        "std": pipeline.std,
        "pipeline": pipeline,
    })
}
