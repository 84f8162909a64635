//! Bad input is a problem naming every bad parameter; an unknown product is a 404; the
//! service is ready and documents its API.

use reqwest::StatusCode;

use crate::helpers::{fields, problem, spawn_app, spawn_with_catalog};

#[tokio::test]
async fn every_bad_parameter_is_named() {
    let (app, catalog) = spawn_with_catalog().await;
    let id = catalog.products[0].id.clone();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (String::new(), vec!["product_id"]),
        ("product_id=42".into(), vec!["product_id"]),
        (format!("product_id={id}&limit=0"), vec!["limit"]),
        (format!("product_id={id}&limit=51"), vec!["limit"]),
        (format!("product_id={id}&limit=ten"), vec!["limit"]),
        (format!("product_id={id}&kind=trending"), vec!["kind"]),
        (format!("product_id={id}&colour=red"), vec!["colour"]),
        (format!("product_id={id}&product_id={id}"), vec!["product_id"]),
        ("kind=x&limit=-1&foo=1".into(), vec!["foo", "kind", "limit", "product_id"]),
    ];
    for (query, expected) in cases {
        let body = problem(app.recommendations_raw(&query).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["type"], "urn:mercato:problem:validation", "{query}");
        let mut got = fields(&body);
        got.sort();
        assert_eq!(got, expected, "{query}: {body}");
    }
    for query in ["limit=0", "limit=51", "product_id=x"] {
        let body = problem(app.for_you_raw(None, query).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body).len(), 1, "{query}: {body}");
    }
    // Empty values are empty form fields.
    assert_eq!(app.recommendations_raw(&format!("product_id={id}&limit=&kind=")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_product_is_a_404() {
    let (app, _) = spawn_with_catalog().await;
    let unknown = contracts::ids::ProductId::generate();
    let body = problem(app.recommendations_raw(&format!("product_id={unknown}")).await, StatusCode::NOT_FOUND).await;
    assert_eq!(body["type"], "urn:mercato:problem:not-found");
    problem(app.recommendations_raw(&format!("product_id={unknown}&kind=similar")).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_service_is_ready_and_documents_its_api() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/ready").await.status(), StatusCode::OK);
    let openapi: serde_json::Value = app.get("/openapi.json").await.json().await.expect("json");
    let paths = &openapi["paths"];
    let params: Vec<&str> = paths["/v1/recommendations"]["get"]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(params, ["product_id", "kind", "limit"]);
    assert!(paths["/v1/recommendations/for-you"]["get"].is_object());
    assert!(paths["/v1/recommendations/evaluation"]["get"].is_object());
    assert!(paths["/v1/views"]["post"].is_object());
    for schema in ["RecommendationList", "Recommendation", "EvaluationReport", "NewView"] {
        assert!(openapi["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("recommendations_model_products"), "{metrics}");
}
