//! Idempotent consumers. Each event is applied in a transaction that also records its id in
//! the consumer's inbox (and, for the embedded feed, the new position), so at-least-once
//! delivery gives exactly-once effects.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::envelope::Event;
use super::feed::{FeedPage, TypeFilter};
use crate::client::{Call, ServiceClient};
use crate::db::{Db, DbError, Tx};
use crate::lease::Lease;
use crate::trace::{RequestContext, TraceContext};

/// What a consumer listens to.
#[derive(Clone, Debug)]
pub struct Subscription {
    /// Durable name, unique within the consuming service (`products`).
    pub name: String,
    /// The producing service (`catalog`).
    pub source: String,
    /// Event types to apply; others are skipped (and still acknowledged).
    pub types: Vec<String>,
}

impl Subscription {
    /// Subscribes `name` to `types` published by `source`.
    pub fn new(name: &str, source: &str, types: &[&str]) -> Self {
        Self { name: name.into(), source: source.into(), types: types.iter().map(|t| (*t).to_owned()).collect() }
    }
}

/// Why a handler could not apply an event.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The payload does not match the schema the consumer reads.
    #[error("event payload does not match its schema")]
    Decode(#[from] serde_json::Error),
    /// The consumer's database failed.
    #[error("consumer database failed")]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for HandlerError {
    fn from(err: sqlx::Error) -> Self {
        HandlerError::Db(err.into())
    }
}

/// Applies events of a subscription to the consumer's own state, inside the given transaction.
pub trait EventHandler: Send + Sync + 'static {
    /// Applies one event. Must only touch the database through `tx`.
    fn handle(&self, tx: &mut Tx, event: &Event) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Everything a running consumer needs from its service.
#[derive(Clone)]
pub(crate) struct ConsumerEnv {
    pub service: String,
    pub instance_id: String,
    pub db: Db,
    pub client: ServiceClient,
    pub nats: Option<super::nats::NatsEnv>,
    pub shutdown: CancellationToken,
}

/// A subscription bound to its handler, ready to be spawned.
pub(crate) type SubscriptionTask = Box<dyn FnOnce(ConsumerEnv) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

pub(crate) fn task<H: EventHandler>(subscription: Subscription, handler: H) -> SubscriptionTask {
    Box::new(move |env: ConsumerEnv| {
        Box::pin(async move {
            let consumer = Arc::new(Consumer {
                name: format!("{}.{}", env.service, subscription.name),
                subscription,
                handler,
                env,
            });
            consumer.run().await;
        })
    })
}

pub(crate) struct Consumer<H> {
    /// `<service>.<subscription>`: the inbox, cursor and lease key.
    name: String,
    subscription: Subscription,
    handler: H,
    env: ConsumerEnv,
}

enum Applied {
    Done,
    LostLease,
}

const MAX_ATTEMPTS: u32 = 5;

/// Events asked for per feed poll.
const FEED_PAGE: usize = 200;

/// Inbox rows written per statement.
const INBOX_ROWS: usize = 100;

/// After a partial page, how long a feed consumer waits before polling again, so that
/// events arriving meanwhile are applied in one transaction (one fsync, one HTTP round trip)
/// rather than one poll each. Under a steady stream it bounds the polls to 40 a second per
/// consumer; it adds at most this much to the lag.
pub(crate) const LINGER: Duration = Duration::from_millis(25);

impl<H: EventHandler> Consumer<H> {
    async fn run(self: Arc<Self>) {
        tracing::info!(consumer = %self.name, source = %self.subscription.source, "consumer started");
        match self.env.nats.clone() {
            Some(nats) => super::nats::consume(self.clone(), nats).await,
            None => self.consume_feed().await,
        }
    }

