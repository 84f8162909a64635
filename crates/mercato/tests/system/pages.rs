//! Composed shop pages through the gateway: they degrade instead of failing when an optional
//! service is gone, and say what is missing; and the gateway's cache of complete pages
//! follows the owners' events.
//!
//! The degradation checks ask with `Cache-Control: no-cache`: a page the gateway composed
//! before the fault could otherwise be answered from its cache (which is the point of it).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::eventually;
use crate::shop::Shop;

async fn page(shop: &Shop, reference: &str) -> (StatusCode, Option<String>, Value) {
    let r = fresh(shop, reference).await;
    let status = r.status();
    let degraded = r.headers().get("x-mercato-degraded").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, degraded, r.json().await.unwrap_or(Value::Null))
}

/// The page composed afresh, not from the gateway's cache.
async fn fresh(shop: &Shop, reference: &str) -> reqwest::Response {
    let url = shop.url(&format!("/api/v1/product-pages/{reference}"));
    shop.p.http.get(url).header("cache-control", "no-cache").send().await.expect("product page")
}

#[tokio::test]
async fn a_product_page_shows_what_it_can_and_names_what_it_cannot() {
    let shop = Shop::open(&[], &["PG-S", "PG-M"], 2999, 7).await;
    let slug = "p-pg-s";

    // Everything.
    let (status, degraded, body) = page(&shop, slug).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["product"]["slug"], slug);
    assert_eq!(body["prices"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["prices"][0]["unit_price"]["amount"], 2999);
    assert_eq!(body["availability"][0]["available"], 7);
    assert!(body["recommendations"].is_array(), "{body}");
    assert_eq!(body["degraded"], serde_json::json!([]));
    assert_eq!(degraded, None);

    // Recommendations gone: the slot is empty, and named.
    shop.p.scale("recommendations", 0).await;
    let (status, degraded, body) = page(&shop, slug).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["recommendations"], Value::Null);
    assert_eq!(degraded.as_deref(), Some("recommendations"));

    // Inventory gone: the page still renders, with availability unknown.
    shop.p.scale("inventory", 0).await;
    let (status, _, body) = page(&shop, slug).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["availability"], Value::Null);
    assert_eq!(body["degraded"], serde_json::json!(["inventory", "recommendations"]));
    assert_eq!(body["prices"].as_array().map(Vec::len), Some(2));

    // Pricing gone too: still the product.
    shop.p.scale("pricing", 0).await;
    let (status, degraded, body) = page(&shop, slug).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["prices"], serde_json::json!([]));
    assert_eq!(degraded.as_deref(), Some("pricing,inventory,recommendations"));

    // Without catalog there is no page: a clean 503 with Retry-After, never a hang.
    shop.p.scale("catalog", 0).await;
    let r = fresh(&shop, slug).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));

    for service in ["catalog", "pricing", "inventory", "recommendations"] {
        shop.p.scale(service, 1).await;
    }
    let (status, _, _) = page(&shop, "no-such-product").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = fresh(&shop, &format!("{slug}?colour=red")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let openapi: Value = shop.p.get_json("/api/openapi.json").await;
    assert!(openapi["paths"]["/api/v1/product-pages/{reference}"]["get"].is_object());
    assert!(openapi["components"]["schemas"]["ProductPage"].is_object());
}

/// A cached page, its unit price and its availability.
async fn cached(shop: &Shop, slug: &str) -> (String, Value) {
    let r = shop.p.get(&format!("/api/v1/product-pages/{slug}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cache = r.headers().get("x-mercato-cache").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (cache, r.json().await.expect("json"))
}

#[tokio::test]
async fn a_cached_product_page_changes_with_the_owners_events() {
    // An hour's maximum age: within this test only an event can make a change show.
    let shop = Shop::open(&[("MERCATO_PAGE_CACHE_MAX_AGE_SECS", "3600")], &["PC-1"], 2500, 6).await;
    let slug = "p-pc-1";
    let deadline = Duration::from_secs(30);
    eventually("the page is cached", deadline, || async { cached(&shop, slug).await.0 == "hit" }).await;

    // A price (pricing's `price.changed`).
    let list = shop.staff_get("/api/v1/price-lists").await["data"][0]["id"].as_str().expect("a list").to_owned();
    shop.set_price(&list, "PC-1", 1999).await;
    eventually("the new price shows", deadline, || async {
        cached(&shop, slug).await.1["prices"][0]["unit_price"]["amount"] == 1999
    })
    .await;

    // Stock (inventory's `stock.changed`).
    let r = shop.staff_put("/api/v1/stock/PC-1/berlin", &json!({ "on_hand": 2 })).await;
    assert_eq!(r.status(), StatusCode::OK);
    eventually("the new stock shows", deadline, || async {
        cached(&shop, slug).await.1["availability"][0]["available"] == 2
    })
    .await;

    // The product itself (catalog's `product.updated`).
    let product = cached(&shop, slug).await.1["product"].clone();
    let r = shop
        .p
        .http
        .patch(shop.url(&format!("/api/v1/products/{}", product["id"].as_str().expect("id"))))
        .bearer_auth(&shop.p.token)
        .json(&json!({ "name": "Renamed product" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap_or_default());
    eventually("the new name shows", deadline, || async {
        cached(&shop, slug).await.1["product"]["name"] == "Renamed product"
    })
    .await;
    eventually("the page is cached again", deadline, || async { cached(&shop, slug).await.0 == "hit" }).await;
}
