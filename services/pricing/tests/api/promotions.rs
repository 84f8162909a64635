//! Each promotion kind, and how they stack.

use serde_json::{Value, json};

use crate::helpers::{TestApp, amount, eur, lines, spawn_app};

async fn shop() -> TestApp {
    let app = spawn_app().await;
    app.eur_prices(&[("TEE", 2500), ("MUG", 1000), ("CAP", 2000)]).await;
    app
}

fn cart(items: &[(&str, i64)]) -> Value {
    json!({ "currency": "EUR", "country": "FR",
            "lines": items.iter().map(|(s, q)| json!({ "sku": s, "quantity": q })).collect::<Vec<_>>() })
}

#[tokio::test]
async fn order_percent_is_spread_over_the_lines() {
    let app = shop().await;
    let id = app.promotion(json!({ "name": "10 % off", "kind": "order_percent", "value": 1000 })).await;
    let q = app.quote(cart(&[("TEE", 1), ("MUG", 1)])).await;
    assert_eq!(lines(&q), [("TEE".into(), 2500, 250, 2250, 0), ("MUG".into(), 1000, 100, 900, 0)]);
    assert_eq!((amount(&q, "subtotal"), amount(&q, "discount_total"), amount(&q, "total")), (3500, 350, 3150));
    assert_eq!(q["applied_promotions"], json!([{ "id": id, "name": "10 % off", "amount": eur(350) }]));
}

#[tokio::test]
async fn order_fixed_is_allocated_exactly_and_capped() {
    let app = shop().await;
    app.promotion(json!({ "name": "5 off", "kind": "order_fixed", "value": eur(500) })).await;
    let q = app.quote(cart(&[("TEE", 1), ("MUG", 1)])).await;
    // 500 × 2500/3500 = 357.14…, 500 × 1000/3500 = 142.85…: the extra cent goes to the larger remainder
    assert_eq!(lines(&q), [("TEE".into(), 2500, 357, 2143, 0), ("MUG".into(), 1000, 143, 857, 0)]);
    assert_eq!(amount(&q, "total"), 3000);
    // never more than the order
    let app = shop().await;
    app.promotion(json!({ "name": "50 off", "kind": "order_fixed", "value": eur(5000) })).await;
    let q = app.quote(cart(&[("MUG", 1)])).await;
    assert_eq!((amount(&q, "discount_total"), amount(&q, "total")), (1000, 0));
    // a fixed promotion in another currency does not apply
    let app = shop().await;
    app.promotion(json!({ "name": "5 USD off", "kind": "order_fixed", "value": { "amount": 500, "currency": "USD" } }))
        .await;
    let q = app.quote(cart(&[("MUG", 1)])).await;
    assert_eq!((amount(&q, "discount_total"), q["applied_promotions"].clone()), (0, json!([])));
}

#[tokio::test]
async fn product_percent_and_fixed_hit_only_their_skus() {
    let app = shop().await;
    app.promotion(
        json!({ "name": "20 % off tees", "kind": "product_percent", "value": 2000, "target": { "skus": ["TEE"] } }),
    )
    .await;
    app.promotion(
        json!({ "name": "3 off each mug", "kind": "product_fixed", "value": eur(300), "target": { "skus": ["MUG"] } }),
    )
    .await;
    let q = app.quote(cart(&[("TEE", 2), ("MUG", 3), ("CAP", 1)])).await;
    assert_eq!(
        lines(&q),
        [("TEE".into(), 5000, 1000, 4000, 0), ("MUG".into(), 3000, 900, 2100, 0), ("CAP".into(), 2000, 0, 2000, 0)]
    );
    assert_eq!(amount(&q, "total"), 8100);
    let applied: Vec<i64> = q["applied_promotions"]
        .as_array()
        .expect("applied")
        .iter()
        .map(|p| p["amount"]["amount"].as_i64().expect("n"))
        .collect();
    assert_eq!(applied, [1000, 900]);
}

#[tokio::test]
async fn category_promotions_use_what_catalog_announced() {
    let app = shop().await;
    app.promotion(json!({ "name": "Half-price hats", "kind": "category_percent", "value": 5000, "target": { "category": "hats" } }))
        .await;
    app.promotion(json!({ "name": "1 off mugs", "kind": "category_fixed", "value": eur(100), "target": { "category": "kitchen" } }))
        .await;
    let before = app.quote(cart(&[("CAP", 1), ("TEE", 1), ("MUG", 2)])).await;
    assert_eq!(amount(&before, "discount_total"), 0);

    app.learn_product(&["CAP"], Some("hats")).await;
    app.learn_product(&["MUG"], Some("kitchen")).await;
    app.learn_product(&["TEE"], None).await;
    let q = app.quote(cart(&[("CAP", 1), ("TEE", 1), ("MUG", 2)])).await;
    assert_eq!(
        lines(&q),
        [("CAP".into(), 2000, 1000, 1000, 0), ("TEE".into(), 2500, 0, 2500, 0), ("MUG".into(), 2000, 200, 1800, 0)]
    );
}

#[tokio::test]
async fn buy_three_get_one_free_per_complete_group() {
    let app = shop().await;
    app.promotion(json!({ "name": "Mugs 3+1", "kind": "buy_x_get_y", "value": { "buy": 3, "get": 1 }, "target": { "skus": ["MUG"] } }))
        .await;
    for (quantity, free) in [(3, 0), (4, 1), (7, 1), (8, 2), (9, 2)] {
        let q = app.quote(cart(&[("MUG", quantity)])).await;
        assert_eq!(amount(&q, "discount_total"), free * 1000, "quantity {quantity}");
        assert_eq!(amount(&q, "total"), (quantity - free) * 1000);
    }
}

#[tokio::test]
async fn line_promotions_apply_before_order_promotions() {
    let app = shop().await;
    app.promotion(json!({ "name": "10 % off", "kind": "order_percent", "value": 1000 })).await;
    app.promotion(
        json!({ "name": "20 % off tees", "kind": "product_percent", "value": 2000, "target": { "skus": ["TEE"] } }),
    )
    .await;
    // TEE 25.00 − 20 % = 20.00; order 30.00 − 10 % = 27.00 (TEE −2.00, MUG −1.00)
    let q = app.quote(cart(&[("TEE", 1), ("MUG", 1)])).await;
    assert_eq!(lines(&q), [("TEE".into(), 2500, 700, 1800, 0), ("MUG".into(), 1000, 100, 900, 0)]);
    let names: Vec<&str> = q["applied_promotions"]
        .as_array()
        .expect("applied")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["20 % off tees", "10 % off"]);
    assert_eq!(amount(&q, "total"), 2700);
}

#[tokio::test]
async fn promotions_outside_their_window_do_not_apply() {
    let app = shop().await;
    app.promotion(
        json!({ "name": "Future", "kind": "order_percent", "value": 1000, "starts_at": "2999-01-01T00:00:00Z" }),
    )
    .await;
    app.promotion(json!({ "name": "Past", "kind": "order_percent", "value": 1000, "ends_at": "2001-01-01T00:00:00Z" }))
        .await;
    let q = app.quote(cart(&[("MUG", 1)])).await;
    assert_eq!(amount(&q, "discount_total"), 0);
}
