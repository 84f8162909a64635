//! Products and their variants.

use std::collections::HashMap;

use contracts::catalog::{CategorySummary, Media, Product, ProductStatus, Variant};
use contracts::ids::{CategoryId, ProductId, Sku, VariantId};
use runtime::db::{DbError, Tx, placeholders};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::{ValidProduct, ValidVariant};

const PRODUCT_COLUMNS: &str = "p.id, p.slug, p.name, p.description, p.brand, p.category_id, p.attributes, p.media, p.status, \
     p.version, p.created_at, p.updated_at, c.slug AS category_slug, c.name AS category_name";

fn status_text(status: ProductStatus) -> &'static str {
    match status {
        ProductStatus::Active => "active",
        ProductStatus::Archived => "archived",
    }
}

fn product_without_variants(row: &AnyRow) -> Result<Product, DbError> {
    let id: String = row.try_get("id")?;
    let category_id: Option<String> = row.try_get("category_id")?;
    let category = match category_id {
        Some(cid) => Some(CategorySummary {
            id: CategoryId::parse(&cid).map_err(DbError::decode)?,
            slug: row.try_get("category_slug")?,
            name: row.try_get("category_name")?,
        }),
        None => None,
    };
    let attributes: String = row.try_get("attributes")?;
    let media: String = row.try_get("media")?;
    let status: String = row.try_get("status")?;
    Ok(Product {
        id: ProductId::parse(&id).map_err(DbError::decode)?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        brand: row.try_get("brand")?,
        category,
        attributes: serde_json::from_str(&attributes).map_err(DbError::decode)?,
        media: serde_json::from_str::<Vec<Media>>(&media).map_err(DbError::decode)?,
        variants: Vec::new(),
        status: if status == "archived" { ProductStatus::Archived } else { ProductStatus::Active },
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn variant(row: &AnyRow) -> Result<(String, Variant), DbError> {
    let id: String = row.try_get("id")?;
    let sku: String = row.try_get("sku")?;
    let attributes: String = row.try_get("attributes")?;
    Ok((
        row.try_get("product_id")?,
        Variant {
            id: VariantId::parse(&id).map_err(DbError::decode)?,
            sku: Sku::parse(&sku).map_err(DbError::decode)?,
            name: row.try_get("name")?,
            attributes: serde_json::from_str(&attributes).map_err(DbError::decode)?,
        },
    ))
}

async fn attach_variants(conn: &mut AnyConnection, products: &mut [Product]) -> Result<(), DbError> {
    if products.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id, product_id, sku, name, attributes FROM variants WHERE product_id IN ({}) ORDER BY product_id, position",
        placeholders(1, products.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for p in products.iter() {
        query = query.bind(p.id.as_str());
    }
    let rows = query.fetch_all(conn).await?;
    let mut by_product: HashMap<String, Vec<Variant>> = HashMap::new();
    for row in &rows {
        let (product_id, v) = variant(row)?;
        by_product.entry(product_id).or_default().push(v);
    }
    for p in products.iter_mut() {
        p.variants = by_product.remove(p.id.as_str()).unwrap_or_default();
    }
    Ok(())
}

/// What a product list is restricted to.
#[derive(Debug, Default)]
pub struct Filter {
    /// Only these categories (a category and its descendants).
    pub categories: Option<Vec<CategoryId>>,
    /// Only this status.
    pub status: Option<ProductStatus>,
}

/// A page of products in id (= creation) order, `limit + 1` to tell whether more follow.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Product>, DbError> {
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(after) = after {
        binds.push(after.to_owned());
        conditions.push(format!("p.id > ${}", binds.len()));
    }
    if let Some(status) = filter.status {
        binds.push(status_text(status).to_owned());
        conditions.push(format!("p.status = ${}", binds.len()));
    }
    if let Some(categories) = &filter.categories {
        if categories.is_empty() {
            return Ok(Vec::new());
        }
        let start = binds.len() + 1;
        binds.extend(categories.iter().map(|c| c.to_string()));
        conditions.push(format!("p.category_id IN ({})", placeholders(start, categories.len())));
    }
    let where_clause =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id {where_clause} ORDER BY p.id LIMIT {}",
        limit + 1
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut products = rows.iter().map(product_without_variants).collect::<Result<Vec<_>, _>>()?;
    attach_variants(conn, &mut products).await?;
    Ok(products)
}

/// A product by id or slug.
pub async fn find(conn: &mut AnyConnection, reference: &str) -> Result<Option<Product>, DbError> {
    let sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = $1 OR p.slug = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(reference).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    let mut products = vec![product_without_variants(&row)?];
    attach_variants(conn, &mut products).await?;
    Ok(products.pop())
}

/// Which of `skus` already belong to some product.
pub async fn taken_skus(tx: &mut Tx, skus: &[&Sku]) -> Result<Vec<String>, DbError> {
    if skus.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT sku FROM variants WHERE sku IN ({})", placeholders(1, skus.len()));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for s in skus {
        query = query.bind(s.as_str());
    }
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter().map(|r| r.try_get::<String, _>("sku").map_err(DbError::from)).collect()
}

/// Whether a product other than `except` has `slug`.
pub async fn slug_taken(tx: &mut Tx, slug: &str, except: Option<&ProductId>) -> Result<bool, DbError> {
    let row = sqlx::query("SELECT id FROM products WHERE slug = $1").bind(slug).fetch_optional(&mut **tx).await?;
    Ok(match row {
        Some(row) => except.is_none_or(|e| row.try_get::<String, _>("id").is_ok_and(|id| id != e.as_str())),
        None => false,
    })
}

async fn insert_variant(
    tx: &mut Tx,
    product_id: &ProductId,
    v: &ValidVariant,
    position: i64,
) -> Result<Variant, DbError> {
    let id = VariantId::generate();
    sqlx::query(
        "INSERT INTO variants (id, product_id, sku, name, attributes, position) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.as_str())
    .bind(product_id.as_str())
    .bind(v.sku.as_str())
    .bind(&v.name)
    .bind(serde_json::to_string(&v.attributes).unwrap_or_default())
    .bind(position)
    .execute(&mut **tx)
    .await?;
    Ok(Variant { id, sku: v.sku.clone(), name: v.name.clone(), attributes: v.attributes.clone() })
}

/// Inserts a new product with its variants.
pub async fn insert(tx: &mut Tx, p: &ValidProduct, category: Option<CategorySummary>) -> Result<Product, DbError> {
    let id = ProductId::generate();
    let now = runtime::db::now();
    sqlx::query(
        "INSERT INTO products (id, slug, name, description, brand, category_id, attributes, media, status, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', 1, $9, $9)",
    )
    .bind(id.as_str())
    .bind(p.slug.as_str())
    .bind(&p.name)
    .bind(&p.description)
    .bind(p.brand.clone())
    .bind(category.as_ref().map(|c| c.id.to_string()))
    .bind(serde_json::to_string(&p.attributes).unwrap_or_default())
    .bind(serde_json::to_string(&p.media).unwrap_or_default())
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    let mut variants = Vec::with_capacity(p.variants.len());
    for (i, v) in p.variants.iter().enumerate() {
        variants.push(insert_variant(tx, &id, v, i as i64).await?);
    }
    Ok(Product {
        id,
        slug: p.slug.to_string(),
        name: p.name.clone(),
        description: p.description.clone(),
        brand: p.brand.clone(),
        category,
        attributes: p.attributes.clone(),
        media: p.media.clone(),
        variants,
        status: ProductStatus::Active,
        version: 1,
        created_at: now.clone(),
        updated_at: now,
    })
}

/// Writes `product`'s own fields if its stored version is still `expected_version`, bumping
/// the version. Returns the stored product, or `None` if someone changed it meanwhile.
pub async fn save(tx: &mut Tx, product: &Product, expected_version: i64) -> Result<Option<Product>, DbError> {
    let now = runtime::db::now();
    let result = sqlx::query(
        "UPDATE products SET slug = $1, name = $2, description = $3, brand = $4, category_id = $5, attributes = $6,
         media = $7, status = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(&product.slug)
    .bind(&product.name)
    .bind(&product.description)
    .bind(product.brand.clone())
    .bind(product.category.as_ref().map(|c| c.id.to_string()))
    .bind(serde_json::to_string(&product.attributes).unwrap_or_default())
    .bind(serde_json::to_string(&product.media).unwrap_or_default())
    .bind(status_text(product.status))
    .bind(&now)
    .bind(product.id.as_str())
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    if result.rows_affected() == 0 {
        return Ok(None);
    }
    find(tx, product.id.as_str()).await
}

/// Appends a variant to a product.
pub async fn add_variant(tx: &mut Tx, product: &Product, v: &ValidVariant) -> Result<(), DbError> {
    insert_variant(tx, &product.id, v, product.variants.len() as i64).await?;
    Ok(())
}
