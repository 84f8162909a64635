//! Merchant webhooks: registration and its refusals, signed deliveries, retries with the
//! attempts visible, giving up, retrying on request, pausing and removing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    Receiver, cancelled, eventually, fields, ok, order, placed, problem, spawn_app, spawn_with, verify_signature,
};

#[tokio::test]
async fn an_order_placed_is_delivered_signed() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[]).await;
    let response = app
        .call(Method::POST, "/v1/webhooks", Some(json!({ "url": receiver.url, "event_types": ["order.placed"] })))
        .await;
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let created = ok(response, StatusCode::CREATED).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(location, Some(format!("/v1/webhooks/{id}")));
    let secret = created["secret"].as_str().expect("the secret, once").to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");
    assert_eq!((&created["enabled"], &created["event_types"]), (&json!(true), &json!(["order.placed"])));

    // Never again: not when read, not in the list.
    let read = app.call(Method::GET, &format!("/v1/webhooks/{id}"), None).await.text().await.expect("body");
    let list = app.call(Method::GET, "/v1/webhooks", None).await.text().await.expect("body");
    for body in [&read, &list] {
        assert!(!body.contains(&secret) && !body.contains("\"secret\""), "{body}");
    }

    let order = order();
    let event = placed(&order);
    app.apply(&event).await;
    app.apply(&event).await;
    app.apply(&cancelled(&order)).await; // not subscribed
    let delivery = app.settled_delivery(&id).await;
    assert_eq!(app.deliveries(&id).await.len(), 1, "one delivery per event and endpoint");
    assert_eq!(
        (&delivery["status"], &delivery["attempts"], &delivery["last_status"]),
        (&json!("delivered"), &json!(1), &json!(200))
    );
    assert_eq!(delivery["event_id"], event.id.as_str());
    assert!(delivery["delivered_at"].is_string() && delivery["next_attempt_at"].is_null());

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert!(verify_signature(&secret, request), "the signature verifies: {}", request.header("mercato-signature"));
    assert!(!verify_signature("whsec_someone_else", request), "and only with the secret");
    assert_eq!(request.header("mercato-event-id"), event.id);
    assert_eq!(request.header("mercato-delivery-id"), delivery["id"].as_str().expect("id"));
    assert_eq!(request.header("mercato-event-type"), "order.placed");
    assert_eq!(request.header("content-type"), "application/json");
    assert!(request.header("user-agent").starts_with("Mercato-Webhooks/"));
    assert!(request.headers.get("x-mercato-internal").is_none() && request.headers.get("authorization").is_none());
    let body = request.json();
    assert_eq!(
        (&body["specversion"], &body["id"], &body["type"]),
        (&json!("1.0"), &json!(event.id), &json!("order.placed"))
    );
    assert_eq!((&body["source"], &body["subject"]), (&json!("/mercato/orders"), &json!(order.id.as_str())));
    assert_eq!(body["data"]["order"]["id"], order.id.as_str());
    assert_eq!(body["data"]["order"]["total"], json!({ "amount": 4093, "currency": "EUR" }));
}

#[tokio::test]
async fn failed_attempts_are_retried_until_delivered() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[500, 500]).await;
    let webhook = app.register(&receiver.url, &["order.placed", "order.cancelled"]).await;
    let id = webhook["id"].as_str().expect("id");
    let secret = webhook["secret"].as_str().expect("secret");
    let event = placed(&order());
    app.apply(&event).await;

    let delivery = app.settled_delivery(id).await;
    assert_eq!(
        (&delivery["status"], &delivery["attempts"], &delivery["last_status"]),
        (&json!("delivered"), &json!(3), &json!(200)),
        "{delivery}"
    );
    assert!(delivery["last_error"].is_null());
    let received = receiver.received();
    assert_eq!(received.len(), 3, "two 500s, then 200");
    for request in &received {
        assert!(verify_signature(secret, request));
        assert_eq!(request.header("mercato-event-id"), event.id, "the same event every time");
        assert_eq!(request.header("mercato-delivery-id"), delivery["id"].as_str().expect("id"));
        assert_eq!(request.body, received[0].body, "the same body every time");
    }
}

