//! A parallel loader: decode and augment on worker threads, a bounded queue of ready batches.
//!
//! Each sample's randomness comes from a generator seeded by (seed, epoch, dataset index), so
//! the batches are the same whatever the number of workers. Memory is bounded by the queue:
//! at most `prefetch` finished batches wait, plus the one being built.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::mix::{BatchMix, Mixed};
use crate::sampler::Batch;
use crate::source::ImageSource;
use crate::transforms::{Pipeline, RunPipeline};

/// What to do with an image that cannot be read or decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorruptImages {
    /// Leave it out of its batch, report it and count it (the default in training).
    #[default]
    Skip,
    /// Stop with an error naming the file.
    Fail,
}

/// Loader settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderConfig {
    /// Decode and augment threads.
    pub workers: usize,
    /// Finished batches that may wait in the queue.
    pub prefetch: usize,
    /// Corrupt image policy.
    pub corrupt_images: CorruptImages,
    /// Seed of the per-sample augmentation.
    pub seed: u64,
}

impl Default for LoaderConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(1, usize::from),
            prefetch: 2,
            corrupt_images: CorruptImages::Skip,
            seed: 0,
        }
    }
}

/// A batch ready for the model.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedBatch {
    /// `[height, width]` of every image.
    pub size: [usize; 2],
    /// `[n, 3, height, width]` values, image after image.
    pub images: Vec<f32>,
    /// Labels, one per image.
    pub labels: Vec<usize>,
    /// How many of the last images only pad the epoch's last step ([`Batch::padding`]):
    /// metrics leave them out.
    pub padding: usize,
    /// Images left out, with the reason (padding repeats are not reported twice).
    pub skipped: Vec<(PathBuf, String)>,
    /// How a batch operator (Mixup, CutMix) mixed the images, if one did.
    pub mix: Option<Mixed>,
}

impl LoadedBatch {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether every image of the batch was skipped.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of images that count in metrics: all but the padding.
    pub fn counted(&self) -> usize {
        self.len() - self.padding
    }
}

/// Loads batches of a dataset through a pipeline.
pub struct Loader {
    source: Arc<dyn ImageSource>,
    pipeline: Arc<Pipeline>,
    batch_mix: Option<Arc<BatchMix>>,
    config: LoaderConfig,
    num_classes: Option<usize>,
    pool: Arc<rayon::ThreadPool>,
}

/// Stream of the batch operators' draws, apart from the per-image ones.
const BATCH_MIX_STREAM: u64 = 0x6d69_7875_7063_7574;

/// A seed for item `index` of `epoch` of a run seeded with `seed`: well mixed, so that
/// neighbouring items get unrelated streams, and a function of its arguments alone, so that the
/// same item gets the same stream whatever thread or run (resumed or not) draws it.
pub fn derive_seed(seed: u64, epoch: u64, index: u64) -> u64 {
    mix(seed ^ mix(epoch) ^ mix(index.wrapping_add(1)))
}

/// splitmix64: a well-mixed 64-bit value from a counter.
fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

impl Loader {
    /// A loader over the images of `source`: a list file's or class folders' `Vec<Sample>`,
    /// or any other [`ImageSource`] (with the `burn-dataset` feature, a Burn `Dataset` through
    /// [`DatasetSource`](crate::DatasetSource)).
    pub fn new(
        source: impl ImageSource + 'static,
        pipeline: Pipeline,
        config: LoaderConfig,
    ) -> Result<Self, DataError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.workers.max(1))
            .thread_name(|i| format!("mobilevit-data-{i}"))
            .build()
            .map_err(|error| DataError::Transform {
                op: "loader".into(),
                message: format!("cannot start worker threads: {error}"),
            })?;
        Ok(Self {
            source: Arc::new(source),
            pipeline: Arc::new(pipeline),
            batch_mix: None,
            config,
            num_classes: None,
            pool: Arc::new(pool),
        })
    }

    /// The loader with batch operators (Mixup, CutMix) run on every batch it loads.
    pub fn with_batch_mix(mut self, batch_mix: BatchMix) -> Self {
        self.batch_mix = Some(Arc::new(batch_mix));
        self
    }

    /// The loader refusing ([`DataError::Label`]) any label not below `num_classes`: a
    /// source that was not checked when it was read (a list file is) cannot reach the loss
    /// with a class the model does not have.
    pub fn with_num_classes(mut self, num_classes: usize) -> Self {
        self.num_classes = Some(num_classes);
        self
    }

    /// Number of samples.
    pub fn num_samples(&self) -> usize {
        self.source.len()
    }

    /// Starts loading `batches` (an epoch's plan, or its tail when resuming) in the
    /// background; the returned iterator yields them in order.
    pub fn load(&self, batches: Vec<Batch>, epoch: u64) -> LoadingEpoch {
        let (sender, receiver) = sync_channel(self.config.prefetch.max(1));
        let source = Arc::clone(&self.source);
        let pipeline = Arc::clone(&self.pipeline);
        let batch_mix = self.batch_mix.clone();
        let pool = Arc::clone(&self.pool);
        let config = self.config;
        let num_classes = self.num_classes;
        let producer = std::thread::spawn(move || {
            let reader = BatchReader {
                source: source.as_ref(),
                pipeline: &pipeline,
                config: &config,
                num_classes,
            };
            for batch in batches {
                let loaded =
                    pool.install(|| reader.load(&batch, epoch))
                        .map(|loaded| match &batch_mix {
                            Some(mix) => mix_batch(mix, loaded, &batch, config.seed, epoch),
                            None => loaded,
                        });
                let stop = loaded.is_err();
                if sender.send(loaded).is_err() || stop {
                    return;
                }
            }
        });
        LoadingEpoch {
            receiver,
            producer: Some(producer),
        }
    }
}

