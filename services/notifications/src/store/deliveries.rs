//! Webhook deliveries: made when an event is consumed, claimed and settled by the
//! dispatcher, retried now on staff's request.

use contracts::notifications::{Delivery, DeliveryId, DeliveryStatus, WebhookId};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{id, unexpected};

const COLUMNS: &str = "id, webhook_id, event_id, event_type, status, attempts, last_status, last_error, \
     next_attempt_at, created_at, updated_at, delivered_at";

fn decode(row: &AnyRow) -> Result<Delivery, DbError> {
    let status: String = row.try_get("status")?;
    Ok(Delivery {
        id: id(&row.try_get::<String, _>("id")?, DeliveryId::parse)?,
        webhook_id: id(&row.try_get::<String, _>("webhook_id")?, WebhookId::parse)?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        status: DeliveryStatus::parse(&status).ok_or_else(|| unexpected("delivery status", &status))?,
        attempts: row.try_get("attempts")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

/// Makes a pending delivery of `event_id` (body `payload`) to `webhook`, due at once, unless
/// the event already has one to that webhook. Returns whether it was made.
pub async fn insert(
    tx: &mut Tx,
    webhook: &WebhookId,
    event_id: &str,
    event_type: &str,
    payload: &str,
) -> Result<bool, DbError> {
    let now = runtime::db::now();
    let done = sqlx::query(
        "INSERT INTO deliveries (id, webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6)
         ON CONFLICT (webhook_id, event_id) DO NOTHING",
    )
    .bind(DeliveryId::generate().as_str())
    .bind(webhook.as_str())
    .bind(event_id)
    .bind(event_type)
    .bind(payload)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deliveries of `webhook`, newest first, optionally of one status, after the cursor key
/// `after` (an id).
pub async fn list(
    conn: &mut AnyConnection,
    webhook: &WebhookId,
    status: Option<DeliveryStatus>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Delivery>, DbError> {
    let after = after.unwrap_or("~");
    let rows = match status {
        Some(status) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM deliveries WHERE webhook_id = $1 AND status = $2 AND id < $3
                 ORDER BY id DESC LIMIT $4"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(webhook.as_str())
                .bind(status.as_str())
                .bind(after)
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
        None => {
            let sql =
                format!("SELECT {COLUMNS} FROM deliveries WHERE webhook_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(webhook.as_str()).bind(after).bind(limit).fetch_all(conn).await?
        }
    };
    rows.iter().map(decode).collect()
}

/// The delivery `id` of `webhook`.
pub async fn find(conn: &mut AnyConnection, webhook: &WebhookId, id: &DeliveryId) -> Result<Option<Delivery>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1 AND webhook_id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).bind(webhook.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// A claimed delivery: what to send.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// Id.
    pub id: DeliveryId,
    /// The endpoint.
    pub webhook_id: WebhookId,
    /// The event.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// The body to send.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// Claims up to `limit` deliveries to enabled webhooks due at `now`, for the holder of
/// `token` until `lease_until`.
pub async fn claim(
    conn: &mut AnyConnection,
    now: &str,
    lease_until: &str,
    token: &str,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    // As for messages, the outer conditions are re-checked on PostgreSQL against a row
    // another replica claimed meanwhile.
    let rows = sqlx::query(
        "UPDATE deliveries SET next_attempt_at = $1, lease_token = $2
         WHERE status = 'pending' AND next_attempt_at <= $3 AND id IN (
             SELECT d.id FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND w.enabled = 1
             ORDER BY d.next_attempt_at LIMIT $4)
         RETURNING id, webhook_id, event_id, event_type, payload, attempts",
    )
    .bind(lease_until)
    .bind(token)
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Claimed {
                id: id(&row.try_get::<String, _>("id")?, DeliveryId::parse)?,
                webhook_id: id(&row.try_get::<String, _>("webhook_id")?, WebhookId::parse)?,
                event_id: row.try_get("event_id")?,
                event_type: row.try_get("event_type")?,
                payload: row.try_get("payload")?,
                attempts: row.try_get("attempts")?,
            })
        })
        .collect()
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<'a> {
    /// The new status.
    pub status: DeliveryStatus,
    /// The endpoint's HTTP status, if it answered.
    pub http_status: Option<u16>,
    /// Why it failed.
    pub error: Option<&'a str>,
    /// When to try again (pending).
    pub next_attempt_at: Option<&'a str>,
}

/// Records an attempt's outcome, if `token` still holds the delivery; returns whether it did.
pub async fn settle(
    conn: &mut AnyConnection,
    id: &DeliveryId,
    token: &str,
    outcome: Outcome<'_>,
) -> Result<bool, DbError> {
    let now = runtime::db::now();
    let delivered_at = (outcome.status == DeliveryStatus::Delivered).then_some(now.as_str());
    let done = sqlx::query(
        "UPDATE deliveries SET status = $1, attempts = attempts + 1, last_status = $2, last_error = $3,
             next_attempt_at = $4, delivered_at = $5, updated_at = $6, lease_token = NULL
         WHERE id = $7 AND lease_token = $8",
    )
    .bind(outcome.status.as_str())
    .bind(outcome.http_status.map(i64::from))
    .bind(outcome.error)
    .bind(outcome.next_attempt_at)
    .bind(delivered_at)
    .bind(&now)
    .bind(id.as_str())
    .bind(token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes the delivery due now (pending), whatever its status, unless an attempt is in
/// flight. Returns whether it did.
pub async fn retry_now(tx: &mut Tx, webhook: &WebhookId, id: &DeliveryId) -> Result<bool, DbError> {
    let now = runtime::db::now();
    let done = sqlx::query(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = $1, updated_at = $1
         WHERE id = $2 AND webhook_id = $3
           AND NOT (status = 'pending' AND lease_token IS NOT NULL AND next_attempt_at > $1)",
    )
    .bind(&now)
    .bind(id.as_str())
    .bind(webhook.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
