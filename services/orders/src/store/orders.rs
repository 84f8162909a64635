//! Orders: the snapshot as JSON, with the columns lists filter on beside it.

use contracts::orders::{CheckoutId, Order, OrderId};
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

use super::json;

/// Inserts a new order.
pub async fn insert(tx: &mut Tx, order: &Order) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO orders (id, checkout_id, customer_id, email, status, payment_status, currency, total, data, version,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(order.id.as_str())
    .bind(order.checkout_id.as_str())
    .bind(order.customer_id.as_ref().map(|c| c.as_str()))
    .bind(order.email.to_lowercase())
    .bind(order.status.as_str())
    .bind(order.payment_status.as_str())
    .bind(order.currency.code())
    .bind(order.total.amount)
    .bind(serde_json::to_string(order).unwrap_or_default())
    .bind(order.version)
    .bind(&order.created_at)
    .bind(&order.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes `order` if its stored version is `order.version - 1`; false if it changed since.
pub async fn update(tx: &mut Tx, order: &Order) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE orders SET status = $1, payment_status = $2, data = $3, version = $4, updated_at = $5
         WHERE id = $6 AND version = $7",
    )
    .bind(order.status.as_str())
    .bind(order.payment_status.as_str())
    .bind(serde_json::to_string(order).unwrap_or_default())
    .bind(order.version)
    .bind(&order.updated_at)
    .bind(order.id.as_str())
    .bind(order.version - 1)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The order `id`.
pub async fn find(conn: &mut AnyConnection, id: &OrderId) -> Result<Option<Order>, DbError> {
    let row = sqlx::query("SELECT data FROM orders WHERE id = $1").bind(id.as_str()).fetch_optional(conn).await?;
    row.map(|r| json(&r.try_get::<String, _>("data")?)).transpose()
}

/// The order a checkout placed.
pub async fn find_by_checkout(conn: &mut AnyConnection, checkout: &CheckoutId) -> Result<Option<Order>, DbError> {
    let row = sqlx::query("SELECT data FROM orders WHERE checkout_id = $1")
        .bind(checkout.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|r| json(&r.try_get::<String, _>("data")?)).transpose()
}

/// What a list of orders is narrowed to.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    /// One customer's.
    pub customer_id: Option<&'a str>,
    /// In this status.
    pub status: Option<&'a str>,
    /// To this e-mail address (case-insensitive).
    pub email: Option<&'a str>,
}

/// Orders matching `filter`, newest first, after the cursor id `after`.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Order>, DbError> {
    // Optional filters as `($n IS NULL OR col = $n)`: one statement for every combination.
    let rows = sqlx::query(
        "SELECT data FROM orders
         WHERE ($1 IS NULL OR customer_id = $1) AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR email = $3)
           AND ($4 IS NULL OR id < $4)
         ORDER BY id DESC LIMIT $5",
    )
    .bind(filter.customer_id)
    .bind(filter.status)
    .bind(filter.email.map(str::to_lowercase))
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| json(&r.try_get::<String, _>("data")?)).collect()
}

#[cfg(test)]
mod tests {
    use runtime::db::Db;
    use runtime::testing::TestDatabase;

    use super::*;
    use crate::domain::order::example;

    /// The saga counts on this: a driver that lost a checkout to one which placed its order
    /// finds its own insert refused, and stops (`Ending::LostLease`) instead of placing twice.
    #[tokio::test]
    async fn a_second_order_for_one_checkout_is_refused_as_a_unique_violation() {
        let database = TestDatabase::new("orders").await;
        let db = Db::connect(&database.url, 2, &crate::MIGRATIONS).await.expect("orders database");
        let checkout = CheckoutId::generate();
        let first = example(&checkout);
        let mut tx = db.begin().await.expect("begin");
        insert(&mut tx, &first).await.expect("the first order");
        tx.commit().await.expect("commit");

        let second = example(&checkout);
        let mut tx = db.begin().await.expect("begin");
        let refused = insert(&mut tx, &second).await.expect_err("a second order for the checkout");
        assert!(refused.is_unique_violation(), "{refused:?}");
        drop(tx);

        let mut conn = db.acquire().await.expect("connection");
        let found = find_by_checkout(&mut conn, &checkout).await.expect("read").expect("the first order");
        assert_eq!(found.id, first.id);
    }
}
