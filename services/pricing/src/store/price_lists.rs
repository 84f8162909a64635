//! Price lists and their prices.

use std::collections::HashMap;

use contracts::ids::Sku;
use contracts::money::Currency;
use contracts::pricing::{Price, PriceList, PriceListId, Tier};
use runtime::db::{DbError, Tx, placeholders};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{currency, from_json, to_json};
use crate::domain::ValidPriceList;
use crate::domain::quote::Candidate;

const COLUMNS: &str = "id, name, currency, customer_group, priority, valid_from, valid_to, created_at";

fn price_list(row: &AnyRow) -> Result<PriceList, DbError> {
    Ok(PriceList {
        id: PriceListId::parse(&row.try_get::<String, _>("id")?).map_err(DbError::decode)?,
        name: row.try_get("name")?,
        currency: currency(&row.try_get::<String, _>("currency")?)?,
        customer_group: row.try_get("customer_group")?,
        priority: row.try_get("priority")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a price list.
pub async fn insert(tx: &mut Tx, valid: &ValidPriceList) -> Result<PriceList, DbError> {
    let list = PriceList {
        id: PriceListId::generate(),
        name: valid.name.clone(),
        currency: valid.currency,
        customer_group: valid.customer_group.clone(),
        priority: valid.priority,
        valid_from: valid.valid_from.clone(),
        valid_to: valid.valid_to.clone(),
        created_at: runtime::db::now(),
    };
    sqlx::query(
        "INSERT INTO price_lists (id, name, currency, customer_group, priority, valid_from, valid_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(list.id.as_str())
    .bind(&list.name)
    .bind(list.currency.code())
    .bind(list.customer_group.as_deref())
    .bind(list.priority)
    .bind(list.valid_from.as_deref())
    .bind(list.valid_to.as_deref())
    .bind(&list.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(list)
}

/// A price list by id.
pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<PriceList>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM price_lists WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(price_list).transpose()
}

/// A page of price lists in id order, `limit + 1` to tell whether more follow.
pub async fn list(conn: &mut AnyConnection, after: Option<&str>, limit: u32) -> Result<Vec<PriceList>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM price_lists WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit) + 1)
        .fetch_all(conn)
        .await?;
    rows.iter().map(price_list).collect()
}

/// Sets (inserts or replaces) the tiers of `sku` in `list`.
pub async fn set_price(tx: &mut Tx, list: &PriceListId, sku: &Sku, tiers: &[Tier]) -> Result<Price, DbError> {
    let updated_at = runtime::db::now();
    sqlx::query(
        "INSERT INTO prices (price_list_id, sku, tiers, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (price_list_id, sku) DO UPDATE SET tiers = excluded.tiers, updated_at = excluded.updated_at",
    )
    .bind(list.as_str())
    .bind(sku.as_str())
    .bind(to_json(&tiers))
    .bind(&updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(Price { price_list_id: list.clone(), sku: sku.clone(), tiers: tiers.to_vec(), updated_at })
}

/// The prices of `skus` in every price list of `currency`, with their lists (the domain
/// picks the winner), and the categories of those priced SKUs that have one: a quote needs
/// both, and a SKU without a price is refused whatever its category.
pub async fn candidates(
    conn: &mut AnyConnection,
    currency: Currency,
    skus: &[&str],
) -> Result<(Vec<Candidate>, HashMap<String, String>), DbError> {
    if skus.is_empty() {
        return Ok((Vec::new(), HashMap::new()));
    }
    let sql = format!(
        "SELECT l.id, l.customer_group, l.priority, l.valid_from, l.valid_to, p.sku, p.tiers, k.category \
         FROM prices p JOIN price_lists l ON l.id = p.price_list_id LEFT JOIN skus k ON k.sku = p.sku \
         WHERE l.currency = $1 AND p.sku IN ({})",
        placeholders(2, skus.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(currency.code());
    for sku in skus {
        query = query.bind(*sku);
    }
    let rows = query.fetch_all(conn).await?;
    let mut categories = HashMap::new();
    let candidates = rows
        .iter()
        .map(|row| {
            let sku: String = row.try_get("sku")?;
            if let Some(category) = row.try_get::<Option<String>, _>("category")? {
                categories.insert(sku.clone(), category);
            }
            Ok(Candidate {
                price_list_id: PriceListId::parse(&row.try_get::<String, _>("id")?).map_err(DbError::decode)?,
                customer_group: row.try_get("customer_group")?,
                priority: row.try_get("priority")?,
                valid_from: row.try_get("valid_from")?,
                valid_to: row.try_get("valid_to")?,
                sku,
                tiers: from_json(&row.try_get::<String, _>("tiers")?)?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok((candidates, categories))
}
