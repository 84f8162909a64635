//! What happens to an `Idempotency-Key` whose first request is still running, or died
//! between claiming the key and settling the payment (simulated by writing the claim the
//! way the service does, then not finishing it).

use payments::domain::{ValidPayment, YearMonth};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, VISA, payment_body, problem, spawn_app};

/// Writes a `pending` claim of `key` for `body`, claimed at `since`; returns the payment id.
async fn claim(app: &TestApp, key: &str, body: &Value, since: &str) -> String {
    let dto = serde_json::from_value(body.clone()).expect("a payment request");
    let valid = ValidPayment::parse(dto, YearMonth { year: 2026, month: 1 }).expect("valid");
    let id = contracts::ids::PaymentId::generate().to_string();
    let db = app.db().await;
    sqlx::query(
        "INSERT INTO payments (id, reference, amount, currency, status, card_brand, card_last4, card_exp_month,
         card_exp_year, captured, refunded, idempotency_key, request_fingerprint, in_flight, in_flight_since, version,
         created_at, updated_at)
         VALUES ($1, $2, $3, 'EUR', 'pending', 'visa', '4242', 12, 2040, 0, 0, $4, $5, 'authorize', $6, 1, $6, $6)",
    )
    .bind(&id)
    .bind(&valid.reference)
    .bind(valid.amount.amount)
    .bind(key)
    .bind(valid.fingerprint())
    .bind(since)
    .execute(&mut *db.acquire().await.expect("a connection"))
    .await
    .expect("claim written");
    db.close().await;
    id
}

#[tokio::test]
async fn a_request_waiting_on_a_live_claim_gives_up_before_its_deadline() {
    let app = spawn_app().await;
    let body = payment_body("chk_busy", 700, VISA);
    claim(&app, "chk_busy", &body, &runtime::db::now()).await;
    let response = app
        .internal(reqwest::Method::POST, "/v1/payments")
        .header("Idempotency-Key", "chk_busy")
        .header("x-mercato-deadline-ms", "600")
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["retry-after"], "1");
    let busy = problem(response, StatusCode::CONFLICT).await;
    assert_eq!(busy["type"], "urn:mercato:problem:idempotency-key-in-use");

    // A different body under the same key is refused at once, even while in progress.
    let other = payment_body("chk_busy", 701, VISA);
    let reused = problem(app.authorize("chk_busy", &other).await, StatusCode::CONFLICT).await;
    assert_eq!(reused["type"], "urn:mercato:problem:idempotency-key-reused");
    assert_eq!(app.count("provider_authorizations").await, 0);
}

#[tokio::test]
async fn a_claim_whose_request_died_is_taken_over_with_the_same_payment() {
    let app = spawn_app().await;
    let body = payment_body("chk_crashed", 4200, VISA);
    let id = claim(&app, "chk_crashed", &body, "2020-01-01T00:00:00.000000Z").await;
    let response = app.authorize("chk_crashed", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let payment: Value = response.json().await.expect("json");
    assert_eq!(payment["id"], id.as_str(), "the claimed payment, not a new one");
    assert_eq!(payment["status"], "authorized");
    assert_eq!(payment["version"], 3, "claimed, taken over, settled");
    assert_eq!(app.count("payments").await, 1);
    assert_eq!(app.count("provider_authorizations").await, 1);
    let replay = app.authorize("chk_crashed", &body).await;
    assert_eq!(replay.json::<Value>().await.expect("json"), payment);
}
