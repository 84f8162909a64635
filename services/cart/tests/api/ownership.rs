//! Who reaches which cart: guests by id, customers their own, platform services any (to read);
//! and what happens to bad credentials.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{customer_id, id, lines, ok, owned, problem, spawn_app};

#[tokio::test]
async fn a_customer_cart_is_invisible_to_everyone_else() {
    let app = spawn_app().await;
    let ada = app.customer();
    let bob = app.customer();
    let cart = id(&app
        .create(Some(&ada.token), Some(json!({ "lines": [{ "sku": "TEE", "quantity": 1 }] })), StatusCode::CREATED)
        .await);
    let unknown = problem(app.read("cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", None).await, StatusCode::NOT_FOUND).await;
    for token in [None, Some(bob.token.as_str())] {
        // Exactly what an unknown id gets: nothing tells the cart exists.
        let read = problem(app.read(&cart, token).await, StatusCode::NOT_FOUND).await;
        assert_eq!((&read["type"], &read["detail"]), (&unknown["type"], &unknown["detail"]));
        problem(app.add(&cart, "TEE", 1, token).await, StatusCode::NOT_FOUND).await;
        problem(app.set(&cart, "TEE", 5, token).await, StatusCode::NOT_FOUND).await;
        problem(app.remove(&cart, "TEE", token).await, StatusCode::NOT_FOUND).await;
        let patch =
            app.send(Method::PATCH, &format!("/v1/carts/{cart}"), token, Some(json!({ "country": "FR" }))).await;
        problem(patch, StatusCode::NOT_FOUND).await;
    }
    let bobs_mine = app.send(Method::GET, "/v1/carts/mine", Some(&bob.token), None).await;
    problem(bobs_mine, StatusCode::NOT_FOUND).await;

    // Ada's cart is untouched and hers.
    let hers = app.cart(&cart, Some(&ada.token)).await;
    assert_eq!(
        (lines(&hers), &hers["version"], &hers["customer_id"]),
        (owned(&[("TEE", 1)]), &json!(1), &json!(ada.id))
    );
    ok(app.add(&cart, "TEE", 1, Some(&ada.token)).await, StatusCode::OK).await;

    // Platform services (the checkout) read any cart, but do not change it.
    let internal = app.internal(Method::GET, &format!("/v1/carts/{cart}")).send().await.expect("sent");
    assert_eq!(lines(&ok(internal, StatusCode::OK).await), owned(&[("TEE", 2)]));
    let write = app
        .internal(Method::POST, &format!("/v1/carts/{cart}/lines"))
        .json(&json!({ "sku": "TEE", "quantity": 1 }))
        .send()
        .await
        .expect("sent");
    problem(write, StatusCode::NOT_FOUND).await;
    let forged = app
        .request(Method::GET, &format!("/v1/carts/{cart}"), None)
        .header("x-mercato-internal", "guess")
        .send()
        .await
        .expect("sent");
    problem(forged, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_guest_cart_is_reached_by_its_id() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let ada = app.customer();
    ok(app.add(&cart, "TEE", 1, None).await, StatusCode::OK).await;
    ok(app.add(&cart, "TEE", 1, Some(&ada.token)).await, StatusCode::OK).await;
    let read = app.cart(&cart, Some(&ada.token)).await;
    assert_eq!((lines(&read), &read["customer_id"]), (owned(&[("TEE", 2)]), &json!(null)));
}

#[tokio::test]
async fn a_present_but_invalid_token_is_refused_everywhere() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let sub = customer_id();
    let bad = [
        app.identity.expired(&sub),
        app.identity.foreign(&sub),
        app.identity.tampered(&sub, &customer_id()),
        "not.a.token".to_owned(),
    ];
    for token in &bad {
        for (method, path) in [
            (Method::GET, format!("/v1/carts/{cart}")),
            (Method::POST, "/v1/carts".to_owned()),
            (Method::GET, "/v1/carts/mine".to_owned()),
        ] {
            let response = app.send(method, &path, Some(token), None).await;
            assert!(response.headers().contains_key("www-authenticate"));
            problem(response, StatusCode::UNAUTHORIZED).await;
        }
        problem(app.add(&cart, "TEE", 1, Some(token)).await, StatusCode::UNAUTHORIZED).await;
    }
    let basic = app
        .request(Method::GET, &format!("/v1/carts/{cart}"), None)
        .header("Authorization", "Basic YTpi")
        .send()
        .await
        .expect("sent");
    problem(basic, StatusCode::UNAUTHORIZED).await;
    // Nothing changed the guest cart.
    assert_eq!(app.cart(&cart, None).await["version"], 1);
}
