//! SKU → category, learnt from catalog's product events.

use std::collections::HashMap;

use contracts::ids::{ProductId, Sku};
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

use super::placeholders;

/// Records the category of `sku` (replacing what was known).
pub async fn upsert(tx: &mut Tx, sku: &Sku, product: &ProductId, category: Option<&str>) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO skus (sku, product_id, category, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, category = excluded.category, \
         updated_at = excluded.updated_at",
    )
    .bind(sku.as_str())
    .bind(product.as_str())
    .bind(category)
    .bind(runtime::db::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The known categories of `skus`.
pub async fn categories(conn: &mut AnyConnection, skus: &[&str]) -> Result<HashMap<String, String>, DbError> {
    if skus.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT sku, category FROM skus WHERE category IS NOT NULL AND sku IN ({})",
        placeholders(1, skus.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for sku in skus {
        query = query.bind(*sku);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|row| Ok((row.try_get("sku")?, row.try_get("category")?))).collect()
}
