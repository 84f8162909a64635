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
            let mut conn = sqlx::PgConnection::connect(&format!("{server}/postgres")).await.expect("PostgreSQL reachable for tests");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut conn).await.expect("create test database");
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
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}
