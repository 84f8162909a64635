//! Who may call what, and that a card number is never stored or returned.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{DECLINED, MASTERCARD, TIMEOUT, VISA, payment_body, problem, spawn_app};

#[tokio::test]
async fn only_platform_services_authorize() {
    let app = spawn_app().await;
    let body = payment_body("chk_auth", 1000, VISA);
    let as_staff = app.staff(Method::POST, "/v1/payments").header("Idempotency-Key", "k").json(&body).send().await;
    let forbidden = problem(as_staff.expect("sent"), StatusCode::FORBIDDEN).await;
    assert_eq!(forbidden["type"], "urn:mercato:problem:forbidden");
    let anonymous =
        app.http.post(format!("{}/v1/payments", app.base)).header("Idempotency-Key", "k").json(&body).send().await;
    problem(anonymous.expect("sent"), StatusCode::FORBIDDEN).await;
    let forged = app
        .http
        .post(format!("{}/v1/payments", app.base))
        .header("x-mercato-internal", "guess")
        .header("Idempotency-Key", "k")
        .json(&body)
        .send()
        .await;
    problem(forged.expect("sent"), StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("payments").await, 0);
}

#[tokio::test]
async fn reads_and_operations_need_staff_or_a_platform_service() {
    let app = spawn_app().await;
    let payment = app.authorized("chk_who", 1000).await;
    let path = format!("/v1/payments/{}", payment["id"].as_str().expect("id"));

    let anonymous = problem(app.get(&path).await, StatusCode::UNAUTHORIZED).await;
    assert!(anonymous["detail"].as_str().is_some_and(|d| d.contains("internal credential")));
    assert_eq!(app.staff(Method::GET, &path).send().await.expect("sent").status(), StatusCode::OK);
    assert_eq!(app.get_internal(&path).await.status(), StatusCode::OK);
    let wrong_internal = app.http.get(format!("{}{path}", app.base)).header("x-mercato-internal", "guess").send().await;
    problem(wrong_internal.expect("sent"), StatusCode::FORBIDDEN).await;
    let wrong_staff = app.http.get(format!("{}{path}", app.base)).bearer_auth("guess").send().await;
    problem(wrong_staff.expect("sent"), StatusCode::UNAUTHORIZED).await;
    problem(app.get("/v1/payments?reference=chk_who").await, StatusCode::UNAUTHORIZED).await;

    let capture = app.http.post(format!("{}{path}/capture", app.base)).send().await.expect("sent");
    problem(capture, StatusCode::UNAUTHORIZED).await;
    let captured = app.internal(Method::POST, &format!("{path}/capture")).send().await.expect("sent");
    assert_eq!(captured.status(), StatusCode::OK, "the checkout saga may capture");

    // Refunds: staff, or orders on a staff member's behalf; never anonymous or a guess.
    let anonymous = app.http.post(format!("{}{path}/refund", app.base)).send().await.expect("sent");
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let guessed =
        app.http.post(format!("{}{path}/refund", app.base)).header("x-mercato-internal", "guess").send().await;
    problem(guessed.expect("sent"), StatusCode::FORBIDDEN).await;
    assert_eq!(app.payment(&payment["id"]).await["refunded"]["amount"], 0);
    let by_service = app
        .internal(Method::POST, &format!("{path}/refund"))
        .json(&serde_json::json!({ "amount": { "amount": 100, "currency": "EUR" } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(by_service.status(), StatusCode::OK);
    let by_staff = app.staff(Method::POST, &format!("{path}/refund")).send().await.expect("sent");
    assert_eq!(by_staff.status(), StatusCode::OK);
}

#[tokio::test]
async fn card_numbers_are_never_stored_or_returned() {
    let app = spawn_app().await;
    let mut texts = Vec::new();
    for (key, number) in [("chk_pan1", VISA), ("chk_pan2", MASTERCARD), ("chk_pan3", DECLINED), ("chk_pan4", TIMEOUT)] {
        let response = app.authorize(key, &payment_body(key, 1000, number)).await;
        texts.push(response.text().await.expect("body"));
        let replay = app.authorize(key, &payment_body(key, 1000, number)).await;
        texts.push(replay.text().await.expect("body"));
    }
    let list = app.get_internal("/v1/payments").await;
    let list_text = list.text().await.expect("body");
    let listed: Value = serde_json::from_str(&list_text).expect("json");
    for payment in listed["data"].as_array().expect("data") {
        let id = payment["id"].as_str().expect("id");
        let response = app.get_internal(&format!("/v1/payments/{id}")).await;
        texts.push(response.text().await.expect("body"));
        assert!(payment["card"].get("number").is_none() && payment["card"].get("cvc").is_none(), "{payment}");
    }
    texts.push(list_text);
    texts.push(app.get_internal("/v1/events?after=0").await.text().await.expect("body"));
    let stored = app.dump().await;
    assert!(stored.contains("4242|") && stored.contains("4444|"), "the last four are kept:\n{stored}");
    for number in [VISA, MASTERCARD, DECLINED, TIMEOUT] {
        for text in texts.iter().chain([&stored]) {
            assert!(!text.contains(number), "{number} in {text}");
            assert!(!text.contains(&number[..12]), "the first 12 digits of {number} in {text}");
        }
    }
}

#[tokio::test]
async fn the_api_is_documented() {
    let app = spawn_app().await;
    let doc: Value = app.get("/openapi.json").await.json().await.expect("json");
    for path in [
        "/v1/payments",
        "/v1/payments/{id}",
        "/v1/payments/{id}/capture",
        "/v1/payments/{id}/void",
        "/v1/payments/{id}/refund",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["NewPayment"].is_object());
    assert!(doc["paths"]["/v1/payments"]["post"]["responses"]["402"].is_object());
}
