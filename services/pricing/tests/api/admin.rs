//! Staff management: validation, authentication, lists, idempotency and `price.changed`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{eur, fields, problem, spawn_app, tiers};

#[tokio::test]
async fn staff_endpoints_need_the_staff_token() {
    let app = spawn_app().await;
    let anonymous = app.http.post(format!("{}/v1/price-lists", app.base)).json(&json!({})).send().await.expect("sent");
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    for path in ["/v1/price-lists", "/v1/promotions", "/v1/shipping-rates"] {
        problem(app.get(path).await, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn invalid_bodies_name_their_fields() {
    let app = spawn_app().await;
    let r = app.post("/v1/price-lists", &json!({ "name": "x", "currency": "EUR", "colour": "red" })).await;
    assert_eq!(fields(&problem(r, StatusCode::BAD_REQUEST).await), ["colour"]);
    let r = app
        .post(
            "/v1/price-lists",
            &json!({ "name": "", "currency": "EUR", "customer_group": "a b", "priority": -1,
            "valid_from": "2026-02-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["name", "customer_group", "priority", "valid_to"]
    );

    let list = app.price_list(json!({ "name": "Retail", "currency": "EUR" })).await;
    let r = app
        .put(
            &format!("/v1/price-lists/{list}/prices/TEE"),
            &json!({ "tiers": [
            { "min_quantity": 1, "unit_amount": eur(100) },
            { "min_quantity": 1, "unit_amount": { "amount": -5, "currency": "USD" } } ] }),
        )
        .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["tiers[1].min_quantity", "tiers[1].unit_amount.amount", "tiers[1].unit_amount.currency"]
    );
    let r = app.put(&format!("/v1/price-lists/{list}/prices/bad%20sku"), &tiers("EUR", &[(1, 100)])).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["sku"]);
    let r = app.put("/v1/price-lists/pl_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/prices/TEE", &tiers("EUR", &[(1, 100)])).await;
    problem(r, StatusCode::NOT_FOUND).await;

    let r = app.post("/v1/promotions", &json!({ "name": "p", "kind": "product_percent", "value": 20000 })).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["value", "target.skus"]);
    let r = app
        .post("/v1/promotions", &json!({ "name": "p", "kind": "buy_x_get_y", "value": { "buy": 0, "get": 1 }, "target": { "skus": ["A"] } }))
        .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["value.buy"]);
    let r = app.post("/v1/promotions", &json!({ "name": "p", "kind": "half_off", "value": 1 })).await;
    assert_eq!(fields(&problem(r, StatusCode::BAD_REQUEST).await), ["kind"]);

    let r = app
        .post(
            "/v1/coupons",
            &json!({ "code": "no", "promotion_id": "promo_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", "usage_limit": 0 }),
        )
        .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["code", "usage_limit"]);
    let r = app
        .post("/v1/coupons", &json!({ "code": "GHOST", "promotion_id": "promo_0193a4c1e7d27c3a9b1f4e2d8c6a5b40" }))
        .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["promotion_id"]);

    let r = app
        .post("/v1/shipping-rates", &json!({ "method": "Express!", "countries": ["de"], "amount": eur(100), "free_over": { "amount": 1, "currency": "USD" } }))
        .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["method", "countries[0]", "free_over.currency"]
    );
    let r = app.put("/v1/tax-rules/deu", &json!({ "rate_bp": 10001, "inclusive": true })).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["country", "rate_bp"]);
}

#[tokio::test]
async fn coupon_codes_are_unique_whatever_their_case() {
    let app = spawn_app().await;
    let promo =
        app.promotion(json!({ "name": "p", "kind": "order_percent", "value": 100, "coupon_required": true })).await;
    app.created("/v1/coupons", json!({ "code": "Hello-1", "promotion_id": promo })).await;
    let r = app.post("/v1/coupons", &json!({ "code": "HELLO-1", "promotion_id": promo })).await;
    assert_eq!(problem(r, StatusCode::CONFLICT).await["type"], "urn:mercato:problem:coupon-code-taken");
}

