//! Data parallel training: one worker per device, the optimizer on the first.
//!
//! This is the scheme of Burn's multi-device learner (`burn-train`'s
//! `MultiDeviceOptim::OptimMainDevice`), built from the same parts (`Module::fork`,
//! `GradientsParams::to_device`, `GradientsAccumulator`) so that the trainer keeps its own
//! recipe, resume and checkpoint logic:
//!
//! - every device has a worker thread that lives as long as the run;
//! - in a round, worker `d` forks the current model onto its device, runs its micro-batch
//!   forward and backward, and sends the gradients (already divided by the number of
//!   micro-batches in the optimizer step) to the first device;
//! - the trainer sums them in device order and steps the optimizer there.
//!
//! With `Global.gradient_reduction: nccl` the sum is NCCL's all-reduce between the CUDA
//! devices instead (Burn's `all_reduce` collective, which cubecl-cuda runs through NCCL): every
//! worker takes part in every round, a worker without a micro-batch adding zeros, and the
//! first device's worker hands the trainer the round's sum.
//!
//! BatchNorm normalises with the statistics of each device's own micro-batch, as PaddleClas
//! does without SyncBN. The running statistics follow Burn's `RunningState`: every worker
//! records its update, and they are averaged when next read.
//!
//! Burn has one random generator per backend in a process, so each worker seeds it and draws
//! its dropout masks (the forward pass) under one process-wide lock. Which micro-batch gets which masks therefore
//! depends only on its position in the run, never on thread timing. The backward passes run
//! in parallel.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::distributed::{ReduceOperation, all_reduce};
use burn::tensor::{Device, Tensor};
use mobilevit::MobileVit;
use mobilevit_data::LoadedBatch;
use mobilevit_eval::to_tensors;

use crate::error::TrainError;
use crate::recipe::{Loss, training_logits};
use mobilevit_config::{GradientReduction, LossTerm};

/// One device's share of a round.
pub struct Shard {
    /// The micro-batch (may be empty when all its images were unreadable).
    pub batch: LoadedBatch,
    /// Seed of the dropout masks.
    pub seed: u64,
}

/// What a worker computed for its micro-batch.
pub struct ShardOutput {
    /// The micro-batch's mean loss (before dividing by the micro-batches of the step); `None`
    /// for an empty micro-batch.
    pub loss: Option<f64>,
    /// Gradients to add on the first device: the micro-batch's (`gather`), or the round's sum
    /// from the first worker (`nccl`, `None` from the others). `None` when the loss is not
    /// finite.
    pub grads: Option<GradientsParams>,
    /// Images in the micro-batch.
    pub images: usize,
}

/// What every shard of a round shares.
#[derive(Clone)]
pub struct RoundSettings {
    /// Micro-batches in the optimizer step: each loss is divided by it, so the summed
    /// gradients are the step's mean.
    pub micro_batches: usize,
    /// While the backbone is frozen, the classifier's parameters: only they get gradients.
    pub trainable: Option<Arc<Vec<ParamId>>>,
}

struct Job {
    model: MobileVit,
    shard: Shard,
    settings: RoundSettings,
}

type Reply = (usize, Result<Option<ShardOutput>, String>);

struct Worker {
    jobs: Sender<Job>,
    thread: JoinHandle<()>,
}

/// The worker threads of a run, one per device; the first device holds the optimizer.
pub struct Workers {
    workers: Vec<Worker>,
    replies: Receiver<Reply>,
    nccl: bool,
}

