//! Coupons in quotes, and their redemption by the checkout saga.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, amount, problem, spawn_app};

async fn shop_with_coupon_promotion() -> (TestApp, String) {
    let app = spawn_app().await;
    app.eur_prices(&[("TEE", 2500)]).await;
    let promo = app
        .promotion(json!({ "name": "Coupon 10 %", "kind": "order_percent", "value": 1000, "coupon_required": true }))
        .await;
    (app, promo)
}

fn cart(codes: &[&str]) -> Value {
    json!({ "currency": "EUR", "country": "FR", "coupon_codes": codes, "lines": [{ "sku": "TEE", "quantity": 2 }] })
}

#[tokio::test]
async fn a_coupon_applies_once_and_bad_ones_are_reported_not_failed() {
    let (app, promo) = shop_with_coupon_promotion().await;
    let second = app
        .promotion(json!({ "name": "Coupon 5 off", "kind": "order_fixed", "value": { "amount": 500, "currency": "EUR" }, "coupon_required": true }))
        .await;
    let coupon = app.created("/v1/coupons", json!({ "code": "save10", "promotion_id": promo, "usage_limit": 3 })).await;
    assert_eq!((coupon["code"].as_str(), coupon["used"].as_i64()), (Some("SAVE10"), Some(0)));
    app.created("/v1/coupons", json!({ "code": "FIVE-OFF", "promotion_id": second })).await;
    app.created(
        "/v1/coupons",
        json!({ "code": "OLD10", "promotion_id": promo, "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2021-01-01T00:00:00Z" }),
    )
    .await;
    app.created("/v1/coupons", json!({ "code": "ONCE", "promotion_id": promo, "usage_limit": 1 })).await;
    assert_eq!(app.redeem("once", "ord_1").await.status(), StatusCode::CREATED);

    // Without a coupon the promotion does not apply.
    let q = app.quote(cart(&[])).await;
    assert_eq!(amount(&q, "discount_total"), 0);

    let q = app.quote(cart(&["Save10"])).await;
    assert_eq!((amount(&q, "discount_total"), amount(&q, "total")), (500, 4500));
    assert_eq!(q["applied_promotions"][0]["id"], promo.as_str());
    assert_eq!(q["rejected_coupons"], json!([]));

    let q = app.quote(cart(&["nope", "old10", "ONCE", "save10", "five-off", "x"])).await;
    assert_eq!(
        q["rejected_coupons"],
        json!([
            { "code": "nope", "reason": "unknown" },
            { "code": "old10", "reason": "expired" },
            { "code": "ONCE", "reason": "exhausted" },
            { "code": "five-off", "reason": "one_coupon_only" },
            { "code": "x", "reason": "unknown" },
        ])
    );
    assert_eq!(amount(&q, "total"), 4500);
}

#[tokio::test]
async fn concurrent_redemptions_never_exceed_the_limit() {
    let (app, promo) = shop_with_coupon_promotion().await;
    app.created("/v1/coupons", json!({ "code": "RUSH", "promotion_id": promo, "usage_limit": 3 })).await;
    let attempts = (0..10).map(|i| {
        let app = &app;
        async move { app.redeem("rush", &format!("ord_{i}")).await }
    });
    let responses = futures::future::join_all(attempts).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(
                    problem(response, StatusCode::CONFLICT).await["type"],
                    "urn:mercato:problem:coupon-exhausted"
                );
            }
            other => panic!("unexpected {other}: {:?}", response.text().await),
        }
    }
    assert_eq!(created, 3);
    let q = app.quote(cart(&["RUSH"])).await;
    assert_eq!(q["rejected_coupons"], json!([{ "code": "RUSH", "reason": "exhausted" }]));
}

#[tokio::test]
async fn the_same_order_redeeming_twice_counts_once() {
    let (app, promo) = shop_with_coupon_promotion().await;
    app.created("/v1/coupons", json!({ "code": "TWICE", "promotion_id": promo, "usage_limit": 2 })).await;
    let first = app.redeem("TWICE", "ord_a").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("json");
    assert_eq!((first["code"].as_str(), first["order_id"].as_str()), (Some("TWICE"), Some("ord_a")));
    let again = app.redeem("twice", "ord_a").await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    assert_eq!(app.redeem("TWICE", "ord_b").await.status(), StatusCode::CREATED);
    let third = app.redeem("TWICE", "ord_c").await;
    assert_eq!(problem(third, StatusCode::CONFLICT).await["type"], "urn:mercato:problem:coupon-exhausted");
    // concurrent duplicates of one order on a fresh coupon: one use
    app.created("/v1/coupons", json!({ "code": "DUP", "promotion_id": promo, "usage_limit": 1 })).await;
    let same = (0..5).map(|_| app.redeem("DUP", "ord_same"));
    for response in futures::future::join_all(same).await {
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(app.redeem("DUP", "ord_other").await.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn redemption_needs_the_internal_credential_a_key_and_a_live_coupon() {
    let (app, promo) = shop_with_coupon_promotion().await;
    app.created(
        "/v1/coupons",
        json!({ "code": "OLD", "promotion_id": promo, "valid_from": "2020-01-01T00:00:00Z", "valid_to": "2021-01-01T00:00:00Z" }),
    )
    .await;
    let response = app.redeem("OLD", "ord_1").await;
    assert_eq!(problem(response, StatusCode::CONFLICT).await["type"], "urn:mercato:problem:coupon-expired");
    problem(app.redeem("NOPE", "ord_1").await, StatusCode::NOT_FOUND).await;
    let no_key = app.internal(reqwest::Method::POST, "/v1/coupons/OLD/redemptions").send().await.expect("sent");
    assert_eq!(crate::helpers::fields(&problem(no_key, StatusCode::BAD_REQUEST).await), ["Idempotency-Key"]);
    let as_staff = app
        .staff(reqwest::Method::POST, "/v1/coupons/OLD/redemptions")
        .header("Idempotency-Key", "ord_1")
        .send()
        .await
        .expect("sent");
    assert!(as_staff.status() == StatusCode::FORBIDDEN || as_staff.status() == StatusCode::UNAUTHORIZED);
}