#[tokio::test]
async fn creations_are_listed_and_replayed_by_idempotency_key() {
    let app = spawn_app().await;
    let body = json!({ "name": "Retail", "currency": "EUR" });
    let send = async |body: Value| {
        app.staff(reqwest::Method::POST, "/v1/price-lists")
            .header("Idempotency-Key", "k1")
            .json(&body)
            .send()
            .await
            .expect("sent")
    };
    let first: Value = send(body.clone()).await.json().await.expect("json");
    let replay = send(body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.json::<Value>().await.expect("json"), first);
    let other = send(json!({ "name": "Other", "currency": "EUR" })).await;
    problem(other, StatusCode::CONFLICT).await;
    app.price_list(json!({ "name": "B2B", "currency": "EUR", "customer_group": "b2b", "priority": 3 })).await;

    let page: Value = app
        .staff(reqwest::Method::GET, "/v1/price-lists?limit=1")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["data"][0], first);
    let next = page["next"].as_str().expect("next");
    let page: Value = app
        .staff(reqwest::Method::GET, &format!("/v1/price-lists?limit=1&after={next}"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(page["data"][0]["customer_group"], "b2b");
    assert!(page["next"].is_null());

    let promo = app.promotion(json!({ "name": "p", "kind": "order_fixed", "value": eur(100) })).await;
    let promotions: Value =
        app.staff(reqwest::Method::GET, "/v1/promotions").send().await.expect("sent").json().await.expect("json");
    assert_eq!(promotions["data"][0]["id"], promo.as_str());
    assert_eq!(promotions["data"][0]["value"], eur(100));
    assert_eq!(promotions["data"][0]["coupon_required"], false);

    app.created(
        "/v1/shipping-rates",
        json!({ "method": "express", "countries": ["FR", "DE", "FR"], "amount": eur(990) }),
    )
    .await;
    let rates: Value =
        app.staff(reqwest::Method::GET, "/v1/shipping-rates").send().await.expect("sent").json().await.expect("json");
    assert_eq!(rates["data"][0]["countries"], json!(["DE", "FR"]));
    assert!(rates["data"][0]["free_over"].is_null());
}

#[tokio::test]
async fn setting_a_price_publishes_price_changed() {
    let app = spawn_app().await;
    let list = app.price_list(json!({ "name": "Retail", "currency": "EUR" })).await;
    let price = app.set_price(&list, "TEE", tiers("EUR", &[(1, 2500), (10, 2200)])).await;
    assert_eq!(price["price_list_id"], list.as_str());
    app.set_price(&list, "TEE", tiers("EUR", &[(1, 2400)])).await;
    let events = app.events().await;
    let changed: Vec<&Value> = events.iter().filter(|e| e["type"] == "price.changed").collect();
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[0]["subject"], "TEE");
    assert_eq!(
        changed[0]["data"],
        json!({ "sku": "TEE", "currency": "EUR", "price_list_id": list, "tiers": [
            { "min_quantity": 1, "unit_amount": eur(2500) }, { "min_quantity": 10, "unit_amount": eur(2200) } ] })
    );
    assert_eq!(changed[1]["data"]["tiers"], json!([{ "min_quantity": 1, "unit_amount": eur(2400) }]));
}

#[tokio::test]
async fn a_price_batch_sets_every_line_or_none() {
    let app = spawn_app().await;
    let list = app.price_list(json!({ "name": "Retail", "currency": "EUR" })).await;
    let path = format!("/v1/price-lists/{list}/prices");
    let line = |sku: &str, amount: i64| json!({ "sku": sku, "tiers": tiers("EUR", &[(1, amount)])["tiers"] });

    let r = app
        .post(
            &path,
            &json!({ "items": [line("TEE", 2500), line("bad sku", 100), line("TEE", 2400),
            { "sku": "MUG", "tiers": [{ "min_quantity": 2, "unit_amount": eur(900) }] }] }),
        )
        .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["items[1].sku", "items[2].sku", "items[3].tiers[0].min_quantity"]
    );
    let r = app.post(&path, &json!({ "items": [line("TEE", 2500), line("MUG", -1)] })).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["items[1].tiers[0].unit_amount.amount"]);
    let r = app.post(&path, &json!({ "items": [] })).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["items"]);
    let r = app
        .post("/v1/price-lists/pl_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/prices", &json!({ "items": [line("TEE", 1)] }))
        .await;
    problem(r, StatusCode::NOT_FOUND).await;
    assert!(app.events().await.iter().all(|e| e["type"] != "price.changed"), "a refused batch changed nothing");

    let r = app.post(&path, &json!({ "items": [line("TEE", 2500), line("MUG", 900)] })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let set: Value = r.json().await.expect("json");
    let skus: Vec<&str> = set["data"].as_array().expect("data").iter().filter_map(|p| p["sku"].as_str()).collect();
    assert_eq!(skus, ["TEE", "MUG"]);
    let prices: Value = app.get("/v1/prices?sku=TEE,MUG&currency=EUR").await.json().await.expect("json");
    let amounts: Vec<(String, i64)> = prices["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| {
            (
                p["sku"].as_str().unwrap_or_default().to_owned(),
                p["tiers"][0]["unit_amount"]["amount"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(amounts, [("TEE".to_owned(), 2500), ("MUG".to_owned(), 900)]);
    let changed: Vec<Value> =
        app.events().await.into_iter().filter(|e| e["type"] == "price.changed").map(|e| e["subject"].clone()).collect();
    assert_eq!(changed, [json!("TEE"), json!("MUG")]);
}
