//! E-mail messages: queued when an event is consumed, claimed and settled by the sender.

use contracts::notifications::{Message, MessageId, MessageStatus, TemplateName};
use runtime::db::{DbError, Tx};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use super::{id, unexpected};

const COLUMNS: &str = "id, template, event_id, order_id, recipient, subject, text_body, html_body, status, attempts, \
     next_attempt_at, last_error, created_at, sent_at";

fn decode(row: &AnyRow) -> Result<Message, DbError> {
    let template: String = row.try_get("template")?;
    let status: String = row.try_get("status")?;
    Ok(Message {
        id: id(&row.try_get::<String, _>("id")?, MessageId::parse)?,
        template: TemplateName::parse(&template).ok_or_else(|| unexpected("template", &template))?,
        event_id: row.try_get("event_id")?,
        order_id: row.try_get("order_id")?,
        to: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        text: row.try_get("text_body")?,
        html: row.try_get("html_body")?,
        status: MessageStatus::parse(&status).ok_or_else(|| unexpected("message status", &status))?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// Queues `message` (status `queued`, due at once, or `failed` with its `last_error`) in the
/// consumer's transaction, unless its event already made one from this template. Returns
/// whether it was queued.
pub async fn insert(tx: &mut Tx, message: &Message) -> Result<bool, DbError> {
    let done = sqlx::query(
        "INSERT INTO messages (id, template, event_id, order_id, recipient, subject, text_body, html_body, status,
             attempts, next_attempt_at, last_error, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (event_id, template) DO NOTHING",
    )
    .bind(message.id.as_str())
    .bind(message.template.as_str())
    .bind(&message.event_id)
    .bind(message.order_id.as_deref())
    .bind(&message.to)
    .bind(&message.subject)
    .bind(&message.text)
    .bind(&message.html)
    .bind(message.status.as_str())
    .bind(message.attempts)
    .bind(message.next_attempt_at.as_deref())
    .bind(message.last_error.as_deref())
    .bind(&message.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The message `id`.
pub async fn find(conn: &mut AnyConnection, id: &MessageId) -> Result<Option<Message>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Messages newest first, optionally of one status, after the cursor key `after` (an id).
pub async fn list(
    conn: &mut AnyConnection,
    status: Option<MessageStatus>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    // `~` sorts after every id, so "no cursor" is "ids below `~`".
    let after = after.unwrap_or("~");
    let rows = match status {
        Some(status) => {
            let sql = format!("SELECT {COLUMNS} FROM messages WHERE status = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(status.as_str()).bind(after).bind(limit).fetch_all(conn).await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM messages WHERE id < $1 ORDER BY id DESC LIMIT $2");
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(conn).await?
        }
    };
    rows.iter().map(decode).collect()
}

/// Claims up to `limit` messages due at `now` for the holder of `token` until `lease_until`.
pub async fn claim(
    conn: &mut AnyConnection,
    now: &str,
    lease_until: &str,
    token: &str,
    limit: i64,
) -> Result<Vec<Message>, DbError> {
    // The outer conditions repeat the inner ones: on PostgreSQL they are re-checked on a row
    // another replica claimed meanwhile, which then no longer qualifies.
    let sql = format!(
        "UPDATE messages SET next_attempt_at = $1, lease_token = $2
         WHERE status = 'queued' AND next_attempt_at <= $3 AND id IN (
             SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $3
             ORDER BY next_attempt_at LIMIT $4)
         RETURNING {COLUMNS}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(lease_until)
        .bind(token)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// Sent.
    Sent,
    /// Failed; try again at the given time.
    Retry {
        /// When.
        at: &'a str,
        /// Why it failed.
        error: &'a str,
    },
    /// Failed for good.
    Failed {
        /// Why.
        error: &'a str,
    },
}

/// Records an attempt's outcome, if `token` still holds the message; returns whether it did.
pub async fn settle(
    conn: &mut AnyConnection,
    id: &MessageId,
    token: &str,
    outcome: Outcome<'_>,
) -> Result<bool, DbError> {
    let now = runtime::db::now();
    let (status, next, error, sent_at) = match outcome {
        Outcome::Sent => (MessageStatus::Sent, None, None, Some(now.as_str())),
        Outcome::Retry { at, error } => (MessageStatus::Queued, Some(at), Some(error), None),
        Outcome::Failed { error } => (MessageStatus::Failed, None, Some(error), None),
    };
    let done = sqlx::query(
        "UPDATE messages SET status = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3,
             sent_at = $4, lease_token = NULL
         WHERE id = $5 AND lease_token = $6",
    )
    .bind(status.as_str())
    .bind(next)
    .bind(error)
    .bind(sent_at)
    .bind(id.as_str())
    .bind(token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
