//! A small priced and stocked shop on a running platform, and what shoppers and staff do
//! with it through the gateway.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::{Platform, eventually};

pub const APPROVED: &str = "4242424242424242";
pub const DECLINED: &str = "4000000000000002";
pub const TIMES_OUT: &str = "4000000000000259";

/// A small priced and stocked shop on a running platform.
pub struct Shop {
    pub p: Platform,
}

pub fn card(number: &str) -> Value {
    json!({ "card": { "number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123" } })
}

pub fn address() -> Value {
    json!({ "name": "Ada Lovelace", "line1": "Unter den Linden 1", "postal_code": "10117", "city": "Berlin", "country": "DE" })
}

impl Shop {
    /// A platform with `skus`, each priced at `price` cents and stocked `units` at one location.
    pub async fn open(extra_env: &[(&str, &str)], skus: &[&str], price: i64, units: i64) -> Shop {
        let p = Platform::start_with_env(&[], extra_env).await;
        let shop = Shop { p };
        shop.p.create_location("berlin").await;
        let skus_owned: Vec<String> = skus.iter().map(|s| (*s).to_owned()).collect();
        shop.p.create_product(&format!("p-{}", skus[0].to_lowercase()), &skus_owned).await;
        let list = shop.staff_post("/api/v1/price-lists", &json!({ "name": "Retail", "currency": "EUR" })).await;
        assert_eq!(list.status(), StatusCode::CREATED);
        let list: Value = list.json().await.expect("json");
        let list_id = list["id"].as_str().expect("id").to_owned();
        for sku in skus {
            shop.set_price(&list_id, sku, price).await;
        }
        let tax = shop.staff_put("/api/v1/tax-rules/DE", &json!({ "rate_bp": 1900, "inclusive": true })).await;
        assert!(tax.status().is_success(), "{}", tax.status());
        let rate = shop
            .staff_post(
                "/api/v1/shipping-rates",
                &json!({ "method": "standard", "countries": ["DE"], "amount": { "amount": 495, "currency": "EUR" } }),
            )
            .await;
        assert_eq!(rate.status(), StatusCode::CREATED);
        // Inventory learns the SKUs from catalog's events.
        for sku in skus {
            eventually(&format!("inventory knows {sku}"), Duration::from_secs(20), || async {
                shop.staff_put(&format!("/api/v1/stock/{sku}/berlin"), &json!({ "on_hand": units })).await.status()
                    == StatusCode::OK
            })
            .await;
        }
        // Recommendations learn the product from catalog's events too; until then its page
        // would name them as missing.
        let page = format!("/api/v1/product-pages/p-{}", skus[0].to_lowercase());
        eventually("every service behind the product page knows the product", Duration::from_secs(20), || async {
            let r = shop.p.get(&page).await;
            r.status() == StatusCode::OK && r.json::<Value>().await.is_ok_and(|p| p["degraded"] == json!([]))
        })
        .await;
        shop
    }

