//! Building and running a service: [`ServiceBuilder`] collects a service's parts,
//! [`Application`] binds a port and serves until told to stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::BoxFuture;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{InternalAuth, StaffAuth};
use crate::client::{ClientPolicy, ServiceClient};
use crate::db::{Db, DbError, Migrations};
use crate::discovery::{Discovery, Registration};
use crate::events::nats::{NatsEnv, NatsError};
use crate::events::{EventHandler, Outbox, Subscription, SubscriptionTask, WatchEnv, WatchTask, Watcher};
use crate::http::Problem;
use crate::http::middleware::{self, Observe};
use crate::jwt::JwtVerifier;
use crate::settings::Settings;

/// A service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Settings were invalid.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] DbError),
    /// NATS was configured but unusable.
    #[error(transparent)]
    Nats(#[from] NatsError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The port could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("server failed")]
    Serve(#[source] std::io::Error),
}

/// Background work a service repeats at a fixed interval (see [`ServiceBuilder::every`]).
struct Periodic {
    name: &'static str,
    interval: Duration,
    task: Box<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>,
}

/// Collects a service's database, routes and subscriptions.
pub struct ServiceBuilder {
    settings: Settings,
    discovery: Discovery,
    client: ServiceClient,
    jwt: Arc<JwtVerifier>,
    db: Option<Db>,
    outbox: Option<Outbox>,
    router: OpenApiRouter,
    subscriptions: Vec<SubscriptionTask>,
    watches: Vec<WatchTask>,
    periodic: Vec<Periodic>,
    required: Vec<String>,
    shutdown: CancellationToken,
}

impl std::fmt::Debug for ServiceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceBuilder").field("service", &self.settings.service).finish_non_exhaustive()
    }
}