#[tokio::test]
async fn deliveries_give_up_and_can_be_retried_on_request() {
    let app = spawn_with(|s| s.webhook_max_attempts = 3).await;
    let receiver = Receiver::start(&[500, 503, 502]).await;
    let webhook = app.register(&receiver.url, &["order.cancelled"]).await;
    let id = webhook["id"].as_str().expect("id");
    app.apply(&cancelled(&order())).await;

    let failed = app.settled_delivery(id).await;
    assert_eq!(
        (&failed["status"], &failed["attempts"], &failed["last_status"]),
        (&json!("failed"), &json!(3), &json!(502)),
        "{failed}"
    );
    assert_eq!(failed["last_error"], "the endpoint answered 502 Bad Gateway");
    assert!(failed["next_attempt_at"].is_null());
    let listed = app.read(&format!("/v1/webhooks/{id}/deliveries?status=failed")).await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));

    let delivery = failed["id"].as_str().expect("id");
    let retry = app.call(Method::POST, &format!("/v1/webhooks/{id}/deliveries/{delivery}/retry"), None).await;
    let accepted = ok(retry, StatusCode::ACCEPTED).await;
    assert_eq!(accepted["status"], "pending");
    let delivered = eventually("the retried delivery delivered", || async {
        app.deliveries(id).await.into_iter().find(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!((&delivered["attempts"], &delivered["last_status"]), (&json!(4), &json!(200)));
    assert_eq!(receiver.received().len(), 4);

    let other = "dlv_0193a4c1e7d27c3a9b1f4e2d8c6a5b40";
    problem(
        app.call(Method::POST, &format!("/v1/webhooks/{id}/deliveries/{other}/retry"), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn unreachable_endpoints_time_out_and_are_retried() {
    let app = spawn_with(|s| {
        s.webhook_max_attempts = 2;
        s.webhook_timeout = std::time::Duration::from_millis(200);
    })
    .await;
    // Accepts connections but never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", silent.local_addr().expect("addr"));
    let webhook = app.register(&url, &["order.placed"]).await;
    app.apply(&placed(&order())).await;
    let failed = app.settled_delivery(webhook["id"].as_str().expect("id")).await;
    assert_eq!((&failed["status"], &failed["attempts"]), (&json!("failed"), &json!(2)), "{failed}");
    assert_eq!(failed["last_error"], "no answer within 200 ms");
    assert!(failed["last_status"].is_null());
    drop(silent);
}

#[tokio::test]
async fn paused_and_removed_webhooks_get_nothing() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&[]).await;
    let webhook = app.register(&receiver.url, &["order.placed"]).await;
    let id = webhook["id"].as_str().expect("id");
    let path = format!("/v1/webhooks/{id}");
    let paused =
        ok(app.call(Method::PATCH, &path, Some(json!({ "enabled": false, "description": "" }))).await, StatusCode::OK)
            .await;
    assert_eq!((&paused["enabled"], &paused["description"]), (&json!(false), &json!(null)));
    app.apply(&placed(&order())).await;
    assert!(app.deliveries(id).await.is_empty(), "a paused webhook gets no deliveries");

    let resumed =
        app.call(Method::PATCH, &path, Some(json!({ "enabled": true, "event_types": ["order.cancelled"] }))).await;
    assert_eq!(ok(resumed, StatusCode::OK).await["event_types"], json!(["order.cancelled"]));
    let order = order();
    app.apply(&placed(&order)).await;
    app.apply(&cancelled(&order)).await;
    let delivery = app.settled_delivery(id).await;
    assert_eq!((&delivery["event_type"], &delivery["status"]), (&json!("order.cancelled"), &json!("delivered")));
    let bad = app.call(Method::PATCH, &path, Some(json!({ "url": "ftp://example.com", "event_types": ["x"] }))).await;
    assert_eq!(fields(&problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await), ["url", "event_types[0]"]);

    assert_eq!(app.call(Method::DELETE, &path, None).await.status(), StatusCode::NO_CONTENT);
    problem(app.call(Method::GET, &path, None).await, StatusCode::NOT_FOUND).await;
    problem(app.call(Method::GET, &format!("{path}/deliveries"), None).await, StatusCode::NOT_FOUND).await;
    problem(app.call(Method::DELETE, &path, None).await, StatusCode::NOT_FOUND).await;
    app.apply(&placed(&crate::helpers::order())).await;
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn internal_targets_bad_schemes_and_unknown_types_are_refused() {
    let app = spawn_with(|s| s.allow_private_webhooks = false).await;
    let register = |url: &str, types: serde_json::Value| {
        app.call(Method::POST, "/v1/webhooks", Some(json!({ "url": url, "event_types": types })))
    };
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.20.0.1/hook",
        "http://[::1]/hook",
        "http://localhost:3000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://2130706433/hook",
    ] {
        let body = problem(register(url, json!(["order.placed"])).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), ["url"], "{url}");
        assert!(body["errors"][0]["message"].as_str().expect("message").contains("loopback, private"), "{url}: {body}");
    }
    for url in ["ftp://example.com/hook", "file:///etc/passwd", "https://user:pw@example.com/hook", "not a url"] {
        let body = problem(register(url, json!(["order.placed"])).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), ["url"], "{url}");
    }
    let body = problem(
        register("https://example.com/hook", json!(["order.placed", "order.exploded"])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&body), ["event_types[1]"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("order.placed, order.shipped, order.cancelled")
    );
    let body = problem(register("https://example.com/hook", json!([])).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["event_types"]);
    let body =
        problem(register("https://example.com/hook", json!("order.placed")).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&body), ["event_types"]);
    assert!(app.read("/v1/webhooks").await["data"].as_array().expect("data").is_empty(), "nothing registered");

    // A public endpoint is fine (nothing is sent to it here: no event is applied).
    let created = app.register("https://hooks.example.com/mercato", &["order.placed"]).await;
    assert_eq!(created["url"], "https://hooks.example.com/mercato");
}

#[tokio::test]
async fn registration_is_idempotent_with_a_key() {
    let app = spawn_app().await;
    let body = json!({ "url": "https://hooks.example.com/a", "event_types": ["order.placed"] });
    let send = |body: serde_json::Value| {
        app.staff(Method::POST, "/v1/webhooks").header("idempotency-key", "k-1").json(&body).send()
    };
    let first = ok(send(body.clone()).await.expect("sent"), StatusCode::CREATED).await;
    let replay = send(body.clone()).await.expect("sent");
    assert_eq!(replay.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(ok(replay, StatusCode::CREATED).await, first);
    let other = json!({ "url": "https://hooks.example.com/b", "event_types": ["order.placed"] });
    problem(send(other).await.expect("sent"), StatusCode::CONFLICT).await;
    assert_eq!(app.read("/v1/webhooks").await["data"].as_array().map(Vec::len), Some(1));
}
