//! Views waiting to be written. `POST /v1/views` only validates and queues (a product page
//! never waits for a disk write); every [`FLUSH_INTERVAL`] the queue is written in one
//! transaction. Views are telemetry and lossy by design: when the queue is full a view is
//! dropped (and counted), and views still queued when the process stops are lost.
//!
//! Metrics: `recommendations_views_total{outcome="accepted"|"dropped"|"stored"|"lost"}`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use runtime::db::{Db, DbError};

use crate::domain::View;
use crate::store;

/// How often queued views are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(250);
/// Most views queued; beyond it views are dropped.
pub const MAX_PENDING: usize = 20_000;

/// The queue of views not yet written.
#[derive(Clone, Debug, Default)]
pub struct PendingViews {
    queue: Arc<Mutex<Vec<View>>>,
}

impl PendingViews {
    /// Queues a view; `false` if the queue was full and it was dropped.
    pub fn push(&self, view: View) -> bool {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if queue.len() >= MAX_PENDING {
            metrics::counter!("recommendations_views_total", "outcome" => "dropped").increment(1);
            return false;
        }
        queue.push(view);
        metrics::counter!("recommendations_views_total", "outcome" => "accepted").increment(1);
        true
    }

    fn take(&self) -> Vec<View> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Writes every queued view; returns how many. On failure the batch is lost (and counted).
pub async fn flush(db: &Db, pending: &PendingViews) -> Result<usize, DbError> {
    let views = pending.take();
    if views.is_empty() {
        return Ok(0);
    }
    let written = async {
        let mut tx = db.begin().await?;
        store::views::insert(&mut tx, &views).await?;
        tx.commit().await?;
        Ok::<_, DbError>(())
    }
    .await;
    let outcome = if written.is_ok() { "stored" } else { "lost" };
    metrics::counter!("recommendations_views_total", "outcome" => outcome).increment(views.len() as u64);
    written.map(|()| views.len())
}
