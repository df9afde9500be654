//! PaddleClas's batch operators: Mixup and CutMix, alone or drawn by an `OpSampler`.
//!
//! ```yaml
//! batch_transform_ops:
//!   - OpSampler:
//!       MixupOperator: {alpha: 0.2, prob: 0.25}
//!       CutmixOperator: {alpha: 1.0, prob: 0.25}
//! ```
//!
//! Each runs on one device's batch, as PaddleClas's collate function does: a random
//! permutation pairs every image with a partner, `lam` is drawn from `Beta(alpha, alpha)`, and
//! the target becomes `lam * own + (1 - lam) * partner` (before label smoothing, which is linear
//! in the target, so the loss is `lam * CE(own) + (1 - lam) * CE(partner)`).
//! - Mixup: `image = lam * image + (1 - lam) * partner`.
//! - CutMix: a box of `int(H * sqrt(1 - lam))` rows by `int(W * sqrt(1 - lam))` columns around
//!   a uniform centre, clipped to the image, is copied from the partner, and `lam` becomes the
//!   fraction of the image left untouched.
//! - `OpSampler`: one operator per batch with its `prob`, none with the rest.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_distr::{Beta, Distribution};
use serde_norway::{Mapping, Value};

use crate::error::DataError;
use crate::loader::LoadedBatch;
use crate::ops::op_error;

/// A batch operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MixOperator {
    /// `MixupOperator`: blend whole images.
    Mixup {
        /// Beta distribution parameter.
        alpha: f64,
    },
    /// `CutmixOperator`: paste a box of the partner.
    Cutmix {
        /// Beta distribution parameter.
        alpha: f64,
    },
}

/// How a batch was mixed: image `i` is `lam` of its own and `1 - lam` of its partner's.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixed {
    /// The partner's label for every image.
    pub partner_labels: Vec<usize>,
    /// The weight of the image's own label.
    pub lam: f64,
}

/// The batch operators of a split: each with its probability per batch (PaddleClas's
/// `OpSampler`; an operator listed alone has probability 1).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchMix {
    operators: Vec<(MixOperator, f64)>,
}

impl BatchMix {
    /// Reads PaddleClas's `batch_transform_ops` list.
    pub fn from_ops(ops: &Value) -> Result<Self, DataError> {
        let Value::Sequence(items) = ops else {
            return Err(op_error("batch_transform_ops", "expected a list of ops"));
        };
        let mut operators = Vec::new();
        for item in items {
            let entry = item.as_mapping().filter(|entry| entry.len() == 1);
            let Some((name, params)) = entry.and_then(|entry| entry.iter().next()) else {
                return Err(op_error(
                    "batch_transform_ops",
                    format!("expected '- OpName: {{...}}', got {item:?}"),
                ));
            };
            match name.as_str().unwrap_or("?") {
                "OpSampler" => {
                    let sampled = params.as_mapping().cloned().unwrap_or_default();
                    for (name, params) in &sampled {
                        let name = name.as_str().unwrap_or("?");
                        operators.push(operator(name, params, true)?);
                    }
                }
                name => operators.push(operator(name, params, false)?),
            }
        }
        let total: f64 = operators.iter().map(|(_, prob)| prob).sum();
        if total > 1.0 + 1e-9 {
            return Err(op_error(
                "OpSampler",
                format!("the operators' probabilities add up to {total}, more than 1"),
            ));
        }
        Ok(Self { operators })
    }

    /// Draws an operator (or none) and applies it to `batch`.
    pub fn apply(&self, batch: &mut LoadedBatch, rng: &mut impl Rng) {
        let draw = rng.random::<f64>();
        let mut cumulative = 0.0;
        for &(operator, prob) in &self.operators {
            cumulative += prob;
            if draw < cumulative {
                batch.mix = mix(operator, batch, rng);
                return;
            }
        }
    }
}

