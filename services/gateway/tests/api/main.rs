//! The gateway on its own: its edge behaviour when upstreams are missing or refuse
//! connections, and its product-page cache against fake owners (`pages`). Owners whose events
//! the gateway watches (catalog, pricing, inventory) see background calls that would also
//! move their breakers, so the edge tests use orders. Routing to real services is covered by the system tests.

use std::net::TcpListener;

use reqwest::StatusCode;
use runtime::testing::{TestService, problem};

/// An address nothing listens on.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

async fn gateway(upstreams: String) -> TestService {
    runtime::testing::spawn(gateway::SERVICE, gateway::build, move |s| s.upstreams = upstreams).await
}

#[tokio::test]
async fn an_unreachable_owner_is_a_clean_503_with_retry_after() {
    let gw = gateway(format!("orders={}", closed_port())).await;
    let response = gw.get("/api/v1/orders").await;
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    let p = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("orders")));
    assert!(p["request_id"].is_string(), "a 5xx carries the request id");
}

#[tokio::test]
async fn an_unconfigured_owner_is_503_and_unknown_resources_are_404() {
    let gw = gateway(String::new()).await;
    problem(gw.get("/api/v1/availability?sku=A").await, StatusCode::SERVICE_UNAVAILABLE).await;
    problem(gw.get("/api/v1/nonsense").await, StatusCode::NOT_FOUND).await;
    // The event feed is internal: not part of the public surface.
    problem(gw.get("/api/v1/events").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_circuit_opens_after_repeated_failures() {
    let gw = gateway(format!("orders={}", closed_port())).await;
    let mut details = Vec::new();
    for _ in 0..8 {
        let p = problem(gw.get("/api/v1/orders").await, StatusCode::SERVICE_UNAVAILABLE).await;
        details.push(p["detail"].as_str().unwrap_or_default().to_owned());
    }
    assert!(details.last().is_some_and(|d| d.contains("paused")), "{details:?}");
    let metrics = gw.get("/metrics").await.text().await.expect("text");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("client_circuit_transitions_total")
                && l.contains("dependency=\"orders\",to=\"open\"")),
        "{metrics}"
    );
}

#[tokio::test]
async fn requests_get_a_request_id_and_keep_a_valid_one() {
    let gw = gateway(String::new()).await;
    let generated = gw.get("/api/v1/products").await;
    assert!(generated.headers().contains_key("x-request-id"));
    let kept = gw
        .http
        .get(format!("{}/api/v1/products", gw.base))
        .header("x-request-id", "req-abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.headers()["x-request-id"], "req-abc-123");
}

mod pages;
