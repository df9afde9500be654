//! Running model work on the threads of the CPU backend.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use burn::tensor::{Device, Tensor};

thread_local! {
    /// Whether this thread is running work handed to it by [on_compute_pool].
    static RUNNING_POOLED_WORK: Cell<bool> = const { Cell::new(false) };
}

/// Clears [RUNNING_POOLED_WORK] when the work ends, even by a panic.
struct ResetOnDrop;

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        RUNNING_POOLED_WORK.set(false);
    }
}

/// Sets the flag when the pooled work ends, even by a panic.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// How long [help_until] keeps looking for work after its last job before it naps.
const HELP_SPIN: Duration = Duration::from_millis(2);
/// How long each of its naps lasts.
const HELP_NAP: Duration = Duration::from_micros(200);

/// Runs the pool's pending jobs on this (pool) thread until `done`.
///
/// Left to itself, an idle rayon thread goes to sleep after a few dozen empty rounds (tens
/// of microseconds), and the next operation must wake it through the kernel, on the
/// critical path: between the operations of a forward pass at batch 1 that happened
/// hundreds of times per image. Here it looks for work again at once for [HELP_SPIN] after
/// its last job, yielding the core to any other runnable thread (a data loader) between
/// looks; after that (the work is waiting on something else) it naps [HELP_NAP] at a time
/// between looks, so that it costs little while it is not needed.
fn help_until(done: &AtomicBool) {
    let mut last_job = Instant::now();
    while !done.load(Ordering::Acquire) {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            last_job = Instant::now();
        } else if last_job.elapsed() < HELP_SPIN {
            std::thread::yield_now();
        } else {
            std::thread::sleep(HELP_NAP);
        }
    }
}

/// Images per forward pass within a shard of [forward_sharded]. A few images keep one
/// layer's output in a core's L2 cache for the next (XXS at 256: about 1 MB per image at the
/// widest layer). Measured on 2 cores, XXS at batch 32: 134-139 images/s with shards of 16
/// images in one pass, 148-153 with passes of 4 (and a third of the memory), 145-156 with 2.
pub const MICRO_BATCH: usize = 4;

/// Runs `work` on the first thread of rayon's global pool and returns its result.
///
/// Burn's CPU backend (flex) splits each operation over that pool. From a thread outside the
/// pool, every operation is handed to the pool's threads while the caller sleeps, and each
/// hand-off wakes a thread through the kernel: a forward pass of a few hundred small
/// operations spends a sixth of its time there. On a pool thread the caller runs its own share
/// of each operation and only the other threads are woken. Other backends do not use the pool,
/// so for them this is one extra hop per call.
///
/// Always the same thread: Burn's BatchNorm keeps its running statistics per thread until
/// they are read, so training steps that ran on different threads would average their
/// updates instead of applying them in turn.
///
/// `work` must not wait on a lock or a channel that other code holding pool threads needs
/// (a pool thread that waits can be asked to run another job on top of its stack). Called
/// again from within `work`, it runs the inner work in place.
///
/// Programs that run batches of more than a few megabytes this way should limit glibc to one
/// malloc arena (`M_ARENA_MAX`, as the `mobilevit` binary does). A pool thread otherwise
/// allocates from an arena of its own, whose heaps glibc unmaps as they empty, so their pages
/// are faulted in and zeroed again on every pass: XXS inference at batch 32 ran a third slower.
pub fn on_compute_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    if RUNNING_POOLED_WORK.get() {
        // Already inside pooled work on the first thread (e.g. `forward_sharded` within a
        // benchmark loop): run it here rather than broadcast to the pool again.
        return work();
    }
    let work = Mutex::new(Some(work));
    let done = AtomicBool::new(false);
    // Every pool thread runs the closure once; the first takes the work, the others take
    // part in its operations until it is done.
    let mut results = rayon::broadcast(|context| {
        if context.index() != 0 {
            help_until(&done);
            return None;
        }
        let _done = SetOnDrop(&done);
        let work = work.lock().unwrap_or_else(PoisonError::into_inner).take();
        work.map(|work| {
            RUNNING_POOLED_WORK.set(true);
            let _reset = ResetOnDrop;
            work()
        })
    });
    match results.swap_remove(0) {
        Some(result) => result,
        None => unreachable!("the first pool thread runs the work"),
    }
}

/// Classifies `images` with the batch split into one shard per compute-pool thread, each
/// shard's forward passes running on its own thread, [MICRO_BATCH] images at a time.
///
/// On the CPU backend an operation split over all threads waits for the slowest of them,
/// and the many small operations of a forward pass each pay that hand-over. Shards keep each
/// thread on its own images from the first layer to the last (an idle thread still steals
/// parts of the other's operations). The logits are the same as one forward pass of the
/// whole batch: inference treats every image on its own. Passes over a few images keep a
/// layer's activations in the core's own cache for the next layer. Other backends, and batches
/// smaller than twice the threads, take one forward pass (on a pool thread, see
/// [on_compute_pool]).
///
/// # Shapes
/// - images: `[batch, 3, height, width]`
/// - returns: `[batch, num_classes]`
pub fn forward_sharded(model: &crate::MobileVit, images: Tensor<4>) -> Tensor<2> {
    use rayon::prelude::*;
    let threads = rayon::current_num_threads();
    let batch = images.dims()[0];
    if threads < 2 || batch < 2 * threads || images.device() != Device::flex() {
        return on_compute_pool(|| model.forward(images));
    }
    let shards = images.chunk(threads, 0);
    let logits: Vec<Tensor<2>> = on_compute_pool(|| {
        shards
            .into_par_iter()
            .map(|shard| forward_in_micro_batches(model, shard))
            .collect()
    });
    Tensor::cat(logits, 0)
}

/// The logits of `images`, from forward passes over at most [MICRO_BATCH] of them at a time.
///
/// # Shapes
/// - images: `[batch, 3, height, width]`
/// - returns: `[batch, num_classes]`
fn forward_in_micro_batches(model: &crate::MobileVit, images: Tensor<4>) -> Tensor<2> {
    let batch = images.dims()[0];
    if batch <= MICRO_BATCH {
        return model.forward(images);
    }
    let logits: Vec<Tensor<2>> = images
        .chunk(batch.div_ceil(MICRO_BATCH), 0)
        .into_iter()
        .map(|micro_batch| model.forward(micro_batch))
        .collect();
    Tensor::cat(logits, 0)
}