/// One operator and its probability; `sampled` operators need `prob` (PaddleClas warns and
/// uses 0 without it; a config that means it says so).
fn operator(name: &str, params: &Value, sampled: bool) -> Result<(MixOperator, f64), DataError> {
    let params = match params {
        Value::Null => Mapping::new(),
        Value::Mapping(map) => map.clone(),
        other => {
            return Err(op_error(
                name,
                format!("expected parameters, got {other:?}"),
            ));
        }
    };
    let number = |key: &str| params.get(key).and_then(Value::as_f64);
    for key in params.keys() {
        let key = key.as_str().unwrap_or("?");
        if !["alpha", "prob"].contains(&key) {
            return Err(op_error(
                name,
                format!("unknown parameter '{key}' (known: alpha, prob)"),
            ));
        }
    }
    let prob = match (number("prob"), sampled) {
        (Some(prob), _) if (0.0..=1.0).contains(&prob) => prob,
        (Some(prob), _) => {
            return Err(op_error(
                name,
                format!("'prob': {prob} is not a probability"),
            ));
        }
        (None, true) => return Err(op_error(name, "'prob': required inside OpSampler")),
        (None, false) => 1.0,
    };
    let operator = match name {
        "MixupOperator" => MixOperator::Mixup {
            alpha: number("alpha").unwrap_or(1.0),
        },
        "CutmixOperator" => MixOperator::Cutmix {
            alpha: number("alpha").unwrap_or(0.2),
        },
        other => {
            return Err(op_error(
                other,
                "unknown batch operator (known: OpSampler, MixupOperator, CutmixOperator)",
            ));
        }
    };
    let (MixOperator::Mixup { alpha } | MixOperator::Cutmix { alpha }) = operator;
    if alpha <= 0.0 || !alpha.is_finite() {
        return Err(op_error(name, format!("'alpha': {alpha} must be positive")));
    }
    Ok((operator, prob))
}

/// Applies `operator` to `batch` and says how it mixed it; `None` for an empty batch.
fn mix(operator: MixOperator, batch: &mut LoadedBatch, rng: &mut impl Rng) -> Option<Mixed> {
    let count = batch.len();
    if count == 0 {
        return None;
    }
    let mut partners: Vec<usize> = (0..count).collect();
    partners.shuffle(rng);
    let (MixOperator::Mixup { alpha } | MixOperator::Cutmix { alpha }) = operator;
    let lam = Beta::new(alpha, alpha).map_or(0.5, |beta| beta.sample(rng));
    let lam = match operator {
        MixOperator::Mixup { .. } => {
            blend(batch, &partners, lam);
            lam
        }
        MixOperator::Cutmix { .. } => paste_box(batch, &partners, lam, rng),
    };
    Some(Mixed {
        partner_labels: partners.iter().map(|&p| batch.labels[p]).collect(),
        lam,
    })
}

/// Mixup: every image becomes `lam * image + (1 - lam) * partner`.
fn blend(batch: &mut LoadedBatch, partners: &[usize], lam: f64) {
    let image_len = batch.images.len() / batch.len();
    let original = batch.images.clone();
    let (own, other) = (lam as f32, (1.0 - lam) as f32);
    for (index, image) in batch.images.chunks_exact_mut(image_len).enumerate() {
        let partner = &original[partners[index] * image_len..][..image_len];
        for (value, &theirs) in image.iter_mut().zip(partner) {
            *value = own * *value + other * theirs;
        }
    }
}

