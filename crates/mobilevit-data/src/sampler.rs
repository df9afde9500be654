//! Batch plans: which samples go into each step, at which image size, on which rank.
//!
//! A plan is computed from the dataset size, the seed and the epoch alone, so every
//! data-parallel rank computes the same plan and takes its own share of each step: all ranks
//! use the same image size at every step, and an interrupted run can resume at any step.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One rank's batch for one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Image `[height, width]` for this step.
    pub size: [usize; 2],
    /// Dataset indices of this rank's samples.
    pub indices: Vec<usize>,
    /// How many of the last `indices` only pad the epoch's last step to a full batch on
    /// every rank (repeats of the epoch's first samples): train on them if you like, but never
    /// count them in a metric.
    pub padding: usize,
}

impl Batch {
    /// The indices that are the epoch's own samples, not padding.
    pub fn counted(&self) -> &[usize] {
        &self.indices[..self.indices.len() - self.padding]
    }
}

/// An `(image size, per-rank batch size)` pair of a multi-scale plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale {
    /// `[height, width]`.
    pub size: [usize; 2],
    /// Samples per rank at this size.
    pub batch_size: usize,
}

/// How step sizes are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Scales {
    /// One size and batch size for every step.
    Fixed(Scale),
    /// A size and batch size drawn uniformly for each step from these pairs.
    Multi(Vec<Scale>),
}

/// ml-cvnets' `make_divisible`.
fn make_divisible(value: f64, divisor: usize) -> usize {
    let divisor_f = divisor as f64;
    let rounded = (((value + divisor_f / 2.0) as usize) / divisor * divisor).max(divisor);
    if (rounded as f64) < 0.9 * value {
        rounded + divisor
    } else {
        rounded
    }
}

/// Which ml-cvnets version's batch-size rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CvnetsRule {
    /// v0.1 (the released weights): `make_divisible(max(base_batch, round(...)), ranks)`;
    /// batches never shrink below the base.
    V01,
    /// Current ml-cvnets: `max(1, round(...))`.
    Head,
}

impl Scales {
    /// ml-cvnets' `variable_batch_sampler`: `n_scales` sizes spaced evenly from `min_size` to
    /// `max_size`, made divisible by `divisor`, each with a batch size inversely proportional
    /// to its area relative to `base_size` and `base_batch`.
    pub fn cvnets(
        base_size: usize,
        base_batch: usize,
        [min_size, max_size]: [usize; 2],
        n_scales: usize,
        divisor: usize,
        ranks: usize,
        rule: CvnetsRule,
    ) -> Self {
        let elements = (base_size * base_size * base_batch) as f64;
        let mut sizes: Vec<usize> = (0..n_scales)
            .map(|i| {
                let t = if n_scales > 1 {
                    i as f64 / (n_scales - 1) as f64
                } else {
                    0.0
                };
                make_divisible(min_size as f64 + t * (max_size - min_size) as f64, divisor)
            })
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        let scales = sizes
            .into_iter()
            .map(|side| {
                // Python's int(round(x, 2)) truncates a value rounded to 2 decimals.
                let ratio = (elements / (side * side) as f64 * 100.0).round() / 100.0;
                let batch_size = match rule {
                    CvnetsRule::V01 => {
                        make_divisible((ratio as usize).max(base_batch) as f64, ranks)
                    }
                    CvnetsRule::Head => (ratio as usize).max(1),
                };
                Scale {
                    size: [side, side],
                    batch_size,
                }
            })
            .collect();
        Scales::Multi(scales)
    }

    /// PaddleClas's `MultiScaleSampler`: sizes floored to multiples of `divisor`, the first
    /// being the base; batch `int(max(1, base_area * first_batch / area))`.
    pub fn paddle(sizes: &[[usize; 2]], first_batch: usize, divisor: usize) -> Self {
        let floored: Vec<[usize; 2]> = sizes
            .iter()
            .map(|size| size.map(|side| (side / divisor * divisor).max(divisor)))
            .collect();
        let base = floored.first().copied().unwrap_or([256, 256]);
        let base_elements = (base[0] * base[1] * first_batch) as f64;
        let scales = floored
            .into_iter()
            .map(|size| Scale {
                size,
                batch_size: ((base_elements / (size[0] * size[1]) as f64) as usize).max(1),
            })
            .collect();
        Scales::Multi(scales)
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> Scale {
        match self {
            Scales::Fixed(scale) => *scale,
            Scales::Multi(scales) => scales[rng.random_range(0..scales.len())],
        }
    }
}

/// Sampling of one epoch over a dataset, for one rank of `ranks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchSampler {
    /// Samples in the dataset.
    pub num_samples: usize,
    /// Step sizes and per-rank batch sizes.
    pub scales: Scales,
    /// Shuffle every epoch.
    pub shuffle: bool,
    /// Drop the last, incomplete step instead of padding it with samples from the start.
    pub drop_last: bool,
    /// Data-parallel ranks.
    pub ranks: usize,
    /// Seed of the shuffles and size draws.
    pub seed: u64,
}

