//! Merchants' webhook endpoints. The secret is read only to sign a delivery.

use contracts::notifications::{Webhook, WebhookId};
use runtime::db::{DbError, Tx};
use runtime::settings::Secret;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::id;

const COLUMNS: &str = "id, url, event_types, description, enabled, created_at, updated_at";

fn decode(row: &AnyRow) -> Result<Webhook, DbError> {
    let event_types: String = row.try_get("event_types")?;
    Ok(Webhook {
        id: id(&row.try_get::<String, _>("id")?, WebhookId::parse)?,
        url: row.try_get("url")?,
        event_types: serde_json::from_str(&event_types).map_err(DbError::decode)?,
        description: row.try_get("description")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn types(webhook: &Webhook) -> String {
    // A list of strings always serialises.
    serde_json::to_string(&webhook.event_types).unwrap_or_else(|_| "[]".into())
}

/// Inserts a new webhook with its signing secret.
pub async fn insert(tx: &mut Tx, webhook: &Webhook, secret: &Secret) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO webhooks (id, url, event_types, description, secret, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(webhook.id.as_str())
    .bind(&webhook.url)
    .bind(types(webhook))
    .bind(webhook.description.as_deref())
    .bind(secret.expose())
    .bind(i64::from(webhook.enabled))
    .bind(&webhook.created_at)
    .bind(&webhook.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The webhook `id`.
pub async fn find(conn: &mut AnyConnection, id: &WebhookId) -> Result<Option<Webhook>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Webhooks newest first, after the cursor key `after` (an id).
pub async fn list(conn: &mut AnyConnection, after: Option<&str>, limit: i64) -> Result<Vec<Webhook>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id < $1 ORDER BY id DESC LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after.unwrap_or("~")).bind(limit).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// The enabled webhooks subscribed to `event_type` (there are few webhooks: filtered here).
pub async fn subscribed(tx: &mut Tx, event_type: &str) -> Result<Vec<Webhook>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE enabled = 1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
    let all = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    Ok(all.into_iter().filter(|w| w.event_types.iter().any(|t| t == event_type)).collect())
}

/// Where and with what to deliver for the webhook `id`: its URL and secret, if it exists
/// and is enabled.
pub async fn target(conn: &mut AnyConnection, id: &WebhookId) -> Result<Option<(String, Secret)>, DbError> {
    let row = sqlx::query("SELECT url, secret FROM webhooks WHERE id = $1 AND enabled = 1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get("url")?, Secret::new(r.try_get::<String, _>("secret")?)))).transpose()
}

/// Writes a changed webhook (everything but its secret).
pub async fn save(tx: &mut Tx, webhook: &Webhook) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE webhooks SET url = $1, event_types = $2, description = $3, enabled = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&webhook.url)
    .bind(types(webhook))
    .bind(webhook.description.as_deref())
    .bind(i64::from(webhook.enabled))
    .bind(&webhook.updated_at)
    .bind(webhook.id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a webhook and its deliveries; returns whether it existed.
pub async fn delete(tx: &mut Tx, id: &WebhookId) -> Result<bool, DbError> {
    sqlx::query("DELETE FROM deliveries WHERE webhook_id = $1").bind(id.as_str()).execute(&mut **tx).await?;
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id.as_str()).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}
