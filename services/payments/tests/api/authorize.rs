//! `POST /v1/payments`: the test cards' outcomes, idempotency, validation.

use std::time::Instant;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    DECLINED, EXPIRED, INSUFFICIENT_FUNDS, MASTERCARD, PROVIDER_TIMEOUT, TIMEOUT, UNAVAILABLE, VISA, fields,
    payment_body, problem, spawn_app,
};

#[tokio::test]
async fn approved_cards_are_authorized() {
    let app = spawn_app().await;
    for (reference, number, brand, last4) in
        [("chk_visa", VISA, "visa", "4242"), ("chk_mc", MASTERCARD, "mastercard", "4444")]
    {
        let response = app.authorize(reference, &payment_body(reference, 4990, number)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().expect("ascii").to_owned();
        let payment: Value = response.json().await.expect("json");
        let id = payment["id"].as_str().expect("id");
        assert!(id.starts_with("pay_"), "{id}");
        assert_eq!(location, format!("/v1/payments/{id}"));
        assert_eq!(payment["reference"], reference);
        assert_eq!(payment["status"], "authorized");
        assert_eq!(payment["amount"], json!({ "amount": 4990, "currency": "EUR" }));
        assert_eq!(payment["captured"], json!({ "amount": 0, "currency": "EUR" }));
        assert_eq!(payment["refunded"], json!({ "amount": 0, "currency": "EUR" }));
        assert_eq!(payment["card"], json!({ "brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2040 }));
        assert!(payment["provider_ref"].as_str().is_some_and(|r| r.starts_with("tpa_")));
        assert!(payment.get("decline_code").is_none());
        assert_eq!(payment["version"], 2, "created pending, then settled");

        assert_eq!(app.payment(&payment["id"]).await, payment);
        assert_eq!(app.provider_authorization(&payment["id"]).await, Some(("authorized".into(), 0, 0)));
    }
}

#[tokio::test]
async fn declines_are_402_with_the_decline_code_and_replay_identically() {
    let app = spawn_app().await;
    for (number, code) in
        [(DECLINED, "card_declined"), (INSUFFICIENT_FUNDS, "insufficient_funds"), (EXPIRED, "expired_card")]
    {
        let key = format!("chk_{code}");
        let body = payment_body(&key, 1200, number);
        let declined = problem(app.authorize(&key, &body).await, StatusCode::PAYMENT_REQUIRED).await;
        assert_eq!(declined["type"], "urn:mercato:problem:card-declined");
        assert_eq!(declined["decline_code"], code);
        let payment = app.payment(&declined["payment_id"]).await;
        assert_eq!(payment["status"], "declined");
        assert_eq!(payment["decline_code"], code);
        assert_eq!(payment["card"]["last4"], &number[12..]);
        assert!(payment.get("provider_ref").is_none());
        assert_eq!(app.provider_authorization(&declined["payment_id"]).await, None, "nothing held");

        let replay = app.authorize(&key, &body).await;
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        assert_eq!(problem(replay, StatusCode::PAYMENT_REQUIRED).await, declined);
    }
    assert_eq!(app.count("payments").await, 3);
}

#[tokio::test]
async fn a_provider_timeout_is_compensated_by_a_void() {
    let app = spawn_app().await;
    let started = Instant::now();
    let response = app.authorize("chk_slow", &payment_body("chk_slow", 2500, TIMEOUT)).await;
    assert!(started.elapsed() >= PROVIDER_TIMEOUT, "answered only after the provider timeout");
    let timeout = problem(response, StatusCode::GATEWAY_TIMEOUT).await;
    assert_eq!(timeout["type"], "urn:mercato:problem:provider-timeout");
    let detail = timeout["detail"].as_str().expect("detail");
    assert!(detail.contains("no money was taken") && detail.contains("200 ms"), "{detail}");

    let payment = app.payment(&timeout["payment_id"]).await;
    assert_eq!(payment["status"], "failed");
    assert_eq!(payment["failure_code"], "provider_timeout");
    assert_eq!(payment["captured"]["amount"], 0);
    // The provider did authorise; the service voided it, and nothing was captured there.
    assert_eq!(app.provider_authorization(&timeout["payment_id"]).await, Some(("voided".into(), 0, 0)));
    assert_eq!(app.count("provider_authorizations").await, 1);

    // A payment that failed cannot be captured.
    let refused = problem(app.operate(&payment["id"], "capture", None).await, StatusCode::CONFLICT).await;
    assert_eq!(refused["type"], "urn:mercato:problem:invalid-payment-state");
}

#[tokio::test]
async fn an_unavailable_provider_is_503_with_retry_after() {
    let app = spawn_app().await;
    let body = payment_body("chk_down", 2500, UNAVAILABLE);
    let response = app.authorize("chk_down", &body).await;
    assert_eq!(response.headers()["retry-after"], "5");
    let unavailable = problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(unavailable["type"], "urn:mercato:problem:provider-unavailable");
    assert!(unavailable["detail"].as_str().is_some_and(|d| d.contains("nothing was authorized")));
    let payment = app.payment(&unavailable["payment_id"]).await;
    assert_eq!(payment["status"], "failed");
    assert_eq!(payment["failure_code"], "provider_unavailable");
    assert_eq!(app.count("provider_authorizations").await, 0);

    // The outcome is final for the key, like every other: a replay is the same 503.
    let replay = app.authorize("chk_down", &body).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.headers()["retry-after"], "5");
    assert_eq!(problem(replay, StatusCode::SERVICE_UNAVAILABLE).await, unavailable);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_make_one_payment_and_one_authorization() {
    let app = spawn_app().await;
    let body = payment_body("chk_race", 9900, VISA);
    let responses = join_all((0..8).map(|_| app.authorize("chk_race", &body))).await;
    let mut replayed = 0;
    let mut bodies = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        replayed += usize::from(response.headers().contains_key("idempotent-replayed"));
        bodies.push(response.json::<Value>().await.expect("json"));
    }
    assert_eq!(replayed, 7, "one request authorised, the others replayed it");
    assert!(bodies.iter().all(|b| *b == bodies[0]), "every response is the same payment");
    assert_eq!(bodies[0]["status"], "authorized");
    assert_eq!(app.count("payments").await, 1);
    assert_eq!(app.count("provider_authorizations").await, 1);
    let authorized = app.events().await.iter().filter(|e| e["type"] == "payment.authorized").count();
    assert_eq!(authorized, 1);
}

#[tokio::test]
async fn concurrent_requests_wait_for_a_slow_first_one() {
    let app = spawn_app().await;
    let body = payment_body("chk_slow_race", 100, TIMEOUT);
    let responses = join_all((0..4).map(|_| app.authorize("chk_slow_race", &body))).await;
    let mut ids = Vec::new();
    for response in responses {
        ids.push(problem(response, StatusCode::GATEWAY_TIMEOUT).await["payment_id"].clone());
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(app.count("payments").await, 1);
    assert_eq!(app.count("provider_authorizations").await, 1);
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_409() {
    let app = spawn_app().await;
    let first = app.authorized("chk_reuse", 1000).await;
    let other = payment_body("chk_reuse", 1001, VISA);
    let reused = problem(app.authorize("chk_reuse", &other).await, StatusCode::CONFLICT).await;
    assert_eq!(reused["type"], "urn:mercato:problem:idempotency-key-reused");
    let other_card = payment_body("chk_reuse", 1000, MASTERCARD);
    problem(app.authorize("chk_reuse", &other_card).await, StatusCode::CONFLICT).await;
    assert_eq!(app.payment(&first["id"]).await, first);
    assert_eq!(app.count("payments").await, 1);
}

#[tokio::test]
async fn the_idempotency_key_is_required() {
    let app = spawn_app().await;
    let response = app
        .internal(reqwest::Method::POST, "/v1/payments")
        .json(&payment_body("chk_nokey", 1000, VISA))
        .send()
        .await
        .expect("sent");
    let missing = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&missing), ["Idempotency-Key"]);
    assert_eq!(app.count("payments").await, 0);
}

#[tokio::test]
async fn invalid_fields_are_named() {
    let app = spawn_app().await;
    let body = json!({
        "reference": "chk_bad",
        "amount": { "amount": 0, "currency": "EUR" },
        "card": { "number": "4242424242424241", "exp_month": 13, "exp_year": 2040, "cvc": "12" }
    });
    let invalid = problem(app.authorize("chk_bad", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&invalid), ["amount.amount", "card.number", "card.exp_month", "card.cvc"]);

    let body = json!({
        "reference": "",
        "amount": { "amount": 100_000_001, "currency": "EUR" },
        "card": { "number": "4242", "exp_month": 1, "exp_year": 2020, "cvc": "12345" }
    });
    let invalid = problem(app.authorize("chk_bad2", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&invalid), ["reference", "amount.amount", "card.number", "card.exp_year", "card.cvc"]);

    let mut float = payment_body("chk_float", 1000, VISA);
    float["amount"]["amount"] = json!(10.5);
    let malformed = problem(app.authorize("chk_float", &float).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&malformed), ["amount.amount"], "money is never a float");
    let mut unknown = payment_body("chk_unknown", 1000, VISA);
    unknown["card"]["pin"] = json!("1234");
    let malformed = problem(app.authorize("chk_unknown", &unknown).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&malformed), ["card.pin"]);

    // The largest allowed amount is fine.
    let response = app.authorize("chk_max", &payment_body("chk_max", 100_000_000, VISA)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.count("payments").await, 1);
}

#[tokio::test]
async fn payments_are_listed_by_reference() {
    let app = spawn_app().await;
    let first = app.authorized("chk_a", 100).await;
    let declined = problem(
        app.authorize("chk_a-retry", &payment_body("chk_a", 100, DECLINED)).await,
        StatusCode::PAYMENT_REQUIRED,
    )
    .await;
    app.authorized("chk_b", 200).await;

    let page: Value = app.get_internal("/v1/payments?reference=chk_a").await.json().await.expect("json");
    let ids: Vec<_> = page["data"].as_array().expect("data").iter().map(|p| p["id"].clone()).collect();
    assert_eq!(ids, [first["id"].clone(), declined["payment_id"].clone()]);
    assert!(page.get("next").is_none());

    let page: Value = app.get_internal("/v1/payments?limit=2").await.json().await.expect("json");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    let next = page["next"].as_str().expect("a next page");
    let rest: Value = app.get_internal(&format!("/v1/payments?limit=2&after={next}")).await.json().await.expect("json");
    assert_eq!(rest["data"][0]["reference"], "chk_b");
    problem(app.get_internal("/v1/payments/pay_nope").await, StatusCode::NOT_FOUND).await;
    let unknown = "/v1/payments/pay_0193a4c1e7d27c3a9b1f4e2d8c6a5b40";
    problem(app.get_internal(unknown).await, StatusCode::NOT_FOUND).await;
}
