//! Where argon2id runs: on blocking threads, at most one computation per core at a time.
//!
//! Each hash or verification holds about 19 MiB (the OWASP memory cost) for its duration.
//! Unbounded, a burst of sign-ups or logins would hold that much per request at once (a
//! memory-exhaustion lever for anyone who can send logins), and the allocator keeps most of
//! what it grew after the burst. With one permit per core, the burst queues instead: no
//! slower in total, since the work is CPU-bound, and the process stays small.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

/// One permit per core this process may use.
static PERMITS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get)));

/// Runs the CPU- and memory-heavy `work` on a blocking thread once a permit is free; `None`
/// if the thread panicked.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    // The semaphore is never closed, so acquiring only waits.
    let _permit = PERMITS.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}
