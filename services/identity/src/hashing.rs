//! Where argon2id runs: on a small pool of long-lived threads, one per core.
//!
//! Each hash or verification holds about 19 MiB (the OWASP memory cost) while it runs. On
//! tokio's blocking threads a burst of sign-ups or logins ran them all at once: a
//! memory-exhaustion lever for anyone who can send logins. With a fixed pool, a burst queues
//! instead (no slower in total, since the work is CPU-bound) and at most one block per core
//! is held. That the blocks go back to the kernel afterwards is the allocator's part: the
//! supervisor (and identity's Deployment) fix glibc's mmap threshold, without which identity
//! kept 174–288 MiB after the demo seed; with both, 22 MiB.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, LazyLock, Mutex, mpsc};

type Job = Box<dyn FnOnce() + Send>;

/// The pool's queue; its threads start with the first job.
static QUEUE: LazyLock<mpsc::Sender<Job>> = LazyLock::new(|| {
    let (queue, jobs) = mpsc::channel::<Job>();
    let jobs = Arc::new(Mutex::new(jobs));
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    for n in 0..threads {
        let jobs = jobs.clone();
        let spawned = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
            loop {
                // The lock is held only while waiting for the next job, not while running it.
                let next = jobs.lock().map_err(drop).and_then(|jobs| jobs.recv().map_err(drop));
                let Ok(job) = next else { return };
                // A panicking job drops its answer channel (the caller sees `None`); the thread
                // stays for the next one.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
            }
        });
        if let Err(err) = spawned {
            tracing::error!(error = %err, "could not start a password hashing thread");
        }
    }
    queue
});

/// Runs the CPU- and memory-heavy `work` on the pool and waits for it without blocking the
/// async workers; `None` if it panicked.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (answer, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = answer.send(work());
    });
    QUEUE.send(job).ok()?;
    result.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_panic_costs_only_its_own_answer() {
        assert_eq!(run(|| 6 * 7).await, Some(42));
        assert_eq!(run(|| -> u8 { panic!("boom") }).await, None);
        let answers = futures::future::join_all((0..16).map(|n| run(move || n * 2))).await;
        assert_eq!(answers, (0..16).map(|n| Some(n * 2)).collect::<Vec<_>>());
    }
}
