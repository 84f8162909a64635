//! Orders' `order.placed` converts the cart it was placed from.

use reqwest::{Method, StatusCode};
use serde_json::json;

use std::time::{Duration, Instant};

use crate::helpers::{fake_orders_feed, id, ok, order_placed, problem, spawn_app, spawn_with_upstreams};

#[tokio::test]
async fn a_placed_order_converts_its_cart_once_and_freezes_it() {
    let app = spawn_app().await;
    let ada = app.customer();
    let token = Some(ada.token.as_str());
    let cart =
        id(&app.create(token, Some(json!({ "lines": [{ "sku": "TEE", "quantity": 2 }] })), StatusCode::CREATED).await);
    let order_id = app.place_order(&cart).await;

    let converted = app.cart(&cart, token).await;
    assert_eq!((&converted["status"], &converted["version"]), (&json!("converted"), &json!(2)));
    let events: Vec<_> = app.events().await.into_iter().filter(|e| e["type"] == "cart.converted").collect();
    assert_eq!(events.len(), 1, "applied twice, converted once");
    assert_eq!(events[0]["subject"], cart.as_str());
    assert_eq!(events[0]["data"], json!({ "cart_id": cart, "order_id": order_id }));

    // Read-only now.
    for response in [
        app.add(&cart, "TEE", 1, token).await,
        app.set(&cart, "TEE", 1, token).await,
        app.remove(&cart, "TEE", token).await,
        app.send(Method::PATCH, &format!("/v1/carts/{cart}"), token, Some(json!({ "country": "FR" }))).await,
    ] {
        let body = problem(response, StatusCode::CONFLICT).await;
        assert_eq!(
            (&body["type"], &body["cart_status"]),
            (&json!("urn:mercato:problem:cart-not-active"), &json!("converted"))
        );
    }
    // The customer has no active cart any more; the next one is new.
    problem(app.send(Method::GET, "/v1/carts/mine", token, None).await, StatusCode::NOT_FOUND).await;
    let next = app.create(token, None, StatusCode::CREATED).await;
    assert_ne!(id(&next), cart);

    // A second order naming the converted cart changes nothing.
    app.place_order(&cart).await;
    assert_eq!(app.cart(&cart, token).await["version"], 2);
}

#[tokio::test]
async fn an_order_from_an_unknown_cart_is_ignored() {
    let app = spawn_app().await;
    app.place_order("cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40").await;
    assert!(app.events().await.is_empty());
    let guest = app.guest_cart().await;
    ok(app.add(&guest, "TEE", 1, None).await, StatusCode::OK).await;
}

#[tokio::test]
async fn orders_events_reach_the_cart_through_its_subscription() {
    let (feed, events) = fake_orders_feed().await;
    let app = spawn_with_upstreams(&[("orders", feed)]).await;
    let cart = app.guest_cart().await;
    events.lock().expect("lock").push(order_placed(&cart, 1));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let read = app.cart(&cart, None).await;
        if read["status"] == "converted" {
            break;
        }
        assert!(Instant::now() < deadline, "the cart was not converted: {read}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let converted: Vec<_> = app.events().await.into_iter().filter(|e| e["type"] == "cart.converted").collect();
    assert_eq!(converted.len(), 1);
}
