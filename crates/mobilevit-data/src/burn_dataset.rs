//! This crate's datasets as Burn datasets (`burn::data::dataset::Dataset`, from `burn-dataset`),
//! and decode + transform as a dataset over any of them.
//!
//! - [`SampleDataset`]: a PaddleClas list file or class folders (items: [`Sample`], a path and a
//!   label); [`EncodedImage`] items (bytes and a label) fit an `InMemDataset`.
//! - [`PipelineDataset`]: decodes and transforms the items of any dataset of
//!   [`LabelledImage`]s with a [`Pipeline`], into [`TransformedImage`]s of one size. Burn's
//!   `Mapper` sees neither the index nor can it fail, so this is a dataset: item `i` is drawn
//!   with the generator of [`derive_seed`]`(seed, k, i)` on its `k`-th fetch (its epoch, when a
//!   loader fetches every item once per epoch, as our loader's seeds are), and a corrupt image is
//!   an error or skipped, never a panic.
//!
//! - [`DatasetSource`]: any dataset of [`LabelledImage`]s as the [`ImageSource`] of our
//!   [`Loader`](crate::Loader), and so of our trainer: Burn's `InMemDataset`, `ComposedDataset`,
//!   `SqliteDataset` or (feature `burn-vision`) `ImageFolderDataset`.
//!
//! Put [`PipelineDataset`] under Burn's `ShuffledDataset`, `PartialDataset` or
//! `ComposedDataset`, so that `i` is the image's own index and its draws do not depend on the
//! order it is fetched in.
//!
//! Some Burn datasets panic on an unreadable file (`ImageFolderDataset` decodes in `get` with
//! `unwrap`). Both wrappers catch that panic and make it the item's error, to be skipped or
//! reported like any unreadable image; Rust's panic hook still prints the panic's own message
//! to stderr first.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use burn_dataset::{Dataset, DatasetError};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::dataset::{Sample, read_list, scan_class_folders};
use crate::error::DataError;
use crate::image::{ChannelOrder, Image};
use crate::loader::{CorruptImages, derive_seed, unreadable_name};
use crate::source::{ImageSource, LabelledPixels};
use crate::transforms::{Pipeline, RunPipeline};

/// A labelled image a [`PipelineDataset`] or a [`DatasetSource`] can decode.
pub trait LabelledImage: Clone + Send + Sync {
    /// Class index; a [`DataError::Label`] for an item that has none.
    fn label(&self) -> Result<usize, DataError>;
    /// What to call the image in reports (its path).
    fn name(&self) -> PathBuf;
    /// The image, decoded to three channels in `order`.
    fn decode(&self, order: ChannelOrder) -> Result<Image, DataError>;
}

impl LabelledImage for Sample {
    fn label(&self) -> Result<usize, DataError> {
        Ok(self.label)
    }

    fn name(&self) -> PathBuf {
        self.path.clone()
    }

    fn decode(&self, order: ChannelOrder) -> Result<Image, DataError> {
        Image::open(&self.path, order)
    }
}

/// An encoded image held in memory (PNG, JPEG, BMP or WebP bytes) and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// The file's bytes.
    pub bytes: Arc<[u8]>,
    /// Class index.
    pub label: usize,
    /// What to call it in reports.
    pub name: PathBuf,
}

impl LabelledImage for EncodedImage {
    fn label(&self) -> Result<usize, DataError> {
        Ok(self.label)
    }

    fn name(&self) -> PathBuf {
        self.name.clone()
    }

    fn decode(&self, order: ChannelOrder) -> Result<Image, DataError> {
        Image::decode(&self.bytes, order).map_err(|message| DataError::Decode {
            path: self.name.clone(),
            message,
        })
    }
}

/// A list file's or class folders' images: a Burn dataset of [`Sample`]s.
#[derive(Debug, Clone)]
pub struct SampleDataset {
    samples: Arc<Vec<Sample>>,
}

impl SampleDataset {
    /// The samples as they are.
    pub fn new(samples: Vec<Sample>) -> Self {
        Self {
            samples: Arc::new(samples),
        }
    }

    /// A PaddleClas list file ([`read_list`]).
    pub fn from_list(
        list: &Path,
        image_root: &Path,
        delimiter: &str,
        num_classes: Option<usize>,
    ) -> Result<Self, DataError> {
        read_list(list, image_root, delimiter, num_classes).map(Self::new)
    }

    /// One folder per class ([`scan_class_folders`]), and the class names in label order.
    pub fn from_class_folders(root: &Path) -> Result<(Self, Vec<String>), DataError> {
        let (samples, names) = scan_class_folders(root)?;
        Ok((Self::new(samples), names))
    }
}

