//! Product views: lossy telemetry, written in batches, capped per visitor and in total, and
//! pruned by age.

use contracts::ids::{CustomerId, ProductId};
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

use super::{sequence, timestamp, unix};
use crate::domain::{View, Visitor};

/// Rows per `INSERT` statement.
const ROWS_PER_INSERT: usize = 100;

/// Stores `views` (numbered in order).
pub async fn insert(tx: &mut Tx, views: &[View]) -> Result<(), DbError> {
    if views.is_empty() {
        return Ok(());
    }
    let last = sequence::advance(tx, views.len() as i64).await?;
    let mut seq = last - views.len() as i64 + 1;
    for chunk in views.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO views (seq, visitor, customer_id, product_id, viewed_at) VALUES {}",
            runtime::db::values(0, 5, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for view in chunk {
            query = query
                .bind(seq)
                .bind(view.visitor.as_str().to_owned())
                .bind(view.customer_id.as_ref().map(|c| c.as_str().to_owned()))
                .bind(view.product_id.as_str().to_owned())
                .bind(timestamp(view.at));
            seq += 1;
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The views stored in `(after, through]` and viewed since `since` (unix seconds), in order.
pub async fn changed(conn: &mut AnyConnection, after: i64, through: i64, since: i64) -> Result<Vec<View>, DbError> {
    let rows = sqlx::query(
        "SELECT visitor, customer_id, product_id, viewed_at FROM views \
         WHERE seq > $1 AND seq <= $2 AND viewed_at >= $3 ORDER BY seq",
    )
    .bind(after)
    .bind(through)
    .bind(timestamp(since))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(View {
                visitor: Visitor::parse(&row.try_get::<String, _>("visitor")?)
                    .map_err(|e| DbError::decode(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?,
                customer_id: row
                    .try_get::<Option<String>, _>("customer_id")?
                    .map(|c| CustomerId::parse(&c))
                    .transpose()
                    .map_err(DbError::decode)?,
                product_id: ProductId::parse(&row.try_get::<String, _>("product_id")?).map_err(DbError::decode)?,
                at: unix(&row.try_get::<String, _>("viewed_at")?)?,
            })
        })
        .collect()
}

/// Deletes views from before `before` (unix seconds), all but the latest `per_visitor` of
/// each visitor, and all but the latest `total`; returns how many.
pub async fn prune(tx: &mut Tx, before: i64, per_visitor: i64, total: i64) -> Result<u64, DbError> {
    let old = sqlx::query("DELETE FROM views WHERE viewed_at < $1").bind(timestamp(before)).execute(&mut **tx).await?;
    let beyond_visitor = sqlx::query(
        "DELETE FROM views WHERE seq IN (SELECT seq FROM (SELECT seq, \
             ROW_NUMBER() OVER (PARTITION BY visitor ORDER BY seq DESC) AS latest FROM views) ranked \
         WHERE latest > $1)",
    )
    .bind(per_visitor)
    .execute(&mut **tx)
    .await?;
    let beyond_total =
        sqlx::query("DELETE FROM views WHERE seq <= (SELECT seq FROM views ORDER BY seq DESC LIMIT 1 OFFSET $1)")
            .bind(total)
            .execute(&mut **tx)
            .await?;
    Ok(old.rows_affected() + beyond_visitor.rows_affected() + beyond_total.rows_affected())
}
