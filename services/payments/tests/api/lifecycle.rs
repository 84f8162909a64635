//! Capture, void and refund: the state machine, amounts, and concurrent operations.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{DECLINED, fields, payment_body, problem, spawn_app};

fn eur(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "EUR" })
}

#[tokio::test]
async fn capture_then_partial_refunds_then_an_over_refund_is_refused() {
    let app = spawn_app().await;
    let payment = app.authorized("chk_refunds", 5000).await;
    let id = &payment["id"];

    let response = app.operate(id, "capture", Some(json!({ "amount": eur(4000) }))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let captured: Value = response.json().await.expect("json");
    assert_eq!(captured["status"], "captured");
    assert_eq!(captured["captured"], eur(4000));
    assert_eq!(captured["amount"], eur(5000));
    assert_eq!(captured["version"], 3);

    let response = app.operate(id, "refund", Some(json!({ "amount": eur(1500) }))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let partly: Value = response.json().await.expect("json");
    assert_eq!(partly["status"], "captured", "a partial refund keeps the payment captured");
    assert_eq!(partly["refunded"], eur(1500));

    // More than what is left (2500) is a 422 naming the amount, and changes nothing.
    let over = problem(
        app.operate(id, "refund", Some(json!({ "amount": eur(2501) }))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&over), ["amount.amount"]);
    assert!(over["errors"][0]["message"].as_str().is_some_and(|m| m.contains("25.00 EUR")), "{over}");
    assert_eq!(app.payment(id).await, partly);

    let response = app.operate(id, "refund", Some(json!({ "amount": eur(2500) }))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let refunded: Value = response.json().await.expect("json");
    assert_eq!(refunded["status"], "refunded");
    assert_eq!(refunded["refunded"], eur(4000));

    let again = problem(app.operate(id, "refund", Some(json!({ "amount": eur(1) }))).await, StatusCode::CONFLICT).await;
    assert_eq!(again["type"], "urn:mercato:problem:invalid-payment-state");
    assert_eq!(again["status"], 409);
    assert_eq!(app.provider_authorization(id).await, Some(("refunded".into(), 4000, 4000)));
}

#[tokio::test]
async fn capture_defaults_to_everything_and_happens_once() {
    let app = spawn_app().await;
    let payment = app.authorized("chk_full", 2599).await;
    let id = &payment["id"];
    let response = app.operate(id, "capture", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let captured: Value = response.json().await.expect("json");
    assert_eq!(captured["captured"], eur(2599));

    let twice = problem(app.operate(id, "capture", None).await, StatusCode::CONFLICT).await;
    assert_eq!(twice["type"], "urn:mercato:problem:invalid-payment-state");
    let void = problem(app.operate(id, "void", None).await, StatusCode::CONFLICT).await;
    assert_eq!(void["type"], "urn:mercato:problem:invalid-payment-state");
    assert_eq!(void["status"], 409);
    assert!(void["detail"].as_str().is_some_and(|d| d.contains("captured")), "{void}");

    // A full refund without a body gives everything back.
    let response = app.operate(id, "refund", None).await;
    assert_eq!(response.json::<Value>().await.expect("json")["status"], "refunded");
}

#[tokio::test]
async fn capture_amounts_are_checked() {
    let app = spawn_app().await;
    let payment = app.authorized("chk_amounts", 1000).await;
    let id = &payment["id"];
    let over = problem(
        app.operate(id, "capture", Some(json!({ "amount": eur(1001) }))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&over), ["amount.amount"]);
    let usd = json!({ "amount": { "amount": 10, "currency": "USD" } });
    let other = problem(app.operate(id, "capture", Some(usd)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&other), ["amount.currency"]);
    let zero =
        problem(app.operate(id, "capture", Some(json!({ "amount": eur(0) }))).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(fields(&zero), ["amount.amount"]);
    let unknown =
        problem(app.operate(id, "capture", Some(json!({ "amont": eur(1) }))).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&unknown), ["amont"]);
    assert_eq!(app.payment(id).await, payment, "nothing changed");
}

#[tokio::test]
async fn void_cancels_an_authorization_and_twice_is_harmless() {
    let app = spawn_app().await;
    let payment = app.authorized("chk_void", 800).await;
    let id = &payment["id"];
    let internal_void = app
        .internal(reqwest::Method::POST, &format!("/v1/payments/{}/void", id.as_str().expect("id")))
        .send()
        .await
        .expect("sent");
    assert_eq!(internal_void.status(), StatusCode::OK, "the checkout saga may void");
    let voided: Value = internal_void.json().await.expect("json");
    assert_eq!(voided["status"], "voided");
    assert_eq!(voided["captured"], eur(0));

    let again = app.operate(id, "void", None).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.expect("json"), voided, "unchanged");
    let capture = problem(app.operate(id, "capture", None).await, StatusCode::CONFLICT).await;
    assert_eq!(capture["type"], "urn:mercato:problem:invalid-payment-state");
    let refund = problem(app.operate(id, "refund", None).await, StatusCode::CONFLICT).await;
    assert_eq!(refund["type"], "urn:mercato:problem:invalid-payment-state");
    assert_eq!(app.provider_authorization(id).await, Some(("voided".into(), 0, 0)));
}

#[tokio::test]
async fn declined_payments_cannot_be_captured_or_refunded() {
    let app = spawn_app().await;
    let declined =
        problem(app.authorize("chk_d", &payment_body("chk_d", 100, DECLINED)).await, StatusCode::PAYMENT_REQUIRED)
            .await;
    for operation in ["capture", "void", "refund"] {
        let refused = problem(app.operate(&declined["payment_id"], operation, None).await, StatusCode::CONFLICT).await;
        assert_eq!(refused["type"], "urn:mercato:problem:invalid-payment-state", "{operation}");
    }
    let unknown = json!("pay_0193a4c1e7d27c3a9b1f4e2d8c6a5b40");
    problem(app.operate(&unknown, "capture", None).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn of_concurrent_captures_only_one_wins() {
    let app = spawn_app().await;
    let payment = app.authorized("chk_twice", 3000).await;
    let id = &payment["id"];
    let responses =
        join_all((1..=4).map(|i| app.operate(id, "capture", Some(json!({ "amount": eur(i * 100) }))))).await;
    let mut won = Vec::new();
    for response in responses {
        match response.status() {
            StatusCode::OK => won.push(response.json::<Value>().await.expect("json")),
            status => assert_eq!(status, StatusCode::CONFLICT, "{}", response.text().await.unwrap_or_default()),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    let now = app.payment(id).await;
    assert_eq!(now["captured"], won[0]["captured"]);
    assert_eq!(now["version"], 3);
    let captured_at_provider = app.provider_authorization(id).await.expect("authorization").1;
    assert_eq!(Some(captured_at_provider), now["captured"]["amount"].as_i64());
    let captures = app.events().await.iter().filter(|e| e["type"] == "payment.captured").count();
    assert_eq!(captures, 1);
}
