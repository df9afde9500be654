//! One inference thread that owns the model and serves requests in batches: it takes the first
//! waiting request, gathers more for up to `batch_wait` (or until `max_batch`), and runs them
//! in one forward pass. The queue is bounded: a full queue refuses at once (HTTP 503).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use mobilevit::MobileVit;
use mobilevit_data::ChwTensor;
use mobilevit_eval::{ClassNames, Scored, top_k};
use tokio::sync::oneshot;

use crate::error::ServeError;

/// One preprocessed image waiting for its classes.
pub struct Job {
    /// The `[3, H, W]` input.
    pub tensor: ChwTensor,
    /// Classes wanted.
    pub topk: usize,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Result<Vec<Scored>, ServeError>>,
}

/// Requests and forward passes served so far.
#[derive(Debug, Default)]
pub struct Stats {
    /// Images classified.
    pub images: AtomicU64,
    /// Batches gathered (one forward pass each when the pipeline has a fixed crop).
    pub batches: AtomicU64,
}

/// How requests are grouped.
#[derive(Debug, Clone, Copy)]
pub struct BatchPolicy {
    /// Most images in one forward pass.
    pub max_batch: usize,
    /// How long the first request of a batch waits for others.
    pub batch_wait: Duration,
    /// Requests that may wait; more are refused.
    pub queue: usize,
}

/// The sending side of the inference thread.
#[derive(Clone)]
pub struct Batcher {
    sender: SyncSender<Job>,
    stats: Arc<Stats>,
}

impl Batcher {
    /// Starts the inference thread, which owns `model`.
    pub fn start(
        model: MobileVit,
        names: ClassNames,
        device: Device,
        policy: BatchPolicy,
    ) -> Result<Self, ServeError> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(policy.queue.max(1));
        let stats = Arc::new(Stats::default());
        let worker_stats = Arc::clone(&stats);
        std::thread::Builder::new()
            .name("mobilevit-inference".into())
            .spawn(move || run(receiver, &model, &names, &device, policy, &worker_stats))
            .map_err(|error| {
                ServeError::Inference(format!("cannot start the inference thread: {error}"))
            })?;
        Ok(Self { sender, stats })
    }

    /// Queues a job, or refuses it when the queue is full.
    pub fn submit(&self, job: Job) -> Result<(), ServeError> {
        self.sender.try_send(job).map_err(|error| match error {
            TrySendError::Full(_) => ServeError::Overloaded,
            TrySendError::Disconnected(_) => {
                ServeError::Inference("the inference thread stopped".into())
            }
        })
    }

    /// Counters since start.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

fn run(
    receiver: Receiver<Job>,
    model: &MobileVit,
    names: &ClassNames,
    device: &Device,
    policy: BatchPolicy,
    stats: &Stats,
) {
    while let Ok(first) = receiver.recv() {
        let jobs = gather(&receiver, first, policy);
        stats.images.fetch_add(jobs.len() as u64, Ordering::Relaxed);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        classify(jobs, model, names, device);
    }
}

/// The first job and whatever arrives within the wait, up to `max_batch`.
fn gather(receiver: &Receiver<Job>, first: Job, policy: BatchPolicy) -> Vec<Job> {
    let deadline = Instant::now() + policy.batch_wait;
    let mut jobs = vec![first];
    while jobs.len() < policy.max_batch {
        let next = match receiver.try_recv() {
            Ok(job) => Ok(job),
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                receiver.recv_timeout(left)
            }
        };
        match next {
            Ok(job) => jobs.push(job),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    jobs
}

/// Classifies `jobs` together (one forward pass per input size); a panic inside becomes an
/// error reply, not a dead thread.
fn classify(jobs: Vec<Job>, model: &MobileVit, names: &ClassNames, device: &Device) {
    let k = jobs.iter().map(|job| job.topk).max().unwrap_or(1);
    let tensors: Vec<&ChwTensor> = jobs.iter().map(|job| &job.tensor).collect();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        top_k(model, &tensors, names, k, device)
    }));
    match outcome {
        Ok(results) => {
            for (job, mut classes) in jobs.into_iter().zip(results) {
                classes.truncate(job.topk);
                // The client may have gone; nothing to do then.
                let _ = job.reply.send(Ok(classes));
            }
        }
        Err(_) => {
            for job in jobs {
                let _ = job
                    .reply
                    .send(Err(ServeError::Inference("the forward pass failed".into())));
            }
        }
    }
}