impl Workers {
    /// Starts one worker per device of `devices` (autodiff devices); gradients are summed on
    /// the first as `reduction` says.
    pub fn start(
        devices: &[Device],
        loss: &[LossTerm],
        reduction: GradientReduction,
    ) -> Result<Self, TrainError> {
        let main = devices
            .first()
            .ok_or_else(|| TrainError::Config("Global.devices: no device".into()))?
            .clone();
        let nccl_group = (reduction == GradientReduction::Nccl && devices.len() > 1)
            .then(|| Arc::new(devices.to_vec()));
        let (reply_sender, replies) = channel();
        let workers = devices
            .iter()
            .enumerate()
            .map(|(rank, device)| {
                let (jobs, inbox) = channel::<Job>();
                let context = WorkerContext {
                    rank,
                    device: device.clone(),
                    main: main.clone(),
                    loss: Loss::new(loss, device),
                    on_compute_pool: devices.len() == 1,
                    nccl_group: nccl_group.clone(),
                };
                let replies = reply_sender.clone();
                let thread = std::thread::Builder::new()
                    .name(format!("train-device-{rank}"))
                    .spawn(move || context.serve(inbox, replies))
                    .map_err(|error| {
                        TrainError::Config(format!(
                            "cannot start the worker of device {rank}: {error}"
                        ))
                    })?;
                Ok(Worker { jobs, thread })
            })
            .collect::<Result<Vec<_>, TrainError>>()?;
        Ok(Self {
            workers,
            replies,
            nccl: nccl_group.is_some(),
        })
    }

    /// Runs one round: shard `d` on device `d` (a caller with fewer shards than devices leaves
    /// the last ones idle, which `nccl` cannot: every device takes part in the all-reduce).
    /// Answers in device order; `None` for an empty micro-batch under `gather`.
    pub fn round(
        &self,
        model: &MobileVit,
        shards: Vec<Shard>,
        settings: &RoundSettings,
    ) -> Result<Vec<Option<ShardOutput>>, TrainError> {
        let count = shards.len();
        if self.nccl && count != self.workers.len() {
            return Err(TrainError::Worker(format!(
                "NCCL's all-reduce needs a micro-batch (or an empty one) for each of the {} \
                 devices, not {count}",
                self.workers.len()
            )));
        }
        for (worker, shard) in self.workers.iter().zip(shards) {
            let job = Job {
                model: model.clone(),
                shard,
                settings: settings.clone(),
            };
            worker
                .jobs
                .send(job)
                .map_err(|_| TrainError::Worker("a device worker has stopped".into()))?;
        }
        let mut outputs: Vec<Option<Result<Option<ShardOutput>, String>>> =
            (0..count).map(|_| None).collect();
        for _ in 0..count {
            let (rank, reply) = self
                .replies
                .recv()
                .map_err(|_| TrainError::Worker("a device worker has stopped".into()))?;
            outputs[rank] = Some(reply);
        }
        outputs
            .into_iter()
            .enumerate()
            .map(|(rank, reply)| match reply {
                Some(Ok(output)) => Ok(output),
                Some(Err(message)) => Err(TrainError::Worker(format!("device {rank}: {message}"))),
                None => Err(TrainError::Worker(format!("device {rank} did not answer"))),
            })
            .collect()
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for worker in self.workers.drain(..) {
            drop(worker.jobs);
            let _ = worker.thread.join();
        }
    }
}

/// What a worker thread owns.
struct WorkerContext {
    rank: usize,
    device: Device,
    main: Device,
    loss: Loss,
    /// Whether jobs run on a compute-pool thread (`mobilevit::on_compute_pool`). Only a lone
    /// worker does: several would wait there for the forward lock.
    on_compute_pool: bool,
    /// Under `nccl`, every device of the run, in rank order.
    nccl_group: Option<Arc<Vec<Device>>>,
}

/// Held while a worker seeds the backend's random generator and runs its forward pass.
static FORWARD: Mutex<()> = Mutex::new(());

