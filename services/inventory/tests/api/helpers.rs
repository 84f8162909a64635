//! Inventory-specific helpers over the runtime's test service.

use std::ops::Deref;

use reqwest::StatusCode;
use runtime::db::Db;
use runtime::events::{Event, EventHandler};
use runtime::testing::TestService;
use serde_json::{Value, json};

pub use runtime::testing::{fields, problem};

pub struct TestApp(TestService);

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.0
    }
}

pub async fn spawn_app() -> TestApp {
    TestApp(runtime::testing::spawn(inventory::SERVICE, inventory::build, |_| {}).await)
}

impl TestApp {
    pub async fn create_location(&self, code: &str) -> Value {
        let response = self
            .post("/v1/locations", &json!({ "code": code, "name": format!("Location {code}"), "kind": "warehouse" }))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("json")
    }

    /// Applies a `product.created` event, shaped exactly as catalog publishes it, through
    /// inventory's own handler (catalog itself is exercised in the system tests).
    pub async fn learn_product(&self, skus: &[&str]) {
        let db = Db::connect(&self.database_url, 1, &inventory::MIGRATIONS).await.expect("db");
        let product_id = contracts::ids::ProductId::generate();
        let event = Event {
            specversion: "1.0".into(),
            id: format!("evt_{}", product_id.as_str().trim_start_matches("prod_")),
            source: "/mercato/catalog".into(),
            event_type: "product.created".into(),
            subject: product_id.to_string(),
            time: runtime::db::now(),
            datacontenttype: "application/json".into(),
            schemaversion: 1,
            traceparent: None,
            seq: Some(1),
            data: json!({ "product": {
                "id": product_id, "slug": "p", "name": "P", "description": "", "attributes": {}, "media": [],
                "variants": skus.iter().map(|s| json!({ "id": contracts::ids::VariantId::generate(), "sku": s, "name": s, "attributes": {} })).collect::<Vec<_>>(),
                "status": "active", "version": 1, "created_at": runtime::db::now(), "updated_at": runtime::db::now()
            }}),
        };
        for _ in 0..2 {
            // Twice: applying an event again must change nothing.
            let mut tx = db.begin().await.expect("tx");
            inventory::consumers::Products.handle(&mut tx, &event).await.expect("applies");
            tx.commit().await.expect("commit");
        }
        db.close().await;
    }

    pub async fn availability(&self, query: &str) -> Value {
        let response = self.get(&format!("/v1/availability?{query}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    pub async fn stock_records(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page: Value = self.get(&format!("/v1/stock?limit=100&after={after}")).await.json().await.expect("json");
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return out,
            }
        }
    }
}
