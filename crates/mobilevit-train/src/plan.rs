//! The batch and learning-rate plan: how the reference global batch is reached on the devices
//! at hand, and the learning rate of every optimizer step.
//!
//! The reference recipe is 8 devices x 128 = 1024 images per optimizer step at learning rate
//! 0.002. On `D` devices with `b` images each, `k = G / (D * b)` micro-batches are accumulated
//! (gradients averaged) before each step, so the optimizer sees the global batch `G`. When
//! `G` differs from the batch the learning rates were given for, every learning rate (peak,
//! warmup start, minimum) scales by `G / reference`, PaddleClas's linear rule ("with 4 GPUs
//! the default learning rate needs to be halved").
//!
//! The schedule counts the optimizer steps the batch sampler really produces, epoch by epoch
//! (the sampler's plan is deterministic, so the count is known before training): a dropped last
//! batch, or a multi-scale sampler whose batch size changes with the image size, changes the
//! number of steps, and the cosine still ends at the run's last step. With a multi-scale
//! sampler the per-device batch `b` is the batch at the base size, and the learning rate of a
//! step does not depend on that step's batch, as in PaddleClas's `MultiScaleSampler` and
//! ml-cvnets' `VariableBatchSampler` recipes (both schedule per iteration).

use std::f64::consts::PI;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Devices, batches and learning rates of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingPlan {
    /// Data-parallel devices `D`.
    pub devices: usize,
    /// Images per device per micro-batch `b`.
    pub device_batch: usize,
    /// Micro-batches accumulated per optimizer step `k`.
    pub accumulation: usize,
    /// Images per optimizer step `G = D * b * k`.
    pub global_batch: usize,
    /// `G / reference`, applied to every learning rate.
    pub lr_scale: f64,
    /// Optimizer steps of each epoch: the sampler's micro-batches, `k * D` to a step (the last
    /// step of an epoch may have fewer).
    pub steps_per_epoch: Vec<usize>,
    /// The schedule, already scaled.
    pub schedule: LrSchedule,
}

/// Linear warmup, then cosine decay, per optimizer step (PaddleClas's `Cosine` with
/// `warmup_epoch`, `by_epoch: False`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrSchedule {
    /// Peak learning rate, reached at the end of the warmup.
    pub peak: f64,
    /// Learning rate of the first warmup step.
    pub warmup_start: f64,
    /// Learning rate at the end of the cosine.
    pub eta_min: f64,
    /// Warmup steps.
    pub warmup_steps: usize,
    /// All steps of the run.
    pub total_steps: usize,
}

impl LrSchedule {
    /// The learning rate of optimizer step `step` (0-based).
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            let t = step as f64 / self.warmup_steps as f64;
            return self.warmup_start + (self.peak - self.warmup_start) * t;
        }
        let decay_steps = self.total_steps.saturating_sub(self.warmup_steps).max(1);
        let t = ((step - self.warmup_steps) as f64 / decay_steps as f64).min(1.0);
        self.eta_min + 0.5 * (self.peak - self.eta_min) * (1.0 + (PI * t).cos())
    }
}

/// What can be wrong with a plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// `G` is not a multiple of `D * b`.
    #[error(
        "the global batch {global} is not a multiple of {devices} device(s) x {device_batch} \
         images: choose a per-device batch that divides {global} / {devices}, or set \
         Global.global_batch_size"
    )]
    Indivisible {
        /// `G`.
        global: usize,
        /// `D`.
        devices: usize,
        /// `b`.
        device_batch: usize,
    },
    /// A size is zero.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}

