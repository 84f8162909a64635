//! `GET /v1/recommendations/evaluation`: staff only; splits the stored orders by time and
//! scores the co-purchase model and popularity on the held-out ones.

use contracts::ids::CustomerId;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{STAFF_TOKEN, fields, problem, spawn_app, spawn_with_catalog};

#[tokio::test]
async fn evaluation_is_for_staff_only() {
    let app = spawn_app().await;
    problem(app.evaluation(None, "").await, StatusCode::UNAUTHORIZED).await;
    problem(app.evaluation(Some("not-the-staff-token"), "").await, StatusCode::UNAUTHORIZED).await;
    let customer = app.identity.customer(&CustomerId::generate());
    problem(app.evaluation(Some(&customer), "").await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.evaluation(Some(&app.identity.staff()), "").await.status(), StatusCode::OK);
    let empty: Value = app.evaluation(Some(STAFF_TOKEN), "").await.json().await.expect("json");
    assert_eq!(empty["queries"], 0);
    assert_eq!(empty["k"], 10);
    assert_eq!(empty["holdout"], 0.2);
    for (query, field) in
        [("k=0", "k"), ("k=51", "k"), ("holdout=1", "holdout"), ("holdout=x", "holdout"), ("x=1", "x")]
    {
        let body = problem(app.evaluation(Some(STAFF_TOKEN), query).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), [field], "{query}");
    }
}

#[tokio::test]
async fn the_model_is_scored_against_popularity_on_the_newest_orders() {
    let (app, catalog) = spawn_with_catalog().await;
    // Training (oldest 16): the shirt goes with the belt, the sneakers with the socks.
    let mut events = Vec::new();
    for _ in 0..8 {
        events.push(catalog.order(None, &["Linen Shirt", "Leather Belt"]));
        events.push(catalog.order(None, &["Canvas Sneakers", "Wool Socks"]));
    }
    // Held out (newest 4): the pattern again, and a pair never seen before.
    events.push(catalog.order(None, &["Linen Shirt", "Leather Belt"]));
    events.push(catalog.order(None, &["Linen Shirt", "Leather Belt"]));
    events.push(catalog.order(None, &["Wool Trousers", "Silk Scarf"]));
    events.push(catalog.order(None, &["Wool Trousers", "Silk Scarf"]));
    for event in &events {
        app.apply(std::slice::from_ref(event)).await;
    }
    let response = app.evaluation(Some(STAFF_TOKEN), "k=1&holdout=0.2").await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.expect("json");
    assert_eq!(report["baskets_train"], 16, "{report}");
    assert_eq!(report["baskets_test"], 4);
    assert_eq!(report["baskets_evaluated"], 4);
    assert_eq!(report["queries"], 8);
    // The model finds the shirt from the belt and the belt from the shirt; never the unseen
    // pair.
    assert_eq!(report["model"]["hits"], 4, "{report}");
    assert_eq!(report["model"]["precision_at_k"], 0.5);
    assert_eq!(report["model"]["recall_at_k"], 0.5);
    assert_eq!(report["model"]["hit_rate"], 0.5);
    // Popularity's one answer is the most bought product: right only when the shirt is hidden.
    assert_eq!(report["popularity"]["hits"], 2, "{report}");
    assert_eq!(report["popularity"]["recall_at_k"], 0.25);
    assert_eq!(report["popularity"]["hit_rate"], 0.5);
    assert!(report["took_ms"].is_u64());
}
