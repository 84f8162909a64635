//! `spawn_app()`: the real catalog on port 0 with its own database, and a typed client.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use runtime::settings::Secret;
use runtime::testing::TestDatabase;
use runtime::Settings;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub const STAFF_TOKEN: &str = "test-staff-token-0123456789";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    shutdown: CancellationToken,
    _db: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    let db = TestDatabase::new("catalog").await;
    let mut settings = Settings::for_service("catalog", &db.url);
    settings.staff_token = Some(Secret::new(STAFF_TOKEN));
    settings.body_limit_bytes = 64 * 1024;
    let app = catalog::build(settings).await.expect("catalog builds");
    let base = format!("http://{}", app.local_addr());
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    TestApp { base, http: reqwest::Client::new(), shutdown, _db: db }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.http.post(format!("{}{path}", self.base)).bearer_auth(STAFF_TOKEN).json(body).send().await.expect("request sent")
    }

    pub async fn post_with_key(&self, path: &str, key: &str, body: &Value) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(STAFF_TOKEN)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn patch(&self, path: &str, if_match: Option<&str>, body: &Value) -> Response {
        let mut req = self.http.patch(format!("{}{path}", self.base)).bearer_auth(STAFF_TOKEN).json(body);
        if let Some(etag) = if_match {
            req = req.header("If-Match", etag);
        }
        req.send().await.expect("request sent")
    }

    /// Creates a product and returns it.
    pub async fn create_product(&self, slug: &str, skus: &[&str]) -> Value {
        let response = self.post("/v1/products", &product_body(slug, skus)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
        response.json().await.expect("json")
    }

    /// All products (any status), following cursors.
    pub async fn all_products(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page: Value = self.get(&format!("/v1/products?status=all&limit=100&after={after}")).await.json().await.expect("json");
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return out,
            }
        }
    }
}

pub fn product_body(slug: &str, skus: &[&str]) -> Value {
    json!({
        "slug": slug,
        "name": format!("Product {slug}"),
        "description": "A sturdy everyday item.",
        "brand": "Northwind",
        "attributes": { "material": "cotton" },
        "media": [{ "url": "/media/x.jpg", "alt": "Front view" }],
        "variants": skus.iter().map(|s| json!({ "sku": s, "attributes": { "size": "M" } })).collect::<Vec<_>>()
    })
}

/// Asserts a problem+json response and returns its body.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["type"].as_str().is_some_and(|t| t.starts_with("urn:mercato:problem:")));
    body
}

pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().map(|e| e.iter().filter_map(|x| x["field"].as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

pub const SHORT: Duration = Duration::from_secs(10);
