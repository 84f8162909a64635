//! Promotions.

use contracts::pricing::{Promotion, PromotionId, PromotionKind};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{from_json, to_json};
use crate::domain::ValidPromotion;

const COLUMNS: &str = "id, name, kind, value, target, starts_at, ends_at, coupon_required, created_at";

fn kind_text(kind: PromotionKind) -> String {
    to_json(&kind).trim_matches('"').to_owned()
}

fn promotion(row: &AnyRow) -> Result<Promotion, DbError> {
    let kind: String = row.try_get("kind")?;
    let target: Option<String> = row.try_get("target")?;
    Ok(Promotion {
        id: PromotionId::parse(&row.try_get::<String, _>("id")?).map_err(DbError::decode)?,
        name: row.try_get("name")?,
        kind: from_json(&format!("\"{kind}\""))?,
        value: from_json(&row.try_get::<String, _>("value")?)?,
        target: target.as_deref().map(from_json).transpose()?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        coupon_required: row.try_get::<i64, _>("coupon_required")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a promotion.
pub async fn insert(tx: &mut Tx, valid: &ValidPromotion) -> Result<Promotion, DbError> {
    let promotion = Promotion {
        id: PromotionId::generate(),
        name: valid.name.clone(),
        kind: valid.kind,
        value: valid.value.clone(),
        target: valid.target.clone(),
        starts_at: valid.starts_at.clone(),
        ends_at: valid.ends_at.clone(),
        coupon_required: valid.coupon_required,
        created_at: runtime::db::now(),
    };
    sqlx::query(
        "INSERT INTO promotions (id, name, kind, value, target, starts_at, ends_at, coupon_required, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(promotion.id.as_str())
    .bind(&promotion.name)
    .bind(kind_text(promotion.kind))
    .bind(to_json(&promotion.value))
    .bind(promotion.target.as_ref().map(to_json))
    .bind(promotion.starts_at.as_deref())
    .bind(promotion.ends_at.as_deref())
    .bind(i64::from(promotion.coupon_required))
    .bind(&promotion.created_at)
    .execute(&mut **tx)
    .await?;
    super::rules::bump(tx).await?;
    Ok(promotion)
}

/// A promotion by id.
pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<Promotion>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM promotions WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(promotion).transpose()
}

/// A page of promotions in id order, `limit + 1`.
pub async fn list(conn: &mut AnyConnection, after: Option<&str>, limit: u32) -> Result<Vec<Promotion>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM promotions WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit) + 1)
        .fetch_all(conn)
        .await?;
    rows.iter().map(promotion).collect()
}

/// Promotions that apply without a coupon and have not ended by `now` (the domain checks
/// the windows exactly).
pub async fn automatic(conn: &mut AnyConnection, now: &str) -> Result<Vec<Promotion>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM promotions WHERE coupon_required = 0 AND (ends_at IS NULL OR ends_at > $1) ORDER BY id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).fetch_all(conn).await?;
    rows.iter().map(promotion).collect()
}
