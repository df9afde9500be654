//! Top-k classes of image files.

use std::path::PathBuf;

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit_data::{ChwTensor, DataError, Image, Pipeline, RunPipeline};
use serde::Serialize;

use crate::labels::ClassNames;

/// A class and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Class index.
    pub class_id: usize,
    /// Class name.
    pub label: String,
    /// Softmax probability.
    pub score: f32,
}

/// The top classes of one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The image file.
    pub image: PathBuf,
    /// Best first.
    pub topk: Vec<Scored>,
}

/// Predicts the `k` most probable classes of each image, `batch_size` images at a time.
/// An image that cannot be read gives an error in its place; the others are still predicted.
pub fn predict(
    model: &MobileVit,
    images: &[PathBuf],
    pipeline: &Pipeline,
    names: &ClassNames,
    k: usize,
    batch_size: usize,
    device: &Device,
) -> Vec<Result<Prediction, DataError>> {
    let model = &model.clone().fold_batch_norm();
    let mut results: Vec<Result<Prediction, DataError>> = Vec::with_capacity(images.len());
    for chunk in images.chunks(batch_size.max(1)) {
        let tensors: Vec<Result<ChwTensor, DataError>> = chunk
            .iter()
            .map(|path| {
                Image::open(path, pipeline.order)
                    .and_then(|image| pipeline.run_deterministic(image))
            })
            .collect();
        let readable: Vec<&ChwTensor> = tensors.iter().filter_map(|t| t.as_ref().ok()).collect();
        let mut classes = top_k(model, &readable, names, k, device).into_iter();
        for (path, tensor) in chunk.iter().zip(tensors) {
            results.push(tensor.map(|_| Prediction {
                image: path.clone(),
                topk: classes.next().unwrap_or_default(),
            }));
        }
    }
    results
}

/// The `k` most probable classes of each preprocessed image (best first), in input order.
/// Images of one size share a forward pass; a pipeline without a fixed crop gives several.
///
/// # Shapes
/// - `tensors`: `B` images `[3, H_i, W_i]`
/// - output: `B` lists of `min(k, classes)` classes
pub fn top_k(
    model: &MobileVit,
    tensors: &[&ChwTensor],
    names: &ClassNames,
    k: usize,
    device: &Device,
) -> Vec<Vec<Scored>> {
    let mut results = vec![Vec::new(); tensors.len()];
    let mut sizes: Vec<(usize, usize)> = tensors.iter().map(|t| (t.height, t.width)).collect();
    sizes.sort_unstable();
    sizes.dedup();
    for size in sizes {
        let group: Vec<usize> = (0..tensors.len())
            .filter(|&i| (tensors[i].height, tensors[i].width) == size)
            .collect();
        let batch: Vec<&ChwTensor> = group.iter().map(|&i| tensors[i]).collect();
        for (i, classes) in group
            .into_iter()
            .zip(top_k_same_size(model, &batch, names, k, device))
        {
            results[i] = classes;
        }
    }
    results
}

/// [`top_k`] for images of one size, in one forward pass.
fn top_k_same_size(
    model: &MobileVit,
    tensors: &[&ChwTensor],
    names: &ClassNames,
    k: usize,
    device: &Device,
) -> Vec<Vec<Scored>> {
    let Some(first) = tensors.first() else {
        return Vec::new();
    };
    let (height, width) = (first.height, first.width);
    let values: Vec<f32> = tensors
        .iter()
        .flat_map(|tensor| tensor.values.iter().copied())
        .collect();
    let input = Tensor::<4>::from_data(
        TensorData::new(values, [tensors.len(), 3, height, width]),
        device,
    );
    let probabilities = softmax(mobilevit::forward_sharded(model, input), 1);
    let per_row = k.min(probabilities.dims()[1]).max(1);
    let (scores, indices) = probabilities.topk_with_indices(per_row, 1);
    let scores: Vec<f32> = scores
        .into_data()
        .convert::<f32>()
        .try_into_vec()
        .unwrap_or_default();
    let indices: Vec<i64> = indices
        .into_data()
        .convert::<i64>()
        .try_into_vec()
        .unwrap_or_default();
    scores
        .chunks(per_row)
        .zip(indices.chunks(per_row))
        .map(|(scores, indices)| {
            scores
                .iter()
                .zip(indices)
                .map(|(&score, &class_id)| Scored {
                    class_id: class_id as usize,
                    label: names.name(class_id as usize).to_string(),
                    score,
                })
                .collect()
        })
        .collect()
}
