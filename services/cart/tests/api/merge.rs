//! A guest cart merging into a customer's cart on login.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fields, id, lines, ok, owned, problem, spawn_app};

async fn guest_with(app: &TestApp, body: Value) -> String {
    id(&app.create(None, Some(body), StatusCode::CREATED).await)
}

fn merged_events(events: Vec<Value>) -> Vec<Value> {
    events.into_iter().filter(|e| e["type"] == "cart.merged").collect()
}

#[tokio::test]
async fn merging_adds_up_quantities_and_freezes_the_guest_cart() {
    let app = spawn_app().await;
    let ada = app.customer();
    let token = Some(ada.token.as_str());
    let mine = app
        .create(token, Some(json!({ "coupon_codes": ["SAVE10"], "lines": [{ "sku": "TEE", "quantity": 1 }, { "sku": "MUG", "quantity": 999 }] })), StatusCode::CREATED)
        .await;
    let guest = guest_with(
        &app,
        json!({ "country": "FR", "coupon_codes": ["save10", "FREESHIP"], "lines": [{ "sku": "MUG", "quantity": 5 }, { "sku": "CAP", "quantity": 2 }] }),
    )
    .await;

    let merged = ok(app.merge("mine", &guest, token).await, StatusCode::OK).await;
    assert_eq!(id(&merged), id(&mine));
    assert_eq!(lines(&merged), owned(&[("TEE", 1), ("MUG", 1000), ("CAP", 2)]));
    assert_eq!(
        (&merged["coupon_codes"], &merged["country"], &merged["version"]),
        (&json!(["SAVE10", "FREESHIP"]), &json!("DE"), &json!(2))
    );

    let frozen = app.cart(&guest, None).await;
    assert_eq!(
        (&frozen["status"], &frozen["version"], &frozen["customer_id"]),
        (&json!("merged"), &json!(2), &json!(null))
    );
    let refused = problem(app.add(&guest, "TEE", 1, None).await, StatusCode::CONFLICT).await;
    assert_eq!(
        (&refused["type"], &refused["cart_status"]),
        (&json!("urn:mercato:problem:cart-not-active"), &json!("merged"))
    );

    let events = merged_events(app.events().await);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["subject"], id(&mine).as_str());
    assert_eq!(events[0]["data"], json!({ "guest_cart_id": guest, "cart_id": id(&mine), "customer_id": ada.id }));

    // Again (a retried request, a second login): the customer's cart, nothing added twice.
    let again = ok(app.merge("mine", &guest, token).await, StatusCode::OK).await;
    assert_eq!((id(&again), lines(&again), &again["version"]), (id(&mine), lines(&merged), &json!(2)));
    let by_id = ok(app.merge(&id(&mine), &guest, token).await, StatusCode::OK).await;
    assert_eq!(id(&by_id), id(&mine));
    assert_eq!(merged_events(app.events().await).len(), 1);
}

#[tokio::test]
async fn a_customer_without_a_cart_gets_one_with_the_guest_carts_settings() {
    let app = spawn_app().await;
    let ada = app.customer();
    let guest = guest_with(
        &app,
        json!({ "currency": "USD", "country": "US", "shipping_method": "express", "lines": [{ "sku": "TEE", "quantity": 3 }] }),
    )
    .await;
    let merged = ok(app.merge("mine", &guest, Some(&ada.token)).await, StatusCode::OK).await;
    assert_ne!(id(&merged), guest);
    assert_eq!(
        (
            &merged["customer_id"],
            &merged["currency"],
            &merged["country"],
            &merged["shipping_method"],
            &merged["version"]
        ),
        (&json!(ada.id), &json!("USD"), &json!("US"), &json!("express"), &json!(1))
    );
    assert_eq!(lines(&merged), owned(&[("TEE", 3)]));
    assert_eq!(id(&app.cart("mine", Some(&ada.token)).await), id(&merged));
}