/// Inputs of [`TrainingPlan::new`].
#[derive(Debug, Clone)]
pub struct PlanInputs {
    /// `D`.
    pub devices: usize,
    /// `b`.
    pub device_batch: usize,
    /// `G`; `None` means the reference batch.
    pub global_batch: Option<usize>,
    /// The global batch the learning rates are given for.
    pub reference_batch: usize,
    /// Peak learning rate at the reference batch.
    pub peak_lr: f64,
    /// Warmup start learning rate at the reference batch.
    pub warmup_start_lr: f64,
    /// Minimum learning rate at the reference batch.
    pub eta_min: f64,
    /// Warmup length in epochs.
    pub warmup_epochs: f64,
    /// Micro-batches of every epoch, all devices together
    /// ([`mobilevit_data::BatchSampler::micro_batches`]); one entry per epoch.
    pub micro_batches_per_epoch: Vec<usize>,
}

impl TrainingPlan {
    /// The plan for `inputs`.
    pub fn new(inputs: PlanInputs) -> Result<Self, PlanError> {
        for (name, value) in [
            ("the number of devices", inputs.devices),
            ("the per-device batch size", inputs.device_batch),
            ("the reference batch size", inputs.reference_batch),
            ("the number of epochs", inputs.micro_batches_per_epoch.len()),
        ] {
            if value == 0 {
                return Err(PlanError::Zero(name));
            }
        }
        let global = inputs.global_batch.unwrap_or(inputs.reference_batch);
        let per_micro = inputs.devices * inputs.device_batch;
        if global == 0 || !global.is_multiple_of(per_micro) {
            return Err(PlanError::Indivisible {
                global,
                devices: inputs.devices,
                device_batch: inputs.device_batch,
            });
        }
        let lr_scale = global as f64 / inputs.reference_batch as f64;
        let accumulation = global / per_micro;
        let per_step = accumulation * inputs.devices;
        let steps_per_epoch: Vec<usize> = inputs
            .micro_batches_per_epoch
            .iter()
            .map(|&micro| micro.div_ceil(per_step))
            .collect();
        let schedule = LrSchedule {
            peak: inputs.peak_lr * lr_scale,
            warmup_start: inputs.warmup_start_lr * lr_scale,
            eta_min: inputs.eta_min * lr_scale,
            warmup_steps: warmup_steps(&steps_per_epoch, inputs.warmup_epochs),
            total_steps: steps_per_epoch.iter().sum(),
        };
        Ok(Self {
            devices: inputs.devices,
            device_batch: inputs.device_batch,
            accumulation,
            global_batch: global,
            lr_scale,
            steps_per_epoch,
            schedule,
        })
    }
}

/// The steps of the first `epochs` epochs (a fraction of an epoch counts that share of its
/// steps, rounded).
fn warmup_steps(steps_per_epoch: &[usize], epochs: f64) -> usize {
    let whole = (epochs.max(0.0).floor() as usize).min(steps_per_epoch.len());
    let full: usize = steps_per_epoch[..whole].iter().sum();
    let partial = steps_per_epoch
        .get(whole)
        .map_or(0.0, |&steps| (epochs - whole as f64) * steps as f64);
    full + partial.round() as usize
}

