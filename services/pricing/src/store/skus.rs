//! SKU → category, learnt from catalog's product events.

use contracts::ids::{ProductId, Sku};
use runtime::db::{DbError, Tx};

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
