//! The SKUs inventory knows, learned from catalog events.

use contracts::ids::{ProductId, Sku};
use runtime::db::{DbError, Tx};

/// Records `sku` (of `product`) with `status`, and makes sure it has a stock record at every
/// location. Idempotent: applying the same snapshot twice changes nothing.
pub async fn upsert(tx: &mut Tx, sku: &Sku, product: &ProductId, status: &str) -> Result<(), DbError> {
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO skus (sku, product_id, status, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(sku.as_str())
    .bind(product.as_str())
    .bind(status)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        // `WHERE true` disambiguates SQLite's parse of `SELECT … FROM t ON CONFLICT` (it would
        // read `ON` as a join constraint).
        "INSERT INTO stock (sku, location_id, on_hand, reserved, updated_at) SELECT $1, id, 0, 0, $2 FROM locations WHERE true
         ON CONFLICT (sku, location_id) DO NOTHING",
    )
    .bind(sku.as_str())
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
