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

use burn::module::{Module, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Device;
use mobilevit::MobileVit;
use mobilevit_data::LoadedBatch;
use mobilevit_eval::to_tensors;

use crate::error::TrainError;
use crate::recipe::{Loss, training_logits};
use mobilevit_config::LossTerm;

/// One device's share of a round.
pub struct Shard {
    /// The micro-batch (may be empty when all its images were unreadable).
    pub batch: LoadedBatch,
    /// Seed of the dropout masks.
    pub seed: u64,
}

/// What a worker computed for its micro-batch.
pub struct ShardOutput {
    /// The micro-batch's mean loss (before dividing by the micro-batches of the step).
    pub loss: f64,
    /// The gradients, on the first device; `None` when the loss is not finite.
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
}

impl Workers {
    /// Starts one worker per device of `devices` (autodiff devices); gradients are sent to
    /// the first.
    pub fn start(devices: &[Device], loss: &[LossTerm]) -> Result<Self, TrainError> {
        let main = devices
            .first()
            .ok_or_else(|| TrainError::Config("Global.devices: no device".into()))?
            .clone();
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
        Ok(Self { workers, replies })
    }

    /// Runs one round: shard `d` on device `d` (a caller with fewer shards than devices leaves
    /// the last ones idle). Answers in device order; `None` for an empty micro-batch.
    pub fn round(
        &self,
        model: &MobileVit,
        shards: Vec<Shard>,
        settings: &RoundSettings,
    ) -> Result<Vec<Option<ShardOutput>>, TrainError> {
        let count = shards.len();
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
            .map_err(|payload| panic_message(payload.as_ref()));
            if replies.send((self.rank, outcome)).is_err() {
                break;
            }
        }
    }

    /// Forward and backward of one micro-batch on this worker's device.
    fn run(&self, job: Job) -> Option<ShardOutput> {
        let Job {
            model,
            shard,
            settings,
        } = job;
        if shard.batch.is_empty() {
            return None;
        }
        let replica = model.fork(&self.device);
        let (inputs, labels) = to_tensors(&shard.batch, &self.device);
        let loss = {
            let _masks = FORWARD
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            self.device.seed(shard.seed);
            let logits = training_logits(&replica, inputs, settings.trainable.is_some());
            self.loss.forward(logits, labels)
        };
        let value = f64::from(loss.clone().into_scalar::<f32>());
        let images = shard.batch.len();
        if !value.is_finite() {
            return Some(ShardOutput {
                loss: value,
                grads: None,
                images,
            });
        }
        let mut grads = loss.div_scalar(settings.micro_batches as f64).backward();
        let grads = match &settings.trainable {
            Some(ids) => GradientsParams::from_params(&mut grads, &replica, ids),
            None => GradientsParams::from_grads(grads, &replica),
        };
        Some(ShardOutput {
            loss: value,
            grads: Some(grads.to_device(&self.main, &replica)),
            images,
        })
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the worker panicked".to_string())
}
