//! Prices on every cart: from pricing when it answers, degraded when it does not, and a SKU
//! pricing has no price for is not added.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{FakePricing, fields, id, lines, ok, owned, problem, spawn_app, spawn_priced, spawn_with};

#[tokio::test]
async fn without_pricing_carts_are_served_unpriced_and_changes_kept() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    // Empty: nothing to price, nothing degraded.
    let empty = app.cart(&cart, None).await;
    assert_eq!((&empty["quote"], &empty["degraded"]), (&json!(null), &json!([])));
    let added = ok(app.add(&cart, "TEE", 2, None).await, StatusCode::OK).await;
    assert_eq!((&added["quote"], &added["degraded"]), (&json!(null), &json!(["pricing"])));
    let read = app.cart(&cart, None).await;
    assert_eq!((lines(&read), &read["degraded"]), (owned(&[("TEE", 2)]), &json!(["pricing"])));
}

#[tokio::test]
async fn a_pricing_that_refuses_connections_degrades_the_same_way() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let app = spawn_with(Some(address)).await;
    let cart =
        id(&app.create(None, Some(json!({ "lines": [{ "sku": "TEE", "quantity": 1 }] })), StatusCode::CREATED).await);
    let read = app.cart(&cart, None).await;
    assert_eq!((&read["quote"], &read["degraded"]), (&json!(null), &json!(["pricing"])));
}

#[tokio::test]
async fn pricing_fills_the_quote_with_one_call_per_change() {
    let pricing = FakePricing::new(&[("TEE", 2500), ("MUG", 900)], &["standard"]);
    let app = spawn_priced(&pricing).await;
    let cart = app
        .create(None, Some(json!({ "country": "FR", "shipping_method": "standard", "coupon_codes": ["SAVE10"], "lines": [{ "sku": "TEE", "quantity": 2 }] })), StatusCode::CREATED)
        .await;
    assert_eq!(pricing.calls(), 1);
    assert_eq!(
        (&cart["quote"]["total"], &cart["degraded"]),
        (&json!({ "amount": 5495, "currency": "EUR" }), &json!([]))
    );
    let asked = pricing.last.lock().expect("lock").clone().expect("asked");
    assert_eq!(
        asked,
        json!({ "currency": "EUR", "customer_group": null, "country": "FR", "shipping_method": "standard", "coupon_codes": ["SAVE10"], "lines": [{ "sku": "TEE", "quantity": 2 }] })
    );
    let cart = id(&cart);
    let added = ok(app.add(&cart, "MUG", 1, None).await, StatusCode::OK).await;
    assert_eq!(pricing.calls(), 2, "the quote asked before the change is the one answered");
    assert_eq!(added["quote"]["subtotal"], json!({ "amount": 5900, "currency": "EUR" }));
    assert_eq!(added["quote"]["lines"].as_array().map(Vec::len), Some(2));
    let read = app.cart(&cart, None).await;
    assert_eq!(read["quote"], added["quote"]);
    assert_eq!(pricing.calls(), 3);
    // The checkout reads carts as a platform service and prices them itself: no quote asked.
    let internal = app.get_internal(&format!("/v1/carts/{cart}")).await;
    assert_eq!(internal.status(), StatusCode::OK);
    let internal: serde_json::Value = internal.json().await.expect("json");
    assert_eq!((&internal["lines"], &internal["quote"]), (&read["lines"], &json!(null)));
    assert_eq!(pricing.calls(), 3);
}

#[tokio::test]
async fn what_pricing_cannot_sell_is_refused() {
    let pricing = FakePricing::new(&[("TEE", 2500)], &["standard"]);
    let app = spawn_priced(&pricing).await;
    let response = app
        .send(
            Method::POST,
            "/v1/carts",
            None,
            Some(json!({ "lines": [{ "sku": "TEE", "quantity": 1 }, { "sku": "GHOST", "quantity": 1 }] })),
        )
        .await;
    let refused = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&refused), ["lines[1].sku"]);
    let response = app
        .send(
            Method::POST,
            "/v1/carts",
            None,
            Some(json!({ "shipping_method": "express", "lines": [{ "sku": "TEE", "quantity": 1 }] })),
        )
        .await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["shipping_method"]);

    let cart =
        id(&app.create(None, Some(json!({ "lines": [{ "sku": "TEE", "quantity": 1 }] })), StatusCode::CREATED).await);
    let ghost = problem(app.add(&cart, "GHOST", 1, None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&ghost), ["sku"]);
    assert_eq!(
        fields(&problem(app.set(&cart, "GHOST", 2, None).await, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["sku"]
    );
    let express = app
        .send(Method::PATCH, &format!("/v1/carts/{cart}"), None, Some(json!({ "shipping_method": "express" })))
        .await;
    assert_eq!(fields(&problem(express, StatusCode::UNPROCESSABLE_ENTITY).await), ["shipping_method"]);
    let unchanged = app.cart(&cart, None).await;
    assert_eq!(
        (lines(&unchanged), &unchanged["version"], &unchanged["shipping_method"]),
        (owned(&[("TEE", 1)]), &json!(1), &json!(null))
    );
    assert_eq!(unchanged["quote"]["total"]["amount"], 2500);
}

#[tokio::test]
async fn a_failing_pricing_degrades_the_cart_but_keeps_the_change() {
    let pricing = FakePricing::new(&[("TEE", 2500)], &[]);
    let app = spawn_priced(&pricing).await;
    let cart =
        id(&app.create(None, Some(json!({ "lines": [{ "sku": "TEE", "quantity": 1 }] })), StatusCode::CREATED).await);
    pricing.go_down();
    // Even a SKU pricing would refuse is kept when pricing cannot be asked.
    let added = ok(app.add(&cart, "GHOST", 1, None).await, StatusCode::OK).await;
    assert_eq!(lines(&added), owned(&[("TEE", 1), ("GHOST", 1)]));
    assert_eq!((&added["quote"], &added["degraded"]), (&json!(null), &json!(["pricing"])));
    let read = app.cart(&cart, None).await;
    assert_eq!((&read["quote"], &read["degraded"], &read["version"]), (&json!(null), &json!(["pricing"]), &json!(2)));
}