impl fmt::Display for TrainingPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.schedule;
        write!(
            f,
            "{} device(s) x {} images x {} accumulated micro-batch(es) = global batch {}; \
             learning rates x{:.4}: peak {:.3e}, warmup from {:.3e} over {} steps, cosine to \
             {:.3e} at step {}",
            self.devices,
            self.device_batch,
            self.accumulation,
            self.global_batch,
            self.lr_scale,
            s.peak,
            s.warmup_start,
            s.warmup_steps,
            s.eta_min,
            s.total_steps
        )?;
        let fewest = self.steps_per_epoch.iter().min().copied().unwrap_or(0);
        let most = self.steps_per_epoch.iter().max().copied().unwrap_or(0);
        if fewest == most {
            write!(f, " ({fewest} steps per epoch)")
        } else {
            write!(f, " ({fewest} to {most} steps per epoch)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(devices: usize, device_batch: usize, global: Option<usize>) -> PlanInputs {
        PlanInputs {
            devices,
            device_batch,
            global_batch: global,
            reference_batch: 1024,
            peak_lr: 0.002,
            warmup_start_lr: 0.0002,
            eta_min: 0.0002,
            warmup_epochs: 5.0,
            // ImageNet's 1,281,167 images in per-device batches of 128, the last one padded.
            micro_batches_per_epoch: vec![1_281_167usize.div_ceil(128 * devices) * devices; 300],
        }
    }

    #[test]
    fn any_device_count_reaches_the_reference_batch_at_the_reference_lr() {
        for (devices, accumulation) in [(1, 8), (2, 4), (4, 2), (8, 1)] {
            let plan = TrainingPlan::new(inputs(devices, 128, None)).unwrap();
            assert_eq!(plan.accumulation, accumulation, "{devices} devices");
            assert_eq!(plan.global_batch, 1024);
            assert_eq!(plan.lr_scale, 1.0);
            assert_eq!(plan.schedule.peak, 0.002);
            // ImageNet: ceil(1,281,167 / 1024) = 1252 steps per epoch, 5 warmup epochs.
            assert_eq!(plan.steps_per_epoch, vec![1252; 300]);
            assert_eq!(plan.schedule.warmup_steps, 6260);
            assert_eq!(plan.schedule.total_steps, 375_600);
        }
    }

    #[test]
    fn a_chosen_global_batch_scales_every_learning_rate_linearly() {
        // PaddleClas: "with 4 GPUs the default learning rate needs to be halved".
        let plan = TrainingPlan::new(inputs(4, 128, Some(512))).unwrap();
        assert_eq!(plan.accumulation, 1);
        assert_eq!(plan.lr_scale, 0.5);
        assert_eq!(plan.schedule.peak, 0.001);
        assert_eq!(plan.schedule.warmup_start, 0.0001);
        assert_eq!(plan.schedule.eta_min, 0.0001);
        let bigger = TrainingPlan::new(inputs(8, 128, Some(2048))).unwrap();
        assert_eq!((bigger.accumulation, bigger.schedule.peak), (2, 0.004));
    }

    #[test]
    fn the_schedule_warms_up_linearly_then_follows_the_cosine() {
        let schedule = LrSchedule {
            peak: 1.0,
            warmup_start: 0.1,
            eta_min: 0.0,
            warmup_steps: 10,
            total_steps: 110,
        };
        assert_eq!(schedule.lr(0), 0.1);
        assert!((schedule.lr(5) - 0.55).abs() < 1e-12);
        assert_eq!(schedule.lr(10), 1.0);
        assert!((schedule.lr(60) - 0.5).abs() < 1e-12);
        assert!(schedule.lr(109) < 0.001);
        assert_eq!(schedule.lr(500), 0.0);
    }

    #[test]
    fn warmup_and_total_count_the_steps_each_epoch_really_has() {
        let mut plan_inputs = inputs(2, 16, Some(64));
        plan_inputs.warmup_epochs = 1.5;
        // Micro-batches of 2 devices: 13 steps, 10 steps (a multi-scale epoch), then 11.5.
        plan_inputs.micro_batches_per_epoch = vec![52, 40, 46];
        let plan = TrainingPlan::new(plan_inputs).unwrap();
        assert_eq!(plan.accumulation, 2);
        assert_eq!(plan.steps_per_epoch, [13, 10, 12]);
        assert_eq!(plan.schedule.total_steps, 35);
        assert_eq!(plan.schedule.warmup_steps, 18);
        assert!(
            plan.to_string().ends_with("(10 to 13 steps per epoch)"),
            "{plan}"
        );
        assert!(plan.schedule.lr(34) > plan.schedule.eta_min);
        assert_eq!(plan.schedule.lr(35), plan.schedule.eta_min);
    }

    #[test]
    fn an_indivisible_batch_is_refused_with_advice() {
        let error = TrainingPlan::new(inputs(3, 128, None)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("not a multiple of 3 device(s) x 128"),
            "{error}"
        );
        assert!(TrainingPlan::new(inputs(1, 0, None)).is_err());
    }
}
