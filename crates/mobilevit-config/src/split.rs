//! What a config's `DataLoader` and `Infer` describe: datasets, batch plans, pipelines and the
//! preprocessing contract a trained model records.

use std::sync::Arc;

use mobilevit_data::{
    BatchMix, BatchSampler, ChannelOrder, CvnetsRule, ImageSource, Interpolation, Loader,
    LoaderConfig, Pipeline, Preprocessing, Scale, Scales, Transform, pipeline_from_ops, read_list,
    scan_class_folders,
};
use serde_norway::Value;

use crate::schema::{Config, ConfigError, SplitConfig};

/// One split, ready to load.
pub struct SplitData {
    /// Loads batches.
    pub loader: Loader,
    /// Plans them.
    pub sampler: BatchSampler,
    /// The class names, for a dataset read from class folders (their names, in label order).
    pub class_names: Option<Vec<String>>,
}

fn invalid(key: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        message: message.to_string(),
    }
}

/// The pipeline of `transform_ops` at `key`.
fn pipeline_at(ops: &Value, key: &str) -> Result<Pipeline, ConfigError> {
    pipeline_from_ops(ops).map_err(|error| invalid(key, error))
}

/// The pipeline at `key`, which must give every image one fixed size.
fn fixed_size_pipeline(ops: &Value, key: &str) -> Result<(Pipeline, [usize; 2]), ConfigError> {
    let pipeline = pipeline_at(ops, key)?;
    let size = pipeline.output_size().ok_or_else(|| {
        invalid(
            key,
            "the images would have different sizes; end with a CropImage, a RandCropImage or \
             a ResizeImage with 'size'",
        )
    })?;
    Ok((pipeline, size))
}

/// The eval preprocessing of a config (`DataLoader.Eval`): what a model trained with it
/// expects, and what it records in its checkpoints.
pub fn eval_preprocessing(config: &Config) -> Result<Preprocessing, ConfigError> {
    let split = config
        .data_loader
        .eval
        .as_ref()
        .ok_or_else(|| invalid("DataLoader.Eval", "required for the eval preprocessing"))?;
    let key = "DataLoader.Eval.dataset.transform_ops";
    let (pipeline, _) = fixed_size_pipeline(&split.dataset.transform_ops, key)?;
    deterministic(pipeline, key)
}

/// The channel order a split decodes its images in (`DecodeImage.to_rgb`).
pub fn decode_order(split: &SplitConfig, key: &str) -> Result<ChannelOrder, ConfigError> {
    let key = format!("{key}.dataset.transform_ops");
    Ok(pipeline_at(&split.dataset.transform_ops, &key)?.order)
}

/// What a model trained with `config` expects, decoded in `order` (the training data's): the
/// eval pipeline of `DataLoader.Eval`, or without one, the training images' size, resized to
/// exactly, with the training normalisation.
pub fn trained_preprocessing(
    config: &Config,
    order: ChannelOrder,
) -> Result<Preprocessing, ConfigError> {
    if config.data_loader.eval.is_some() {
        let mut record = eval_preprocessing(config)?;
        record.pipeline.order = order;
        return Ok(record);
    }
    let key = "DataLoader.Train.dataset.transform_ops";
    let (train, [height, width]) =
        fixed_size_pipeline(&config.data_loader.train.dataset.transform_ops, key)?;
    Ok(Preprocessing::config(Pipeline {
        order,
        transforms: vec![Transform::Resize {
            width,
            height,
            interpolation: Interpolation::Bilinear,
        }],
        erasing: None,
        ..train
    }))
}

/// The preprocessing of a config's `Infer` block, when it has one.
pub fn infer_preprocessing(config: &Config) -> Option<Result<Preprocessing, ConfigError>> {
    let infer = config.infer.as_ref()?;
    let key = "Infer.transforms";
    Some(pipeline_at(&infer.transforms, key).and_then(|pipeline| deterministic(pipeline, key)))
}

fn deterministic(pipeline: Pipeline, key: &str) -> Result<Preprocessing, ConfigError> {
    if pipeline.is_deterministic() {
        Ok(Preprocessing::config(pipeline))
    } else {
        Err(invalid(
            key,
            "an eval pipeline must not crop or flip at random (RandCropImage, RandFlipImage)",
        ))
    }
}

/// A split's images: a source and, where it has them, the class names in label order.
#[derive(Clone)]
pub struct SplitImages {
    /// The labelled images.
    pub source: Arc<dyn ImageSource>,
    /// The class names (class folders have them; a list file has not).
    pub class_names: Option<Vec<String>>,
}

impl std::fmt::Debug for SplitImages {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SplitImages")
            .field("images", &self.source.len())
            .field("class_names", &self.class_names)
            .finish()
    }
}

