//! Top-1, top-5 and cross-entropy over a dataset.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Device, Int, Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit_data::{Batch, DataError, LoadedBatch, Loader};
use serde::{Deserialize, Serialize};

/// Accuracy and loss over an evaluation set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvalResult {
    /// Fraction of images whose label is the top class.
    pub top1: f64,
    /// Fraction of images whose label is among the top five classes.
    pub top5: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Images evaluated.
    pub count: usize,
    /// Images skipped as unreadable.
    pub skipped: usize,
    /// Per class: (images, top-1 hits).
    pub per_class: Vec<(usize, usize)>,
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

/// For each row of `logits`, whether its label is the top class and whether it is among the
/// top five.
pub fn topk_hits(logits: Tensor<2>, labels: &[usize]) -> Vec<(bool, bool)> {
    let [_, classes] = logits.dims();
    let k = classes.min(5);
    let (_, indices) = logits.topk_with_indices(k, 1);
    let indices: Vec<i64> = indices
        .into_data()
        .convert::<i64>()
        .try_into_vec()
        .unwrap_or_default();
    indices
        .chunks(k)
        .zip(labels)
        .map(|(row, &label)| {
            let label = label as i64;
            (row.first() == Some(&label), row.contains(&label))
        })
        .collect()
}

/// Evaluates `model` (in inference mode: BatchNorm running statistics folded into the
/// convolutions, no dropout) on the batches of `loader`.
pub fn evaluate(
    model: &MobileVit,
    loader: &Loader,
    batches: Vec<Batch>,
    device: &Device,
) -> Result<EvalResult, DataError> {
    let model = &model.clone().fold_batch_norm();
    let classes = model.num_classes();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut result = EvalResult {
        per_class: vec![(0, 0); classes],
        ..EvalResult::default()
    };
    let (mut top1, mut top5, mut loss_sum) = (0usize, 0usize, 0.0f64);
    for batch in loader.load(batches, 0) {
        let batch = batch?;
        result.skipped += batch.skipped.len();
        if batch.is_empty() {
            continue;
        }
        let (images, labels) = to_tensors(&batch, device);
        let logits = mobilevit::forward_sharded(model, images);
        let batch_loss = loss_fn.forward(logits.clone(), labels).into_scalar::<f32>();
        loss_sum += f64::from(batch_loss) * batch.len() as f64;
        for ((hit1, hit5), &label) in topk_hits(logits, &batch.labels)
            .into_iter()
            .zip(&batch.labels)
        {
            top1 += usize::from(hit1);
            top5 += usize::from(hit5);
            if let Some(entry) = result.per_class.get_mut(label) {
                entry.0 += 1;
                entry.1 += usize::from(hit1);
            }
        }
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