    /// Embedded mode: one instance holds the lease and long-polls the producer's feed.
    async fn consume_feed(&self) {
        let lease = Lease::new(
            self.env.db.clone(),
            format!("consumer:{}", self.name),
            &self.env.instance_id,
            Duration::from_secs(15),
        );
        let mut backoff = Backoff::new();
        let mut filter = TypeFilter::new(&self.subscription.types);
        // How far the feed has shown nothing this consumer applies: no need to save it, as
        // reading those events again would only skip them again.
        let mut skipped_to = 0;
        // The position this instance last saved, while it has held the lease since: nobody
        // else moves the cursor then, so it need not be read back before every poll.
        let mut saved: Option<i64> = None;
        while !self.env.shutdown.is_cancelled() {
            match lease.try_acquire().await {
                Ok(true) => {}
                Ok(false) => {
                    saved = None;
                    self.pause(Duration::from_secs(1)).await;
                    continue;
                }
                Err(err) => {
                    saved = None;
                    tracing::warn!(consumer = %self.name, error = %err, "lease check failed");
                    self.pause(backoff.next()).await;
                    continue;
                }
            }
            let stored = match saved {
                Some(position) => Ok(position),
                None => self.position().await,
            };
            let position = match stored {
                Ok(p) => p.max(skipped_to),
                Err(err) => {
                    tracing::warn!(consumer = %self.name, error = %err, "reading the cursor failed");
                    self.pause(backoff.next()).await;
                    continue;
                }
            };
            let call = Call::get(format!("/v1/events?after={position}&limit={FEED_PAGE}&wait=5{}", filter.query()))
                .timeout(Duration::from_secs(8))
                .internal();
            let page = tokio::select! {
                _ = self.env.shutdown.cancelled() => break,
                reply = self.env.client.send(&self.subscription.source, call) => reply,
            };
            let page: FeedPage = match page.and_then(|r| r.json()) {
                Ok(page) => page,
                Err(err) if filter.refused(&err) => {
                    tracing::info!(consumer = %self.name, "the producer's feed does not filter by type; reading all of it");
                    continue;
                }
                Err(err) => {
                    tracing::debug!(consumer = %self.name, error = %err, "feed unavailable; backing off");
                    self.pause(backoff.next()).await;
                    continue;
                }
            };
            backoff.reset();
            if page.data.is_empty() {
                skipped_to = skipped_to.max(page.next);
                continue;
            }
            match self.apply_all(&page.data, Some(&lease), Some(page.next)).await {
                Err(err) => {
                    saved = None;
                    tracing::warn!(consumer = %self.name, error = %err, "applying events failed; will retry");
                    self.pause(backoff.next()).await;
                }
                Ok(whole) => {
                    saved = whole.then_some(page.next);
                    if page.data.len() < FEED_PAGE {
                        self.pause(LINGER).await;
                    }
                }
            }
        }
        let _ = lease.release().await;
    }

    pub(crate) async fn pause(&self, d: Duration) {
        tokio::select! {
            _ = self.env.shutdown.cancelled() => {}
            _ = tokio::time::sleep(d) => {}
        }
    }

