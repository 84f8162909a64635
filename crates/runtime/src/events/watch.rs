//! Watching a producer's events from now on, in memory and in every instance: what keeps a
//! read model or a cache in step with the data it copies. Unlike a [`super::Subscription`]
//! a watch is not durable (no cursor, no inbox, no lease): a watcher that starts, restarts or
//! loses the stream cannot know what it missed, so it is told ([`Watcher::lost`]) and must
//! drop what it holds until the stream is followed again ([`Watcher::live`]).

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::consumer::{Backoff, LINGER};
use super::envelope::Event;
use super::feed::{FeedPage, TypeFilter};
use super::nats::NatsEnv;
use crate::client::{Call, ServiceClient};

/// Events asked for per feed poll.
const WATCH_PAGE: usize = 500;

/// Keeps an in-memory view in step with one producer's events.
pub trait Watcher: Send + Sync + 'static {
    /// The stream is followed: every event published from now on will arrive, in order.
    fn live(&self);
    /// One event, in the producer's order.
    fn event(&self, event: &Event);
    /// The stream broke: events may be missed until the next [`Watcher::live`].
    fn lost(&self);
}

/// Everything a running watch needs from its service.
#[derive(Clone)]
pub(crate) struct WatchEnv {
    pub client: ServiceClient,
    pub nats: Option<NatsEnv>,
    pub shutdown: CancellationToken,
}

/// A watch of `source` bound to its watcher, ready to be spawned.
pub(crate) struct WatchTask {
    pub source: String,
    /// The event types the watcher wants (all when empty).
    pub types: Vec<String>,
    pub watcher: Arc<dyn Watcher>,
}

impl WatchTask {
    pub(crate) async fn run(self, env: WatchEnv) {
        tracing::info!(source = %self.source, "watching events");
        match env.nats.clone() {
            Some(nats) => self.follow_nats(nats, &env.shutdown).await,
            None => self.follow_feed(&env.client, &env.shutdown).await,
        }
    }

    /// Whether the watcher asked for events of this type.
    fn wants(&self, event: &Event) -> bool {
        self.types.is_empty() || self.types.contains(&event.event_type)
    }

    /// Embedded mode: asks the producer's feed for its head, then long-polls from there. After
    /// a failed poll it resumes where it was, so once the feed answers again nothing is missed.
    async fn follow_feed(&self, client: &ServiceClient, shutdown: &CancellationToken) {
        let mut position: Option<i64> = None;
        let mut following = false;
        let mut backoff = Backoff::new();
        let mut filter = TypeFilter::new(&self.types);
        while !shutdown.is_cancelled() {
            let path = match position {
                None => "/v1/events?latest=true".to_owned(),
                Some(after) => format!("/v1/events?after={after}&limit={WATCH_PAGE}&wait=5{}", filter.query()),
            };
            let call = Call::get(path).timeout(Duration::from_secs(8)).internal();
            let page = tokio::select! {
                _ = shutdown.cancelled() => break,
                reply = client.send(&self.source, call) => reply.and_then(|r| r.json::<FeedPage>()),
            };
            match page {
                Ok(page) => {
                    backoff.reset();
                    if !following {
                        following = true;
                        self.watcher.live();
                    }
                    for event in page.data.iter().filter(|e| self.wants(e)) {
                        self.watcher.event(event);
                    }
                    position = Some(page.next);
                    if !page.data.is_empty() && page.data.len() < WATCH_PAGE {
                        pause(shutdown, LINGER).await;
                    }
                }
                Err(err) if filter.refused(&err) => {
                    tracing::info!(source = %self.source, "the producer's feed does not filter by type; reading all of it");
                }
                Err(err) => {
                    if following {
                        tracing::debug!(source = %self.source, error = %err, "event feed lost");
                        following = false;
                        self.watcher.lost();
                    }
                    pause(shutdown, backoff.next()).await;
                }
            }
        }
    }

    /// Production: an ordered ephemeral consumer per instance, delivering what is published
    /// from its creation on. The client re-creates it across gaps by itself; an error it
    /// cannot mend ends the stream, and a new consumer starts from the new head.
    async fn follow_nats(&self, env: NatsEnv, shutdown: &CancellationToken) {
        let mut backoff = Backoff::new();
        while !shutdown.is_cancelled() {
            let config = pull::OrderedConfig {
                filter_subject: format!("{}.{}.>", env.prefix, super::nats::token(&self.source)),
                deliver_policy: DeliverPolicy::New,
                ..Default::default()
            };
            let messages = match env.stream().await {
                Ok(stream) => match stream.create_consumer(config).await {
                    Ok(consumer) => consumer.messages().await.map_err(|e| e.to_string()),
                    Err(err) => Err(err.to_string()),
                },
                Err(err) => Err(err.to_string()),
            };
            let mut messages = match messages {
                Ok(messages) => messages,
                Err(err) => {
                    tracing::debug!(source = %self.source, error = %err, "cannot watch the NATS stream");
                    pause(shutdown, backoff.next()).await;
                    continue;
                }
            };
            backoff.reset();
            self.watcher.live();
            loop {
                let message = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    message = messages.next() => message,
                };
                match message {
                    Some(Ok(message)) => match serde_json::from_slice::<Event>(&message.payload) {
                        Ok(event) if self.wants(&event) => self.watcher.event(&event),
                        Ok(_) => {}
                        Err(err) => tracing::warn!(source = %self.source, error = %err, "not a CloudEvent; skipped"),
                    },
                    Some(Err(err)) => {
                        tracing::debug!(source = %self.source, error = %err, "NATS watch lost");
                        break;
                    }
                    None => break,
                }
            }
            self.watcher.lost();
            pause(shutdown, backoff.next()).await;
        }
    }
}

async fn pause(shutdown: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}
