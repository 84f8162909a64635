//! Creating, reading and updating carts.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{etag, fields, id, lines, ok, owned, problem, spawn_app};

#[tokio::test]
async fn a_guest_creates_a_cart_with_defaults() {
    let app = spawn_app().await;
    let response = app.send(Method::POST, "/v1/carts", None, None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(etag(&response), "\"1\"");
    let location = response.headers()["location"].to_str().expect("ascii").to_owned();
    let cart = ok(response, StatusCode::CREATED).await;
    let cart_id = id(&cart);
    assert!(cart_id.starts_with("cart_"));
    assert_eq!(location, format!("/v1/carts/{cart_id}"));
    assert_eq!(
        (&cart["customer_id"], &cart["status"], &cart["currency"], &cart["country"]),
        (&json!(null), &json!("active"), &json!("EUR"), &json!("DE"))
    );
    assert_eq!((&cart["lines"], &cart["quote"], &cart["degraded"]), (&json!([]), &json!(null), &json!([])));
    assert_eq!(
        (&cart["shipping_method"], &cart["coupon_codes"], &cart["version"]),
        (&json!(null), &json!([]), &json!(1))
    );

    let read = app.read(&cart_id, None).await;
    assert_eq!(etag(&read), "\"1\"");
    assert_eq!(ok(read, StatusCode::OK).await, cart);

    let full = app
        .create(
            None,
            Some(json!({ "currency": "USD", "country": "FR", "shipping_method": "express", "coupon_codes": ["SAVE10"],
                         "lines": [{ "sku": "TEE-M", "quantity": 2 }, { "sku": "MUG", "quantity": 1 }, { "sku": "TEE-M", "quantity": 3 }] })),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(
        (&full["currency"], &full["country"], &full["shipping_method"]),
        (&json!("USD"), &json!("FR"), &json!("express"))
    );
    assert_eq!(lines(&full), owned(&[("TEE-M", 5), ("MUG", 1)]));
    assert_eq!(full["coupon_codes"], json!(["SAVE10"]));
}

#[tokio::test]
async fn creating_names_every_invalid_field() {
    let app = spawn_app().await;
    let body = json!({ "country": "Germany", "shipping_method": "Next Day", "coupon_codes": [""],
                       "lines": [{ "sku": "no spaces", "quantity": 1 }, { "sku": "OK", "quantity": 0 }, { "sku": "BIG", "quantity": 1001 }] });
    let response = app.send(Method::POST, "/v1/carts", None, Some(body)).await;
    assert_eq!(
        fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["country", "shipping_method", "coupon_codes[0]", "lines[0].sku", "lines[1].quantity", "lines[2].quantity"]
    );
    let too_many: Vec<_> = (0..11).map(|i| format!("CODE{i}")).collect();
    let response = app.send(Method::POST, "/v1/carts", None, Some(json!({ "coupon_codes": too_many }))).await;
    assert_eq!(fields(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["coupon_codes"]);
    let response = app.send(Method::POST, "/v1/carts", None, Some(json!({ "currency": "XXX" }))).await;
    assert_eq!(fields(&problem(response, StatusCode::BAD_REQUEST).await), ["currency"]);
    let response = app.send(Method::POST, "/v1/carts", None, Some(json!({ "owner": "me" }))).await;
    assert_eq!(fields(&problem(response, StatusCode::BAD_REQUEST).await), ["owner"]);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response_to_the_same_caller_only() {
    let app = spawn_app().await;
    let body = json!({ "lines": [{ "sku": "TEE", "quantity": 1 }] });
    let post = |key: &'static str, token: Option<String>, body: serde_json::Value| {
        let app = &app;
        async move {
            let builder = app.request(Method::POST, "/v1/carts", token.as_deref()).header("Idempotency-Key", key);
            builder.json(&body).send().await.expect("sent")
        }
    };
    let first = ok(post("k-1", None, body.clone()).await, StatusCode::CREATED).await;
    let again = post("k-1", None, body.clone()).await;
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(ok(again, StatusCode::CREATED).await, first);
    let other_body = post("k-1", None, json!({})).await;
    assert_eq!(problem(other_body, StatusCode::CONFLICT).await["type"], "urn:mercato:problem:idempotency-key-reused");
    // A customer presenting a guest's key does not get the guest's cart.
    let ada = app.customer();
    let as_ada = post("k-1", Some(ada.token.clone()), body.clone()).await;
    assert_eq!(problem(as_ada, StatusCode::CONFLICT).await["type"], "urn:mercato:problem:idempotency-key-reused");
    let fresh = ok(post("k-2", None, body).await, StatusCode::CREATED).await;
    assert_ne!(id(&fresh), id(&first));
}

#[tokio::test]
async fn a_customer_has_one_active_cart() {
    let app = spawn_app().await;
    let ada = app.customer();
    let token = Some(ada.token.as_str());
    let response = app.send(Method::GET, "/v1/carts/mine", token, None).await;
    assert_eq!(problem(response, StatusCode::NOT_FOUND).await["detail"], "You have no active cart.");

    let created = app.create(token, Some(json!({ "country": "AT" })), StatusCode::CREATED).await;
    assert_eq!(created["customer_id"], ada.id.as_str());
    assert_eq!(created["country"], "AT");
    // Again: the same cart (the body is ignored).
    let again = app.create(token, Some(json!({ "country": "FR" })), StatusCode::OK).await;
    assert_eq!((id(&again), &again["country"]), (id(&created), &json!("AT")));
    let mine = app.cart("mine", token).await;
    assert_eq!(id(&mine), id(&created));

    // `mine` needs a customer's token.
    let anonymous = app.send(Method::GET, "/v1/carts/mine", None, None).await;
    assert!(anonymous.headers().contains_key("www-authenticate"));
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let staff = app.identity.token("usr_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", &["staff"]);
    problem(app.send(Method::GET, "/v1/carts/mine", Some(&staff), None).await, StatusCode::FORBIDDEN).await;
    problem(app.send(Method::POST, "/v1/carts", Some(&staff), None).await, StatusCode::FORBIDDEN).await;

    // Concurrent creations by a new customer end with one cart.
    let bob = app.customer();
    let attempts = (0..6).map(|_| app.send(Method::POST, "/v1/carts", Some(&bob.token), None));
    let mut ids = Vec::new();
    let mut created = 0;
    for response in futures::future::join_all(attempts).await {
        let status = response.status();
        assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status}");
        created += usize::from(status == StatusCode::CREATED);
        ids.push(id(&response.json().await.expect("json")));
    }
    ids.dedup();
    assert_eq!((ids.len(), created), (1, 1));
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let app = spawn_app().await;
    for path in [
        "/v1/carts/cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40",
        "/v1/carts/nonsense",
        "/v1/carts/prod_0193a4c1e7d27c3a9b1f4e2d8c6a5b40",
    ] {
        let response = app.send(Method::GET, path, None, None).await;
        assert_eq!(problem(response, StatusCode::NOT_FOUND).await["detail"], "No cart has that id.");
    }
    let response = app.add("cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", "TEE", 1, None).await;
    problem(response, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn updates_change_what_is_sent_and_honor_if_match() {
    let app = spawn_app().await;
    let cart = app.guest_cart().await;
    let path = format!("/v1/carts/{cart}");
    let patch = |if_match: Option<&'static str>, body: serde_json::Value| {
        let mut builder = app.request(Method::PATCH, &path, None).json(&body);
        if let Some(tag) = if_match {
            builder = builder.header("If-Match", tag);
        }
        builder.send()
    };
    let response =
        patch(Some("\"1\""), json!({ "country": "FR", "shipping_method": "standard", "coupon_codes": ["A-1"] }))
            .await
            .expect("sent");
    assert_eq!(etag(&response), "\"2\"");
    let updated = ok(response, StatusCode::OK).await;
    assert_eq!(
        (&updated["country"], &updated["shipping_method"], &updated["coupon_codes"], &updated["version"]),
        (&json!("FR"), &json!("standard"), &json!(["A-1"]), &json!(2))
    );
    // A stale ETag.
    let stale = patch(Some("\"1\""), json!({ "country": "IT" })).await.expect("sent");
    assert_eq!(
        problem(stale, StatusCode::PRECONDITION_FAILED).await["type"],
        "urn:mercato:problem:precondition-failed"
    );
    let garbage = patch(Some("yesterday"), json!({ "country": "IT" })).await.expect("sent");
    assert_eq!(fields(&problem(garbage, StatusCode::BAD_REQUEST).await), ["If-Match"]);
    // Only what is present changes; "" removes the shipping method; `*` matches any version.
    let response = patch(Some("*"), json!({ "shipping_method": "" })).await.expect("sent");
    let updated = ok(response, StatusCode::OK).await;
    assert_eq!(
        (&updated["country"], &updated["shipping_method"], &updated["version"]),
        (&json!("FR"), &json!(null), &json!(3))
    );
    // Nothing changes: the version stays.
    let same = ok(patch(None, json!({ "country": "FR" })).await.expect("sent"), StatusCode::OK).await;
    assert_eq!(same["version"], 3);
    let invalid = patch(None, json!({ "country": "fr", "shipping_method": "UPS", "coupon_codes": ["", "ok"] }))
        .await
        .expect("sent");
    assert_eq!(
        fields(&problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["country", "shipping_method", "coupon_codes[0]"]
    );
    let unknown = patch(None, json!({ "currency": "USD" })).await.expect("sent");
    assert_eq!(fields(&problem(unknown, StatusCode::BAD_REQUEST).await), ["currency"]);
    assert_eq!(app.cart(&cart, None).await["version"], 3);
}

#[tokio::test]
async fn the_service_is_ready_without_pricing_and_orders() {
    let app = spawn_app().await;
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let openapi: serde_json::Value = app.get("/openapi.json").await.json().await.expect("json");
    for path in
        ["/v1/carts", "/v1/carts/{id}", "/v1/carts/{id}/lines", "/v1/carts/{id}/lines/{sku}", "/v1/carts/{id}/merge"]
    {
        assert!(openapi["paths"][path].is_object(), "{path} documented");
    }
}
