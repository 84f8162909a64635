//! The service's database connections when PostgreSQL cuts them (a restart, a failover, an
//! idle timeout in a proxy): the pool must not hand a dead connection to a request.

use std::time::Duration;

use reqwest::StatusCode;
use sqlx::Connection as _;

use crate::helpers::{lines, ok, owned, spawn_app};

#[tokio::test]
async fn carts_are_served_after_postgresql_cut_the_idle_connections() {
    if !runtime::testing::backend_is_postgres() {
        // SQLite's connections are files opened by the process itself: nothing outside cuts
        // them. The PostgreSQL suite (`MERCATO_TEST_BACKEND=postgres`) runs this test.
        return;
    }
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    ok(app.add(&cart, "TEE", 1, None).await, StatusCode::OK).await;

    let mut admin = sqlx::PgConnection::connect(&app.database_url).await.expect("PostgreSQL reachable");
    let cut: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut admin)
    .await
    .expect("terminated");
    assert!(cut > 0, "the service held connections to cut");

    // The pool trusts a connection used within the last second without a ping; every one
    // it holds has now been idle for longer, so each is pinged, found dead and replaced.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for _ in 0..3 {
        let read = app.cart(&cart, None).await;
        assert_eq!(lines(&read), owned(&[("TEE", 1)]));
    }
    let added = ok(app.add(&cart, "TEE", 1, None).await, StatusCode::OK).await;
    assert_eq!(lines(&added), owned(&[("TEE", 2)]));
    let _ = admin.close().await;
}
