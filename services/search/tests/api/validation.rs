//! Bad input is a 400 problem naming every bad parameter.

use reqwest::StatusCode;

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn every_bad_parameter_is_named() {
    let app = spawn_app().await;
    let cases: &[(&str, &[&str])] = &[
        (&format!("q={}", "a".repeat(201)), &["q"]),
        ("foo=bar", &["foo"]),
        ("q=shirt&colour=red&size=M", &["colour", "size"]),
        ("attr.=red", &["attr."]),
        ("price_min=5000&price_max=100", &["price_min"]),
        ("price_min=-5&price_max=ten", &["price_min", "price_max"]),
        ("currency=EURO", &["currency"]),
        ("in_stock=maybe", &["in_stock"]),
        ("sort=cheapest", &["sort"]),
        ("limit=0", &["limit"]),
        ("limit=101", &["limit"]),
        ("limit=ten", &["limit"]),
        ("after=%%%", &["after"]),
        ("q=a&q=b", &["q"]),
        ("limit=0&sort=up&currency=XXX&foo=1", &["foo", "currency", "sort", "limit"]),
    ];
    for (query, expected) in cases {
        let body = problem(app.search_raw(query).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["type"], "urn:mercato:problem:bad-request", "{query}");
        let mut actual = fields(&body);
        let mut expected: Vec<String> = expected.iter().map(|f| (*f).to_owned()).collect();
        actual.sort();
        expected.sort();
        assert_eq!(actual, expected, "{query}: {body}");
        assert!(
            body["errors"].as_array().expect("errors").iter().all(|e| !e["message"].as_str().unwrap_or("").is_empty())
        );
    }
    // Exactly 200 characters is fine, and so are empty form fields.
    let ok = app.search_raw(&format!("q={}", "a".repeat(200))).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let ok = app.search_raw("q=&category=&price_min=&price_max=&currency=&in_stock=&sort=&limit=&after=").await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_service_is_ready_and_documents_its_api() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/ready").await.status(), StatusCode::OK);
    let openapi: serde_json::Value = app.get("/openapi.json").await.json().await.expect("json");
    let search = &openapi["paths"]["/v1/search"]["get"];
    let params: Vec<&str> =
        search["parameters"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
    for name in
        ["q", "category", "attr.{name}", "price_min", "price_max", "currency", "in_stock", "sort", "limit", "after"]
    {
        assert!(params.contains(&name), "{name} documented: {params:?}");
    }
    assert!(openapi["paths"]["/v1/search/rebuild"]["post"].is_object());
    assert!(openapi["components"]["schemas"]["SearchResults"].is_object());
}
