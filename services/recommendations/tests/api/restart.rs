//! The model is rebuilt from the database at start, so a restarted instance answers as the
//! old one did; and events reach the service through its real subscriptions.

use std::time::{Duration, Instant};

use contracts::ids::CustomerId;
use serde_json::Value;

use runtime::testing::fake_feed;

use crate::helpers::{Catalog, created, just_names, spawn_with, spawn_with_catalog};

fn data(answer: &Value) -> &Vec<Value> {
    answer["data"].as_array().expect("data")
}

#[tokio::test]
async fn a_restarted_instance_rebuilds_the_same_model_from_the_database() {
    let (app, catalog) = spawn_with_catalog().await;
    let ada = CustomerId::generate();
    app.apply(&[
        catalog.order(None, &["Linen Shirt", "Leather Belt", "Wool Socks"]),
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
        catalog.order(Some(&ada), &["Wool Socks"]),
        catalog.order(Some(&ada), &["Wool Socks", "Silk Scarf"]),
    ])
    .await;
    let shirt = catalog.product("Linen Shirt");
    for visitor in ["a", "b"] {
        app.view(visitor, shirt, None).await;
        app.view(visitor, catalog.product("Oxford Shirt"), None).await;
    }
    let blend = format!("product_id={}&limit=10", shirt.id);
    app.eventually(&blend, |a| data(a).iter().any(|r| r["reason"] == "also_viewed")).await;
    let token = app.identity.customer(&ada);
    let queries = [
        blend.clone(),
        format!("product_id={}&kind=bought_together", shirt.id),
        format!("product_id={}&kind=also_viewed", shirt.id),
        format!("product_id={}&kind=similar", catalog.product("Linen Shorts").id),
    ];
    let mut before = Vec::new();
    for query in &queries {
        before.push(app.recommendations(query).await);
    }
    let mine: Value = app.for_you_raw(Some(&token), "limit=5").await.json().await.expect("json");
    assert!(just_names(&before[0]).contains(&"Leather Belt".to_owned()));
    assert!(data(&mine).iter().any(|r| r["reason"] == "for_you"), "{mine}");

    app.begin_shutdown();
    let restarted = spawn_with("", Some((&app, app.identity.clone()))).await;
    // No waiting: the model is built before the port is bound.
    for (query, before) in queries.iter().zip(&before) {
        assert_eq!(&restarted.recommendations(query).await, before, "{query}");
    }
    let again: Value = restarted.for_you_raw(Some(&token), "limit=5").await.json().await.expect("json");
    assert_eq!(again, mine);
}

#[tokio::test]
async fn events_reach_the_model_through_its_subscriptions() {
    let (catalog_feed, catalog_events) = fake_feed().await;
    let (orders_feed, order_events) = fake_feed().await;
    let app = spawn_with(&format!("catalog={catalog_feed},orders={orders_feed}"), None).await;
    let catalog = Catalog::fixture();
    catalog_events.lock().expect("lock").extend(catalog.products.iter().map(created));
    order_events.lock().expect("lock").extend([
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
        catalog.order(None, &["Linen Shirt", "Leather Belt"]),
    ]);
    let query = format!("product_id={}&kind=bought_together", catalog.product("Linen Shirt").id);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app.recommendations_raw(&query).await;
        if response.status() == reqwest::StatusCode::OK {
            let answer: Value = response.json().await.expect("json");
            if !data(&answer).is_empty() {
                assert_eq!(just_names(&answer), ["Leather Belt"]);
                break;
            }
        }
        assert!(Instant::now() < deadline, "the orders never reached the model");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
