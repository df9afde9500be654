//! Burn's `Batcher` for MobileViT: transformed images ([`TransformedImage`], from
//! `mobilevit_data::PipelineDataset`) to a batch of tensors on a device, for Burn's
//! `DataLoaderBuilder` and `burn-train`'s `Learner`.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Device, Int, Tensor, TensorData};
use mobilevit_data::TransformedImage;

/// Images and their labels.
#[derive(Debug, Clone)]
pub struct MobileVitBatch {
    /// `[batch, 3, height, width]`.
    pub images: Tensor<4>,
    /// `[batch]` class indices.
    pub labels: Tensor<1, Int>,
}

/// Stacks [`TransformedImage`]s of one size into a [`MobileVitBatch`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MobileVitBatcher;

impl Batcher<TransformedImage, MobileVitBatch> for MobileVitBatcher {
    /// # Shapes
    /// - `items`: `n` images of `[3, height, width]`, all of one size (a `PipelineDataset`
    ///   gives every image its pipeline's size)
    /// - output: images `[n, 3, height, width]`, labels `[n]`
    ///
    /// # Panics
    /// When the items differ in size: a batch of images of several sizes cannot be one tensor.
    fn batch(&self, items: Vec<TransformedImage>, device: &Device) -> MobileVitBatch {
        let count = items.len();
        let [height, width] = items.first().map_or([0, 0], |item| item.size);
        let mut values = Vec::with_capacity(count * 3 * height * width);
        let mut labels = Vec::with_capacity(count);
        for item in items {
            assert_eq!(
                item.size,
                [height, width],
                "a batch holds images of one size ({height}x{width})"
            );
            values.extend(item.values);
            labels.push(item.label as i64);
        }
        MobileVitBatch {
            images: Tensor::from_data(TensorData::new(values, [count, 3, height, width]), device),
            labels: Tensor::from_data(TensorData::new(labels, [count]), device),
        }
    }
}