impl Dataset<Sample> for SampleDataset {
    fn get(&self, index: usize) -> Result<Sample, DatasetError> {
        Ok(self.samples[index].clone())
    }

    fn len(&self) -> usize {
        self.samples.len()
    }
}

/// A decoded, transformed image: a `[3, height, width]` tensor's values and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformedImage {
    /// `3 * height * width` values, channel-first.
    pub values: Vec<f32>,
    /// `[height, width]`.
    pub size: [usize; 2],
    /// Class index.
    pub label: usize,
}

/// Decode + transform over a dataset of labelled images (see the module documentation).
pub struct PipelineDataset<D, I> {
    inner: D,
    pipeline: Pipeline,
    size: [usize; 2],
    seed: u64,
    corrupt_images: CorruptImages,
    fetches: Vec<AtomicU32>,
    skipped: Mutex<Vec<(PathBuf, String)>>,
    item: std::marker::PhantomData<fn() -> I>,
}

impl<D: Dataset<I>, I: LabelledImage> PipelineDataset<D, I> {
    /// Runs `pipeline` on the items of `inner`, drawing from generators seeded by `seed`.
    /// The pipeline must give every image one size (end in a crop or a resize to a size).
    pub fn new(
        inner: D,
        pipeline: Pipeline,
        seed: u64,
        corrupt_images: CorruptImages,
    ) -> Result<Self, DataError> {
        let size = pipeline.output_size().ok_or_else(|| DataError::Transform {
            op: "pipeline".into(),
            message: "the images would have different sizes; end with a crop or a resize to a \
                      size"
                .into(),
        })?;
        let fetches = (0..inner.len()).map(|_| AtomicU32::new(0)).collect();
        Ok(Self {
            inner,
            pipeline,
            size,
            seed,
            corrupt_images,
            fetches,
            skipped: Mutex::new(Vec::new()),
            item: std::marker::PhantomData,
        })
    }

    /// The images skipped as unreadable so far (under [`CorruptImages::Skip`]), with the reason.
    pub fn skipped(&self) -> Vec<(PathBuf, String)> {
        self.skipped
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Item `index`, decoded and transformed on its next fetch.
    fn transform(&self, index: usize) -> Result<TransformedImage, DataError> {
        let item = fetch(&self.inner, index)?;
        let epoch = self.fetches[index].fetch_add(1, Ordering::Relaxed);
        let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(self.seed, epoch.into(), index as u64));
        let tensor = self
            .pipeline
            .run(item.decode(self.pipeline.order)?, &mut rng)?;
        Ok(TransformedImage {
            values: tensor.into_values_of_size(self.size, &item.name())?,
            size: self.size,
            label: item.label()?,
        })
    }
}

impl<D: Dataset<I>, I: LabelledImage> Dataset<TransformedImage> for PipelineDataset<D, I> {
    /// Item `index`; under [`CorruptImages::Skip`] an unreadable image is reported and the next
    /// readable one (in index order, wrapping) takes its place, so that a batch never shrinks.
    fn get(&self, index: usize) -> Result<TransformedImage, DatasetError> {
        let count = self.len();
        let mut last_error = None;
        for offset in 0..count {
            let candidate = (index + offset) % count;
            match self.transform(candidate) {
                Ok(image) => return Ok(image),
                Err(error) if error.is_fatal() || self.corrupt_images == CorruptImages::Fail => {
                    return Err(DatasetError::new(error));
                }
                Err(error) => {
                    let name = unreadable_name(&error, candidate);
                    self.skipped
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .push((name, error.to_string()));
                    last_error = Some(error);
                }
            }
        }
        Err(DatasetError::new(last_error.unwrap_or_else(|| {
            DataError::Dataset {
                path: PathBuf::from("dataset"),
                message: "no images".into(),
            }
        })))
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}

/// Item `index` of `dataset`: an error, never a panic, when it cannot be fetched.
fn fetch<D: Dataset<I>, I: LabelledImage>(dataset: &D, index: usize) -> Result<I, DataError> {
    let unreadable = |message: String| DataError::Decode {
        path: PathBuf::from(format!("dataset item {index}")),
        message,
    };
    match catch_unwind(AssertUnwindSafe(|| dataset.get(index))) {
        Ok(Ok(item)) => Ok(item),
        Ok(Err(error)) => Err(unreadable(error.to_string())),
        Err(panic) => Err(unreadable(format!(
            "the dataset panicked fetching it: {}",
            panic_message(panic.as_ref())
        ))),
    }
}

/// The text a panic was raised with.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
        .unwrap_or_else(|| "no message".into())
}

