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

/// Sums over evaluated images, to be merged across ranks before the fractions are taken.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvalTally {
    /// Images whose label is the top class.
    pub top1_hits: usize,
    /// Images whose label is among the top five.
    pub top5_hits: usize,
    /// Summed cross-entropy.
    pub loss_sum: f64,
    /// Images counted.
    pub count: usize,
    /// Images skipped as unreadable.
    pub skipped: usize,
    /// Per class: (images, top-1 hits).
    pub per_class: Vec<(usize, usize)>,
}

impl EvalTally {
    /// An empty tally for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self {
            per_class: vec![(0, 0); classes],
            ..Self::default()
        }
    }

    /// Adds another rank's tally.
    pub fn merge(&mut self, other: &EvalTally) {
        self.top1_hits += other.top1_hits;
        self.top5_hits += other.top5_hits;
        self.loss_sum += other.loss_sum;
        self.count += other.count;
        self.skipped += other.skipped;
        if self.per_class.len() < other.per_class.len() {
            self.per_class.resize(other.per_class.len(), (0, 0));
        }
        for (mine, theirs) in self.per_class.iter_mut().zip(&other.per_class) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
    }

    /// The fractions.
    pub fn finish(self) -> EvalResult {
        let count = self.count.max(1) as f64;
        EvalResult {
            top1: self.top1_hits as f64 / count,
            top5: self.top5_hits as f64 / count,
            loss: self.loss_sum / count,
            count: self.count,
            skipped: self.skipped,
            per_class: self.per_class,
        }
    }
}

/// Evaluates `model` (in inference mode: BatchNorm running statistics folded into the
/// convolutions, no dropout) on the batches of `loader`: one rank's share, as a tally to merge
/// with the other ranks'. Padding ([`LoadedBatch::padding`]) is never counted, so the ranks'
/// tallies add up to every image of the list exactly once.
pub fn evaluate_tally(
    model: &MobileVit,
    loader: &Loader,
    batches: Vec<Batch>,
    device: &Device,
) -> Result<EvalTally, DataError> {
    let model = &model.clone().fold_batch_norm();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut tally = EvalTally::new(model.num_classes());
    for batch in loader.load(batches, 0) {
        let batch = batch?;
        tally.skipped += batch.skipped.len();
        let counted = batch.counted();
        if counted == 0 {
            continue;
        }
        let (images, labels) = to_tensors(&batch, device);
        let logits = mobilevit::forward_sharded(model, images).narrow(0, 0, counted);
        let labels = labels.narrow(0, 0, counted);
        let batch_loss = loss_fn.forward(logits.clone(), labels).into_scalar::<f32>();
        tally.loss_sum += f64::from(batch_loss) * counted as f64;
        let labels = &batch.labels[..counted];
        for ((hit1, hit5), &label) in topk_hits(logits, labels).into_iter().zip(labels) {
            tally.top1_hits += usize::from(hit1);
            tally.top5_hits += usize::from(hit5);
            if let Some(entry) = tally.per_class.get_mut(label) {
                entry.0 += 1;
                entry.1 += usize::from(hit1);
            }
        }
        tally.count += counted;
    }
    Ok(tally)
}

/// Evaluates `model` on the batches of `loader` (one rank's, or all of them): top-1, top-5 and
/// loss over the images of the list, each counted once.
pub fn evaluate(
    model: &MobileVit,
    loader: &Loader,
    batches: Vec<Batch>,
    device: &Device,
) -> Result<EvalResult, DataError> {
    evaluate_tally(model, loader, batches, device).map(EvalTally::finish)
}
