//! Datasets, pipelines and batch plans from `DataLoader`.

use mobilevit_data::{
    BatchSampler, CvnetsRule, Loader, LoaderConfig, Pipeline, Scale, Scales, Transform,
    pipeline_from_ops, read_list,
};

use crate::config::SplitConfig;
use crate::error::TrainError;

/// One split, ready to load.
pub struct SplitData {
    /// Loads batches.
    pub loader: Loader,
    /// Plans them.
    pub sampler: BatchSampler,
}

/// The `[height, width]` a pipeline produces: the size of its last crop or resize to a fixed
/// size. `None` when the size depends on the image.
pub fn output_size(pipeline: &Pipeline) -> Option<[usize; 2]> {
    pipeline
        .transforms
        .iter()
        .rev()
        .find_map(|transform| match *transform {
            Transform::RandomResizedCrop {
                size: [width, height],
                ..
            }
            | Transform::Resize { width, height, .. }
            | Transform::CenterCrop { width, height, .. } => Some([height, width]),
            Transform::ResizeShort { .. } | Transform::HorizontalFlip { .. } => None,
        })
}

/// Builds a split for `ranks` data-parallel ranks.
pub fn build_split(
    split: &SplitConfig,
    key: &str,
    num_classes: usize,
    seed: u64,
    ranks: usize,
) -> Result<SplitData, TrainError> {
    let dataset = &split.dataset;
    let samples = read_list(
        &dataset.cls_label_path,
        &dataset.image_root,
        &dataset.delimiter,
        Some(num_classes),
    )?;
    let pipeline = pipeline_from_ops(&dataset.transform_ops)
        .map_err(|error| TrainError::Config(format!("{key}.dataset.transform_ops: {error}")))?;
    let size = output_size(&pipeline).ok_or_else(|| {
        TrainError::Config(format!(
            "{key}.dataset.transform_ops: the images would have different sizes; end with a \
             CropImage, a RandCropImage or a ResizeImage with 'size'"
        ))
    })?;
    let sampler_config = &split.sampler;
    let batch_size = || {
        sampler_config
            .batch_size
            .ok_or_else(|| TrainError::Config(format!("{key}.sampler.batch_size: required")))
    };
    let divisor = sampler_config.divided_factor.unwrap_or(32);
    let scales = match sampler_config.name.as_str() {
        "DistributedBatchSampler" | "BatchSampler" => Scales::Fixed(Scale {
            size,
            batch_size: batch_size()?,
        }),
        "MultiScaleSampler" => {
            let sizes = sampler_config
                .scales
                .as_ref()
                .ok_or_else(|| TrainError::Config(format!("{key}.sampler.scales: required")))?;
            let first = sampler_config.first_bs.map_or_else(batch_size, Ok)?;
            let sizes: Vec<[usize; 2]> = sizes.iter().map(|&side| [side, side]).collect();
            Scales::paddle(&sizes, first, divisor)
        }
        "VariableBatchSampler" => {
            let range = sampler_config.size_range.unwrap_or([160, 320]);
            Scales::cvnets(
                size[0],
                batch_size()?,
                range,
                sampler_config.n_scales.unwrap_or(5),
                divisor,
                ranks,
                sampler_config.rule.unwrap_or(CvnetsRule::V01),
            )
        }
        other => {
            return Err(TrainError::Config(format!(
                "{key}.sampler.name: unknown sampler '{other}' (DistributedBatchSampler, \
                 MultiScaleSampler or VariableBatchSampler)"
            )));
        }
    };
    let sampler = BatchSampler {
        num_samples: samples.len(),
        scales,
        shuffle: sampler_config.shuffle,
        drop_last: sampler_config.drop_last,
        ranks,
        seed,
    };
    let loader_config = LoaderConfig {
        workers: split.loader.num_workers.max(1),
        prefetch: split.loader.prefetch.max(1),
        corrupt_images: dataset.corrupt_images,
        seed,
    };
    Ok(SplitData {
        loader: Loader::new(samples, pipeline, loader_config)?,
        sampler,
    })
}
