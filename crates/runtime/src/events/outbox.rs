//! The transactional outbox: a state change and the event announcing it commit together.

use std::sync::Arc;

use sqlx::Row as _;
use tokio::sync::Notify;

use super::envelope::{Event, NewEvent};
use crate::db::{Backend, Db, DbError, Tx};
use crate::trace::RequestContext;

/// What one read of the outbox found.
#[derive(Debug)]
pub struct Scan {
    /// The events kept, oldest first.
    pub events: Vec<Event>,
    /// How many rows were read, kept or not.
    pub scanned: usize,
    /// The position of the last row read, kept or not (`None` when there was none).
    pub scanned_to: Option<i64>,
}

/// A service's outbox.
#[derive(Clone, Debug)]
pub struct Outbox {
    db: Db,
    source: String,
    appended: Arc<Notify>,
}

impl Outbox {
    /// The outbox of `service` in its database.
    pub fn new(db: Db, service: &str) -> Self {
        Self { db, source: format!("/mercato/{service}"), appended: Arc::new(Notify::new()) }
    }

    /// Writes `event` inside `tx`; it is published only if `tx` commits.
    pub async fn append(&self, tx: &mut Tx, event: NewEvent) -> Result<String, DbError> {
        let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
        let traceparent = RequestContext::current().map(|c| c.trace.to_header());
        sqlx::query(match self.db.backend() {
            // Sequence values are taken at insert but become visible at commit; holding this
            // lock until commit makes commit order equal `seq` order, so a feed reader that
            // has seen `seq = n` can never later find a smaller one appear. The row (and its
            // `seq`) exists only once the lock is taken; one statement saves a round trip.
            Backend::Postgres => {
                "INSERT INTO mercato_outbox (event_id, event_type, subject, occurred_at, schema_version, traceparent, data)
                 SELECT $1, $2, $3, $4, $5, $6, $7 FROM (SELECT pg_advisory_xact_lock(72432)) AS outbox_lock"
            }
            Backend::Sqlite => {
                "INSERT INTO mercato_outbox (event_id, event_type, subject, occurred_at, schema_version, traceparent, data)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            }
        })
        .bind(&id)
        .bind(&event.event_type)
        .bind(&event.subject)
        .bind(crate::db::now())
        .bind(event.schema_version)
        .bind(traceparent)
        .bind(event.data.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(id)
    }

    /// Commits `tx` and wakes the feed and the relay.
    pub async fn commit(&self, tx: Tx) -> Result<(), DbError> {
        tx.commit().await?;
        self.appended.notify_waiters();
        Ok(())
    }

    pub(crate) fn appended(&self) -> &Notify {
        &self.appended
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    fn row_to_event(&self, row: &sqlx::any::AnyRow) -> Result<Event, DbError> {
        let data: String = row.try_get("data")?;
        Ok(Event {
            specversion: "1.0".into(),
            id: row.try_get("event_id")?,
            source: self.source.clone(),
            event_type: row.try_get("event_type")?,
            subject: row.try_get("subject")?,
            time: row.try_get("occurred_at")?,
            datacontenttype: "application/json".into(),
            schemaversion: row.try_get("schema_version")?,
            traceparent: row.try_get("traceparent")?,
            seq: Some(row.try_get("seq")?),
            data: serde_json::from_str(&data).map_err(|e| DbError::Query(sqlx::Error::Decode(Box::new(e))))?,
        })
    }

    /// Up to `limit` events after position `after`, oldest first, keeping only those whose type
    /// is in `types` (all when `None`); the others are neither decoded nor returned.
    pub async fn read_after(&self, after: i64, limit: i64, types: Option<&[String]>) -> Result<Scan, DbError> {
        let rows = sqlx::query(
            "SELECT seq, event_id, event_type, subject, occurred_at, schema_version, traceparent, data
             FROM mercato_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        let scanned_to = match rows.last() {
            Some(row) => Some(row.try_get("seq")?),
            None => None,
        };
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let wanted = match types {
                None => true,
                Some(types) => {
                    let event_type: &str = row.try_get("event_type")?;
                    types.iter().any(|t| t == event_type)
                }
            };
            if wanted {
                events.push(self.row_to_event(row)?);
            }
        }
        Ok(Scan { events, scanned: rows.len(), scanned_to })
    }

    /// The position of the newest event (0 when there is none).
    pub async fn head(&self) -> Result<i64, DbError> {
        let row =
            sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM mercato_outbox").fetch_one(self.db.pool()).await?;
        Ok(row.try_get("head")?)
    }

    /// Events after position `after` not yet recorded as handed to NATS, oldest first.
    pub(crate) async fn unpublished(&self, after: i64, limit: i64) -> Result<Vec<Event>, DbError> {
        let rows = sqlx::query(
            "SELECT seq, event_id, event_type, subject, occurred_at, schema_version, traceparent, data
             FROM mercato_outbox WHERE published_at IS NULL AND seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(|r| self.row_to_event(r)).collect()
    }

    /// Marks everything up to `seq` as published.
    pub(crate) async fn mark_published(&self, upto: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE mercato_outbox SET published_at = $1 WHERE seq <= $2 AND published_at IS NULL")
            .bind(crate::db::now())
            .bind(upto)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }
}
