//! The transactional outbox: a state change and the event announcing it commit together.

use std::sync::Arc;

use sqlx::Row as _;
use tokio::sync::Notify;

use super::envelope::{Event, NewEvent};
use crate::db::{Backend, Db, DbError, Tx};
use crate::trace::RequestContext;

/// Events written per statement. Each binds five values (and the statement two shared ones),
/// so this stays far below the bind limits (SQLite 32766, PostgreSQL 65535) while keeping the
/// statement text, and the number of distinct statements each connection caches, bounded.
const EVENTS_PER_STATEMENT: usize = 500;

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
    /// Shared: an outbox is part of its service's state, which is cloned per request.
    source: Arc<str>,
    appended: Arc<Notify>,
}

impl Outbox {
    /// The outbox of `service` in its database.
    pub fn new(db: Db, service: &str) -> Self {
        Self { db, source: format!("/mercato/{service}").into(), appended: Arc::new(Notify::new()) }
    }

    /// Writes `event` inside `tx`; it is published only if `tx` commits.
    pub async fn append(&self, tx: &mut Tx, event: NewEvent) -> Result<String, DbError> {
        let id = new_event_id();
        self.insert(tx, std::slice::from_ref(&id), std::slice::from_ref(&event)).await?;
        Ok(id)
    }

    /// Writes `events` inside `tx`, in order, in one statement (per 500 events); returns their
    /// ids in the same order.
    pub async fn append_all(&self, tx: &mut Tx, events: Vec<NewEvent>) -> Result<Vec<String>, DbError> {
        let ids: Vec<String> = events.iter().map(|_| new_event_id()).collect();
        for (ids, events) in ids.chunks(EVENTS_PER_STATEMENT).zip(events.chunks(EVENTS_PER_STATEMENT)) {
            self.insert(tx, ids, events).await?;
        }
        Ok(ids)
    }

    /// Inserts `events` with `ids` (as many) in one statement, `seq` ascending in their order.
    async fn insert(&self, tx: &mut Tx, ids: &[String], events: &[NewEvent]) -> Result<(), DbError> {
        debug_assert_eq!(ids.len(), events.len());
        if events.is_empty() {
            return Ok(());
        }
        let traceparent = RequestContext::current().map(|c| c.trace.to_header());
        let backend = self.db.backend();
        // Only placeholders are formatted into the text; the values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(insert_sql(backend, events.len())))
            .bind(crate::db::now())
            .bind(traceparent);
        for (ordinal, (id, event)) in ids.iter().zip(events).enumerate() {
            query = query
                .bind(id)
                .bind(&event.event_type)
                .bind(&event.subject)
                .bind(event.schema_version)
                .bind(event.data.to_string());
            if matches!(backend, Backend::Postgres) {
                query = query.bind(ordinal as i64);
            }
        }
        query.execute(&mut **tx).await?;
        Ok(())
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
            source: self.source.to_string(),
            event_type: row.try_get("event_type")?,
            subject: row.try_get("subject")?,
            time: row.try_get("occurred_at")?,
            datacontenttype: "application/json".into(),
            schemaversion: row.try_get("schema_version")?,
            traceparent: row.try_get("traceparent")?,
            seq: Some(row.try_get("seq")?),
            data: serde_json::from_str(&data).map_err(DbError::decode)?,
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
        .fetch_all(&mut *self.db.acquire().await?)
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
        let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS head FROM mercato_outbox")
            .fetch_one(&mut *self.db.acquire().await?)
            .await?;
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
        .fetch_all(&mut *self.db.acquire().await?)
        .await?;
        rows.iter().map(|r| self.row_to_event(r)).collect()
    }

    /// Marks everything up to `seq` as published.
    pub(crate) async fn mark_published(&self, upto: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE mercato_outbox SET published_at = $1 WHERE seq <= $2 AND published_at IS NULL")
            .bind(crate::db::now())
            .bind(upto)
            .execute(&mut *self.db.acquire().await?)
            .await?;
        Ok(())
    }
}

fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::now_v7().simple())
}