#[tokio::test]
async fn concurrent_merges_of_one_guest_cart_count_it_once() {
    let app = spawn_app().await;
    let ada = app.customer();
    let guest = guest_with(&app, json!({ "lines": [{ "sku": "TEE", "quantity": 2 }] })).await;
    // The first token verified fetches identity's keys; runtime's verifier refuses the tokens
    // that arrive while that first fetch is in flight, so let one request go first.
    problem(app.send(reqwest::Method::GET, "/v1/carts/mine", Some(&ada.token), None).await, StatusCode::NOT_FOUND)
        .await;
    let merges = (0..5).map(|_| app.merge("mine", &guest, Some(&ada.token)));
    let mut ids = Vec::new();
    for response in futures::future::join_all(merges).await {
        let cart = ok(response, StatusCode::OK).await;
        assert_eq!(lines(&cart), owned(&[("TEE", 2)]));
        ids.push(id(&cart));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    assert_eq!(merged_events(app.events().await).len(), 1);
}

#[tokio::test]
async fn what_cannot_be_merged() {
    let app = spawn_app().await;
    let ada = app.customer();
    let bob = app.customer();
    let guest = app.guest_cart().await;
    let ada_cart = id(&app.create(Some(&ada.token), None, StatusCode::CREATED).await);
    let bob_cart = id(&app.create(Some(&bob.token), None, StatusCode::CREATED).await);

    // A customer's token is required.
    let anonymous = app.merge("mine", &guest, None).await;
    assert!(anonymous.headers().contains_key("www-authenticate"));
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let staff = app.identity.token("usr_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", &["staff"]);
    problem(app.merge("mine", &guest, Some(&staff)).await, StatusCode::FORBIDDEN).await;

    // Unknown guest carts and other customers' carts look the same.
    for unknown in ["cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", bob_cart.as_str()] {
        let response = app.merge("mine", unknown, Some(&ada.token)).await;
        assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["guest_cart_id"]);
    }
    let malformed = app.merge("mine", "nope", Some(&ada.token)).await;
    assert_eq!(fields(&problem(malformed, StatusCode::BAD_REQUEST).await), ["guest_cart_id"]);

    // The customer's own cart is not a guest cart.
    let own = problem(app.merge("mine", &ada_cart, Some(&ada.token)).await, StatusCode::CONFLICT).await;
    assert_eq!(own["type"], "urn:mercato:problem:cart-not-mergeable");
    // The target must be the caller's own cart.
    problem(app.merge(&bob_cart, &guest, Some(&ada.token)).await, StatusCode::NOT_FOUND).await;
    problem(app.merge(&guest, &guest, Some(&ada.token)).await, StatusCode::NOT_FOUND).await;

    // Merged by someone else, or converted: 409.
    ok(app.merge("mine", &guest, Some(&bob.token)).await, StatusCode::OK).await;
    let taken = problem(app.merge("mine", &guest, Some(&ada.token)).await, StatusCode::CONFLICT).await;
    assert_eq!(taken["type"], "urn:mercato:problem:cart-not-mergeable");
    let bought = app.guest_cart().await;
    app.place_order(&bought).await;
    let converted = problem(app.merge("mine", &bought, Some(&ada.token)).await, StatusCode::CONFLICT).await;
    assert_eq!(converted["type"], "urn:mercato:problem:cart-not-mergeable");

    // Into a converted target: the target is not active.
    app.place_order(&ada_cart).await;
    let fresh_guest = app.guest_cart().await;
    let inactive = problem(app.merge(&ada_cart, &fresh_guest, Some(&ada.token)).await, StatusCode::CONFLICT).await;
    assert_eq!(inactive["type"], "urn:mercato:problem:cart-not-active");
    // Nothing happened to the guest cart.
    let untouched = app.cart(&fresh_guest, None).await;
    assert_eq!((&untouched["status"], &untouched["version"]), (&json!("active"), &json!(1)));
}