/// Any dataset of labelled images as the [`ImageSource`] of our [`Loader`](crate::Loader)
/// (and so of `mobilevit-train`): the loader fetches each item once per epoch, decodes it with
/// [`LabelledImage::decode`] and runs the config's transforms, seeded by item as for a list
/// file. An item the dataset cannot give (an error, or a panic such as
/// `ImageFolderDataset`'s on a corrupt file) is an unreadable image, skipped or fatal as the
/// loader's [`CorruptImages`] says.
pub struct DatasetSource<D, I> {
    dataset: D,
    item: std::marker::PhantomData<fn() -> I>,
}

impl<D: Dataset<I>, I: LabelledImage> DatasetSource<D, I> {
    /// The images of `dataset`.
    pub fn new(dataset: D) -> Self {
        Self {
            dataset,
            item: std::marker::PhantomData,
        }
    }
}

impl<D: Dataset<I>, I: LabelledImage> ImageSource for DatasetSource<D, I> {
    fn len(&self) -> usize {
        self.dataset.len()
    }

    fn load(&self, index: usize, order: ChannelOrder) -> Result<LabelledPixels, DataError> {
        let item = fetch(&self.dataset, index)?;
        Ok(LabelledPixels {
            label: item.label()?,
            image: item.decode(order)?,
            name: item.name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use burn_dataset::InMemDataset;
    use burn_dataset::transform::{PartialDataset, ShuffledDataset};
    use image::ImageEncoder;

    use super::*;
    use crate::loader::{LoadedBatch, Loader, LoaderConfig};
    use crate::sampler::Batch;

    /// A 6x4 PNG whose pixels differ from each other and from image `seed`'s.
    fn png(seed: usize) -> Arc<[u8]> {
        let pixels: Vec<u8> = (0..6 * 4 * 3)
            .map(|p| ((p * 7 + seed * 31) % 256) as u8)
            .collect();
        let mut bytes = Vec::new();
        image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(&pixels, 6, 4, image::ExtendedColorType::Rgb8)
            .unwrap();
        bytes.into()
    }

    fn encoded(count: usize) -> Vec<EncodedImage> {
        (0..count)
            .map(|i| EncodedImage {
                bytes: png(i),
                label: i % 3,
                name: PathBuf::from(format!("{i}.png")),
            })
            .collect()
    }

    fn transformed(
        items: Vec<EncodedImage>,
        corrupt: CorruptImages,
    ) -> PipelineDataset<InMemDataset<EncodedImage>, EncodedImage> {
        PipelineDataset::new(
            InMemDataset::new(items),
            Pipeline::random_crop_flip(4),
            7,
            corrupt,
        )
        .unwrap()
    }

    #[test]
    fn burns_shuffled_and_partial_datasets_give_the_same_items_as_directly() {
        let direct = transformed(encoded(10), CorruptImages::Fail);
        let expected: Vec<TransformedImage> = (0..10).map(|i| direct.get(i).unwrap()).collect();
        // A second pass draws each image's second-epoch augmentation: other values.
        assert_ne!(direct.get(3).unwrap().values, expected[3].values);

        let shuffled = ShuffledDataset::new(transformed(encoded(10), CorruptImages::Fail), 5);
        let by_values = |a: &TransformedImage, b: &TransformedImage| {
            a.values.partial_cmp(&b.values).expect("finite values")
        };
        let mut seen: Vec<TransformedImage> = (0..10).map(|i| shuffled.get(i).unwrap()).collect();
        seen.sort_by(by_values);
        let mut sorted = expected.clone();
        sorted.sort_by(by_values);
        assert_eq!(seen, sorted, "the same items, each with its own draws");

        let partial = PartialDataset::new(transformed(encoded(10), CorruptImages::Fail), 4, 7);
        assert_eq!(partial.len(), 3);
        for i in 0..3 {
            assert_eq!(partial.get(i).unwrap(), expected[4 + i]);
        }
    }

    #[test]
    fn a_corrupt_image_is_an_error_or_skipped_and_reported_never_a_panic() {
        let mut items = encoded(4);
        items[1].bytes = b"not an image".as_slice().into();
        let fail = transformed(items.clone(), CorruptImages::Fail);
        let error = fail.get(1).unwrap_err().to_string();
        assert!(
            error.contains("1.png") && error.contains("cannot decode"),
            "{error}"
        );
        assert!(fail.get(2).is_ok());

        let skip = transformed(items, CorruptImages::Skip);
        let replaced = skip.get(1).unwrap();
        assert_eq!(replaced.label, 2, "the next readable image stands in");
        let skipped = skip.skipped();
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].0, PathBuf::from("1.png"));
    }

    /// Every batch of one epoch of `source`, each image in its own batch of 4x4.
    fn loaded(
        source: impl ImageSource + 'static,
        num_classes: usize,
    ) -> Vec<Result<LoadedBatch, DataError>> {
        let config = LoaderConfig {
            workers: 2,
            prefetch: 1,
            corrupt_images: CorruptImages::Skip,
            seed: 5,
        };
        let loader = Loader::new(source, Pipeline::random_crop_flip(4), config)
            .unwrap()
            .with_num_classes(num_classes);
        let batches = (0..loader.num_samples())
            .map(|i| Batch {
                size: [4, 4],
                indices: vec![i],
                padding: 0,
            })
            .collect();
        loader.load(batches, 2).collect()
    }

    #[test]
    fn a_burn_dataset_loads_as_the_same_files_in_a_list_do() {
        let dir = tempfile::tempdir().unwrap();
        let mut items = encoded(6);
        items[4].bytes = b"not an image".as_slice().into();
        let samples: Vec<Sample> = items
            .iter()
            .map(|item| {
                let path = dir.path().join(&item.name);
                std::fs::write(&path, &item.bytes).unwrap();
                Sample {
                    path,
                    label: item.label,
                }
            })
            .collect();
        let from_files = loaded(samples, 3);
        let from_burn = loaded(DatasetSource::new(InMemDataset::new(items)), 3);
        assert_eq!(from_files.len(), 6);
        for (index, (files, burn)) in from_files.into_iter().zip(from_burn).enumerate() {
            let (files, burn) = (files.unwrap(), burn.unwrap());
            assert_eq!((&files.images, &files.labels), (&burn.images, &burn.labels));
            if index == 4 {
                assert!(burn.is_empty());
                assert_eq!(
                    burn.skipped[0].0,
                    PathBuf::from("4.png"),
                    "named by the item"
                );
                assert_eq!(files.skipped.len(), 1);
            }
        }
    }

    #[test]
    fn labels_beyond_the_classes_stop_the_loader_and_dataset_panics_are_unreadable_images() {
        let error = loaded(DatasetSource::new(InMemDataset::new(encoded(3))), 2)
            .into_iter()
            .find_map(Result::err)
            .unwrap();
        assert!(matches!(error, DataError::Label { .. }), "{error}");
        assert!(error.to_string().contains("2.png") && error.to_string().contains("label 2"));

        /// A dataset that panics on its second item, as `ImageFolderDataset` does on a corrupt file.
        struct Panicky(InMemDataset<EncodedImage>);
        impl Dataset<EncodedImage> for Panicky {
            fn get(&self, index: usize) -> Result<EncodedImage, DatasetError> {
                assert_ne!(index, 1, "corrupt file");
                self.0.get(index)
            }
            fn len(&self) -> usize {
                self.0.len()
            }
        }
        let batches = loaded(
            DatasetSource::new(Panicky(InMemDataset::new(encoded(3)))),
            3,
        );
        let skipped = &batches[1].as_ref().unwrap().skipped;
        assert_eq!(skipped[0].0, PathBuf::from("dataset item 1"));
        assert!(skipped[0].1.contains("panicked") && skipped[0].1.contains("corrupt file"));
        assert_eq!(batches[2].as_ref().unwrap().labels, [2]);
    }

    #[test]
    fn sample_datasets_read_lists_and_class_folders() {
        let dir = tempfile::tempdir().unwrap();
        for (class, name) in [("cat", "a.png"), ("dog", "b.png")] {
            std::fs::create_dir_all(dir.path().join(class)).unwrap();
            std::fs::write(dir.path().join(class).join(name), png(9)).unwrap();
        }
        let (folders, names) = SampleDataset::from_class_folders(dir.path()).unwrap();
        assert_eq!(names, ["cat", "dog"]);
        assert_eq!(folders.len(), 2);
        assert_eq!(folders.get(1).unwrap().label, 1);
        std::fs::write(dir.path().join("list.txt"), "dog/b.png 0\ncat/a.png 1\n").unwrap();
        let list = SampleDataset::from_list(&dir.path().join("list.txt"), dir.path(), " ", Some(2))
            .unwrap();
        assert_eq!(list.get(0).unwrap().path, dir.path().join("dog/b.png"));
        let images =
            PipelineDataset::new(list, Pipeline::random_crop_flip(3), 0, CorruptImages::Fail)
                .unwrap();
        assert_eq!(images.get(1).unwrap().size, [3, 3]);
    }
}