    pub async fn set_price(&self, list: &str, sku: &str, price: i64) {
        let r = self
            .staff_put(
                &format!("/api/v1/price-lists/{list}/prices/{sku}"),
                &json!({ "tiers": [{ "min_quantity": 1, "unit_amount": { "amount": price, "currency": "EUR" } }] }),
            )
            .await;
        assert!(r.status().is_success(), "price {sku}: {}", r.status());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.p.gateway)
    }

    pub async fn staff_post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.p.http.post(self.url(path)).bearer_auth(&self.p.token).json(body).send().await.expect("sent")
    }

    pub async fn staff_put(&self, path: &str, body: &Value) -> reqwest::Response {
        self.p.http.put(self.url(path)).bearer_auth(&self.p.token).json(body).send().await.expect("sent")
    }

    pub async fn staff_get(&self, path: &str) -> Value {
        let r = self.p.http.get(self.url(path)).bearer_auth(&self.p.token).send().await.expect("sent");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.json().await.expect("json")
    }

    /// A cart with `lines` (sku, quantity), shipping `standard`, as `token`'s (or a guest's).
    pub async fn cart(&self, token: Option<&str>, lines: &[(&str, i64)]) -> Value {
        let mut create = self.p.http.post(self.url("/api/v1/carts")).json(&json!({ "shipping_method": "standard" }));
        if let Some(token) = token {
            create = create.bearer_auth(token);
        }
        let r = create.send().await.expect("sent");
        assert!(r.status().is_success(), "create cart: {}", r.status());
        let cart: Value = r.json().await.expect("json");
        let id = cart["id"].as_str().expect("id").to_owned();
        for (sku, quantity) in lines {
            let mut add = self
                .p
                .http
                .post(self.url(&format!("/api/v1/carts/{id}/lines")))
                .json(&json!({ "sku": sku, "quantity": quantity }));
            if let Some(token) = token {
                add = add.bearer_auth(token);
            }
            let r = add.send().await.expect("sent");
            assert!(r.status().is_success(), "add line: {} {}", r.status(), r.text().await.unwrap_or_default());
        }
        self.read_cart(token, &id).await
    }

    pub async fn read_cart(&self, token: Option<&str>, id: &str) -> Value {
        let mut get = self.p.http.get(self.url(&format!("/api/v1/carts/{id}")));
        if let Some(token) = token {
            get = get.bearer_auth(token);
        }
        let r = get.send().await.expect("sent");
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.expect("json")
    }

    pub fn checkout_body(cart: &Value, number: &str) -> Value {
        json!({
            "cart_id": cart["id"],
            "email": "ada@example.com",
            "shipping_address": address(),
            "shipping_method": "standard",
            "quote_signature": cart["quote"]["signature"],
            "payment": card(number),
        })
    }

    pub async fn checkout(&self, token: Option<&str>, key: &str, body: &Value) -> reqwest::Response {
        let mut post = self.p.http.post(self.url("/api/v1/checkouts")).header("Idempotency-Key", key).json(body);
        if let Some(token) = token {
            post = post.bearer_auth(token);
        }
        post.send().await.expect("sent")
    }

    /// (on_hand, reserved) of a SKU, summed over locations.
    pub async fn stock(&self, sku: &str) -> (i64, i64) {
        self.p.stock_records().await.iter().filter(|r| r["sku"] == sku).fold((0, 0), |(h, r), rec| {
            (h + rec["on_hand"].as_i64().unwrap_or(0), r + rec["reserved"].as_i64().unwrap_or(0))
        })
    }

    pub async fn payments(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.staff_get(&format!("/api/v1/payments?limit=100&after={after}")).await;
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return out,
            }
        }
    }

    pub async fn orders(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.staff_get(&format!("/api/v1/orders?limit=100&after={after}")).await;
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return out,
            }
        }
    }

    /// Every authorised (or captured) payment belongs to an order, and every order to one.
    pub async fn assert_books_balance(&self) {
        let orders = self.orders().await;
        let order_payments: HashSet<String> = orders
            .iter()
            .filter(|o| o["status"] == "placed")
            .map(|o| o["payment_id"].as_str().unwrap_or("").to_owned())
            .collect();
        eventually("every live authorisation has an order", Duration::from_secs(20), || async {
            let live: HashSet<String> = self
                .payments()
                .await
                .iter()
                .filter(|p| p["status"] == "authorized" || p["status"] == "captured" || p["status"] == "pending")
                .map(|p| p["id"].as_str().unwrap_or("").to_owned())
                .collect();
            live == order_payments
        })
        .await;
    }

    /// Logs in an existing customer; returns the access token.
    pub async fn login(&self, email: &str) -> String {
        let r = self
            .p
            .http
            .post(self.url("/api/v1/sessions"))
            .json(&json!({ "email": email, "password": "correct horse battery" }))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::OK);
        let session: Value = r.json().await.expect("json");
        session["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn signup(&self, email: &str) -> String {
        let r = self
            .p
            .http
            .post(self.url("/api/v1/customers"))
            .json(&json!({ "email": email, "password": "correct horse battery", "name": "Shopper" }))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = self
            .p
            .http
            .post(self.url("/api/v1/sessions"))
            .json(&json!({ "email": email, "password": "correct horse battery" }))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::OK);
        let session: Value = r.json().await.expect("json");
        session["access_token"].as_str().expect("token").to_owned()
    }
}