/// CutMix: copies the partner's box into every image; returns the area fraction kept.
fn paste_box(batch: &mut LoadedBatch, partners: &[usize], lam: f64, rng: &mut impl Rng) -> f64 {
    let [height, width] = batch.size;
    let cut = (1.0 - lam).sqrt();
    let (cut_rows, cut_columns) = (
        (height as f64 * cut) as usize,
        (width as f64 * cut) as usize,
    );
    let (centre_row, centre_column) = (rng.random_range(0..height), rng.random_range(0..width));
    let span = |centre: usize, cut: usize, side: usize| {
        let start = centre.saturating_sub(cut / 2);
        (start, (centre + cut / 2).min(side))
    };
    let (top, bottom) = span(centre_row, cut_rows, height);
    let (left, right) = span(centre_column, cut_columns, width);
    let plane = height * width;
    let original = batch.images.clone();
    for (index, &partner) in partners.iter().enumerate() {
        for channel in 0..3 {
            for row in top..bottom {
                let offset = channel * plane + row * width;
                let own = (index * 3 * plane) + offset;
                let theirs = (partner * 3 * plane) + offset;
                batch.images[own + left..own + right]
                    .copy_from_slice(&original[theirs + left..theirs + right]);
            }
        }
    }
    1.0 - ((bottom - top) * (right - left)) as f64 / plane as f64
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn batch(count: usize, [height, width]: [usize; 2]) -> LoadedBatch {
        let plane = 3 * height * width;
        LoadedBatch {
            size: [height, width],
            images: (0..count * plane).map(|i| (i / plane) as f32).collect(),
            labels: (0..count).map(|i| 10 + i).collect(),
            padding: 0,
            skipped: Vec::new(),
            mix: None,
        }
    }

    fn ops(yaml: &str) -> Result<BatchMix, DataError> {
        BatchMix::from_ops(&serde_norway::from_str(yaml).unwrap())
    }

    #[test]
    fn paddleclas_v2_op_sampler_parses_and_draws_each_operator_at_its_rate() {
        let mix = ops(
            "- OpSampler:\n    MixupOperator: {alpha: 0.2, prob: 0.25}\n    \
                       CutmixOperator: {alpha: 1.0, prob: 0.25}\n",
        )
        .unwrap();
        assert_eq!(
            mix.operators,
            vec![
                (MixOperator::Mixup { alpha: 0.2 }, 0.25),
                (MixOperator::Cutmix { alpha: 1.0 }, 0.25)
            ]
        );
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (mut none, mut blended, mut boxed) = (0, 0, 0);
        for _ in 0..2000 {
            let mut loaded = batch(4, [8, 8]);
            mix.apply(&mut loaded, &mut rng);
            match &loaded.mix {
                None => none += 1,
                // Every image holds its index: Mixup's blends of two are fractions, CutMix only
                // copies values.
                Some(_) if loaded.images.iter().any(|v| v.fract() != 0.0) => blended += 1,
                Some(_) => boxed += 1,
            }
        }
        assert!((900..1100).contains(&none), "{none}");
        assert!(
            (400..600).contains(&blended) && (400..600).contains(&boxed),
            "{blended} {boxed}"
        );
    }

    #[test]
    fn mixup_blends_images_and_labels_with_one_lam() {
        let mix = ops("- MixupOperator: {alpha: 0.2}\n").unwrap();
        let mut loaded = batch(5, [2, 3]);
        mix.apply(&mut loaded, &mut ChaCha8Rng::seed_from_u64(9));
        let mixed = loaded.mix.clone().unwrap();
        for (index, image) in loaded.images.chunks(18).enumerate() {
            let partner = mixed.partner_labels[index] - 10;
            let expected = mixed.lam * index as f64 + (1.0 - mixed.lam) * partner as f64;
            assert!(
                image
                    .iter()
                    .all(|&v| (f64::from(v) - expected).abs() < 1e-5)
            );
        }
        let mut sorted = mixed.partner_labels.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, loaded.labels, "the partners are a permutation");
    }

    #[test]
    fn cutmix_lam_is_the_area_left_untouched() {
        let mix = ops("- CutmixOperator: {alpha: 1.0}\n").unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..50 {
            let mut loaded = batch(3, [16, 12]);
            mix.apply(&mut loaded, &mut rng);
            let mixed = loaded.mix.clone().unwrap();
            for (index, image) in loaded.images.chunks(3 * 192).enumerate() {
                let partner = mixed.partner_labels[index] - 10;
                if partner == index {
                    continue;
                }
                let kept = image[..192].iter().filter(|&&v| v == index as f32).count();
                assert!((kept as f64 / 192.0 - mixed.lam).abs() < 1e-12);
                assert_eq!(
                    &image[..192],
                    &image[192..384],
                    "the same box in every channel"
                );
            }
        }
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (
                "- FmixOperator: {}\n",
                "FmixOperator: unknown batch operator",
            ),
            (
                "- OpSampler:\n    MixupOperator: {alpha: 0.2}\n",
                "'prob': required",
            ),
            (
                "- MixupOperator: {alpha: 0}\n",
                "'alpha': 0 must be positive",
            ),
            ("- MixupOperator: {beta: 1}\n", "unknown parameter 'beta'"),
            (
                "- OpSampler:\n    MixupOperator: {alpha: 0.2, prob: 0.75}\n    \
                 CutmixOperator: {alpha: 1, prob: 0.5}\n",
                "add up to 1.25",
            ),
        ];
        for (yaml, expected) in cases {
            let error = ops(yaml).unwrap_err().to_string();
            assert!(error.contains(expected), "{yaml}: {error}");
        }
    }
}
