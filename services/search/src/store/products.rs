//! The read model: products (catalog's snapshots), their SKUs, prices (pricing's) and stock
//! (inventory's), and the [`IndexedProduct`]s the indexer reads from them.

use std::collections::{BTreeMap, HashMap};

use contracts::ids::{PriceListId, ProductId, Sku};
use contracts::money::Currency;
use contracts::search::HitCategory;
use runtime::db::{DbError, Tx, placeholders};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::{IndexedProduct, IndexedVariant};

/// Most ids in one `IN (…)` list.
const CHUNK: usize = 500;

fn json_map(map: &BTreeMap<String, String>) -> String {
    // A map of strings always serialises.
    serde_json::to_string(map).unwrap_or_else(|_| "{}".into())
}

/// Writes catalog's snapshot of a product and its SKUs, unless a newer version is already
/// stored. Returns the products whose index entry changed: this one, and any that a SKU was
/// moved away from. Empty when the snapshot was older than what is stored.
pub async fn upsert(tx: &mut Tx, product: &IndexedProduct) -> Result<Vec<ProductId>, DbError> {
    let written = sqlx::query(
        "INSERT INTO products (id, slug, name, description, brand, category_slug, category_name, attributes, \
                               archived, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name, \
             description = excluded.description, brand = excluded.brand, category_slug = excluded.category_slug, \
             category_name = excluded.category_name, attributes = excluded.attributes, archived = excluded.archived, \
             version = excluded.version, updated_at = excluded.updated_at \
         WHERE products.version <= excluded.version",
    )
    .bind(product.id.as_str())
    .bind(&product.slug)
    .bind(&product.name)
    .bind(&product.description)
    .bind(product.brand.as_deref())
    .bind(product.category.as_ref().map(|c| c.slug.as_str()))
    .bind(product.category.as_ref().map(|c| c.name.as_str()))
    .bind(json_map(&product.attributes))
    .bind(i64::from(product.archived))
    .bind(product.version)
    .bind(runtime::db::now())
    .execute(&mut **tx)
    .await?;
    if written.rows_affected() == 0 {
        return Ok(Vec::new());
    }

    let mut changed = vec![product.id.clone()];
    let skus: Vec<&str> = product.variants.iter().map(|v| v.sku.as_str()).collect();
    for chunk in skus.chunks(CHUNK) {
        let sql = format!(
            "SELECT DISTINCT product_id FROM skus WHERE product_id <> $1 AND sku IN ({})",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(product.id.as_str());
        for sku in chunk {
            query = query.bind(*sku);
        }
        for row in query.fetch_all(&mut **tx).await? {
            let previous = ProductId::parse(&row.try_get::<String, _>("product_id")?).map_err(DbError::decode)?;
            if !changed.contains(&previous) {
                changed.push(previous);
            }
        }
    }
    sqlx::query("DELETE FROM skus WHERE product_id = $1").bind(product.id.as_str()).execute(&mut **tx).await?;
    for (position, variant) in product.variants.iter().enumerate() {
        sqlx::query(
            "INSERT INTO skus (sku, product_id, name, attributes, position) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, name = excluded.name, \
                 attributes = excluded.attributes, position = excluded.position",
        )
        .bind(variant.sku.as_str())
        .bind(product.id.as_str())
        .bind(&variant.name)
        .bind(json_map(&variant.attributes))
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(changed)
}

/// The product a SKU belongs to, if catalog told us.
pub async fn product_of(tx: &mut Tx, sku: &Sku) -> Result<Option<ProductId>, DbError> {
    let row =
        sqlx::query("SELECT product_id FROM skus WHERE sku = $1").bind(sku.as_str()).fetch_optional(&mut **tx).await?;
    row.map(|r| ProductId::parse(&r.try_get::<String, _>("product_id")?).map_err(DbError::decode)).transpose()
}

/// Sets the unit price of `sku` in a price list; `None` removes it.
pub async fn set_price(
    tx: &mut Tx,
    sku: &Sku,
    price_list: &PriceListId,
    currency: Currency,
    unit_amount: Option<i64>,
) -> Result<(), DbError> {
    match unit_amount {
        Some(amount) => {
            sqlx::query(
                "INSERT INTO prices (sku, price_list_id, currency, unit_amount, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (sku, price_list_id) DO UPDATE SET currency = excluded.currency, \
                     unit_amount = excluded.unit_amount, updated_at = excluded.updated_at",
            )
            .bind(sku.as_str())
            .bind(price_list.as_str())
            .bind(currency.code())
            .bind(amount)
            .bind(runtime::db::now())
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM prices WHERE sku = $1 AND price_list_id = $2")
                .bind(sku.as_str())
                .bind(price_list.as_str())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Sets the available units of `sku` at `location`; true when that location went from none
/// to some or back (a SKU never seen there had none).
///
/// Nearly every change (a reservation, a sale) leaves the location on the same side of zero:
/// that case is one conditional update. When it finds nothing to update, the row is either
/// new (a first stock record: two statements, as many as the read and upsert this replaced)
/// or on the other side of zero (a crossing, rare: three).
pub async fn set_available(tx: &mut Tx, sku: &Sku, location: &str, available: i64) -> Result<bool, DbError> {
    const SAME_SIDE: &str = "UPDATE availability SET available = $3, updated_at = $4 \
                             WHERE sku = $1 AND location = $2 AND (available > 0) = ($3 > 0)";
    const FIRST: &str = "INSERT INTO availability (sku, location, available, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (sku, location) DO NOTHING";
    const CROSSING: &str = "UPDATE availability SET available = $3, updated_at = $4 WHERE sku = $1 AND location = $2";
    let now = runtime::db::now();
    // Each statement takes the same row: $1 sku, $2 location, $3 units, $4 when.
    let row = |sql: &'static str| sqlx::query(sql).bind(sku.as_str()).bind(location).bind(available).bind(now.as_str());
    if row(SAME_SIDE).execute(&mut **tx).await?.rows_affected() == 1 {
        return Ok(false);
    }
    if row(FIRST).execute(&mut **tx).await?.rows_affected() == 1 {
        // A location never seen had none.
        return Ok(available > 0);
    }
    row(CROSSING).execute(&mut **tx).await?;
    Ok(true)
}

/// The products with these ids, as the index wants them (absent ids are skipped).
pub async fn load(conn: &mut AnyConnection, ids: &[ProductId]) -> Result<Vec<IndexedProduct>, DbError> {
    let mut products = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(ProductId::as_str).collect();
        products.extend(read(conn, Some(&ids)).await?);
    }
    Ok(products)
}

/// Every product of the read model, archived ones included.
pub async fn load_all(conn: &mut AnyConnection) -> Result<Vec<IndexedProduct>, DbError> {
    read(conn, None).await
}

/// How big the read model is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// SKUs.
    pub skus: u64,
    /// Prices (SKU × price list).
    pub prices: u64,
    /// Stock records (SKU × location).
    pub stock_records: u64,
}

/// Counts the SKUs, prices and stock records.
pub async fn counts(conn: &mut AnyConnection) -> Result<Counts, DbError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM skus) AS skus, (SELECT COUNT(*) FROM prices) AS prices, \
                (SELECT COUNT(*) FROM availability) AS stock_records",
    )
    .fetch_one(conn)
    .await?;
    let count = |name: &str| -> Result<u64, DbError> { Ok(row.try_get::<i64, _>(name)?.max(0) as u64) };
    Ok(Counts { skus: count("skus")?, prices: count("prices")?, stock_records: count("stock_records")? })
}