/// The insert of `rows` events: `$1` is the time and `$2` the trace, shared by all of them;
/// each row binds its id, type, subject, schema version and data.
fn insert_sql(backend: Backend, rows: usize) -> String {
    // The two shared values (the time and the trace) come first: `db::values` binds them once.
    const COLUMNS: &str = "occurred_at, traceparent, event_id, event_type, subject, schema_version, data";
    match backend {
        // Sequence values are taken at insert but become visible at commit; holding this lock
        // until commit makes commit order equal `seq` order, so a feed reader that has seen
        // `seq = n` can never later find a smaller one appear. The rows (and their `seq`) exist
        // only once the lock is taken; one statement saves a round trip. The rows are sorted
        // by their bound ordinal before `seq` is drawn for each, so `seq` follows the given order.
        Backend::Postgres => format!(
            "INSERT INTO mercato_outbox ({COLUMNS}) SELECT {COLUMNS}
             FROM (SELECT pg_advisory_xact_lock(72432)) AS outbox_lock, (VALUES {}) AS v ({COLUMNS}, ordinal)
             ORDER BY ordinal",
            crate::db::values(2, 6, rows)
        ),
        // SQLite has one writer at a time: `seq` follows commit order, and row order.
        Backend::Sqlite => format!("INSERT INTO mercato_outbox ({COLUMNS}) VALUES {}", crate::db::values(2, 5, rows)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> NewEvent {
        NewEvent::new("thing.happened", 1, format!("thing_{n}"), &serde_json::json!({ "n": n })).expect("serialises")
    }

    /// Appends in two transactions (one a batch crossing a statement boundary) and reads back.
    async fn batches_keep_their_order(db: &Db) {
        let outbox = Outbox::new(db.clone(), "test");
        let mut tx = db.begin().await.expect("begins");
        assert!(outbox.append_all(&mut tx, Vec::new()).await.expect("appended").is_empty());
        let first = outbox.append(&mut tx, numbered(0)).await.expect("appended");
        let batch = outbox.append_all(&mut tx, (1..4).map(numbered).collect()).await.expect("appended");
        outbox.commit(tx).await.expect("committed");
        assert_eq!(batch.len(), 3);

        let mut tx = db.begin().await.expect("begins");
        let long = outbox.append_all(&mut tx, (4..EVENTS_PER_STATEMENT + 6).map(numbered).collect()).await;
        outbox.commit(tx).await.expect("committed");
        let long = long.expect("appended");

        let scan = outbox.read_after(0, 10_000, None).await.expect("read");
        let ids: Vec<&str> = scan.events.iter().map(|e| e.id.as_str()).collect();
        let expected: Vec<&str> = [&first].into_iter().chain(&batch).chain(&long).map(String::as_str).collect();
        assert_eq!(ids, expected, "every event once, in the order given");
        let seqs: Vec<i64> = scan.events.iter().filter_map(|e| e.seq).collect();
        assert_eq!(seqs.len(), expected.len());
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq ascends in the order given");
        for (n, event) in scan.events.iter().enumerate() {
            assert_eq!(event.subject, format!("thing_{n}"));
            assert_eq!(event.data, serde_json::json!({ "n": n }));
            assert_eq!((event.event_type.as_str(), event.schemaversion), ("thing.happened", 1));
        }
        assert_eq!(outbox.head().await.expect("head"), seqs.last().copied().unwrap_or_default());

        // An empty batch writes nothing.
        let mut tx = db.begin().await.expect("begins");
        assert!(outbox.append_all(&mut tx, Vec::new()).await.expect("appended").is_empty());
        outbox.commit(tx).await.expect("committed");
        assert_eq!(outbox.read_after(0, 10_000, None).await.expect("read").scanned, expected.len());
    }

    /// On the backend the suite runs on (`MERCATO_TEST_BACKEND`).
    #[tokio::test]
    async fn a_batch_is_appended_in_order() {
        static NO_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate::Migrator::DEFAULT;
        let database = crate::testing::TestDatabase::new("outbox").await;
        let db =
            Db::connect(&database.url, 2, &crate::db::Migrations { sqlite: &NO_MIGRATIONS, postgres: &NO_MIGRATIONS })
                .await
                .expect("the test database opens");
        batches_keep_their_order(&db).await;
        db.close().await;
    }
}
