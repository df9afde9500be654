//! `on_compute_pool`: the work's result and panics reach the caller, the other pool threads
//! take part in its operations and are free again once it ends (they look for its jobs
//! until then instead of sleeping, so a work that never signalled its end would hold them).

use std::collections::HashSet;
use std::sync::Once;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use mobilevit::on_compute_pool;
use rayon::prelude::*;

/// Three pool threads whatever the machine, so that there are helpers to observe.
fn three_pool_threads() {
    static POOL: Once = Once::new();
    POOL.call_once(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build_global()
            .expect("the global pool is built once, before any use");
    });
}

/// Runs `work` on another thread and fails if it has not returned within a minute: a pool
/// thread left looking for work forever would otherwise hang the test.
fn within_a_minute<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> R {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(work());
    });
    receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the work returns: the pool's threads are not held")
}

#[test]
fn pooled_work_returns_its_result_and_uses_every_thread() {
    three_pool_threads();
    let threads = within_a_minute(|| {
        on_compute_pool(|| {
            (0..60)
                .into_par_iter()
                .map(|_| {
                    thread::sleep(Duration::from_millis(2));
                    rayon::current_thread_index()
                })
                .collect::<HashSet<_>>()
        })
    });
    assert_eq!(
        threads,
        HashSet::from([Some(0), Some(1), Some(2)]),
        "every pool thread runs parts of the work"
    );
    // The pool is free again: a broadcast reaches every thread.
    let indices = within_a_minute(|| rayon::broadcast(|context| context.index()));
    assert_eq!(indices, vec![0, 1, 2]);
}

#[test]
fn a_panic_in_pooled_work_reaches_the_caller_and_frees_the_pool() {
    three_pool_threads();
    let outcome = within_a_minute(|| {
        std::panic::catch_unwind(|| on_compute_pool(|| panic!("the work fails")))
    });
    assert!(outcome.is_err(), "the panic reaches the caller");
    assert_eq!(within_a_minute(|| on_compute_pool(|| 6 * 7)), 42);
}

#[test]
fn nested_pooled_work_runs_in_place() {
    three_pool_threads();
    let (outer, inner) = within_a_minute(|| {
        on_compute_pool(|| {
            let outer = rayon::current_thread_index();
            (outer, on_compute_pool(rayon::current_thread_index))
        })
    });
    assert_eq!(outer, Some(0));
    assert_eq!(inner, outer);
}
