use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, problem, product_body, spawn_app};

#[tokio::test]
async fn create_then_read_by_id_and_slug() {
    let app = spawn_app().await;
    let response = app.post("/v1/products", &product_body("field-jacket", &["FJ-OLV-M", "FJ-OLV-L"])).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("ascii").to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.expect("json");
    assert_eq!(location, format!("/v1/products/{}", created["id"].as_str().expect("id")));
    assert_eq!(created["variants"].as_array().map(Vec::len), Some(2));
    assert_eq!(created["variants"][0]["name"], "M");

    let by_id: Value = app.get(&location).await.json().await.expect("json");
    let by_slug: Value = app.get("/v1/products/field-jacket").await.json().await.expect("json");
    assert_eq!(by_id, created);
    assert_eq!(by_slug, created);
}

#[tokio::test]
async fn pagination_visits_every_product_once_in_creation_order() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.create_product(&format!("p-{i}"), &[&format!("SKU-{i}")]).await["id"].clone());
    }
    let mut seen = Vec::new();
    let mut url = "/v1/products?limit=2".to_owned();
    loop {
        let page: Value = app.get(&url).await.json().await.expect("json");
        let data = page["data"].as_array().expect("data");
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|p| p["id"].clone()));
        match page["next"].as_str() {
            Some(next) => url = format!("/v1/products?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn categories_filter_includes_subcategories() {
    let app = spawn_app().await;
    assert_eq!(app.post("/v1/categories", &json!({ "name": "Apparel" })).await.status(), StatusCode::CREATED);
    assert_eq!(
        app.post("/v1/categories", &json!({ "name": "T-Shirts", "parent": "apparel" })).await.status(),
        StatusCode::CREATED
    );
    let mut tee = product_body("tee", &["TEE-1"]);
    tee["category"] = json!("t-shirts");
    assert_eq!(app.post("/v1/products", &tee).await.status(), StatusCode::CREATED);
    app.create_product("mug", &["MUG-1"]).await;

    let page: Value = app.get("/v1/products?category=apparel").await.json().await.expect("json");
    let slugs: Vec<_> = page["data"].as_array().expect("data").iter().map(|p| p["slug"].clone()).collect();
    assert_eq!(slugs, vec![json!("tee")]);
    assert_eq!(page["data"][0]["category"]["slug"], "t-shirts");

    let unknown = problem(app.get("/v1/products?category=nope").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&unknown), vec!["category"]);
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_a_different_body() {
    let app = spawn_app().await;
    let body = product_body("lamp", &["LAMP-1"]);
    let first = app.post_with_key("/v1/products", "key-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("json");
    let replay = app.post_with_key("/v1/products", "key-1", &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.expect("json");
    assert_eq!(replay["id"], first["id"]);

    let other = app.post_with_key("/v1/products", "key-1", &product_body("lamp-2", &["LAMP-2"])).await;
    let p = problem(other, StatusCode::CONFLICT).await;
    assert_eq!(p["type"], "urn:mercato:problem:idempotency-key-reused");
    assert_eq!(app.all_products().await.len(), 1);
}

#[tokio::test]
async fn concurrent_replays_of_one_key_create_one_product() {
    let app = spawn_app().await;
    let body = product_body("kettle", &["KETTLE-1"]);
    let requests = (0..8).map(|_| app.post_with_key("/v1/products", "same-key", &body));
    let responses = futures::future::join_all(requests).await;
    let mut ids = std::collections::BTreeSet::new();
    for r in responses {
        let status = r.status();
        let v: Value = r.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{v}");
        ids.insert(v["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(app.all_products().await.len(), 1);
}

#[tokio::test]
async fn taken_skus_and_slugs_conflict() {
    let app = spawn_app().await;
    app.create_product("chair", &["CHAIR-1"]).await;
    let p = problem(app.post("/v1/products", &product_body("chair-2", &["CHAIR-1"])).await, StatusCode::CONFLICT).await;
    assert_eq!(p["skus"], json!(["CHAIR-1"]));
    let p = problem(app.post("/v1/products", &product_body("chair", &["CHAIR-2"])).await, StatusCode::CONFLICT).await;
    assert_eq!(fields(&p), vec!["slug"]);
    assert_eq!(app.all_products().await.len(), 1);
}

#[tokio::test]
async fn updates_honor_if_match_and_bump_the_version() {
    let app = spawn_app().await;
    let created = app.create_product("desk", &["DESK-1"]).await;
    let path = format!("/v1/products/{}", created["id"].as_str().expect("id"));
    let ok = app.patch(&path, Some("\"1\""), &json!({ "name": "Standing Desk" })).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["etag"], "\"2\"");
    let stale = app.patch(&path, Some("\"1\""), &json!({ "name": "Sitting Desk" })).await;
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let now: Value = app.get(&path).await.json().await.expect("json");
    assert_eq!(now["name"], "Standing Desk");
    assert_eq!(now["version"], 2);

    let added = app.post(&format!("{path}/variants"), &json!({ "sku": "DESK-2", "attributes": { "size": "L" } })).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added: Value = added.json().await.expect("json");
    assert_eq!(added["variants"].as_array().map(Vec::len), Some(2));
    assert_eq!(added["version"], 3);
}

#[tokio::test]
async fn archived_products_leave_the_default_listing() {
    let app = spawn_app().await;
    let created = app.create_product("vase", &["VASE-1"]).await;
    let archived = app.post(&format!("/v1/products/{}/archive", created["id"].as_str().expect("id")), &json!({})).await;
    assert_eq!(archived.status(), StatusCode::OK);
    let listed: Value = app.get("/v1/products").await.json().await.expect("json");
    assert_eq!(listed["data"], json!([]));
    let all: Value = app.get("/v1/products?status=all").await.json().await.expect("json");
    assert_eq!(all["data"][0]["status"], "archived");
}

#[tokio::test]
async fn service_endpoints_describe_themselves() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/live").await.status(), StatusCode::OK);
    let ready: Value = app.get("/health/ready").await.json().await.expect("json");
    assert_eq!(ready["status"], "ready");
    let openapi: Value = app.get("/openapi.json").await.json().await.expect("json");
    assert!(openapi["paths"]["/v1/products"]["post"].is_object());
    assert!(openapi["paths"]["/v1/events"]["get"].is_object());
    app.get("/v1/products").await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("http_server_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/v1/products\""));
}
