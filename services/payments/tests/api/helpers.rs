//! Payments-specific helpers over the runtime's test service.

use std::ops::Deref;
use std::time::Duration;

use payments::PaymentSettings;
use reqwest::{Response, StatusCode};
use runtime::db::Db;
use runtime::testing::TestService;
use serde_json::{Value, json};
use sqlx::Row as _;

pub use runtime::testing::{fields, problem};

/// The provider timeout the tests run with.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_millis(200);

pub const VISA: &str = "4242424242424242";
pub const MASTERCARD: &str = "5555555555554444";
pub const DECLINED: &str = "4000000000000002";
pub const INSUFFICIENT_FUNDS: &str = "4000000000009995";
pub const EXPIRED: &str = "4000000000000069";
pub const UNAVAILABLE: &str = "4000000000000119";
pub const TIMEOUT: &str = "4000000000000259";

pub struct TestApp(TestService);

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.0
    }
}

pub async fn spawn_app() -> TestApp {
    let settings = PaymentSettings { provider_timeout: PROVIDER_TIMEOUT, ..PaymentSettings::default() };
    TestApp(runtime::testing::spawn(payments::SERVICE, |s| payments::build_with(s, settings), |_| {}).await)
}

/// A payment request body.
pub fn payment_body(reference: &str, amount: i64, number: &str) -> Value {
    json!({
        "reference": reference,
        "amount": { "amount": amount, "currency": "EUR" },
        "card": { "number": number, "exp_month": 12, "exp_year": 2040, "cvc": "737" }
    })
}

impl TestApp {
    /// `POST /v1/payments` as the checkout saga, with `key`.
    pub async fn authorize(&self, key: &str, body: &Value) -> Response {
        self.internal(reqwest::Method::POST, "/v1/payments")
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Authorises `amount` on a Visa test card and returns the payment.
    pub async fn authorized(&self, reference: &str, amount: i64) -> Value {
        let response = self.authorize(reference, &payment_body(reference, amount, VISA)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("json")
    }

    /// `POST /v1/payments/{id}/{operation}` as staff, with a JSON body or none.
    pub async fn operate(&self, id: &Value, operation: &str, body: Option<Value>) -> Response {
        let id = id.as_str().expect("payment id");
        let request = self.staff(reqwest::Method::POST, &format!("/v1/payments/{id}/{operation}"));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("request sent")
    }

    /// A payment as staff see it.
    pub async fn payment(&self, id: &Value) -> Value {
        let id = id.as_str().expect("payment id");
        let response = self.staff(reqwest::Method::GET, &format!("/v1/payments/{id}")).send().await.expect("sent");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    /// The service's published events.
    pub async fn events(&self) -> Vec<Value> {
        let page: Value = self.get_internal("/v1/events?after=0&limit=500").await.json().await.expect("json");
        page["data"].as_array().cloned().expect("events")
    }

    /// A second pool on the service's database, to look at what it stored.
    pub async fn db(&self) -> Db {
        Db::connect(&self.database_url, 2, &payments::MIGRATIONS).await.expect("db")
    }

    pub async fn count(&self, table: &str) -> i64 {
        let db = self.db().await;
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
            .fetch_one(&mut *db.acquire().await.expect("a connection"))
            .await
            .expect("count")
            .try_get("n")
            .expect("n");
        db.close().await;
        n
    }

    /// The test provider's record of a payment's authorisation: (status, captured, refunded).
    pub async fn provider_authorization(&self, payment_id: &Value) -> Option<(String, i64, i64)> {
        let db = self.db().await;
        let row = sqlx::query("SELECT status, captured, refunded FROM provider_authorizations WHERE payment_id = $1")
            .bind(payment_id.as_str().expect("id"))
            .fetch_optional(&mut *db.acquire().await.expect("a connection"))
            .await
            .expect("query");
        db.close().await;
        row.map(|r| (r.get("status"), r.get("captured"), r.get("refunded")))
    }

    /// Every value of every row of the service's tables, as text.
    pub async fn dump(&self) -> String {
        let db = self.db().await;
        let mut out = String::new();
        for table in
            ["payments", "provider_authorizations", "provider_operations", "mercato_idempotency", "mercato_outbox"]
        {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
                .fetch_all(&mut *db.acquire().await.expect("a connection"))
                .await
                .expect("dump");
            for row in rows {
                for i in 0..row.len() {
                    match row.try_get::<Option<String>, _>(i) {
                        Ok(text) => out.push_str(&text.unwrap_or_default()),
                        Err(_) => {
                            out.push_str(&row.try_get::<Option<i64>, _>(i).ok().flatten().unwrap_or(0).to_string())
                        }
                    }
                    out.push('|');
                }
                out.push('\n');
            }
        }
        db.close().await;
        out
    }
}
