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
//! - [`idempotency`], [`auth`], [`jwt`], [`lease`]: request replay, staff and internal
//!   credentials, access-token verification against identity's JWKS, single-leader tasks.
//!
//! Invariant: no type in this crate knows about products, orders or money.

pub mod app;
pub mod auth;
pub mod chaos;
pub mod client;
pub mod db;
pub mod discovery;
pub mod events;
pub mod http;
pub mod idempotency;
pub mod jwt;
pub mod lease;
pub mod settings;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod trace;

pub use app::{Application, ServiceBuilder};
pub use settings::Settings;

/// The full cause chain of an error, for one log field (`Display` never repeats the source).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

/// Process-wide setup every binary and test runs first.
///
/// Installs the `ring` TLS provider: with several providers compiled into the graph,
/// rustls refuses to pick one and TLS connections (PostgreSQL, NATS) would panic.
pub fn init_process() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    sqlx::any::install_default_drivers();
}

/// The whole `main` of a service binary: loads settings for `service`, sets up logging,
/// builds the service with `build`, and serves until stopped. Returns the process exit code.
pub fn run<F, Fut>(service: &str, build: F) -> std::process::ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = Result<Application, app::AppError>>,
{
    init_process();
    let settings = match Settings::load(service) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{service}: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init_logging(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{service}: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move { build(settings).await?.run_until_stopped().await });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %error_chain(&err), "{service} stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}
