//! Pricing-specific helpers over the runtime's test service.

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
    TestApp(runtime::testing::spawn(pricing::SERVICE, pricing::build, |_| {}).await)
}

pub fn eur(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "EUR" })
}

pub fn usd(amount: i64) -> Value {
    json!({ "amount": amount, "currency": "USD" })
}

/// `[(min_quantity, unit_amount)]` as tiers in `currency`.
pub fn tiers(currency: &str, tiers: &[(i64, i64)]) -> Value {
    json!({ "tiers": tiers.iter().map(|(q, a)| json!({ "min_quantity": q, "unit_amount": { "amount": a, "currency": currency } })).collect::<Vec<_>>() })
}

impl TestApp {
    /// Creates something as staff; asserts 201 and returns the body.
    pub async fn created(&self, path: &str, body: Value) -> Value {
        let response = self.post(path, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{path}: {:?}", response.text().await);
        response.json().await.expect("json")
    }

    /// A price list; returns its id.
    pub async fn price_list(&self, body: Value) -> String {
        self.created("/v1/price-lists", body).await["id"].as_str().expect("id").to_owned()
    }

    /// Sets `sku`'s tiers in `list`; asserts 200.
    pub async fn set_price(&self, list: &str, sku: &str, tiers: Value) -> Value {
        let response = self.put(&format!("/v1/price-lists/{list}/prices/{sku}"), &tiers).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    /// A general EUR list (priority 0) with single-tier prices.
    pub async fn eur_prices(&self, prices: &[(&str, i64)]) -> String {
        let list = self.price_list(json!({ "name": "Retail EUR", "currency": "EUR" })).await;
        for (sku, amount) in prices {
            self.set_price(&list, sku, tiers("EUR", &[(1, *amount)])).await;
        }
        list
    }

    /// A promotion; returns its id.
    pub async fn promotion(&self, body: Value) -> String {
        self.created("/v1/promotions", body).await["id"].as_str().expect("id").to_owned()
    }

    /// Sets the tax rule of `country`.
    pub async fn tax_rule(&self, country: &str, rate_bp: i64, inclusive: bool) {
        let response =
            self.put(&format!("/v1/tax-rules/{country}"), &json!({ "rate_bp": rate_bp, "inclusive": inclusive })).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// `POST /v1/quotes` without credentials.
    pub async fn quote_response(&self, body: &Value) -> reqwest::Response {
        self.http.post(format!("{}/v1/quotes", self.base)).json(body).send().await.expect("request sent")
    }

    /// A quote that must succeed.
    pub async fn quote(&self, body: Value) -> Value {
        let response = self.quote_response(&body).await;
        assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
        response.json().await.expect("json")
    }

    /// `POST /v1/coupons/{code}/redemptions` as the checkout saga, for `order`.
    pub async fn redeem(&self, code: &str, order: &str) -> reqwest::Response {
        self.internal(Method::POST, &format!("/v1/coupons/{code}/redemptions"))
            .header("Idempotency-Key", order)
            .send()
            .await
            .expect("request sent")
    }

    /// Applies a `product.created` event, shaped exactly as catalog publishes it, through
    /// pricing's own handler (catalog itself is exercised in the system tests).
    pub async fn learn_product(&self, skus: &[&str], category: Option<&str>) {
        let db = Db::connect(&self.database_url, 1, &pricing::MIGRATIONS).await.expect("db");
        let product_id = contracts::ids::ProductId::generate();
        let category =
            category.map(|slug| json!({ "id": contracts::ids::CategoryId::generate(), "slug": slug, "name": slug }));
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
                "id": product_id, "slug": "p", "name": "P", "description": "", "category": category, "attributes": {}, "media": [],
                "variants": skus.iter().map(|s| json!({ "id": contracts::ids::VariantId::generate(), "sku": s, "name": s, "attributes": {} })).collect::<Vec<_>>(),
                "status": "active", "version": 1, "created_at": runtime::db::now(), "updated_at": runtime::db::now()
            }}),
        };
        for _ in 0..2 {
            // Twice: applying an event again must change nothing.
            let mut tx = db.begin().await.expect("tx");
            pricing::consumers::Products.handle(&mut tx, &event).await.expect("applies");
            tx.commit().await.expect("commit");
        }
        db.close().await;
    }

    /// Every event in pricing's feed.
    pub async fn events(&self) -> Vec<Value> {
        let page: Value = self.get_internal("/v1/events?after=0&limit=500").await.json().await.expect("json");
        page["data"].as_array().cloned().expect("data")
    }
}

/// `(sku, subtotal, discount, total, tax)` of each line.
pub fn lines(quote: &Value) -> Vec<(String, i64, i64, i64, i64)> {
    quote["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let n = |k: &str| l[k]["amount"].as_i64().expect("amount");
            (l["sku"].as_str().expect("sku").to_owned(), n("subtotal"), n("discount"), n("total"), n("tax"))
        })
        .collect()
}

/// An amount of the quote.
pub fn amount(quote: &Value, field: &str) -> i64 {
    quote[field]["amount"].as_i64().unwrap_or_else(|| panic!("{field} in {quote}"))
}
