//! Catalog-specific helpers over the runtime's test service.

use std::ops::Deref;
use std::time::Duration;

use reqwest::{Response, StatusCode};
use runtime::testing::{STAFF_TOKEN, TestService};
use serde_json::{Value, json};

pub use runtime::testing::{fields, problem};

pub const SHORT: Duration = Duration::from_secs(10);

pub struct TestApp(TestService);

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.0
    }
}

pub async fn spawn_app() -> TestApp {
    TestApp(runtime::testing::spawn(catalog::SERVICE, catalog::build, |_| {}).await)
}

impl TestApp {
    pub async fn post_with_key(&self, path: &str, key: &str, body: &Value) -> Response {
        self.staff(reqwest::Method::POST, path)
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
            let page: Value =
                self.get(&format!("/v1/products?status=all&limit=100&after={after}")).await.json().await.expect("json");
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
