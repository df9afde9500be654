//! Top-1, top-5 and loss over a dataset.

use burn::tensor::{Device, Int, Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit_data::{Batch, LoadedBatch, Loader};
use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use crate::recipe::Loss;

/// Accuracy and loss over an evaluation set.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct EvalResult {
    /// Fraction of images whose label is the top class.
    pub top1: f64,
    /// Fraction of images whose label is among the top five classes.
    pub top5: f64,
    /// Mean loss.
    pub loss: f64,
    /// Images evaluated.
    pub count: usize,
    /// Images skipped as unreadable.
    pub skipped: usize,
}

/// A loaded batch as model input and labels.
pub fn to_tensors(batch: &LoadedBatch, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
    let [height, width] = batch.size;
    let images = Tensor::from_data(
        TensorData::new(batch.images.clone(), [batch.len(), 3, height, width]),
        device,
    );
    let labels: Vec<i64> = batch.labels.iter().map(|&l| l as i64).collect();
    let labels = Tensor::from_data(TensorData::new(labels, [batch.len()]), device);
    (images, labels)
}

/// Counts of correct top-1 and top-5 predictions in a batch.
pub fn topk_hits(logits: Tensor<2>, labels: &[usize]) -> (usize, usize) {
    let [_, classes] = logits.dims();
    let k = classes.min(5);
    let (_, indices) = logits.topk_with_indices(k, 1);
    let indices: Vec<i64> = indices
        .into_data()
        .convert::<i64>()
        .try_into_vec()
        .unwrap_or_default();
    let mut top1 = 0;
    let mut top5 = 0;
    for (row, &label) in indices.chunks(k).zip(labels) {
        let label = label as i64;
        top1 += usize::from(row.first() == Some(&label));
        top5 += usize::from(row.contains(&label));
    }
    (top1, top5)
}

/// Evaluates `model` (in inference mode) on the batches of `loader`.
pub fn evaluate(
    model: &MobileVit,
    loader: &Loader,
    batches: Vec<Batch>,
    loss: &Loss,
    device: &Device,
) -> Result<EvalResult, TrainError> {
    let mut result = EvalResult::default();
    let (mut top1, mut top5, mut loss_sum) = (0usize, 0usize, 0.0f64);
    for batch in loader.load(batches, 0) {
        let batch = batch?;
        result.skipped += batch.skipped.len();
        if batch.is_empty() {
            continue;
        }
        let (images, labels) = to_tensors(&batch, device);
        let logits = model.forward(images);
        let batch_loss = loss.forward(logits.clone(), labels).into_scalar::<f32>();
        loss_sum += f64::from(batch_loss) * batch.len() as f64;
        let (hits1, hits5) = topk_hits(logits, &batch.labels);
        top1 += hits1;
        top5 += hits5;
        result.count += batch.len();
    }
    if result.count > 0 {
        let count = result.count as f64;
        result.top1 = top1 as f64 / count;
        result.top5 = top5 as f64 / count;
        result.loss = loss_sum / count;
    }
    Ok(result)
}
