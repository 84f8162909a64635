//! The outbox feed: every change is announced as a CloudEvent, in order.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{SHORT, fields, problem, spawn_app};

#[tokio::test]
async fn changes_are_published_in_order_as_cloudevents() {
    let app = spawn_app().await;
    let created = app.create_product("boot", &["BOOT-42"]).await;
    let id = created["id"].as_str().expect("id");
    app.patch(&format!("/v1/products/{id}"), None, &json!({ "name": "Hiking Boot" })).await;
    app.post(&format!("/v1/products/{id}/archive"), &json!({})).await;

    let page: Value = app.get_internal("/v1/events?after=0").await.json().await.expect("json");
    let events = page["data"].as_array().expect("data");
    let types: Vec<_> = events.iter().map(|e| e["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(types, ["product.created", "product.updated", "product.archived"]);
    for e in events {
        assert_eq!(e["specversion"], "1.0");
        assert_eq!(e["source"], "/mercato/catalog");
        assert_eq!(e["subject"], id);
        assert_eq!(e["schemaversion"], 1);
        assert!(e["id"].as_str().is_some_and(|i| i.starts_with("evt_")));
        assert!(e["traceparent"].as_str().is_some_and(|t| t.starts_with("00-")));
    }
    assert_eq!(events[1]["data"]["product"]["name"], "Hiking Boot");
    assert_eq!(events[0]["data"]["product"]["variants"][0]["sku"], "BOOT-42");
    assert_eq!(page["next"], events[2]["seq"]);

    let rest: Value = app.get_internal(&format!("/v1/events?after={}", page["next"])).await.json().await.expect("json");
    assert_eq!(rest["data"], json!([]));
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_an_event_is_written() {
    let app = spawn_app().await;
    let poll = app.internal(reqwest::Method::GET, "/v1/events?after=0&wait=8").timeout(SHORT).send();
    let create = async {
        // The poll is in flight before the write; the write must wake it.
        tokio::task::yield_now().await;
        app.create_product("cap", &["CAP-1"]).await
    };
    let (polled, _) = tokio::join!(poll, create);
    let page: Value = polled.expect("poll answered").json().await.expect("json");
    let events = page["data"].as_array().expect("data");
    // Either the poll saw the event arrive, or it started after the write; both must show it
    // unless the poll timed out empty — which would mean the wake-up was lost.
    assert_eq!(events.len(), 1, "{page}");
}

#[tokio::test]
async fn feed_parameters_are_validated() {
    let app = spawn_app().await;
    for (query, field) in [
        ("after=-1", "after"),
        ("limit=0", "limit"),
        ("wait=99", "wait"),
        ("after=x", "after"),
        ("types=", "types"),
        ("types=Product.Created", "types"),
        ("types=product.created,,product.updated", "types"),
    ] {
        let p = problem(app.get_internal(&format!("/v1/events?{query}")).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(fields(&p), vec![field], "{query}");
    }
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests_and_refuses_new_ones() {
    let app = spawn_app().await;
    let in_flight = app.internal(reqwest::Method::GET, "/v1/events?after=0&wait=2").timeout(SHORT).send();
    let stop = async {
        // Stop once the long poll is inside its handler.
        let deadline = tokio::time::Instant::now() + SHORT;
        loop {
            let metrics = app.get("/metrics").await.text().await.expect("metrics");
            let polling = metrics.lines().any(|l| {
                l.starts_with("http_server_requests_in_flight")
                    && l.contains("route=\"/v1/events\"")
                    && l.ends_with(" 1")
            });
            if polling {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "the long poll never reached the handler");
            tokio::task::yield_now().await;
        }
        app.begin_shutdown();
    };
    let (answered, ()) = tokio::join!(in_flight, stop);
    let answered = answered.expect("the in-flight request completes during the drain");
    assert_eq!(answered.status(), StatusCode::OK);
    let refused = reqwest::Client::new().get(format!("{}/health/live", app.base)).timeout(SHORT).send().await;
    assert!(refused.is_err(), "no new connections after the drain");
}

#[tokio::test]
async fn the_feed_is_only_for_platform_services() {
    let app = spawn_app().await;
    problem(app.get("/v1/events?after=0").await, StatusCode::FORBIDDEN).await;
    let forged = app
        .http
        .get(format!("{}/v1/events?after=0", app.base))
        .header("x-mercato-internal", "guess")
        .send()
        .await
        .expect("sent");
    problem(forged, StatusCode::FORBIDDEN).await;
    let staff = app.staff(reqwest::Method::GET, "/v1/events?after=0").send().await.expect("sent");
    problem(staff, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_types_filter_returns_only_those_events_and_moves_past_the_rest() {
    let app = spawn_app().await;
    let created = app.create_product("boot", &["BOOT-42"]).await;
    let id = created["id"].as_str().expect("id");
    app.patch(&format!("/v1/products/{id}"), None, &json!({ "name": "Hiking Boot" })).await;
    app.post(&format!("/v1/products/{id}/archive"), &json!({})).await;
    let all: Value = app.get_internal("/v1/events?after=0").await.json().await.expect("json");
    let seqs: Vec<i64> =
        all["data"].as_array().expect("data").iter().map(|e| e["seq"].as_i64().expect("seq")).collect();

    let page: Value =
        app.get_internal("/v1/events?after=0&types=product.created,product.archived").await.json().await.expect("json");
    let types: Vec<_> =
        page["data"].as_array().expect("data").iter().map(|e| e["type"].as_str().expect("type")).collect();
    assert_eq!(types, ["product.created", "product.archived"]);
    assert_eq!(page["next"], seqs[2]);

    // Nothing after the first event is wanted: the page is empty but `next` has read past it
    // all, so the reader does not read those events again.
    let page: Value = app
        .get_internal(&format!("/v1/events?after={}&types=product.created", seqs[0]))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["next"], seqs[2]);

    // A page limit counts the events read, kept or not: a full page of others moves `next`
    // on, and a long poll reads on past them at once.
    let page: Value =
        app.get_internal("/v1/events?after=0&limit=2&types=product.archived").await.json().await.expect("json");
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["next"], seqs[1]);
    let page: Value =
        app.get_internal("/v1/events?after=0&limit=2&types=product.archived&wait=5").await.json().await.expect("json");
    assert_eq!(page["data"][0]["type"], "product.archived");
    assert_eq!(page["next"], seqs[2]);
}