impl ServiceBuilder {
    /// Starts building the service described by `settings`.
    pub fn new(settings: Settings) -> Result<Self, AppError> {
        crate::init_process();
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            // A service answers what its dependency answered: a redirect is the caller's to
            // follow (a browser behind the gateway, after a form post), never ours.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(AppError::Client)?;
        let discovery = match &settings.registry_url {
            Some(url) => Discovery::registry(url, http.clone()),
            None => Discovery::fixed(settings.upstream_map()?, http.clone()),
        };
        let client = ServiceClient::with_internal_token(
            http,
            discovery.clone(),
            ClientPolicy::default(),
            settings.internal_token.clone(),
        );
        // One verifier (one key cache) per service; it fetches nothing until a token arrives.
        let jwt = JwtVerifier::new(client.clone());
        Ok(Self {
            settings,
            discovery,
            client,
            jwt,
            db: None,
            outbox: None,
            router: OpenApiRouter::new(),
            subscriptions: Vec::new(),
            watches: Vec::new(),
            periodic: Vec::new(),
            required: Vec::new(),
            shutdown: CancellationToken::new(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Opens the service's database and applies its migrations.
    pub async fn database(&mut self, migrations: &Migrations) -> Result<Db, AppError> {
        let db = Db::connect(&self.settings.database_url, self.settings.db_max_connections, migrations).await?;
        self.db = Some(db.clone());
        Ok(db)
    }

    /// The service's outbox; its feed is served at `/v1/events` (and relayed to NATS when
    /// configured).
    pub fn outbox(&mut self, db: &Db) -> Outbox {
        let outbox = Outbox::new(db.clone(), &self.settings.service);
        self.outbox = Some(outbox.clone());
        outbox
    }

    /// The client for calling other services.
    pub fn client(&self) -> ServiceClient {
        self.client.clone()
    }

    /// The service's access-token verifier (identity's JWKS through [`Self::client`], cached).
    /// Every call returns the same one, so all its users share one key cache.
    pub fn jwt_verifier(&self) -> Arc<JwtVerifier> {
        self.jwt.clone()
    }

    /// The staff credential check: the static staff token, or a staff user's access token
    /// (role `staff` or `admin`) verified by [`Self::jwt_verifier`].
    pub fn staff_auth(&self) -> StaffAuth {
        StaffAuth::new(self.settings.staff_token.clone()).with_verifier(self.jwt.clone())
    }

    /// The internal (service-to-service) credential check.
    pub fn internal_auth(&self) -> InternalAuth {
        InternalAuth::new(self.settings.internal_token.clone())
    }

    /// Adds the service's routes (state already applied).
    pub fn routes(mut self, router: OpenApiRouter) -> Self {
        self.router = self.router.merge(router);
        self
    }

    /// Applies `handler` to every event of `subscription`, exactly once.
    pub fn subscribe<H: EventHandler>(mut self, subscription: Subscription, handler: H) -> Self {
        self.subscriptions.push(crate::events::consumer_task(subscription, handler));
        self
    }

    /// Tells `watcher` about every event of `types` (all when empty) that `source` publishes
    /// from now on, in this instance (see [`Watcher`]): for in-memory views, which need no
    /// exactly-once.
    pub fn watch<W: Watcher>(mut self, source: &str, types: &[&str], watcher: Arc<W>) -> Self {
        let types = types.iter().map(|t| (*t).to_owned()).collect();
        self.watches.push(WatchTask { source: source.to_owned(), types, watcher });
        self
    }

    /// Runs `task` every `interval` while the service runs: first right after start, then
    /// `interval` after each run ends (runs never overlap). Shutdown stops the loop and drops a
    /// run in progress, so a task should do its work in transactions. Every replica runs its
    /// own loop; a task that must not run twice at once has to guard itself (a conditional
    /// update, or a [`crate::lease`]). The task handles and logs its own errors.
    pub fn every<F, Fut>(mut self, name: &'static str, interval: Duration, task: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.periodic.push(Periodic { name, interval, task: Box::new(move || Box::pin(task())) });
        self
    }

    /// Declares `service` a critical dependency: this instance is not ready without it.
    pub fn require(mut self, service: &str) -> Self {
        self.required.push(service.to_owned());
        self
    }

    /// Binds the port and prepares everything; nothing is served until
    /// [`Application::run_until_stopped`].
    pub async fn build(self) -> Result<Application, AppError> {
        let settings = self.settings;
        let prometheus = crate::telemetry::prometheus(&settings.service);
        let nats = match &settings.nats_url {
            Some(url) if !url.is_empty() => Some(NatsEnv::connect(url, &settings.nats_prefix).await?),
            _ => None,
        };
        if settings.registry_url.is_some()
            && let Err(err) = self.discovery.refresh(Duration::ZERO).await
        {
            tracing::warn!(error = %err, "registry not reachable yet; will keep trying");
        }

        let mut router = self.router;
        if let Some(outbox) = &self.outbox {
            let feed = crate::events::feed::FeedState {
                outbox: outbox.clone(),
                internal: InternalAuth::new(settings.internal_token.clone()),
            };
            router = router.merge(OpenApiRouter::new().routes(routes!(crate::events::feed::feed)).with_state(feed));
        }
        let (router, mut openapi) = router.split_for_parts();
        openapi.info.title = format!("Mercato {} API", settings.service);
        openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();

        let draining = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(Readiness {
            db: self.db.clone(),
            discovery: self.discovery.clone(),
            required: self.required,
            draining: draining.clone(),
        });
        let observe = Arc::new(Observe {
            service: settings.service.clone(),
            default_timeout: Duration::from_millis(settings.request_timeout_ms),
        });
        let openapi = Arc::new(openapi);
        let chaos = crate::chaos::Chaos::default();
        let router: Router = router
            .merge(crate::chaos::router(chaos.clone(), InternalAuth::new(settings.internal_token.clone())))
            .route("/health/live", get(|| async { "ok" }))
            .route("/health/ready", get(ready_handler).with_state(ready))
            .route("/metrics", get(metrics_handler).with_state(prometheus))
            .route("/openapi.json", get(openapi_handler).with_state(openapi.clone()))
            .fallback(|| async { Problem::not_found("No such endpoint.") })
            .method_not_allowed_fallback(|| async {
                Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed")
                    .with_detail("This endpoint does not support that method.")
            })
            .route_layer(axum::middleware::from_fn_with_state(chaos, crate::chaos::apply))
            .route_layer(axum::middleware::from_fn(middleware::metrics))
            .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
                tracing::error!("handler panicked");
                Problem::internal().into_response()
            }))
            .layer(axum::middleware::from_fn_with_state(observe, middleware::context));

        let listener = bind(settings.bind, settings.reuse_port)
            .map_err(|source| AppError::Bind { addr: settings.bind, source })?;
        let addr = listener.local_addr().map_err(|source| AppError::Bind { addr: settings.bind, source })?;
        Ok(Application {
            settings,
            listener,
            addr,
            router,
            db: self.db,
            outbox: self.outbox,
            nats,
            client: self.client,
            discovery: self.discovery,
            subscriptions: self.subscriptions,
            watches: self.watches,
            periodic: self.periodic,
            draining,
            shutdown: self.shutdown,
            openapi,
        })
    }
}

fn bind(addr: SocketAddr, reuse_port: bool) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    if reuse_port {
        socket.set_reuseport(true)?;
    }
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

struct Readiness {
    db: Option<Db>,
    discovery: Discovery,
    required: Vec<String>,
    draining: Arc<AtomicBool>,
}

async fn ready_handler(State(ready): State<Arc<Readiness>>) -> Response {
    let mut checks = serde_json::Map::new();
    let mut ok = true;
    if ready.draining.load(Ordering::Relaxed) {
        ok = false;
        checks.insert("lifecycle".into(), "draining".into());
    }
    if let Some(db) = &ready.db {
        let status = match tokio::time::timeout(Duration::from_secs(1), db.ping()).await {
            Ok(Ok(())) => "ok",
            _ => {
                ok = false;
                "unavailable"
            }
        };
        checks.insert("database".into(), status.into());
    }
    for service in &ready.required {
        let available = !ready.discovery.endpoints(service).is_empty();
        ok &= available;
        checks.insert(service.clone(), if available { "ok" } else { "unavailable" }.into());
    }
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(serde_json::json!({ "status": if ok { "ready" } else { "not_ready" }, "checks": checks })))
        .into_response()
}

