use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn learned_skus_have_zero_stock_everywhere_and_applying_twice_changes_nothing() {
    let app = spawn_app().await;
    for code in ["a-dc", "b-dc", "c-store"] {
        app.create_location(code).await;
    }
    app.learn_product(&["TEE-S", "TEE-M"]).await;
    assert_eq!(app.stock_records().await.len(), 6, "one record per SKU and location, no duplicates");
    let a = app.availability("sku=TEE-S,TEE-M&sku=UNKNOWN-1").await;
    let data = a["data"].as_array().expect("data");
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["sku"], "TEE-S");
    assert_eq!(data[0]["known"], true);
    assert_eq!(data[0]["locations"].as_array().map(Vec::len), Some(3));
    assert_eq!(data[2]["known"], false);
}

#[tokio::test]
async fn setting_stock_changes_availability_and_publishes_an_event() {
    let app = spawn_app().await;
    app.create_location("a-dc").await;
    app.create_location("b-dc").await;
    app.learn_product(&["MUG-1"]).await;
    let set = app.put("/v1/stock/MUG-1/a-dc", &json!({ "on_hand": 7 })).await;
    assert_eq!(set.status(), StatusCode::OK);
    let level: Value = set.json().await.expect("json");
    assert_eq!(level["available"], 7);
    app.put("/v1/stock/MUG-1/b-dc", &json!({ "on_hand": 5 })).await;
    let a = app.availability("sku=MUG-1").await;
    assert_eq!(a["data"][0]["available"], 12);

    let events: Value = app.get_internal("/v1/events?after=0").await.json().await.expect("json");
    let changed: Vec<_> =
        events["data"].as_array().expect("data").iter().filter(|e| e["type"] == "stock.changed").collect();
    assert_eq!(changed.len(), 2);
    assert_eq!(
        changed[0]["data"],
        json!({ "sku": "MUG-1", "location": "a-dc", "on_hand": 7, "reserved": 0, "available": 7 })
    );
}

#[tokio::test]
async fn negative_unknown_and_malformed_stock_changes_nothing() {
    let app = spawn_app().await;
    app.create_location("a-dc").await;
    app.learn_product(&["PEN-1"]).await;
    app.put("/v1/stock/PEN-1/a-dc", &json!({ "on_hand": 3 })).await;

    let p = problem(app.put("/v1/stock/PEN-1/a-dc", &json!({ "on_hand": -1 })).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(fields(&p), vec!["on_hand"]);
    problem(app.put("/v1/stock/NOPE-1/a-dc", &json!({ "on_hand": 1 })).await, StatusCode::NOT_FOUND).await;
    problem(app.put("/v1/stock/PEN-1/nowhere", &json!({ "on_hand": 1 })).await, StatusCode::NOT_FOUND).await;
    let p = problem(
        app.put("/v1/stock/PEN-1/a-dc", &json!({ "on_hand": 1, "extra": true })).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(fields(&p), vec!["extra"]);
    let p =
        problem(app.put("/v1/stock/PEN-1/a-dc", &json!({ "on_hand": "lots" })).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&p), vec!["on_hand"]);
    problem(app.get("/v1/stock/NOPE-1").await, StatusCode::NOT_FOUND).await;

    let a = app.availability("sku=PEN-1").await;
    assert_eq!(a["data"][0]["available"], 3, "nothing changed");
}

#[tokio::test]
async fn a_batch_applies_all_lines_or_none() {
    let app = spawn_app().await;
    app.create_location("a-dc").await;
    app.learn_product(&["B-1", "B-2"]).await;
    let bad = json!({ "items": [
        { "sku": "B-1", "location": "a-dc", "on_hand": 4 },
        { "sku": "B-9", "location": "a-dc", "on_hand": 4 },
        { "sku": "B-2", "location": "a-dc", "on_hand": -2 }
    ]});
    let p = problem(app.post("/v1/stock/batch", &bad).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), vec!["items[2].on_hand"]);
    let unknown = json!({ "items": [
        { "sku": "B-1", "location": "a-dc", "on_hand": 4 },
        { "sku": "B-9", "location": "a-dc", "on_hand": 4 }
    ]});
    let p = problem(app.post("/v1/stock/batch", &unknown).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), vec!["items[1]"]);
    assert_eq!(app.availability("sku=B-1").await["data"][0]["available"], 0, "first line rolled back");

    let good = json!({ "items": [
        { "sku": "B-1", "location": "a-dc", "on_hand": 4 },
        { "sku": "B-2", "location": "a-dc", "on_hand": 9 }
    ]});
    let ok = app.post("/v1/stock/batch", &good).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(app.availability("sku=B-1,B-2").await["data"][1]["available"], 9);
}

#[tokio::test]
async fn availability_queries_are_validated() {
    let app = spawn_app().await;
    for query in ["", "sku=", "sku=bad%20sku", "skus=A"] {
        let p = problem(app.get(&format!("/v1/availability?{query}")).await, StatusCode::BAD_REQUEST).await;
        assert!(!fields(&p).is_empty(), "{query}");
    }
    problem(app.get("/v1/stock?after=garbage").await, StatusCode::BAD_REQUEST).await;
}
