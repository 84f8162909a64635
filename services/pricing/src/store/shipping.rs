//! Shipping rates.

use contracts::money::Money;
use contracts::pricing::{ShippingRate, ShippingRateId};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{currency, from_json, to_json};
use crate::domain::ValidShippingRate;

const COLUMNS: &str = "id, method, countries, currency, amount, free_over, created_at";

fn rate(row: &AnyRow) -> Result<ShippingRate, DbError> {
    let currency = currency(&row.try_get::<String, _>("currency")?)?;
    let free_over: Option<i64> = row.try_get("free_over")?;
    Ok(ShippingRate {
        id: ShippingRateId::parse(&row.try_get::<String, _>("id")?).map_err(DbError::decode)?,
        method: row.try_get("method")?,
        countries: from_json(&row.try_get::<String, _>("countries")?)?,
        amount: Money::new(row.try_get("amount")?, currency),
        free_over: free_over.map(|a| Money::new(a, currency)),
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a shipping rate.
pub async fn insert(tx: &mut Tx, valid: &ValidShippingRate) -> Result<ShippingRate, DbError> {
    let rate = ShippingRate {
        id: ShippingRateId::generate(),
        method: valid.method.clone(),
        countries: valid.countries.clone(),
        amount: valid.amount,
        free_over: valid.free_over,
        created_at: runtime::db::now(),
    };
    sqlx::query(
        "INSERT INTO shipping_rates (id, method, countries, currency, amount, free_over, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(rate.id.as_str())
    .bind(&rate.method)
    .bind(to_json(&rate.countries))
    .bind(rate.amount.currency.code())
    .bind(rate.amount.amount)
    .bind(rate.free_over.map(|m| m.amount))
    .bind(&rate.created_at)
    .execute(&mut **tx)
    .await?;
    super::rules::bump(tx).await?;
    Ok(rate)
}

/// A page of shipping rates in id order, `limit + 1`.
pub async fn list(conn: &mut AnyConnection, after: Option<&str>, limit: u32) -> Result<Vec<ShippingRate>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM shipping_rates WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit) + 1)
        .fetch_all(conn)
        .await?;
    rows.iter().map(rate).collect()
}

/// Every rate, oldest first.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<ShippingRate>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM shipping_rates ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(rate).collect()
}