/// The images `split.dataset` names: its list file, or its class folders (which must be
/// `num_classes`).
pub fn read_split_images(
    split: &SplitConfig,
    key: &str,
    num_classes: usize,
) -> Result<SplitImages, ConfigError> {
    let dataset = &split.dataset;
    match &dataset.cls_label_path {
        Some(list) => Ok(SplitImages {
            source: Arc::new(read_list(
                list,
                &dataset.image_root,
                &dataset.delimiter,
                Some(num_classes),
            )?),
            class_names: None,
        }),
        None => {
            let (samples, names) = scan_class_folders(&dataset.image_root)?;
            if names.len() != num_classes {
                return Err(invalid(
                    &format!("{key}.dataset.image_root"),
                    format!(
                        "{} holds {} class folders ({}) but Arch.class_num is {num_classes}",
                        dataset.image_root.display(),
                        names.len(),
                        names.join(", ")
                    ),
                ));
            }
            Ok(SplitImages {
                source: Arc::new(samples),
                class_names: Some(names),
            })
        }
    }
}

/// Builds a split of the images `split.dataset` names for `ranks` data-parallel ranks;
/// `pipeline` replaces the config's transforms (the caller says why: the weights expect another
/// decode order or preprocessing).
pub fn build_split(
    split: &SplitConfig,
    key: &str,
    num_classes: usize,
    seed: u64,
    ranks: usize,
    pipeline: Option<Pipeline>,
) -> Result<SplitData, ConfigError> {
    let images = read_split_images(split, key, num_classes)?;
    build_split_from(split, key, images, num_classes, seed, ranks, pipeline)
}

/// [`build_split`] over given `images` (any [`ImageSource`], such as a Burn dataset) instead
/// of those `split.dataset` names: its transforms, sampler and loader settings still apply, and
/// a label not below `num_classes` stops the loader.
pub fn build_split_from(
    split: &SplitConfig,
    key: &str,
    images: SplitImages,
    num_classes: usize,
    seed: u64,
    ranks: usize,
    pipeline: Option<Pipeline>,
) -> Result<SplitData, ConfigError> {
    let dataset = &split.dataset;
    let SplitImages {
        source,
        class_names,
    } = images;
    let ops_key = format!("{key}.dataset.transform_ops");
    let (pipeline, size) = match pipeline {
        Some(pipeline) => {
            let size = pipeline.output_size().ok_or_else(|| {
                invalid(
                    &ops_key,
                    "the replacement pipeline gives images of different sizes",
                )
            })?;
            (pipeline, size)
        }
        None => fixed_size_pipeline(&dataset.transform_ops, &ops_key)?,
    };
    let sampler = BatchSampler {
        num_samples: source.len(),
        scales: scales(split, key, size, ranks)?,
        shuffle: split.sampler.shuffle,
        drop_last: split.sampler.drop_last,
        ranks,
        seed,
    };
    let loader_config = LoaderConfig {
        workers: split.loader.num_workers.max(1),
        prefetch: split.loader.prefetch.max(1),
        corrupt_images: dataset.corrupt_images,
        seed,
    };
    let mut loader = Loader::new(source, pipeline, loader_config)?.with_num_classes(num_classes);
    if let Some(ops) = &dataset.batch_transform_ops {
        if key.ends_with("Eval") {
            return Err(invalid(
                &format!("{key}.dataset.batch_transform_ops"),
                "batch operators mix training images; evaluation must see them as they are",
            ));
        }
        let mix = BatchMix::from_ops(ops)
            .map_err(|error| invalid(&format!("{key}.dataset.batch_transform_ops"), error))?;
        loader = loader.with_batch_mix(mix);
    }
    Ok(SplitData {
        loader,
        sampler,
        class_names,
    })
}

/// The image sizes and batch sizes the sampler draws from.
fn scales(
    split: &SplitConfig,
    key: &str,
    size: [usize; 2],
    ranks: usize,
) -> Result<Scales, ConfigError> {
    let sampler = &split.sampler;
    let batch_size = || {
        sampler
            .batch_size
            .ok_or_else(|| invalid(&format!("{key}.sampler.batch_size"), "required"))
    };
    let divisor = sampler.divided_factor.unwrap_or(32);
    match sampler.name.as_str() {
        "DistributedBatchSampler" | "BatchSampler" => Ok(Scales::Fixed(Scale {
            size,
            batch_size: batch_size()?,
        })),
        "MultiScaleSampler" => {
            let sizes = sampler
                .scales
                .as_ref()
                .ok_or_else(|| invalid(&format!("{key}.sampler.scales"), "required"))?;
            let first = sampler.first_bs.map_or_else(batch_size, Ok)?;
            let sizes: Vec<[usize; 2]> = sizes.iter().map(|&side| [side, side]).collect();
            Ok(Scales::paddle(&sizes, first, divisor))
        }
        "VariableBatchSampler" => Ok(Scales::cvnets(
            size[0],
            batch_size()?,
            sampler.size_range.unwrap_or([160, 320]),
            sampler.n_scales.unwrap_or(5),
            divisor,
            ranks,
            sampler.rule.unwrap_or(CvnetsRule::V01),
        )),
        other => Err(invalid(
            &format!("{key}.sampler.name"),
            format!(
                "unknown sampler '{other}' (DistributedBatchSampler, MultiScaleSampler or \
                 VariableBatchSampler)"
            ),
        )),
    }
}
