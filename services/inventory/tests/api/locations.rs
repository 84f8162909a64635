use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn locations_are_listed_and_codes_are_unique() {
    let app = spawn_app().await;
    app.create_location("berlin-dc").await;
    app.create_location("paris-store").await;
    let list: Value = app.get("/v1/locations").await.json().await.expect("json");
    let codes: Vec<_> = list["data"].as_array().expect("data").iter().map(|l| l["code"].clone()).collect();
    assert_eq!(codes, vec![json!("berlin-dc"), json!("paris-store")]);
    let dup = app.post("/v1/locations", &json!({ "code": "berlin-dc", "name": "Again", "kind": "store" })).await;
    problem(dup, StatusCode::CONFLICT).await;
    let bad = app.post("/v1/locations", &json!({ "code": "Berlin DC", "name": "", "kind": "warehouse" })).await;
    let p = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), vec!["code", "name"]);
    let bad_kind = app.post("/v1/locations", &json!({ "code": "x1", "name": "X", "kind": "moon" })).await;
    assert_eq!(fields(&problem(bad_kind, StatusCode::BAD_REQUEST).await), vec!["kind"]);
}

#[tokio::test]
async fn a_new_location_gets_records_for_every_known_sku() {
    let app = spawn_app().await;
    app.create_location("a-dc").await;
    app.learn_product(&["S-1", "S-2"]).await;
    assert_eq!(app.stock_records().await.len(), 2);
    app.create_location("b-dc").await;
    let records = app.stock_records().await;
    assert_eq!(records.len(), 4);
    assert!(records.iter().all(|r| r["on_hand"] == 0 && r["reserved"] == 0));
}
