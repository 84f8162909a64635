//! The outbox feed: every change of a payment is announced with its snapshot.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{DECLINED, TIMEOUT, UNAVAILABLE, payment_body, problem, spawn_app};

#[tokio::test]
async fn every_change_is_published_with_the_payment_snapshot() {
    let app = spawn_app().await;
    let captured = app.authorized("chk_ev1", 3000).await;
    let id = &captured["id"];
    app.operate(id, "capture", Some(json!({ "amount": { "amount": 2000, "currency": "EUR" } }))).await;
    app.operate(id, "refund", Some(json!({ "amount": { "amount": 500, "currency": "EUR" } }))).await;
    app.operate(id, "refund", None).await;
    let voided = app.authorized("chk_ev2", 100).await;
    app.operate(&voided["id"], "void", None).await;
    let declined =
        problem(app.authorize("chk_ev3", &payment_body("chk_ev3", 100, DECLINED)).await, StatusCode::PAYMENT_REQUIRED)
            .await;
    let timed_out =
        problem(app.authorize("chk_ev4", &payment_body("chk_ev4", 100, TIMEOUT)).await, StatusCode::GATEWAY_TIMEOUT)
            .await;
    let unavailable = problem(
        app.authorize("chk_ev5", &payment_body("chk_ev5", 100, UNAVAILABLE)).await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;

    let events = app.events().await;
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default(),
                e["subject"].as_str().unwrap_or_default(),
                e["data"]["payment"]["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let id = id.as_str().expect("id");
    let voided = voided["id"].as_str().expect("id");
    assert_eq!(
        seen,
        [
            ("payment.authorized", id, "authorized"),
            ("payment.captured", id, "captured"),
            ("payment.refunded", id, "captured"),
            ("payment.refunded", id, "refunded"),
            ("payment.authorized", voided, "authorized"),
            ("payment.voided", voided, "voided"),
            ("payment.declined", declined["payment_id"].as_str().expect("id"), "declined"),
            ("payment.failed", timed_out["payment_id"].as_str().expect("id"), "failed"),
            ("payment.failed", unavailable["payment_id"].as_str().expect("id"), "failed"),
        ]
    );
    for e in &events {
        assert_eq!(e["source"], "/mercato/payments");
        assert_eq!(e["schemaversion"], 1);
        assert!(e["id"].as_str().is_some_and(|i| i.starts_with("evt_")));
    }
    assert_eq!(events[1]["data"]["amount"], json!({ "amount": 2000, "currency": "EUR" }));
    assert_eq!(events[2]["data"]["amount"], json!({ "amount": 500, "currency": "EUR" }));
    assert_eq!(events[3]["data"]["amount"], json!({ "amount": 1500, "currency": "EUR" }));
    assert_eq!(events[3]["data"]["payment"]["refunded"], json!({ "amount": 2000, "currency": "EUR" }));
    assert_eq!(events[6]["data"]["payment"]["decline_code"], "card_declined");
    assert_eq!(events[7]["data"]["payment"]["failure_code"], "provider_timeout");
    assert_eq!(events[8]["data"]["payment"]["failure_code"], "provider_unavailable");

    // The snapshot in the last event of a payment is the payment as read.
    let last: &Value = &events[3]["data"]["payment"];
    assert_eq!(*last, app.payment(&json!(id)).await);
}

#[tokio::test]
async fn the_published_events_decode_as_the_contracts() {
    use contracts::payments::{PaymentAuthorized, PaymentCaptured};
    let app = spawn_app().await;
    let payment = app.authorized("chk_contract", 990).await;
    app.operate(&payment["id"], "capture", None).await;
    let events = app.events().await;
    let authorized: PaymentAuthorized = serde_json::from_value(events[0]["data"].clone()).expect("decodes");
    assert_eq!(authorized.payment.id.as_str(), payment["id"]);
    let captured: PaymentCaptured = serde_json::from_value(events[1]["data"].clone()).expect("decodes");
    assert_eq!(captured.amount.amount, 990);
}
