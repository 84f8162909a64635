//! Events between services: a transactional outbox in each producer, delivered either by the
//! producer's own long-poll feed (embedded mode) or by a relay to NATS JetStream
//! (production), to consumers that apply each event exactly once through an inbox.

mod consumer;
mod envelope;
pub(crate) mod feed;
pub(crate) mod nats;
mod outbox;
mod watch;

pub(crate) use consumer::{ConsumerEnv, SubscriptionTask, task as consumer_task};
pub use consumer::{EventHandler, HandlerError, Subscription};
pub use envelope::{Event, NewEvent};
pub use feed::FeedPage;
pub use outbox::{Outbox, Scan};
pub use watch::Watcher;
pub(crate) use watch::{WatchEnv, WatchTask};
