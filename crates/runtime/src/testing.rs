//! Test support: a fresh database for a service under test, on the backend CI selects with
//! `MERCATO_TEST_BACKEND` (`sqlite`, the default, or `postgres`, with the server at
//! `MERCATO_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432`).

use sqlx::Connection as _;

/// Which backend the tests run against.
pub fn backend_is_postgres() -> bool {
    std::env::var("MERCATO_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The PostgreSQL server tests use.
pub fn postgres_server() -> String {
    std::env::var("MERCATO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A unique name prefix for this test's databases and NATS subjects.
pub fn unique_prefix() -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!("mt{}", &id[id.len() - 12..])
}

/// A database that exists for one test and is removed afterwards.
#[derive(Debug)]
pub struct TestDatabase {
    /// URL to give the service.
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A fresh database named after `service`.
    pub async fn new(service: &str) -> Self {
        crate::init_process();
        if backend_is_postgres() {
            let name = format!("{}_{service}", unique_prefix());
            let server = postgres_server();
            let mut conn = sqlx::PgConnection::connect(&format!("{server}/postgres"))
                .await
                .expect("PostgreSQL reachable for tests");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let _ = conn.close().await;
            Self { url: format!("{server}/{name}"), postgres_name: Some(name), _dir: None }
        } else {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/{service}.db?mode=rwc", dir.path().display());
            Self { url, postgres_name: None, _dir: Some(dir) }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else { return };
        let server = postgres_server();
        // Drop runs outside any async context we can rely on; use a short-lived thread.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
                    let _ =
                        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
    }
}

/// The staff token test services are started with.
pub const STAFF_TOKEN: &str = "test-staff-token-0123456789";
/// The internal token test services are started with.
pub const INTERNAL_TOKEN: &str = "test-internal-token-9876543210";

/// A service running in this test process on a random port, with its own database.
#[derive(Debug)]
pub struct TestService {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A plain HTTP client.
    pub http: reqwest::Client,
    /// The database URL the service uses (to open a second pool on it).
    pub database_url: String,
    shutdown: tokio_util::sync::CancellationToken,
    _db: TestDatabase,
}

impl Drop for TestService {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The settings test services start with: `service` on port 0 over `database_url`, with the
/// test credentials.
fn test_settings(service: &str, database_url: &str) -> crate::Settings {
    let mut settings = crate::Settings::for_service(service, database_url);
    settings.staff_token = Some(crate::settings::Secret::new(STAFF_TOKEN));
    settings.internal_token = Some(crate::settings::Secret::new(INTERNAL_TOKEN));
    settings.body_limit_bytes = 64 * 1024;
    settings
}

/// Starts `service` with `build` on port 0 and a fresh database; `configure` may adjust settings.
pub async fn spawn<F, Fut>(service: &str, build: F, configure: impl FnOnce(&mut crate::Settings)) -> TestService
where
    F: FnOnce(crate::Settings) -> Fut,
    Fut: Future<Output = Result<crate::Application, crate::app::AppError>>,
{
    let db = TestDatabase::new(service).await;
    let mut settings = test_settings(service, &db.url);
    configure(&mut settings);
    let app = build(settings).await.expect("service builds");
    let base = format!("http://{}", app.local_addr());
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    TestService { base, http: reqwest::Client::new(), database_url: db.url.clone(), shutdown, _db: db }
}

/// A second instance of a service on another's database, as a replica runs (stopped when
/// dropped).
#[derive(Debug)]
pub struct Replica {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    shutdown: tokio_util::sync::CancellationToken,
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl TestService {
    /// Starts another instance of `service` with `build` on this one's database, with the
    /// test credentials, as a second replica would run.
    pub async fn replica<F, Fut>(&self, service: &str, build: F) -> Replica
    where
        F: FnOnce(crate::Settings) -> Fut,
        Fut: Future<Output = Result<crate::Application, crate::app::AppError>>,
    {
        let app = build(test_settings(service, &self.database_url)).await.expect("the replica builds");
        let base = format!("http://{}", app.local_addr());
        let shutdown = app.shutdown_token();
        tokio::spawn(app.run_until_stopped());
        Replica { base, shutdown }
    }

    /// Starts a graceful shutdown, as SIGTERM would.
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("request sent")
    }

    /// A request to `path` with the staff token.
    pub fn staff(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(STAFF_TOKEN)
    }

    /// A request to `path` as another platform service.
    pub fn internal(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).header(crate::auth::INTERNAL_HEADER, INTERNAL_TOKEN)
    }

    /// GET `path` as another platform service.
    pub async fn get_internal(&self, path: &str) -> reqwest::Response {
        self.internal(reqwest::Method::GET, path).send().await.expect("request sent")
    }

    /// POST JSON as staff.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.staff(reqwest::Method::POST, path).json(body).send().await.expect("request sent")
    }

    /// PUT JSON as staff.
    pub async fn put(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.staff(reqwest::Method::PUT, path).json(body).send().await.expect("request sent")
    }
}

/// Asserts a problem+json response with `status` and returns its body.
pub async fn problem(response: reqwest::Response, status: reqwest::StatusCode) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    let body: serde_json::Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["type"].as_str().is_some_and(|t| t.starts_with("urn:mercato:problem:")));
    body
}

/// The `field`s of a problem's `errors`.
pub fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Serves `router` on a free loopback port for the rest of the test; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// The events a [`fake_feed`] serves, in order: push to publish.
pub type FeedEvents = std::sync::Arc<std::sync::Mutex<Vec<crate::events::Event>>>;

/// A producer's event feed (`GET /v1/events?after=`, for platform services only, as the real
/// one) serving the events pushed into the returned list at positions 1, 2, …; returns its
/// base URL. A poll with nothing new answers empty a little later, like a long poll.
pub async fn fake_feed() -> (String, FeedEvents) {
    let (router, events) = fake_feed_router();
    (serve(router).await, events)
}

/// The router of a [`fake_feed`], to merge with a fake producer's own routes.
pub fn fake_feed_router() -> (axum::Router, FeedEvents) {
    use axum::extract::{Query, State};
    use axum::response::IntoResponse as _;

    async fn feed(
        State(events): State<FeedEvents>,
        headers: axum::http::HeaderMap,
        Query(query): Query<std::collections::BTreeMap<String, String>>,
    ) -> axum::response::Response {
        if headers.get(crate::auth::INTERNAL_HEADER).is_none() {
            return axum::http::StatusCode::FORBIDDEN.into_response();
        }
        if query.get("latest").is_some_and(|l| l == "true") {
            let next = events.lock().expect("lock").len();
            return axum::Json(serde_json::json!({ "data": [], "next": next })).into_response();
        }
        let after: usize = query.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
        let (data, next): (Vec<crate::events::Event>, usize) = {
            let events = events.lock().expect("lock");
            let data = events
                .iter()
                .enumerate()
                .skip(after)
                .map(|(i, e)| crate::events::Event { seq: Some(i as i64 + 1), ..e.clone() })
                .collect();
            (data, events.len().max(after))
        };
        if data.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        axum::Json(serde_json::json!({ "data": data, "next": next })).into_response()
    }
    let events = FeedEvents::default();
    let router = axum::Router::new().route("/v1/events", axum::routing::get(feed)).with_state(events.clone());
    (router, events)
}