/// `WHERE <column> IN ($1, …)` for `ids`, or nothing.
fn restrict(column: &str, ids: Option<&[&str]>) -> String {
    ids.map_or_else(String::new, |ids| format!("WHERE {column} IN ({})", placeholders(1, ids.len())))
}

fn bind_all<'q>(sql: String, ids: Option<&[&'q str]>) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids.unwrap_or_default() {
        query = query.bind(*id);
    }
    query
}

fn product_id(row: &AnyRow) -> Result<ProductId, DbError> {
    ProductId::parse(&row.try_get::<String, _>("product_id")?).map_err(DbError::decode)
}

fn attributes(row: &AnyRow) -> Result<BTreeMap<String, String>, DbError> {
    serde_json::from_str(&row.try_get::<String, _>("attributes")?).map_err(DbError::decode)
}

/// Products (all, or those with `ids`) with their SKUs, lowest price per currency and stock.
async fn read(conn: &mut AnyConnection, ids: Option<&[&str]>) -> Result<Vec<IndexedProduct>, DbError> {
    let sql = format!(
        "SELECT id AS product_id, slug, name, description, brand, category_slug, category_name, attributes, \
                archived, version \
         FROM products {} ORDER BY id",
        restrict("id", ids)
    );
    let mut products: Vec<IndexedProduct> = Vec::new();
    for row in bind_all(sql, ids).fetch_all(&mut *conn).await? {
        let category = match (row.try_get::<Option<String>, _>("category_slug")?, row.try_get("category_name")?) {
            (Some(slug), Some(name)) => Some(HitCategory { slug, name }),
            _ => None,
        };
        products.push(IndexedProduct {
            id: product_id(&row)?,
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            brand: row.try_get("brand")?,
            category,
            attributes: attributes(&row)?,
            variants: Vec::new(),
            archived: row.try_get::<i64, _>("archived")? != 0,
            version: row.try_get("version")?,
            prices: BTreeMap::new(),
            available: 0,
        });
    }
    let index: HashMap<String, usize> =
        products.iter().enumerate().map(|(i, p)| (p.id.as_str().to_owned(), i)).collect();
    let product = |row: &AnyRow| -> Result<Option<usize>, DbError> {
        Ok(index.get(&row.try_get::<String, _>("product_id")?).copied())
    };

    let sql = format!(
        "SELECT product_id, sku, name, attributes FROM skus {} ORDER BY product_id, position",
        restrict("product_id", ids)
    );
    for row in bind_all(sql, ids).fetch_all(&mut *conn).await? {
        if let Some(i) = product(&row)? {
            products[i].variants.push(IndexedVariant {
                sku: Sku::parse(&row.try_get::<String, _>("sku")?).map_err(DbError::decode)?,
                name: row.try_get("name")?,
                attributes: attributes(&row)?,
            });
        }
    }

    let sql = format!(
        "SELECT s.product_id, p.currency, MIN(p.unit_amount) AS amount \
         FROM prices p JOIN skus s ON s.sku = p.sku {} GROUP BY s.product_id, p.currency",
        restrict("s.product_id", ids)
    );
    for row in bind_all(sql, ids).fetch_all(&mut *conn).await? {
        if let Some(i) = product(&row)? {
            let currency = Currency::parse(&row.try_get::<String, _>("currency")?).map_err(DbError::decode)?;
            products[i].prices.insert(currency, row.try_get("amount")?);
        }
    }

    let sql = format!(
        "SELECT s.product_id, CAST(SUM(CASE WHEN a.available > 0 THEN a.available ELSE 0 END) AS BIGINT) AS available \
         FROM availability a JOIN skus s ON s.sku = a.sku {} GROUP BY s.product_id",
        restrict("s.product_id", ids)
    );
    for row in bind_all(sql, ids).fetch_all(&mut *conn).await? {
        if let Some(i) = product(&row)? {
            products[i].available = row.try_get("available")?;
        }
    }
    Ok(products)
}