impl BatchSampler {
    /// The batches of `rank` in `epoch`, in order.
    pub fn epoch(&self, epoch: u64, rank: usize) -> Vec<Batch> {
        assert!(rank < self.ranks, "rank {rank} of {}", self.ranks);
        self.epoch_all_ranks(epoch)
            .into_iter()
            .skip(rank)
            .step_by(self.ranks)
            .collect()
    }

    /// How many micro-batches (all ranks together) [`epoch_all_ranks`](Self::epoch_all_ranks)
    /// gives for `epoch`: computed for a fixed scale, drawn as the plan draws them for a
    /// multi-scale one.
    pub fn micro_batches(&self, epoch: u64) -> usize {
        match &self.scales {
            Scales::Fixed(scale) => {
                let step = (scale.batch_size * self.ranks).max(1);
                let steps = if self.drop_last {
                    self.num_samples / step
                } else {
                    self.num_samples.div_ceil(step)
                };
                steps * self.ranks
            }
            Scales::Multi(_) => self.epoch_all_ranks(epoch).len(),
        }
    }

    /// The batches of every rank in `epoch`, step by step: rank 0's, rank 1's, ... of the
    /// first step, then of the second. Rank `r` gets the `r`-th slice of each step's samples,
    /// so with a fixed scale this is the order one rank with the same batch size would see.
    pub fn epoch_all_ranks(&self, epoch: u64) -> Vec<Batch> {
        let mut rng =
            ChaCha8Rng::seed_from_u64(self.seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut order: Vec<usize> = (0..self.num_samples).collect();
        if self.shuffle {
            order.shuffle(&mut rng);
        }
        let mut batches = Vec::new();
        let mut start = 0;
        while start < order.len() {
            let scale = self.scales.pick(&mut rng);
            let step = scale.batch_size * self.ranks;
            let end = start + step;
            if end > order.len() && self.drop_last {
                break;
            }
            // Pad the last step with samples from the start of the epoch's order.
            let positions: Vec<usize> = (start..end).collect();
            batches.extend(positions.chunks(scale.batch_size).map(|slice| Batch {
                size: scale.size,
                indices: slice.iter().map(|&i| order[i % order.len()]).collect(),
                padding: slice.iter().filter(|&&i| i >= order.len()).count(),
            }));
            start = end;
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_batch_counts_match_the_plans() {
        let multi = Scales::paddle(&[[32, 32], [48, 48], [40, 40]], 64, 8);
        for scales in [
            Scales::Fixed(Scale {
                size: [32, 32],
                batch_size: 64,
            }),
            multi,
        ] {
            for (drop_last, ranks) in [(false, 1), (true, 1), (false, 2), (true, 3)] {
                let sampler = BatchSampler {
                    num_samples: 1437,
                    scales: scales.clone(),
                    shuffle: true,
                    drop_last,
                    ranks,
                    seed: 5,
                };
                for epoch in 0..3 {
                    assert_eq!(
                        sampler.micro_batches(epoch),
                        sampler.epoch_all_ranks(epoch).len(),
                        "{scales:?} drop_last {drop_last} ranks {ranks} epoch {epoch}"
                    );
                }
            }
        }
    }

    fn sizes_and_batches(scales: &Scales) -> Vec<(usize, usize)> {
        match scales {
            Scales::Multi(scales) => scales.iter().map(|s| (s.size[0], s.batch_size)).collect(),
            Scales::Fixed(s) => vec![(s.size[0], s.batch_size)],
        }
    }

    #[test]
    fn all_ranks_of_a_fixed_scale_see_what_one_rank_sees() {
        let sampler = |ranks| BatchSampler {
            num_samples: 40,
            scales: Scales::Fixed(Scale {
                size: [32, 32],
                batch_size: 4,
            }),
            shuffle: true,
            drop_last: false,
            ranks,
            seed: 7,
        };
        let two = sampler(2).epoch_all_ranks(3);
        assert_eq!(two, sampler(1).epoch(3, 0));
        let rank1: Vec<Batch> = two.iter().skip(1).step_by(2).cloned().collect();
        assert_eq!(sampler(2).epoch(3, 1), rank1);
    }

    #[test]
    fn cvnets_v01_rule_gives_the_released_recipe() {
        // 8 GPUs x 128 at 256, sizes 160..320 in 5 steps (spec section 5.2).
        let scales = Scales::cvnets(256, 128, [160, 320], 5, 32, 8, CvnetsRule::V01);
        assert_eq!(
            sizes_and_batches(&scales),
            [(160, 328), (192, 224), (256, 128), (288, 128), (320, 128)]
        );
    }

    #[test]
    fn cvnets_head_rule_shrinks_large_sizes() {
        let scales = Scales::cvnets(256, 128, [160, 320], 5, 32, 8, CvnetsRule::Head);
        assert_eq!(
            sizes_and_batches(&scales),
            [(160, 327), (192, 227), (256, 128), (288, 101), (320, 81)]
        );
    }

    #[test]
    fn paddle_rule_matches_the_mobilevitv3_config() {
        // MobileViTV3_XXS: scales [256,160,192,224,288,320], first_bs 48.
        let sizes = [256, 160, 192, 224, 288, 320].map(|s| [s, s]);
        let scales = Scales::paddle(&sizes, 48, 32);
        let batches: Vec<usize> = sizes_and_batches(&scales).iter().map(|p| p.1).collect();
        assert_eq!(batches, [48, 122, 85, 62, 37, 30]);
    }

    fn sampler(num_samples: usize, scales: Scales, ranks: usize, drop_last: bool) -> BatchSampler {
        BatchSampler {
            num_samples,
            scales,
            shuffle: true,
            drop_last,
            ranks,
            seed: 7,
        }
    }

    #[test]
    fn ranks_share_sizes_and_cover_every_sample_once() {
        let scales = Scales::cvnets(64, 4, [32, 96], 3, 32, 1, CvnetsRule::Head);
        let plan = sampler(103, scales, 3, false);
        let per_rank: Vec<Vec<Batch>> = (0..3).map(|rank| plan.epoch(4, rank)).collect();
        let steps = per_rank[0].len();
        assert!(per_rank.iter().all(|batches| batches.len() == steps));
        for step in 0..steps {
            let size = per_rank[0][step].size;
            assert!(per_rank.iter().all(|batches| batches[step].size == size));
        }
        let mut seen = vec![0usize; 103];
        for batch in per_rank.iter().flatten() {
            for &index in &batch.indices {
                seen[index] += 1;
            }
        }
        assert!(
            seen.iter().all(|&count| count >= 1),
            "a sample was never seen"
        );
        let total: usize = seen.iter().sum();
        let padding = total - 103;
        let last_step: usize = per_rank.iter().map(|b| b[steps - 1].indices.len()).sum();
        assert!(padding < last_step, "only the last step is padded");
    }

    #[test]
    fn drop_last_sees_each_sample_at_most_once() {
        let fixed = Scales::Fixed(Scale {
            size: [224, 224],
            batch_size: 8,
        });
        let plan = sampler(100, fixed, 4, true);
        let mut seen = vec![0usize; 100];
        for rank in 0..4 {
            for batch in plan.epoch(0, rank) {
                assert_eq!(batch.indices.len(), 8);
                for index in batch.indices {
                    seen[index] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&count| count <= 1));
        assert_eq!(seen.iter().sum::<usize>(), 96);
    }

    #[test]
    fn plans_depend_only_on_seed_and_epoch() {
        let fixed = Scales::Fixed(Scale {
            size: [32, 32],
            batch_size: 5,
        });
        let plan = sampler(40, fixed, 1, false);
        assert_eq!(plan.epoch(3, 0), plan.epoch(3, 0));
        assert_ne!(plan.epoch(3, 0), plan.epoch(4, 0));
    }
}
