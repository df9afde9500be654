//! One BatchNorm running-statistics update per optimizer step, whatever the split of the
//! global batch.
//!
//! Burn's BatchNorm updates its running mean and variance in every training forward pass:
//! `r <- (1 - m) r + m s` with the micro-batch's statistics `s`; data-parallel workers each
//! record that update and Burn averages them when the value is next read. Left alone, a device
//! accumulating `k` micro-batches would chain `k` updates per optimizer step where `k` devices
//! make one averaged update, so the effective momentum would depend on the split.
//!
//! The rule here: every round of micro-batches in a step starts from the statistics the step
//! started with (`r0`), and the step ends with the mean of what the rounds gave,
//! `mean_j((1 - m) r0 + m S_j) = (1 - m) r0 + m mean(s)`: one momentum update with the mean of
//! the statistics of all the step's micro-batches, across accumulation and devices. `1 x k`,
//! `k x 1` and `(k/2) x 2` give the same running statistics (to float rounding). It is what
//! averaging `k` devices' updated statistics gives, so it is also what PaddleClas's 8 devices
//! would hold if their statistics were averaged instead of keeping device 0's.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::tensor::Tensor;
use mobilevit::MobileVit;

/// Running statistics by id.
pub type Statistics = HashMap<ParamId, Tensor<1>>;

/// The statistics of the step in progress.
#[derive(Default)]
pub struct StepStatistics {
    /// `r0`: the statistics at the start of the step.
    start: Option<Statistics>,
    /// The sum of what each round gave.
    sum: Statistics,
    /// Rounds so far.
    rounds: usize,
}

impl StepStatistics {
    /// Records a finished round (its workers' updates pending in the model) and puts the
    /// statistics back to the step's start for the next round.
    pub fn end_round(&mut self, model: MobileVit) -> MobileVit {
        // The first round: `r0` is what the round started from, still the stored value (the
        // workers' updates wait beside it until the model is read).
        let start = self.start.get_or_insert_with(|| read_stored(&model));
        for (id, value) in read(&model) {
            // Burn folds the workers' updates on the device of whichever it drains first, so
            // with several devices each round's value may live on another one.
            let sum = match self.sum.remove(&id) {
                Some(sum) => {
                    let device = sum.device();
                    sum + value.to_device(&device)
                }
                None => value,
            };
            self.sum.insert(id, sum);
        }
        self.rounds += 1;
        write(model, start)
    }

    /// Ends the step: the statistics become the mean over its rounds. Ready for the next step.
    pub fn end_step(&mut self, model: MobileVit) -> MobileVit {
        if self.rounds == 0 {
            return model;
        }
        let rounds = self.rounds as f64;
        let mean: Statistics = self
            .sum
            .drain()
            .map(|(id, sum)| (id, sum.div_scalar(rounds)))
            .collect();
        *self = Self::default();
        write(model, &mean)
    }
}

/// Every running statistic's current value, the workers' pending updates folded in (Burn
/// averages them when the model is read in evaluation form).
fn read(model: &MobileVit) -> Statistics {
    let _synced = model.valid();
    read_stored(model)
}

/// Every running statistic's stored value, without folding pending updates in.
fn read_stored(model: &MobileVit) -> Statistics {
    model.running_statistics().into_iter().collect()
}

/// The model with the running statistics in `values` set (others untouched).
pub fn write(model: MobileVit, values: &Statistics) -> MobileVit {
    struct Writer<'a> {
        values: &'a Statistics,
    }
    impl ModuleMapper for Writer<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            match self.values.get(&param.id) {
                Some(value) => {
                    let shape = param.shape();
                    Param::initialized(param.id, value.clone().reshape(shape))
                }
                None => param,
            }
        }
    }
    model.map(&mut Writer { values })
}
