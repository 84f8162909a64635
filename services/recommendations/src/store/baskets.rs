//! Orders as baskets: who bought which SKUs, when.

use std::collections::HashMap;

use contracts::ids::{CustomerId, OrderId, Sku};
use runtime::db::{DbError, Tx, values};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{sequence, timestamp, unix};
use crate::domain::Basket;

/// Basket lines written per statement (two parameters each, well under either backend's limit).
const LINES_PER_INSERT: usize = 500;

/// Stores a basket; `false` when the order is already stored.
pub async fn insert(tx: &mut Tx, basket: &Basket) -> Result<bool, DbError> {
    let inserted = sqlx::query(
        "INSERT INTO baskets (order_id, customer_id, placed_at, seq) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(basket.order_id.as_str())
    .bind(basket.customer_id.as_ref().map(CustomerId::as_str))
    .bind(timestamp(basket.placed_at))
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    // The basket is new, and holds each SKU once: its lines go in one statement per
    // `LINES_PER_INSERT`.
    for chunk in basket.lines.chunks(LINES_PER_INSERT) {
        // Only placeholders are formatted into the text; the values are bound.
        let sql = format!("INSERT INTO basket_lines (order_id, sku, quantity) VALUES {}", values(1, 2, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(basket.order_id.as_str());
        for (sku, quantity) in chunk {
            query = query.bind(sku.as_str()).bind(*quantity);
        }
        query.execute(&mut **tx).await?;
    }
    let seq = sequence::advance(tx, 1).await?;
    sqlx::query("UPDATE baskets SET seq = $1 WHERE order_id = $2")
        .bind(seq)
        .bind(basket.order_id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

fn basket(row: &AnyRow) -> Result<Basket, DbError> {
    Ok(Basket {
        order_id: OrderId::parse(&row.try_get::<String, _>("order_id")?).map_err(DbError::decode)?,
        customer_id: row
            .try_get::<Option<String>, _>("customer_id")?
            .map(|c| CustomerId::parse(&c))
            .transpose()
            .map_err(DbError::decode)?,
        placed_at: unix(&row.try_get::<String, _>("placed_at")?)?,
        lines: Vec::new(),
    })
}

async fn with_lines(
    conn: &mut AnyConnection,
    mut baskets: Vec<Basket>,
    lines_sql: &str,
    binds: &[i64],
) -> Result<Vec<Basket>, DbError> {
    if baskets.is_empty() {
        return Ok(baskets);
    }
    let index: HashMap<String, usize> =
        baskets.iter().enumerate().map(|(i, b)| (b.order_id.as_str().to_owned(), i)).collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(lines_sql.to_owned()));
    for bind in binds {
        query = query.bind(*bind);
    }
    for row in query.fetch_all(&mut *conn).await? {
        if let Some(&i) = index.get(&row.try_get::<String, _>("order_id")?) {
            let sku = Sku::parse(&row.try_get::<String, _>("sku")?).map_err(DbError::decode)?;
            baskets[i].lines.push((sku, row.try_get("quantity")?));
        }
    }
    Ok(baskets)
}

/// The baskets stored in `(after, through]`, in change order.
pub async fn changed(conn: &mut AnyConnection, after: i64, through: i64) -> Result<Vec<Basket>, DbError> {
    let rows =
        sqlx::query("SELECT order_id, customer_id, placed_at FROM baskets WHERE seq > $1 AND seq <= $2 ORDER BY seq")
            .bind(after)
            .bind(through)
            .fetch_all(&mut *conn)
            .await?;
    let baskets = rows.iter().map(basket).collect::<Result<Vec<_>, _>>()?;
    with_lines(
        conn,
        baskets,
        "SELECT l.order_id, l.sku, l.quantity FROM basket_lines l JOIN baskets b ON b.order_id = l.order_id \
         WHERE b.seq > $1 AND b.seq <= $2 ORDER BY l.order_id, l.sku",
        &[after, through],
    )
    .await
}

/// Every basket, oldest first (by when it was placed, then by when it was stored).
pub async fn all_by_time(conn: &mut AnyConnection) -> Result<Vec<Basket>, DbError> {
    let rows = sqlx::query("SELECT order_id, customer_id, placed_at FROM baskets ORDER BY placed_at, seq")
        .fetch_all(&mut *conn)
        .await?;
    let baskets = rows.iter().map(basket).collect::<Result<Vec<_>, _>>()?;
    with_lines(conn, baskets, "SELECT order_id, sku, quantity FROM basket_lines ORDER BY order_id, sku", &[]).await
}
