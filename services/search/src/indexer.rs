//! Keeps the in-RAM index in step with the read model: built whole at start, then every
//! [`POLL_INTERVAL`] the products recorded in the change log since the index's position are
//! read again and reindexed, and the new state published. Every instance keeps its own
//! index this way, from the database they share.
//!
//! Metrics: `search_index_documents` (gauge), `search_index_lag_seconds` (gauge: age of the
//! oldest change not yet indexed, 0 when caught up), `search_index_updates_total` (products
//! reindexed), `search_index_rebuilds_total`.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use contracts::ids::ProductId;
use contracts::search::RebuildReport;
use runtime::db::{Db, DbError};

use crate::index::{IndexError, SearchIndex};
use crate::store::{changes, products};

/// How often the indexer looks for changes: a change shows in results within about this
/// long after its event was applied.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often the change log is pruned.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(600);
/// How long a change stays in the log. An instance whose indexer fell further behind (it
/// would have to be stuck) rebuilds.
pub const CHANGE_RETENTION: Duration = Duration::from_secs(3600);
/// Most changes applied in one commit.
const BATCH: i64 = 500;

/// The index could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The read model could not be read.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Everything the read model holds, and up to which change.
async fn read_model(db: &Db) -> Result<(Vec<crate::domain::IndexedProduct>, i64), DbError> {
    let mut conn = db.acquire().await?;
    // The position first: a change committed while the tables are read is applied again
    // later, which is harmless; one missed would not be.
    let position = changes::last_seq(&mut conn).await?;
    let all = products::load_all(&mut conn).await?;
    Ok((all, position))
}

fn documents_gauge(documents: usize) {
    metrics::gauge!("search_index_documents").set(documents as f64);
}

/// Builds the index from the read model (at start).
pub async fn open(db: &Db) -> Result<SearchIndex, IndexerError> {
    let started = Instant::now();
    let (all, position) = read_model(db).await?;
    let index =
        tokio::task::spawn_blocking(move || SearchIndex::build(&all, position)).await.map_err(IndexError::from)??;
    let documents = index.snapshot().len();
    documents_gauge(documents);
    tracing::info!(documents, position, took_ms = started.elapsed().as_millis() as u64, "search index built");
    Ok(index)
}

/// Rebuilds the index from the read model and swaps it in; reports what it was built from.
pub async fn rebuild(db: &Db, index: &SearchIndex) -> Result<RebuildReport, IndexerError> {
    let started = Instant::now();
    let (all, position) = read_model(db).await?;
    let counts = {
        let mut conn = db.acquire().await?;
        products::counts(&mut conn).await?
    };
    let archived = all.iter().filter(|p| p.archived).count() as u64;
    let target = index.clone();
    let indexed =
        tokio::task::spawn_blocking(move || target.replace(&all, position)).await.map_err(IndexError::from)??;
    documents_gauge(indexed);
    metrics::counter!("search_index_rebuilds_total").increment(1);
    let report = RebuildReport {
        indexed: indexed as u64,
        archived,
        skus: counts.skus,
        prices: counts.prices,
        stock_records: counts.stock_records,
        took_ms: started.elapsed().as_millis() as u64,
    };
    tracing::info!(?report, position, "search index rebuilt");
    Ok(report)
}

/// Applies every change recorded since the index's position; returns how many products were
/// reindexed.
pub async fn catch_up(db: &Db, index: &SearchIndex) -> Result<usize, IndexerError> {
    let mut reindexed = 0;
    loop {
        let from = index.position();
        let mut conn = db.acquire().await?;
        if from < changes::pruned_through(&mut conn).await? {
            drop(conn);
            tracing::warn!(position = from, "the change log was pruned past this index; rebuilding");
            rebuild(db, index).await?;
            return Ok(reindexed);
        }
        let batch = changes::after(&mut conn, from, BATCH).await?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            metrics::gauge!("search_index_lag_seconds").set(0.0);
            return Ok(reindexed);
        };
        if let Some(at) = runtime::db::parse_timestamp(&first.changed_at) {
            let lag = (time::OffsetDateTime::now_utc() - at).as_seconds_f64().max(0.0);
            metrics::gauge!("search_index_lag_seconds").set(lag);
        }
        let to = last.seq;
        let mut seen = HashSet::new();
        let ids: Vec<ProductId> =
            batch.iter().filter(|c| seen.insert(&c.product_id)).map(|c| c.product_id.clone()).collect();
        let found = products::load(&mut conn, &ids).await?;
        drop(conn);
        let gone: Vec<ProductId> = ids.iter().filter(|id| !found.iter().any(|p| &p.id == *id)).cloned().collect();
        let count = ids.len();
        let target = index.clone();
        let applied = tokio::task::spawn_blocking(move || target.apply(from, to, &found, &gone))
            .await
            .map_err(IndexError::from)??;
        if applied {
            reindexed += count;
            metrics::counter!("search_index_updates_total").increment(count as u64);
            documents_gauge(index.snapshot().len());
            tracing::debug!(from, to, products = count, "search index updated");
        }
        if batch.len() < BATCH as usize && applied {
            metrics::gauge!("search_index_lag_seconds").set(0.0);
            return Ok(reindexed);
        }
    }
}

/// Removes changes older than [`CHANGE_RETENTION`] from the log.
pub async fn prune(db: &Db) -> Result<u64, DbError> {
    let cutoff = time::OffsetDateTime::now_utc() - CHANGE_RETENTION;
    let mut tx = db.begin().await?;
    let pruned = changes::prune(&mut tx, &runtime::db::timestamp(cutoff)).await?;
    tx.commit().await?;
    Ok(pruned)
}