async fn metrics_handler(State(handle): State<PrometheusHandle>) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

async fn openapi_handler(State(openapi): State<Arc<OpenApi>>) -> Response {
    axum::Json(openapi.as_ref().clone()).into_response()
}

/// A bound, ready-to-serve service instance.
pub struct Application {
    settings: Settings,
    listener: TcpListener,
    addr: SocketAddr,
    router: Router,
    db: Option<Db>,
    outbox: Option<Outbox>,
    nats: Option<NatsEnv>,
    client: ServiceClient,
    discovery: Discovery,
    subscriptions: Vec<SubscriptionTask>,
    watches: Vec<WatchTask>,
    periodic: Vec<Periodic>,
    draining: Arc<AtomicBool>,
    shutdown: CancellationToken,
    openapi: Arc<OpenApi>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("service", &self.settings.service)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cancelling this token stops the service as SIGTERM would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The service's OpenAPI document.
    pub fn openapi(&self) -> &OpenApi {
        &self.openapi
    }

    /// Serves until SIGTERM, Ctrl-C or the shutdown token; then stops accepting connections,
    /// finishes in-flight requests (within the grace period) and stops background work.
    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        let Application {
            settings,
            listener,
            addr,
            router,
            db,
            outbox,
            nats,
            client,
            discovery,
            subscriptions,
            watches,
            periodic,
            draining,
            shutdown,
            ..
        } = self;
        let mut tasks = JoinSet::new();
        discovery.spawn_watch(shutdown.clone());

        if let Some(outbox) = outbox.clone()
            && let Some(nats) = nats.clone()
        {
            tasks.spawn(crate::events::nats::relay(
                outbox,
                nats,
                settings.service.clone(),
                settings.instance_id.clone(),
                shutdown.clone(),
            ));
        }
        if let Some(db) = db.clone() {
            let env = crate::events::ConsumerEnv {
                service: settings.service.clone(),
                instance_id: settings.instance_id.clone(),
                db: db.clone(),
                client: client.clone(),
                nats: nats.clone(),
                shutdown: shutdown.clone(),
            };
            for subscription in subscriptions {
                tasks.spawn(subscription(env.clone()));
            }
            let stop = shutdown.clone();
            tasks.spawn(async move {
                loop {
                    if let Err(err) = crate::idempotency::purge_expired(&db).await {
                        tracing::debug!(error = %err, "idempotency purge failed");
                    }
                    tokio::select! { _ = stop.cancelled() => break, _ = tokio::time::sleep(Duration::from_secs(600)) => {} }
                }
            });
        }

