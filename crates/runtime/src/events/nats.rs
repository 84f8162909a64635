//! Production delivery: a relay publishes the outbox to NATS JetStream (message id = event id,
//! so JetStream drops a re-publish after a relay crash), and consumers read through durable
//! pull consumers, acknowledging only after their transaction committed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::consumer::{Backoff, Consumer as RunningConsumer, EventHandler};
use super::envelope::Event;
use super::outbox::Outbox;
use crate::lease::Lease;

/// A JetStream connection and the platform's subject prefix.
#[derive(Clone, Debug)]
pub(crate) struct NatsEnv {
    pub js: jetstream::Context,
    pub prefix: String,
}

/// NATS could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    /// The server could not be reached.
    #[error("cannot connect to NATS")]
    Connect(#[from] async_nats::ConnectError),
    /// The event stream could not be created or read.
    #[error("cannot set up the JetStream event stream: {0}")]
    Stream(String),
}

pub(crate) fn token(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

impl NatsEnv {
    /// Connects and makes sure the platform's stream exists.
    pub(crate) async fn connect(url: &str, prefix: &str) -> Result<Self, NatsError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .name("mercato")
            .connect(url)
            .await?;
        let env = NatsEnv { js: jetstream::new(client), prefix: token(prefix) };
        env.stream().await?;
        Ok(env)
    }

    pub(crate) async fn stream(&self) -> Result<jetstream::stream::Stream, NatsError> {
        self.js
            .get_or_create_stream(jetstream::stream::Config {
                name: format!("{}-events", self.prefix),
                subjects: vec![format!("{}.>", self.prefix)],
                duplicate_window: Duration::from_secs(120),
                max_age: Duration::from_secs(7 * 24 * 3600),
                ..Default::default()
            })
            .await
            .map_err(|e| NatsError::Stream(e.to_string()))
    }

    fn subject(&self, service: &str, event_type: &str) -> String {
        format!("{}.{}.{}", self.prefix, token(service), event_type)
    }
}

/// How often the relay records how far it has published. Between records a restarted relay
/// sends at most this much again, and JetStream drops the copies (message id = event id,
/// within the stream's duplicate window), so the record need not cost a write per batch.
const MARK_EVERY: Duration = Duration::from_secs(1);

/// Events read from the outbox and published at a time.
const RELAY_BATCH: i64 = 200;

/// Publishes the outbox while this instance holds the relay lease.
pub(crate) async fn relay(
    outbox: Outbox,
    env: NatsEnv,
    service: String,
    instance: String,
    shutdown: CancellationToken,
) {
    let lease = Lease::new(outbox.db().clone(), "relay:nats", instance, Duration::from_secs(15));
    let mut backoff = Backoff::new();
    // Sent to NATS but not yet recorded; rows commit in `seq` order, so nothing unpublished
    // can appear at or below it.
    let mut sent_to: Option<i64> = None;
    let mut marked = Instant::now();
    let pause = |d: Duration| {
        let shutdown = shutdown.clone();
        async move {
            tokio::select! { _ = shutdown.cancelled() => {}, _ = tokio::time::sleep(d) => {} }
        }
    };
    while !shutdown.is_cancelled() {
        match lease.try_acquire().await {
            Ok(true) => {}
            Ok(false) => {
                sent_to = None;
                pause(Duration::from_secs(1)).await;
                continue;
            }
            Err(err) => {
                tracing::warn!(error = %err, "relay lease check failed");
                pause(backoff.next()).await;
                continue;
            }
        }
        let appended = outbox.appended().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        let events = match outbox.unpublished(sent_to.unwrap_or(0), RELAY_BATCH).await {
            Ok(events) => events,
            Err(err) => {
                tracing::warn!(error = %err, "reading the outbox failed");
                pause(backoff.next()).await;
                continue;
            }
        };
        if let Some(last) = events.last().and_then(|e| e.seq) {
            if let Err(err) = publish(&env, &service, &events).await {
                tracing::warn!(error = %err, "publishing to NATS failed; retrying");
                pause(backoff.next()).await;
                continue;
            }
            backoff.reset();
            metrics::counter!("outbox_relayed_total").increment(events.len() as u64);
            sent_to = Some(last);
        }
        if let Some(upto) = sent_to
            && marked.elapsed() >= MARK_EVERY
        {
            mark(&outbox, upto).await;
            sent_to = None;
            marked = Instant::now();
        }
        if events.len() as i64 == RELAY_BATCH {
            continue;
        }
        // Whatever committed since the read began has already woken `appended`; the timer
        // covers other replicas' appends and a pending record.
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = appended => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
    if let Some(upto) = sent_to {
        mark(&outbox, upto).await;
    }
    let _ = lease.release().await;
}

async fn mark(outbox: &Outbox, upto: i64) {
    if let Err(err) = outbox.mark_published(upto).await {
        tracing::warn!(error = %err, "marking events published failed; they will be re-sent and de-duplicated");
    }
}

async fn publish(env: &NatsEnv, service: &str, events: &[Event]) -> Result<(), NatsError> {
    let mut acks = Vec::with_capacity(events.len());
    for event in events {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, event.id.as_str());
        let payload = serde_json::to_vec(event).map_err(|e| NatsError::Stream(e.to_string()))?;
        let ack = env
            .js
            .publish_with_headers(env.subject(service, &event.event_type), headers, payload.into())
            .await
            .map_err(|e| NatsError::Stream(e.to_string()))?;
        acks.push(ack);
    }
    for ack in acks {
        ack.await.map_err(|e| NatsError::Stream(e.to_string()))?;
    }
    Ok(())
}