/// The batches of one epoch, arriving from the background.
pub struct LoadingEpoch {
    receiver: Receiver<Result<LoadedBatch, DataError>>,
    producer: Option<JoinHandle<()>>,
}

impl Iterator for LoadingEpoch {
    type Item = Result<LoadedBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.receiver.recv() {
            Ok(batch) => Some(batch),
            Err(_) => {
                if let Some(producer) = self.producer.take() {
                    let _ = producer.join();
                }
                None
            }
        }
    }
}

/// Runs the batch operators on a loaded batch, with draws that depend only on the run's seed,
/// the epoch and the batch's first image (so resumed runs mix as uninterrupted ones).
fn mix_batch(
    batch_mix: &BatchMix,
    mut loaded: LoadedBatch,
    batch: &Batch,
    seed: u64,
    epoch: u64,
) -> LoadedBatch {
    let first = batch.indices.first().map_or(0, |&index| index as u64);
    let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(seed ^ BATCH_MIX_STREAM, epoch, first));
    batch_mix.apply(&mut loaded, &mut rng);
    loaded
}

/// What to call an image that could not be read: the file or item its error names.
pub(crate) fn unreadable_name(error: &DataError, index: usize) -> PathBuf {
    error.subject().map_or_else(
        || PathBuf::from(format!("dataset item {index}")),
        Path::to_path_buf,
    )
}

/// An image's tensor values and label, or why it could not be read.
type ImageResult = Result<(Vec<f32>, usize), DataError>;

/// What reading a batch needs, borrowed by the producer thread.
struct BatchReader<'a> {
    source: &'a dyn ImageSource,
    pipeline: &'a Pipeline,
    config: &'a LoaderConfig,
    num_classes: Option<usize>,
}

impl BatchReader<'_> {
    /// Image `index` decoded, transformed to `size` and labelled.
    fn image(
        &self,
        pipeline: &Pipeline,
        index: usize,
        size: [usize; 2],
        epoch: u64,
    ) -> ImageResult {
        let seed = derive_seed(self.config.seed, epoch, index as u64);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let loaded = self.source.load(index, pipeline.order)?;
        if let Some(classes) = self.num_classes.filter(|&classes| loaded.label >= classes) {
            return Err(DataError::Label {
                item: loaded.name,
                message: format!(
                    "label {} is out of range for {classes} classes",
                    loaded.label
                ),
            });
        }
        let tensor = pipeline.run(loaded.image, &mut rng)?;
        let values = tensor.into_values_of_size(size, &loaded.name)?;
        Ok((values, loaded.label))
    }

    /// The images of `batch`, transformed; unreadable ones skipped or fatal as configured.
    fn load(&self, batch: &Batch, epoch: u64) -> Result<LoadedBatch, DataError> {
        let pipeline = self.pipeline.with_output_size(batch.size);
        let results: Vec<(usize, ImageResult)> = batch
            .indices
            .par_iter()
            .map(|&index| (index, self.image(&pipeline, index, batch.size, epoch)))
            .collect();
        let [height, width] = batch.size;
        let mut loaded = LoadedBatch {
            size: batch.size,
            images: Vec::with_capacity(results.len() * 3 * height * width),
            labels: Vec::with_capacity(results.len()),
            padding: 0,
            skipped: Vec::new(),
            mix: None,
        };
        let first_padding = batch.indices.len() - batch.padding;
        for (position, (index, result)) in results.into_iter().enumerate() {
            let padding = position >= first_padding;
            match result {
                Ok((values, label)) => {
                    loaded.images.extend(values);
                    loaded.labels.push(label);
                    loaded.padding += usize::from(padding);
                }
                Err(error) if error.is_fatal() => return Err(error),
                Err(error) if self.config.corrupt_images == CorruptImages::Fail => {
                    return Err(error);
                }
                Err(_) if padding => {}
                Err(error) => loaded
                    .skipped
                    .push((unreadable_name(&error, index), error.to_string())),
            }
        }
        Ok(loaded)
    }
}