        let watch_env = WatchEnv { client: client.clone(), nats: nats.clone(), shutdown: shutdown.clone() };
        for watch in watches {
            tasks.spawn(watch.run(watch_env.clone()));
        }

        for Periodic { name, interval, task } in periodic {
            let stop = shutdown.clone();
            tasks.spawn(async move {
                loop {
                    let run = task().instrument(tracing::info_span!("periodic", task = name));
                    tokio::select! { _ = stop.cancelled() => break, _ = run => {} }
                    tokio::select! { _ = stop.cancelled() => break, _ = tokio::time::sleep(interval) => {} }
                }
            });
        }

        #[cfg(unix)]
        if let Some(supervisor) = settings.supervisor_pid {
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                while !shutdown.is_cancelled() {
                    if std::os::unix::process::parent_id() != supervisor {
                        tracing::warn!("supervisor is gone; shutting down");
                        shutdown.cancel();
                        break;
                    }
                    tokio::select! { _ = shutdown.cancelled() => {}, _ = tokio::time::sleep(Duration::from_secs(1)) => {} }
                }
            });
        }

        // Stop on a signal: first leave the registry and fail readiness, so that callers pick
        // other instances, then drain.
        {
            let shutdown = shutdown.clone();
            let draining = draining.clone();
            let discovery = discovery.clone();
            let instance = settings.instance_id.clone();
            let drain_delay = Duration::from_millis(settings.drain_delay_ms);
            tokio::spawn(async move {
                let signalled = tokio::select! {
                    _ = shutdown.cancelled() => false,
                    _ = terminate_signal() => true,
                };
                draining.store(true, Ordering::Relaxed);
                let _ = discovery.deregister(&instance).await;
                if signalled {
                    tracing::info!(delay_ms = drain_delay.as_millis() as u64, "stop signal received; draining");
                    tokio::time::sleep(drain_delay).await;
                }
                shutdown.cancel();
            });
        }

        let registration =
            Registration { service: settings.service.clone(), addr: addr.to_string(), pid: std::process::id() };
        if let Err(err) = discovery.register(&settings.instance_id, &registration).await {
            tracing::warn!(error = %err, "could not register with the registry");
        }
        tracing::info!(service = %settings.service, instance = %settings.instance_id, %addr, "serving");

        let stop = shutdown.clone();
        // Connect info lets the edge see the peer address (rate limits per client address).
        let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move { stop.cancelled().await });
        let grace = Duration::from_millis(settings.shutdown_grace_ms);
        let served = tokio::spawn(async move { server.await });
        shutdown.cancelled().await;
        let result = match tokio::time::timeout(grace, served).await {
            Ok(Ok(result)) => result.map_err(AppError::Serve),
            Ok(Err(_)) => Ok(()),
            Err(_) => {
                tracing::warn!("in-flight requests did not finish within the grace period");
                Ok(())
            }
        };
        let _ =
            tokio::time::timeout(Duration::from_secs(5), async { while tasks.join_next().await.is_some() {} }).await;
        if let Some(db) = db {
            db.close().await;
        }
        tracing::info!(service = %settings.service, "stopped");
        result
    }
}

async fn terminate_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn periodic_tasks_repeat_until_the_service_stops() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counter = runs.clone();
        let app = ServiceBuilder::new(Settings::for_service("periodic-test", "sqlite::memory:"))
            .expect("settings")
            .every("count", Duration::from_millis(10), move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })
            .build()
            .await
            .expect("binds");
        let stop = app.shutdown_token();
        let running = tokio::spawn(app.run_until_stopped());
        let deadline = Instant::now() + Duration::from_secs(5);
        while runs.load(Ordering::SeqCst) < 3 {
            assert!(Instant::now() < deadline, "the task did not repeat");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.cancel();
        running.await.expect("joins").expect("stops cleanly");
        // `run_until_stopped` returns after its background tasks ended.
        let after = runs.load(Ordering::SeqCst);
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(runs.load(Ordering::SeqCst), after, "no run after shutdown");
    }
}
