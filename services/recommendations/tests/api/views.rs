//! Product views: accepted at once (202), validated field by field, learned as "also
//! viewed", and kept within their caps.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, names, pair, problem, spawn_app, spawn_with_catalog};

fn data(answer: &Value) -> &Vec<Value> {
    answer["data"].as_array().expect("data")
}

#[tokio::test]
async fn products_viewed_by_the_same_visitors_are_also_viewed() {
    let (app, catalog) = spawn_with_catalog().await;
    let (shirt, sneakers, scarf) =
        (catalog.product("Linen Shirt"), catalog.product("Canvas Sneakers"), catalog.product("Silk Scarf"));
    for visitor in ["v-1", "v-2", "v-3"] {
        app.view(visitor, shirt, None).await;
        app.view(visitor, sneakers, None).await;
    }
    // One visitor alone is no pattern.
    app.view("v-4", shirt, None).await;
    app.view("v-4", scarf, None).await;
    let query = format!("product_id={}&kind=also_viewed", shirt.id);
    let answer = app.eventually(&query, |a| !data(a).is_empty()).await;
    assert_eq!(names(&answer), [pair("Canvas Sneakers", "also_viewed")]);
    let blend = app.recommendations(&format!("product_id={}", sneakers.id)).await;
    assert_eq!(names(&blend)[0], pair("Linen Shirt", "also_viewed"));
    // Views are stored (and so survive a restart of the model).
    app.wait_for_views(8).await;
}

#[tokio::test]
async fn every_bad_field_is_named() {
    let (app, catalog) = spawn_with_catalog().await;
    let shirt = &catalog.product("Linen Shirt").id;
    let unknown = contracts::ids::ProductId::generate();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["product_id", "visitor"]),
        (json!({ "product_id": shirt }), vec!["visitor"]),
        (json!({ "product_id": "shirt", "visitor": "v" }), vec!["product_id"]),
        (json!({ "product_id": unknown, "visitor": "v" }), vec!["product_id"]),
        (json!({ "product_id": shirt, "visitor": "" }), vec!["visitor"]),
        (json!({ "product_id": shirt, "visitor": "a".repeat(65) }), vec!["visitor"]),
        (json!({ "product_id": shirt, "visitor": "two words" }), vec!["visitor"]),
        (json!({ "product_id": "", "visitor": "a\u{7}" }), vec!["product_id", "visitor"]),
    ];
    for (body, expected) in cases {
        let response = app.view_raw(&body, None).await;
        let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let mut got = fields(&problem);
        got.sort();
        assert_eq!(got, expected, "{body}: {problem}");
    }
    // Malformed bodies are 400s naming the field; a wrong content type is a 415.
    let unknown_field = problem(
        app.view_raw(&json!({ "product_id": shirt, "visitor": "v", "page": "x" }), None).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(fields(&unknown_field), ["page"]);
    let typed =
        problem(app.view_raw(&json!({ "product_id": 42, "visitor": "v" }), None).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&typed), ["product_id"]);
    let plain = app.http.post(format!("{}/v1/views", app.base)).body("product_id=x").send().await.expect("sent");
    problem(plain, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    // A token that is not valid is a 401, never silently a guest.
    let customer = contracts::ids::CustomerId::generate();
    let expired = app.identity.expired(&customer);
    let body = json!({ "product_id": shirt, "visitor": "v" });
    problem(app.view_raw(&body, Some(&expired)).await, StatusCode::UNAUTHORIZED).await;
    problem(app.view_raw(&body, Some("not-a-token")).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.view_raw(&body, Some(&app.identity.customer(&customer))).await.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn stored_views_are_capped_per_visitor_and_pruned_by_age() {
    let (app, catalog) = spawn_with_catalog().await;
    for i in 0..60 {
        app.view("busy", &catalog.products[i % catalog.products.len()], None).await;
    }
    app.view("quiet", &catalog.products[0], None).await;
    app.wait_for_views(61).await;
    let pruned = recommendations::learner::prune(&app.db).await.expect("prunes");
    assert_eq!(pruned, 10);
    assert_eq!(app.stored_views().await, 51);
    let busy: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM views WHERE visitor = 'busy'")
        .fetch_one(&mut *app.db.acquire().await.expect("a connection"))
        .await
        .expect("count");
    assert_eq!(busy, recommendations::learner::VIEWS_PER_VISITOR);
    // The latest are kept.
    let oldest: i64 = sqlx::query_scalar("SELECT MIN(seq) FROM views WHERE visitor = 'busy'")
        .fetch_one(&mut *app.db.acquire().await.expect("a connection"))
        .await
        .expect("min");
    let newest: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM views WHERE visitor = 'busy'")
        .fetch_one(&mut *app.db.acquire().await.expect("a connection"))
        .await
        .expect("max");
    assert_eq!(newest - oldest, 49);

    sqlx::query("UPDATE views SET viewed_at = '2000-01-01T00:00:00.000000Z' WHERE visitor = 'quiet'")
        .execute(&mut *app.db.acquire().await.expect("a connection"))
        .await
        .expect("ages a view");
    assert_eq!(recommendations::learner::prune(&app.db).await.expect("prunes"), 1);
    assert_eq!(app.stored_views().await, 50);
}

#[tokio::test]
async fn a_view_of_a_product_not_yet_learned_is_refused() {
    let app = spawn_app().await;
    let body = json!({ "product_id": contracts::ids::ProductId::generate(), "visitor": "v" });
    let problem = problem(app.view_raw(&body, None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["type"], "urn:mercato:problem:validation");
    assert_eq!(app.stored_views().await, 0);
}
