//! Composed shop pages through the gateway: they degrade instead of failing when an optional
//! service is gone, and say what is missing.

use reqwest::StatusCode;
use serde_json::Value;

use crate::shop::Shop;

async fn page(shop: &Shop, reference: &str) -> (StatusCode, Option<String>, Value) {
    let r = shop.p.get(&format!("/api/v1/product-pages/{reference}")).await;
    let status = r.status();
    let degraded = r.headers().get("x-mercato-degraded").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, degraded, r.json().await.unwrap_or(Value::Null))
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
    let r = shop.p.get(&format!("/api/v1/product-pages/{slug}")).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));

    for service in ["catalog", "pricing", "inventory", "recommendations"] {
        shop.p.scale(service, 1).await;
    }
    let (status, _, _) = page(&shop, "no-such-product").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = shop.p.get(&format!("/api/v1/product-pages/{slug}?colour=red")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let openapi: Value = shop.p.get_json("/api/openapi.json").await;
    assert!(openapi["paths"]["/api/v1/product-pages/{reference}"]["get"].is_object());
    assert!(openapi["components"]["schemas"]["ProductPage"].is_object());
}
