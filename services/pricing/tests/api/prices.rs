//! `GET /v1/prices`: list prices for product pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{eur, fields, problem, spawn_app, tiers};

#[tokio::test]
async fn list_prices_follow_the_winning_list_and_name_the_unpriced() {
    let app = spawn_app().await;
    let general = app.price_list(json!({ "name": "Retail", "currency": "EUR", "priority": 1 })).await;
    let vip = app.price_list(json!({ "name": "VIP", "currency": "EUR", "priority": 1, "customer_group": "vip" })).await;
    app.set_price(&general, "TEE", tiers("EUR", &[(1, 2499), (10, 1999)])).await;
    app.set_price(&vip, "TEE", tiers("EUR", &[(1, 2199)])).await;
    app.set_price(&general, "MUG", tiers("EUR", &[(1, 1000)])).await;

    let prices: Value = app.get("/v1/prices?sku=TEE,MUG,NOPE,TEE").await.json().await.expect("json");
    assert_eq!(prices["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(prices["data"][0]["sku"], "TEE");
    assert_eq!(prices["data"][0]["unit_price"], eur(2499));
    assert_eq!(prices["data"][0]["tiers"][1]["min_quantity"], 10);
    assert_eq!(prices["data"][1]["unit_price"], eur(1000));
    assert_eq!(prices["unpriced"], json!(["NOPE"]));

    let vip_prices: Value = app.get("/v1/prices?sku=TEE&customer_group=vip").await.json().await.expect("json");
    assert_eq!(vip_prices["data"][0]["unit_price"], eur(2199));
    let usd: Value = app.get("/v1/prices?sku=TEE&currency=USD").await.json().await.expect("json");
    assert_eq!(usd["unpriced"], json!(["TEE"]));
}

#[tokio::test]
async fn bad_price_queries_say_what_is_wrong() {
    let app = spawn_app().await;
    let body = problem(app.get("/v1/prices?sku=").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["sku"]);
    let body = problem(app.get("/v1/prices?sku=bad%20sku").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["sku"]);
    let many: Vec<String> = (0..101).map(|i| format!("S{i}")).collect();
    let body =
        problem(app.get(&format!("/v1/prices?sku={}", many.join(","))).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["sku"]);
    let body = problem(app.get("/v1/prices?sku=TEE&colour=red").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&body), ["colour"]);
    problem(app.get("/v1/prices?sku=TEE&currency=XXX").await, StatusCode::BAD_REQUEST).await;
}
