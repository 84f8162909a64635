//! The change counter. Every transaction that adds or changes a row the models learn from
//! takes the next numbers from it as its last write, and stamps its rows with them. The
//! counter's row stays locked until the transaction ends (SQLite: the write lock of
//! `BEGIN IMMEDIATE`; PostgreSQL: the row lock of the `UPDATE`), so numbers are handed out
//! in commit order: once the committed counter reads `n`, every row stamped up to `n` is
//! visible, and a reader that applied everything up to `n` never finds a smaller one later.

use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

/// Takes the next `count` numbers; returns the last of them.
pub async fn advance(tx: &mut Tx, count: i64) -> Result<i64, DbError> {
    let row = sqlx::query("UPDATE reco_sequence SET value = value + $1 WHERE id = 1 RETURNING value")
        .bind(count)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("value")?)
}

/// The last number handed out by a committed transaction.
pub async fn current(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT value FROM reco_sequence WHERE id = 1").fetch_one(conn).await?;
    Ok(row.try_get("value")?)
}
