//! Coupons and their redemptions.

use contracts::pricing::{Coupon, PromotionId, Redemption};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::domain::ValidCoupon;

const COLUMNS: &str = "code, promotion_id, usage_limit, used, valid_from, valid_to, created_at";

fn coupon(row: &AnyRow) -> Result<Coupon, DbError> {
    Ok(Coupon {
        code: row.try_get("code")?,
        promotion_id: PromotionId::parse(&row.try_get::<String, _>("promotion_id")?).map_err(DbError::decode)?,
        usage_limit: row.try_get("usage_limit")?,
        used: row.try_get("used")?,
        valid_from: row.try_get("valid_from")?,
        valid_to: row.try_get("valid_to")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a coupon (a taken code is a unique violation).
pub async fn insert(tx: &mut Tx, valid: &ValidCoupon, promotion: &PromotionId) -> Result<Coupon, DbError> {
    let coupon = Coupon {
        code: valid.code.clone(),
        promotion_id: promotion.clone(),
        usage_limit: valid.usage_limit,
        used: 0,
        valid_from: valid.valid_from.clone(),
        valid_to: valid.valid_to.clone(),
        created_at: runtime::db::now(),
    };
    sqlx::query(
        "INSERT INTO coupons (code, promotion_id, usage_limit, used, valid_from, valid_to, created_at) \
         VALUES ($1, $2, $3, 0, $4, $5, $6)",
    )
    .bind(&coupon.code)
    .bind(coupon.promotion_id.as_str())
    .bind(coupon.usage_limit)
    .bind(coupon.valid_from.as_deref())
    .bind(coupon.valid_to.as_deref())
    .bind(&coupon.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(coupon)
}

/// A coupon by its upper-case code.
pub async fn find(conn: &mut AnyConnection, code: &str) -> Result<Option<Coupon>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM coupons WHERE code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(conn).await?;
    row.as_ref().map(coupon).transpose()
}

/// The redemption of `code` by `order_id`, if there is one.
pub async fn find_redemption(
    conn: &mut AnyConnection,
    code: &str,
    order_id: &str,
) -> Result<Option<Redemption>, DbError> {
    let row =
        sqlx::query("SELECT code, order_id, redeemed_at FROM coupon_redemptions WHERE code = $1 AND order_id = $2")
            .bind(code)
            .bind(order_id)
            .fetch_optional(conn)
            .await?;
    row.map(|row| {
        Ok(Redemption {
            code: row.try_get("code")?,
            order_id: row.try_get("order_id")?,
            redeemed_at: row.try_get("redeemed_at")?,
        })
    })
    .transpose()
}

/// Records the redemption of `code` by `order_id`: `false` if the order already has one
/// (on PostgreSQL a concurrent insert of the same order waits for the first to finish).
pub async fn insert_redemption(tx: &mut Tx, redemption: &Redemption) -> Result<bool, DbError> {
    let done = sqlx::query(
        "INSERT INTO coupon_redemptions (code, order_id, redeemed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (code, order_id) DO NOTHING",
    )
    .bind(&redemption.code)
    .bind(&redemption.order_id)
    .bind(&redemption.redeemed_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one use of `code` if it is below its limit: one conditional update, so concurrent
/// redemptions (and replicas) can never exceed the limit. `false` when exhausted.
pub async fn use_once(tx: &mut Tx, code: &str) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE coupons SET used = used + 1 WHERE code = $1 AND (usage_limit IS NULL OR used < usage_limit)",
    )
    .bind(code)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
