//! Inventory-specific helpers over the runtime's test service.

use std::ops::Deref;

use reqwest::{Method, StatusCode};
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

/// A second instance of `primary`'s service on the same database, as a replica would run.
/// (Its own `database_url` names an unused fresh database: seed through `primary`.)
pub async fn spawn_replica(primary: &TestApp) -> TestApp {
    let url = primary.database_url.clone();
    TestApp(runtime::testing::spawn(inventory::SERVICE, inventory::build, move |s| s.database_url = url).await)
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

    /// `POST /v1/reservations` as another platform service, with `key`.
    pub async fn reserve(&self, key: &str, body: &Value) -> reqwest::Response {
        self.internal(Method::POST, "/v1/reservations")
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// A reservation that must succeed; returns its body.
    pub async fn reserved(&self, key: &str, body: &Value) -> Value {
        let response = self.reserve(key, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("json")
    }

    /// POST without a body as another platform service (commit, release).
    pub async fn post_internal(&self, path: &str) -> reqwest::Response {
        self.internal(Method::POST, path).send().await.expect("request sent")
    }

    /// `(on_hand, reserved, available)` of `sku` at each location, by location code.
    pub async fn stock_of(&self, sku: &str) -> Vec<(String, i64, i64, i64)> {
        let a = self.availability(&format!("sku={sku}")).await;
        a["data"][0]["locations"]
            .as_array()
            .expect("locations")
            .iter()
            .map(|l| {
                let n = |k: &str| l[k].as_i64().expect("number");
                (l["location"].as_str().expect("code").to_owned(), n("on_hand"), n("reserved"), n("available"))
            })
            .collect()
    }

    /// Every event in inventory's feed.
    pub async fn events(&self) -> Vec<Value> {
        let page: Value = self.get_internal("/v1/events?after=0&limit=500").await.json().await.expect("json");
        page["data"].as_array().cloned().expect("data")
    }
}
