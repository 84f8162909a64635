//! One run of a sender loop: claim and send batches until one comes back short, so a backlog
//! drains in one run without one run holding on forever.

use runtime::db::DbError;

/// The most batches one run sends; the next run (a tick later) goes on.
const MAX_BATCHES: usize = 50;

/// Calls `send_due` (which claims and sends up to `batch` items, returning how many it
/// claimed) until a batch comes back short or claiming fails (logged; the next run retries).
pub async fn drain<F, Fut>(what: &'static str, batch: usize, mut send_due: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, DbError>>,
{
    for _ in 0..MAX_BATCHES {
        match send_due().await {
            Ok(claimed) if claimed < batch => break,
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %runtime::error_chain(&err), "claiming {what} failed");
                break;
            }
        }
    }
}
