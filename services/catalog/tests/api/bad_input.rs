//! Every kind of bad input gets the right 4xx problem and changes nothing.

use reqwest::StatusCode;
use serde_json::json;

use runtime::testing::STAFF_TOKEN;

use crate::helpers::{fields, problem, product_body, spawn_app};

#[tokio::test]
async fn malformed_json_is_400_and_creates_nothing() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/v1/products", app.base))
        .bearer_auth(STAFF_TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": \"x\", ")
        .send()
        .await
        .expect("sent");
    let p = problem(response, StatusCode::BAD_REQUEST).await;
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("not valid JSON")));
    assert!(app.all_products().await.is_empty());
}

#[tokio::test]
async fn unknown_fields_are_named() {
    let app = spawn_app().await;
    let mut body = product_body("x", &["X-1"]);
    body["colour"] = json!("red");
    body["variants"][0]["weight"] = json!(3);
    let p = problem(app.post("/v1/products", &body).await, StatusCode::BAD_REQUEST).await;
    let f = fields(&p);
    assert!(f == vec!["colour"] || f == vec!["variants[0].weight"], "{f:?}");
    assert!(app.all_products().await.is_empty());
}

#[tokio::test]
async fn invalid_values_are_422_with_every_field() {
    let app = spawn_app().await;
    let body = json!({ "name": "", "slug": "Not A Slug", "variants": [{ "sku": "bad sku!" }] });
    let p = problem(app.post("/v1/products", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let f = fields(&p);
    for expected in ["name", "slug", "variants[0].sku"] {
        assert!(f.contains(&expected.to_owned()), "{expected} not in {f:?}");
    }
    assert!(app.all_products().await.is_empty());
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app().await;
    let mut body = product_body("big", &["BIG-1"]);
    body["description"] = json!("x".repeat(100 * 1024));
    problem(app.post("/v1/products", &body).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(app.all_products().await.is_empty());
}

#[tokio::test]
async fn unknown_ids_are_404_problems() {
    let app = spawn_app().await;
    problem(app.get("/v1/products/prod_0193a4c1e7d27c3a9b1f4e2d8c6a5b40").await, StatusCode::NOT_FOUND).await;
    problem(app.get("/v1/products/no-such-slug").await, StatusCode::NOT_FOUND).await;
    problem(app.patch("/v1/products/no-such-slug", None, &json!({ "name": "x" })).await, StatusCode::NOT_FOUND).await;
    problem(app.get("/v1/nothing-here").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn invalid_pagination_is_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("after=not-a-cursor", "after"),
        ("after=djE6", "after"),
        ("sort=price", "sort"),
    ] {
        let p = problem(app.get(&format!("/v1/products?{query}")).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(fields(&p), vec![field], "{query}");
    }
}

#[tokio::test]
async fn staff_endpoints_refuse_missing_and_wrong_tokens() {
    let app = spawn_app().await;
    let url = format!("{}/v1/products", app.base);
    let none = app.http.post(&url).json(&product_body("a", &["A-1"])).send().await.expect("sent");
    problem(none, StatusCode::UNAUTHORIZED).await;
    let wrong = app.http.post(&url).bearer_auth("guess").json(&product_body("a", &["A-1"])).send().await.expect("sent");
    problem(wrong, StatusCode::UNAUTHORIZED).await;
    assert!(app.all_products().await.is_empty());
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/v1/products", app.base))
        .bearer_auth(STAFF_TOKEN)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("sent");
    problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
}