    async fn position(&self) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT position FROM mercato_cursors WHERE consumer = $1")
            .bind(&self.name)
            .fetch_optional(&mut *self.env.db.acquire().await?)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("position")?,
            None => 0,
        })
    }

    /// Applies a batch in one transaction, saving the feed position `upto` with it (embedded
    /// mode); when a handler fails, falls back to one event at a time so that a single bad
    /// event is retried and, at last, dead-lettered, instead of blocking the stream.
    ///
    /// True when the batch committed in that one transaction (so `upto` is the saved
    /// position); false when the lease was lost or the batch went event by event.
    pub(crate) async fn apply_all(
        &self,
        events: &[Event],
        lease: Option<&Lease>,
        upto: Option<i64>,
    ) -> Result<bool, DbError> {
        match self.apply(events, lease, upto).await {
            Ok(Applied::Done) => return Ok(true),
            Ok(Applied::LostLease) => return Ok(false),
            Err(ApplyError::Db(err)) => return Err(err),
            Err(ApplyError::Handler { .. }) => {}
        }
        for event in events {
            let mut attempt = 0;
            loop {
                attempt += 1;
                let upto = upto.and(event.seq);
                match self.apply(std::slice::from_ref(event), lease, upto).await {
                    Ok(Applied::Done) => break,
                    Ok(Applied::LostLease) => return Ok(false),
                    Err(ApplyError::Db(err)) => return Err(err),
                    Err(ApplyError::Handler { error, .. }) if attempt >= MAX_ATTEMPTS => {
                        tracing::error!(consumer = %self.name, event_id = %event.id, event_type = %event.event_type, error = %error, "event dead-lettered");
                        self.dead_letter(event, &error, upto).await?;
                        metrics::counter!("events_dead_lettered_total", "consumer" => self.name.clone()).increment(1);
                        break;
                    }
                    Err(ApplyError::Handler { error, .. }) => {
                        tracing::warn!(consumer = %self.name, event_id = %event.id, attempt, error = %error, "event failed; retrying");
                        self.pause(Duration::from_millis(100 << attempt)).await;
                        if self.env.shutdown.is_cancelled() {
                            return Ok(false);
                        }
                    }
                }
            }
        }
        Ok(false)
    }

    async fn apply(&self, events: &[Event], lease: Option<&Lease>, upto: Option<i64>) -> Result<Applied, ApplyError> {
        let mut tx = self.env.db.begin().await?;
        if let Some(lease) = lease
            && !lease.renew_in(&mut tx).await?
        {
            return Ok(Applied::LostLease);
        }
        let wanted: Vec<&Event> =
            events.iter().filter(|e| self.subscription.types.iter().any(|t| t == &e.event_type)).collect();
        let mut fresh = self.record_in_inbox(&mut tx, &wanted).await?;
        let (mut applied, mut duplicates) = (0u64, 0u64);
        for event in wanted {
            // Each id once: a redelivered copy in the same batch is a duplicate too.
            if !fresh.remove(event.id.as_str()) {
                duplicates += 1;
                continue;
            }
            let trace = event
                .traceparent
                .as_deref()
                .and_then(TraceContext::parse)
                .map_or_else(TraceContext::new_root, |t| t.child());
            let span = tracing::info_span!("event", consumer = %self.name, event_id = %event.id, event_type = %event.event_type, trace_id = %trace.trace_id());
            let ctx = RequestContext { trace, request_id: event.id.clone(), deadline: None };
            ctx.scope(self.handler.handle(&mut tx, event))
                .instrument(span)
                .await
                .map_err(|error| ApplyError::Handler { error })?;
            applied += 1;
        }
        if let Some(upto) = upto {
            self.save_position(&mut tx, upto).await?;
        }
        tx.commit().await.map_err(DbError::from)?;
        // How far behind its producer this consumer runs: the age of the newest event it has
        // just applied (the console's Platform page shows it; alert on it in production).
        if let Some(age) = events.last().and_then(|e| event_age(&e.time)) {
            metrics::gauge!("events_consumer_lag_seconds", "consumer" => self.name.clone()).set(age);
        }
        metrics::counter!("events_consumed_total", "consumer" => self.name.clone()).increment(applied);
        metrics::counter!("events_duplicate_total", "consumer" => self.name.clone()).increment(duplicates);
        Ok(Applied::Done)
    }

    /// Records `events` in the inbox in one statement per [`INBOX_ROWS`], returning the ids
    /// that were not there yet: the events to apply.
    async fn record_in_inbox(&self, tx: &mut Tx, events: &[&Event]) -> Result<HashSet<String>, DbError> {
        let mut ids: Vec<&str> = Vec::with_capacity(events.len());
        for event in events {
            if !ids.contains(&event.id.as_str()) {
                ids.push(&event.id);
            }
        }
        let mut fresh = HashSet::with_capacity(ids.len());
        let now = crate::db::now();
        for chunk in ids.chunks(INBOX_ROWS) {
            let sql = format!(
                "INSERT INTO mercato_inbox (consumer, processed_at, event_id) VALUES {}
                 ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id",
                crate::db::values(2, 1, chunk.len())
            );
            // Only placeholders are formatted into the text; the values are bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.name).bind(&now);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut **tx).await? {
                fresh.insert(row.try_get::<String, _>("event_id")?);
            }
        }
        Ok(fresh)
    }

    async fn save_position(&self, tx: &mut Tx, position: i64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO mercato_cursors (consumer, position) VALUES ($1, $2)
             ON CONFLICT (consumer) DO UPDATE SET position = excluded.position
             WHERE mercato_cursors.position < excluded.position",
        )
        .bind(&self.name)
        .bind(position)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn dead_letter(&self, event: &Event, error: &HandlerError, upto: Option<i64>) -> Result<(), DbError> {
        let mut tx = self.env.db.begin().await?;
        sqlx::query(
            "INSERT INTO mercato_dead_letters (consumer, event_id, event, error, failed_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (consumer, event_id) DO NOTHING",
        )
        .bind(&self.name)
        .bind(&event.id)
        .bind(serde_json::to_string(event).unwrap_or_default())
        .bind(format!("{error}: {}", std::error::Error::source(error).map(ToString::to_string).unwrap_or_default()))
        .bind(crate::db::now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO mercato_inbox (consumer, event_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT (consumer, event_id) DO NOTHING")
            .bind(&self.name)
            .bind(&event.id)
            .bind(crate::db::now())
            .execute(&mut *tx)
            .await?;
        if let Some(upto) = upto {
            self.save_position(&mut tx, upto).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn subscription(&self) -> &Subscription {
        &self.subscription
    }

    pub(crate) fn shutdown(&self) -> &CancellationToken {
        &self.env.shutdown
    }
}

#[derive(Debug, thiserror::Error)]
enum ApplyError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("handler failed")]
    Handler { error: HandlerError },
}

/// Exponential backoff with full jitter, for reconnect loops.
pub(crate) struct Backoff {
    attempt: u32,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Self { attempt: 0 }
    }
    pub(crate) fn next(&mut self) -> Duration {
        self.attempt = (self.attempt + 1).min(6);
        let cap = 100u64 << self.attempt; // 200 ms … 6.4 s
        Duration::from_millis(cap / 2 + fastrand::u64(0..=cap / 2))
    }
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Seconds since an event's RFC 3339 `time`, if it parses (never negative across clock skew).
fn event_age(time: &str) -> Option<f64> {
    let at = time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339).ok()?;
    Some((time::OffsetDateTime::now_utc() - at).as_seconds_f64().max(0.0))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;
    use crate::client::ClientPolicy;
    use crate::db::TemporarySqlite;
    use crate::discovery::Discovery;

    /// Remembers the ids it applied, in order.
    #[derive(Default)]
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl EventHandler for Recorder {
        async fn handle(&self, _tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(event.id.clone());
            Ok(())
        }
    }

    fn event(id: &str, event_type: &str) -> Event {
        Event {
            specversion: "1.0".into(),
            id: id.into(),
            source: "/mercato/catalog".into(),
            event_type: event_type.into(),
            subject: "p".into(),
            time: crate::db::now(),
            datacontenttype: "application/json".into(),
            schemaversion: 1,
            traceparent: None,
            seq: None,
            data: serde_json::json!({}),
        }
    }

    #[tokio::test]
    async fn a_batch_applies_each_new_event_once_and_skips_what_the_inbox_holds() {
        let temporary = TemporarySqlite::open("consumer", 2).await;
        let db = temporary.db.clone();
        let http = reqwest::Client::new();
        let env = ConsumerEnv {
            service: "search".into(),
            instance_id: "i1".into(),
            db: db.clone(),
            client: ServiceClient::new(http.clone(), Discovery::fixed(BTreeMap::new(), http), ClientPolicy::default()),
            nats: None,
            shutdown: CancellationToken::new(),
        };
        let applied = Arc::new(Mutex::new(Vec::new()));
        let consumer = Consumer {
            name: "search.products".into(),
            subscription: Subscription::new("products", "catalog", &["product.created"]),
            handler: Recorder(applied.clone()),
            env,
        };

        let first = [
            event("e1", "product.created"),
            event("e2", "product.created"),
            event("x", "other"),
            event("e1", "product.created"),
        ];
        consumer.apply_all(&first, None, None).await.expect("applied");
        let second = [event("e2", "product.created"), event("e3", "product.created")];
        consumer.apply_all(&second, None, None).await.expect("applied");

        let applied = applied.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        assert_eq!(applied, ["e1", "e2", "e3"], "each wanted event once, in order");
        let inbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mercato_inbox WHERE consumer = 'search.products'")
            .fetch_one(&mut *db.acquire().await.expect("a connection"))
            .await
            .expect("counted");
        assert_eq!(inbox, 3);
        temporary.remove().await;
    }
}
