//! Catalog's products (what the content model reads and answers show) and which product
//! each SKU belongs to.

use std::collections::HashMap;

use contracts::ids::{ProductId, Sku};
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

use super::sequence;
use crate::domain::ProductRecord;

/// Writes catalog's snapshot of a product and its SKUs, unless a newer version is already
/// stored. Returns whether it was written.
pub async fn upsert(tx: &mut Tx, product: &ProductRecord) -> Result<bool, DbError> {
    // A list of strings always serialises.
    let attributes = serde_json::to_string(&product.attributes).unwrap_or_else(|_| "[]".into());
    let written = sqlx::query(
        "INSERT INTO products (id, slug, name, description, category, attributes, archived, version, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) \
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name, \
             description = excluded.description, category = excluded.category, attributes = excluded.attributes, \
             archived = excluded.archived, version = excluded.version, updated_at = excluded.updated_at \
         WHERE products.version <= excluded.version",
    )
    .bind(product.id.as_str())
    .bind(&product.slug)
    .bind(&product.name)
    .bind(&product.description)
    .bind(product.category.as_deref())
    .bind(attributes)
    .bind(i64::from(product.archived))
    .bind(product.version)
    .bind(runtime::db::now())
    .execute(&mut **tx)
    .await?;
    if written.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM skus WHERE product_id = $1").bind(product.id.as_str()).execute(&mut **tx).await?;
    for sku in &product.skus {
        sqlx::query(
            "INSERT INTO skus (sku, product_id) VALUES ($1, $2) \
             ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id",
        )
        .bind(sku.as_str())
        .bind(product.id.as_str())
        .execute(&mut **tx)
        .await?;
    }
    let seq = sequence::advance(tx, 1).await?;
    sqlx::query("UPDATE products SET seq = $1 WHERE id = $2")
        .bind(seq)
        .bind(product.id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// The products changed in `(after, through]`, in change order.
pub async fn changed(conn: &mut AnyConnection, after: i64, through: i64) -> Result<Vec<ProductRecord>, DbError> {
    let rows = sqlx::query(
        "SELECT id, slug, name, description, category, attributes, archived, version FROM products \
         WHERE seq > $1 AND seq <= $2 ORDER BY seq",
    )
    .bind(after)
    .bind(through)
    .fetch_all(&mut *conn)
    .await?;
    let mut products = Vec::with_capacity(rows.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id")?;
        let attributes: String = row.try_get("attributes")?;
        index.insert(id.clone(), products.len());
        products.push(ProductRecord {
            id: ProductId::parse(&id).map_err(DbError::decode)?,
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            category: row.try_get("category")?,
            attributes: serde_json::from_str(&attributes).map_err(DbError::decode)?,
            skus: Vec::new(),
            archived: row.try_get::<i64, _>("archived")? != 0,
            version: row.try_get("version")?,
        });
    }
    if products.is_empty() {
        return Ok(products);
    }
    let skus = sqlx::query(
        "SELECT s.sku, s.product_id FROM skus s JOIN products p ON p.id = s.product_id \
         WHERE p.seq > $1 AND p.seq <= $2 ORDER BY s.sku",
    )
    .bind(after)
    .bind(through)
    .fetch_all(&mut *conn)
    .await?;
    for row in skus {
        let product: String = row.try_get("product_id")?;
        if let Some(&i) = index.get(&product) {
            products[i].skus.push(Sku::parse(&row.try_get::<String, _>("sku")?).map_err(DbError::decode)?);
        }
    }
    Ok(products)
}
