//! Top-k classes of image files.

use std::path::PathBuf;

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit_data::{ChwTensor, DataError, Image, Pipeline};
use rand::SeedableRng;
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
    let mut results: Vec<Option<Result<Prediction, DataError>>> = Vec::new();
    for chunk in images.chunks(batch_size.max(1)) {
        let mut tensors = Vec::new();
        let mut slots = Vec::new();
        for path in chunk {
            // Eval pipelines draw nothing; a fixed generator keeps any random op reproducible.
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
            match Image::open(path, pipeline.order).and_then(|image| pipeline.run(image, &mut rng))
            {
                Ok(tensor) => {
                    slots.push(results.len());
                    results.push(None);
                    tensors.push((path.clone(), tensor));
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
        // Images of different sizes (a pipeline without a fixed crop) go one by one.
        let same_size = tensors
            .windows(2)
            .all(|w| (w[0].1.height, w[0].1.width) == (w[1].1.height, w[1].1.width));
        let groups: Vec<Vec<usize>> = if same_size {
            vec![(0..tensors.len()).collect()]
        } else {
            (0..tensors.len()).map(|i| vec![i]).collect()
        };
        for group in groups.into_iter().filter(|g| !g.is_empty()) {
            let batch: Vec<&ChwTensor> = group.iter().map(|&i| &tensors[i].1).collect();
            for (&i, topk) in group.iter().zip(top_k(model, &batch, names, k, device)) {
                results[slots[i]] = Some(Ok(Prediction {
                    image: tensors[i].0.clone(),
                    topk,
                }));
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every slot is filled"))
        .collect()
}

/// The `k` most probable classes of each preprocessed image (best first), in one forward pass.
///
/// # Shapes
/// - `tensors`: `B` images of one size `[3, H, W]`
/// - output: `B` lists of `min(k, classes)` classes
pub fn top_k(
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
    let probabilities = softmax(model.forward(input), 1);
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