impl WorkerContext {
    fn serve(self, inbox: Receiver<Job>, replies: Sender<Reply>) {
        for job in inbox {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if self.on_compute_pool {
                    mobilevit::on_compute_pool(|| self.run(job))
                } else {
                    self.run(job)
                }
            }))
            .map_err(|payload| mobilevit::device::panic_message(payload.as_ref()));
            if replies.send((self.rank, outcome)).is_err() {
                break;
            }
        }
    }

    /// This worker's part of a round.
    fn run(&self, job: Job) -> Option<ShardOutput> {
        let Job {
            model,
            shard,
            settings,
        } = job;
        let images = shard.batch.len();
        let computed = (images > 0).then(|| self.micro_batch(&model, shard, &settings));
        let Some(group) = &self.nccl_group else {
            return computed.map(|(loss, grads)| ShardOutput {
                loss: Some(loss),
                grads,
                images,
            });
        };
        let (loss, grads) = computed.map_or((None, None), |(loss, grads)| (Some(loss), grads));
        let trainable = settings.trainable.as_deref().map(Vec::as_slice);
        let summed = all_reduce_gradients(&model, grads, group, &self.device, trainable);
        let finite = loss.is_none_or(f64::is_finite);
        Some(ShardOutput {
            loss,
            grads: (self.rank == 0 && finite).then_some(summed),
            images,
        })
    }

    /// Forward and backward of one micro-batch on this worker's device: its loss, and its
    /// gradients (on the first device under `gather`, on this one under `nccl`; `None` when
    /// the loss is not finite).
    fn micro_batch(
        &self,
        model: &MobileVit,
        shard: Shard,
        settings: &RoundSettings,
    ) -> (f64, Option<GradientsParams>) {
        let replica = model.clone().fork(&self.device);
        let (inputs, labels) = to_tensors(&shard.batch, &self.device);
        let loss = {
            let _masks = FORWARD
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            self.device.seed(shard.seed);
            let logits = training_logits(&replica, inputs, settings.trainable.is_some());
            match &shard.batch.mix {
                Some(mixed) => self.loss.forward_mixed(logits, labels, mixed, &self.device),
                None => self.loss.forward(logits, labels),
            }
        };
        let value = f64::from(loss.clone().into_scalar::<f32>());
        if !value.is_finite() {
            return (value, None);
        }
        let mut grads = loss.div_scalar(settings.micro_batches as f64).backward();
        let grads = match &settings.trainable {
            Some(ids) => GradientsParams::from_params(&mut grads, &replica, ids),
            None => GradientsParams::from_grads(grads, &replica),
        };
        let grads = match self.nccl_group {
            Some(_) => grads,
            None => grads.to_device(&self.main, &replica),
        };
        (value, Some(grads))
    }
}

/// The sum over `devices` of each device's gradients, by NCCL's all-reduce, one parameter at
/// a time in the model's order (the same on every device). A device without a gradient for a
/// parameter (an empty micro-batch, a non-finite loss) adds zeros. Only `trainable` parameters
/// when given, as `GradientsParams::from_params` keeps.
fn all_reduce_gradients(
    model: &MobileVit,
    grads: Option<GradientsParams>,
    devices: &[Device],
    device: &Device,
    trainable: Option<&[ParamId]>,
) -> GradientsParams {
    struct Reduce<'a> {
        grads: GradientsParams,
        summed: GradientsParams,
        devices: &'a [Device],
        device: &'a Device,
        trainable: Option<&'a [ParamId]>,
    }
    impl ModuleVisitor for Reduce<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if self.trainable.is_some_and(|ids| !ids.contains(&param.id)) {
                return;
            }
            let grad = self
                .grads
                .remove::<D>(param.id)
                .unwrap_or_else(|| Tensor::zeros(param.val().shape(), self.device));
            let sum = all_reduce(grad, ReduceOperation::Sum, self.devices.to_vec()).resolve();
            self.summed.register(param.id, sum);
        }
    }
    let mut reduce = Reduce {
        grads: grads.unwrap_or_default(),
        summed: GradientsParams::new(),
        devices,
        device,
        trainable,
    };
    model.visit(&mut reduce);
    reduce.summed
}
