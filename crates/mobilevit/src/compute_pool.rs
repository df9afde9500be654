//! Running model work on the threads of the CPU backend.

/// Runs `work` on a thread of rayon's global pool and returns its result.
///
/// Burn's CPU backend (flex) splits each operation over that pool. From a thread outside the
/// pool, every operation is handed to the pool's threads while the caller sleeps, and each
/// hand-off wakes a thread through the kernel: a forward pass of a few hundred small
/// operations spends a sixth of its time there. On a pool thread the caller runs its own share
/// of each operation and only the other threads are woken. Other backends do not use the pool,
/// so for them this is one extra hop per call.
///
/// `work` must not wait on a lock or a channel that other code holding pool threads needs
/// (a pool thread that waits can be asked to run another job on top of its stack).
///
/// Programs that run batches of more than a few megabytes this way should limit glibc to one
/// malloc arena (`M_ARENA_MAX`, as the `mobilevit` binary does). A pool thread otherwise
/// allocates from an arena of its own, whose heaps glibc unmaps as they empty, so their pages
/// are faulted in and zeroed again on every pass: XXS inference at batch 32 ran a third slower.
pub fn on_compute_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}