/// Events applied in one transaction at most.
const BATCH: usize = 200;

/// Consumes a subscription through a durable pull consumer shared by all replicas.
pub(crate) async fn consume<H: EventHandler>(consumer: Arc<RunningConsumer<H>>, env: NatsEnv) {
    let subscription = consumer.subscription().clone();
    let durable = token(&format!("{}-{}", env.prefix, consumer.name()));
    let mut backoff = Backoff::new();
    'connect: while !consumer.shutdown().is_cancelled() {
        let pull = match env.stream().await {
            Ok(stream) => stream
                .get_or_create_consumer(
                    &durable,
                    pull::Config {
                        durable_name: Some(durable.clone()),
                        filter_subject: format!("{}.{}.>", env.prefix, token(&subscription.source)),
                        ack_policy: AckPolicy::Explicit,
                        deliver_policy: DeliverPolicy::All,
                        ack_wait: Duration::from_secs(30),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| NatsError::Stream(e.to_string())),
            Err(err) => Err(err),
        };
        let pull = match pull {
            Ok(pull) => pull,
            Err(err) => {
                tracing::warn!(consumer = %consumer.name(), error = %err, "cannot create the NATS consumer");
                consumer.pause(backoff.next()).await;
                continue;
            }
        };
        // A continuous pull: the server sends events as they are published, so an idle
        // consumer waits on the connection (a one-shot `fetch` answers "no messages" at once,
        // and polling it spins). What arrived while the last batch was applied is the next.
        let messages = match pull.messages().await {
            Ok(messages) => messages,
            Err(err) => {
                tracing::warn!(consumer = %consumer.name(), error = %err, "cannot pull from the NATS consumer");
                consumer.pause(backoff.next()).await;
                continue;
            }
        };
        let mut chunks = messages.ready_chunks(BATCH);
        loop {
            let chunk = tokio::select! {
                _ = consumer.shutdown().cancelled() => break 'connect,
                chunk = chunks.next() => chunk,
            };
            let Some(chunk) = chunk else {
                consumer.pause(backoff.next()).await;
                continue 'connect;
            };
            let mut broken = None;
            let mut messages = Vec::with_capacity(chunk.len());
            let mut events = Vec::with_capacity(chunk.len());
            for message in chunk {
                let message = match message {
                    Ok(message) => message,
                    Err(err) => {
                        broken = Some(err);
                        break;
                    }
                };
                match serde_json::from_slice::<Event>(&message.payload) {
                    Ok(event) => {
                        events.push(event);
                        messages.push(message);
                    }
                    Err(err) => {
                        tracing::error!(consumer = %consumer.name(), error = %err, "not a CloudEvent; terminating the message");
                        let _ = message.ack_with(jetstream::AckKind::Term).await;
                    }
                }
            }
            if !events.is_empty() {
                match consumer.apply_all(&events, None, None).await {
                    Ok(_) => {
                        backoff.reset();
                        for message in messages {
                            if let Err(err) = message.ack().await {
                                // Redelivered later and skipped by the inbox.
                                tracing::debug!(error = %err, "ack failed");
                            }
                        }
                    }
                    Err(err) => {
                        tracing::warn!(consumer = %consumer.name(), error = %err, "applying events failed; they will be redelivered");
                        // Handed back now, rather than after `ack_wait`, for the next pull.
                        for message in messages {
                            let _ = message.ack_with(jetstream::AckKind::Nak(None)).await;
                        }
                        consumer.pause(backoff.next()).await;
                        continue 'connect;
                    }
                }
            }
            if let Some(err) = broken {
                tracing::warn!(consumer = %consumer.name(), error = %err, "the NATS pull broke; pulling again");
                consumer.pause(backoff.next()).await;
                continue 'connect;
            }
        }
    }
}
