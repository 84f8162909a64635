//! The rules of notifications, without IO: which events the service reacts to, e-mail
//! templates (validation, the defaults, rendering), webhook endpoints (URL and event-type
//! validation, which addresses are off limits, the signature), and the retry schedules.

pub mod retry;
pub mod templates;
pub mod webhooks;

/// The event types the service consumes (all published by orders): each renders an e-mail
/// and can be subscribed to by webhooks. Adding one here (with its template in
/// [`templates`]) extends both.
pub const EVENT_TYPES: &[&str] = &["order.placed", "order.shipped", "order.cancelled"];

/// The producing service of [`EVENT_TYPES`].
pub const EVENT_SOURCE: &str = "orders";
