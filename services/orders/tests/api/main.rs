//! The orders API on its own, against the real service on a random port with a fresh
//! database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`). No other service
//! runs here, so these tests cover input, authentication, and what a checkout does when its
//! dependencies are unavailable; the whole saga is tested end to end in
//! `crates/mercato/tests/system/checkout.rs`.

use reqwest::{Method, StatusCode};
use runtime::testing::{TestService, fields, problem};
use serde_json::{Value, json};

async fn spawn_app() -> TestService {
    runtime::testing::spawn(orders::SERVICE, orders::build, |_| {}).await
}

fn checkout() -> Value {
    json!({
        "cart_id": "cart_0193a4c1e7d27c3a9b1f4e2d8c6a5b40",
        "email": "ada@example.com",
        "shipping_address": { "name": "Ada", "line1": "Street 1", "postal_code": "10117", "city": "Berlin", "country": "DE" },
        "shipping_method": "standard",
        "quote_signature": "a".repeat(64),
        "payment": { "card": { "number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123" } }
    })
}

async fn post_checkout(app: &TestService, key: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app.http.post(format!("{}/v1/checkouts", app.base)).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("sent")
}

#[tokio::test]
async fn a_checkout_needs_a_key_and_valid_fields() {
    let app = spawn_app().await;
    let missing = post_checkout(&app, None, &checkout()).await;
    let body = problem(missing, StatusCode::BAD_REQUEST).await;
    assert!(body["detail"].as_str().unwrap_or_default().contains("Idempotency-Key"), "{body}");

    let mut bad = checkout();
    bad["email"] = json!("not-an-address");
    bad["shipping_address"]["country"] = json!("Germany");
    bad["shipping_method"] = json!("");
    bad["quote_signature"] = json!("abc");
    let invalid = problem(post_checkout(&app, Some("k1"), &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&invalid), ["email", "shipping_address.country", "shipping_method", "quote_signature"]);

    let mut unknown = checkout();
    unknown["coupon"] = json!("X");
    let body = problem(post_checkout(&app, Some("k2"), &unknown).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&body), ["coupon"]);

    let mut bad_cart = checkout();
    bad_cart["cart_id"] = json!("prod_0193a4c1e7d27c3a9b1f4e2d8c6a5b40");
    let body = problem(post_checkout(&app, Some("k3"), &bad_cart).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&body), ["cart_id"]);

    // A presented token must be valid: never silently a guest.
    let r = app
        .http
        .post(format!("{}/v1/checkouts", app.base))
        .header("Idempotency-Key", "k4")
        .bearer_auth("not.a.jwt")
        .json(&checkout())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn with_the_cart_unreachable_a_checkout_fails_cleanly_and_its_key_stays_usable() {
    let app = spawn_app().await;
    for _ in 0..2 {
        // Nothing was held or charged, so the key is not spent: the second try runs again
        // (another 503, not a replay and not `checkout-in-progress`).
        let r = post_checkout(&app, Some("unreachable"), &checkout()).await;
        assert!(r.headers().contains_key("retry-after"));
        assert_ne!(r.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
        let body = problem(r, StatusCode::SERVICE_UNAVAILABLE).await;
        assert!(body["detail"].as_str().unwrap_or_default().contains("cart"), "{body}");
    }
}

#[tokio::test]
async fn orders_are_for_their_owner_or_staff() {
    let app = spawn_app().await;
    assert_eq!(app.get("/v1/orders").await.status(), StatusCode::UNAUTHORIZED);
    let r = app.http.get(format!("{}/v1/orders", app.base)).bearer_auth("forged").send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.staff(Method::GET, "/v1/orders").send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = r.json().await.expect("json");
    assert_eq!(page["data"], json!([]));
    let r = app.staff(Method::GET, "/v1/orders/ord_0193a4c1e7d27c3a9b1f4e2d8c6a5b40").send().await.expect("sent");
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.staff(Method::GET, "/v1/orders/nonsense").send().await.expect("sent");
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.staff(Method::GET, "/v1/orders?status=returned").send().await.expect("sent");
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["status"]);
    let r = app.staff(Method::GET, "/v1/orders?limit=0&after=%%%").send().await.expect("sent");
    assert_eq!(fields(&problem(r, StatusCode::BAD_REQUEST).await), ["limit", "after"]);
    let r =
        app.staff(Method::POST, "/v1/orders/ord_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/capture").send().await.expect("sent");
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app
        .http
        .post(format!("{}/v1/orders/ord_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/capture", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Shipping: the body is checked first (each bad field named), then the order.
    let ship = "/v1/orders/ord_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/ship";
    let bad = json!({ "carrier": " ", "tracking_number": "x".repeat(101) });
    let r = app.staff(Method::POST, ship).json(&bad).send().await.expect("sent");
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["carrier", "tracking_number"]);
    let r =
        app.staff(Method::POST, ship).json(&json!({ "carrier": "DHL", "tracking": "1" })).send().await.expect("sent");
    problem(r, StatusCode::BAD_REQUEST).await;
    let good = json!({ "carrier": "DHL", "tracking_number": "JJD0001" });
    let r = app.staff(Method::POST, ship).json(&good).send().await.expect("sent");
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.http.post(format!("{}{ship}", app.base)).json(&good).send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_openapi_document_lists_the_checkout_and_orders() {
    let app = spawn_app().await;
    let doc: Value = app.get("/openapi.json").await.json().await.expect("json");
    for path in [
        "/v1/checkouts",
        "/v1/orders",
        "/v1/orders/{id}",
        "/v1/orders/{id}/cancel",
        "/v1/orders/{id}/capture",
        "/v1/orders/{id}/refund",
        "/v1/orders/{id}/ship",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}
