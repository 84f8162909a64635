//! The change log: which products to reindex, in commit order.
//!
//! Every consumer transaction that changes what a product looks like in the index ends by
//! recording the product here. On PostgreSQL the insert takes a transaction-level advisory
//! lock first (as the outbox does), so `seq` order is commit order and an indexer that has
//! read up to `seq = n` never later finds a smaller one appear. Recording is always the last
//! write of a handler, so no transaction holding the lock waits for a row lock.

use contracts::ids::ProductId;
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

/// The advisory lock that orders change-log commits (the runtime's outbox uses 72432).
const CHANGES_LOCK: i64 = 72441;

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Position in the log.
    pub seq: i64,
    /// The product to reindex.
    pub product_id: ProductId,
    /// When it was recorded (RFC 3339).
    pub changed_at: String,
}

/// Records that `products` must be reindexed once `tx` commits.
pub async fn record(tx: &mut Tx, products: &[ProductId]) -> Result<(), DbError> {
    if products.is_empty() {
        return Ok(());
    }
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CHANGES_LOCK).execute(&mut **tx).await?;
    }
    let now = runtime::db::now();
    for product in products {
        sqlx::query("INSERT INTO search_changes (product_id, changed_at) VALUES ($1, $2)")
            .bind(product.as_str())
            .bind(&now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Up to `limit` changes after `seq`, oldest first.
pub async fn after(conn: &mut AnyConnection, seq: i64, limit: i64) -> Result<Vec<Change>, DbError> {
    let rows =
        sqlx::query("SELECT seq, product_id, changed_at FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(seq)
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(Change {
                seq: row.try_get("seq")?,
                product_id: ProductId::parse(&row.try_get::<String, _>("product_id")?).map_err(DbError::decode)?,
                changed_at: row.try_get("changed_at")?,
            })
        })
        .collect()
}

/// The last position recorded (0 for none), also when pruning emptied the log: an index
/// built from the tables read after this call includes every change up to it.
pub async fn last_seq(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(seq), 0) FROM search_changes) AS seq, \
                (SELECT through_seq FROM search_pruned WHERE id = 1) AS pruned",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("seq")?.max(row.try_get("pruned")?))
}

/// Up to where the log was pruned: an indexer behind this must rebuild.
pub async fn pruned_through(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT through_seq FROM search_pruned WHERE id = 1").fetch_one(conn).await?;
    Ok(row.try_get("through_seq")?)
}

/// Deletes changes recorded before `before` (RFC 3339); returns how many.
pub async fn prune(tx: &mut Tx, before: &str) -> Result<u64, DbError> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM search_changes WHERE changed_at < $1")
        .bind(before)
        .fetch_one(&mut **tx)
        .await?;
    let through: i64 = row.try_get("seq")?;
    if through == 0 {
        return Ok(0);
    }
    sqlx::query("UPDATE search_pruned SET through_seq = $1 WHERE id = 1 AND through_seq < $1")
        .bind(through)
        .execute(&mut **tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM search_changes WHERE seq <= $1").bind(through).execute(&mut **tx).await?;
    Ok(deleted.rows_affected())
}
