//! The Mercato service runtime: everything a service needs that is not commerce.
//!
//! A service builds a [`ServiceBuilder`] from its [`Settings`], hands it its database
//! migrations, its router and its event subscriptions, and gets back an [`Application`]
//! bound to a port. The pieces, one module each:
//!
//! - [`settings`]: typed configuration from defaults, an optional TOML file and `MERCATO_*` env.
//! - [`telemetry`] and [`trace`]: JSON logs, Prometheus metrics, W3C trace context.
//! - [`http`]: the axum server, problem+json errors, extractors, health and metrics endpoints.
//! - [`db`]: one pool over SQLite or PostgreSQL, migrations per backend, write transactions.
//! - [`events`]: the transactional outbox, the embedded feed, the NATS relay, idempotent consumers.
//! - [`discovery`] and [`client`]: where other services are, and how to call them safely
//!   (deadlines, retries with a budget, circuit breakers, bulkheads).
//! - [`idempotency`], [`auth`], [`lease`]: request replay, staff tokens, single-leader tasks.
//!
//! Invariant: no type in this crate knows about products, orders or money.

pub mod app;
pub mod auth;
pub mod client;
pub mod db;
pub mod discovery;
pub mod events;
pub mod http;
pub mod idempotency;
pub mod lease;
pub mod settings;
pub mod telemetry;
pub mod trace;

pub use app::{Application, ServiceBuilder};
pub use settings::Settings;

/// Process-wide setup every binary and test runs first.
///
/// Installs the `ring` TLS provider: with several providers compiled into the graph,
/// rustls refuses to pick one and TLS connections (PostgreSQL, NATS) would panic.
pub fn init_process() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    sqlx::any::install_default_drivers();
}
