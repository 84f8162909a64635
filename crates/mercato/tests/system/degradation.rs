//! The degradation matrix (ARCHITECTURE.md, "What fails when a service fails") for the
//! optional services: with recommendations, search or notifications killed, and then hung
//! (the harder case: connections open, no answers), the product page, the search page, the
//! cart and the checkout all still succeed, and the answer names what was left out.
//!
//! "Still succeed" is bounded by a per-request client timeout well above every deadline
//! involved: a request that hangs fails the test, a slow one does not (speed is measured by
//! `mercato bench`, not here).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::chaos::chaos;
use crate::platform::eventually;
use crate::shop::{APPROVED, Shop};

/// Far above the gateway's and the storefront's own deadlines; only a hang gets here.
const HANG: Duration = Duration::from_secs(8);

async fn get(shop: &Shop, path: &str) -> reqwest::Response {
    shop.p.http.get(shop.url(path)).timeout(HANG).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// Browsing, cart and checkout with `service` unavailable; `n` makes the checkout key unique.
async fn shop_still_works(shop: &Shop, service: &str, how: &str) {
    // From the gateway's cache, if the page was composed before the fault...
    let r = get(shop, "/api/v1/product-pages/p-dg-1").await;
    assert_eq!(r.status(), StatusCode::OK, "product page with {service} {how}");
    // ...and composed now, as a page never seen before would be.
    let r = shop
        .p
        .http
        .get(shop.url("/api/v1/product-pages/p-dg-1"))
        .header("cache-control", "no-cache")
        .timeout(HANG)
        .send()
        .await
        .expect("product page");
    assert_eq!(r.status(), StatusCode::OK, "product page composed with {service} {how}");
    let degraded = r.headers().get("x-mercato-degraded").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let page: Value = r.json().await.expect("json");
    assert_eq!(page["product"]["slug"], "p-dg-1");
    if service == "recommendations" {
        assert_eq!(page["recommendations"], Value::Null, "no recommendations slot while it is {how}");
        assert!(degraded.contains("recommendations"), "the page says what is missing: {degraded:?}");
    } else {
        assert!(!degraded.contains(service), "{service} is not part of the product page: {degraded:?}");
    }

    let r = get(shop, "/search?q=dg").await;
    assert_eq!(r.status(), StatusCode::OK, "search page with {service} {how}");
    let html = r.text().await.expect("html");
    assert!(html.contains("/products/p-dg-1"), "the search page lists the product (or the listing it falls back to)");

    let cart = shop.cart(None, &[("DG-1", 1)]).await;
    assert!(cart["quote"].is_object(), "the cart is priced with {service} {how}: {cart}");
    let key = format!("dg-{service}-{how}");
    let r = tokio::time::timeout(HANG * 2, shop.checkout(None, &key, &Shop::checkout_body(&cart, APPROVED)))
        .await
        .unwrap_or_else(|_| panic!("checkout hung with {service} {how}"));
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "checkout with {service} {how}: {}",
        r.text().await.unwrap_or_default()
    );
}

async fn back_to_ready(shop: &Shop, service: &str) {
    chaos(shop, &["heal", service]).await;
    eventually(&format!("{service} is ready again"), Duration::from_secs(30), || async {
        shop.p.ready_instances(service).await == 1
    })
    .await;
}

/// Kills `service`, then hangs it, checking the shop each time, and heals it.
async fn matrix_row(service: &str) {
    let shop = Shop::open(&[], &["DG-1"], 1200, 50).await;
    // Before the fault the product is searchable (search's read model follows catalog's events).
    eventually("the product is searchable", Duration::from_secs(20), || async {
        get(&shop, "/api/v1/search?q=dg").await.text().await.unwrap_or_default().contains("p-dg-1")
    })
    .await;

    chaos(&shop, &["kill", service, "--for", "120s"]).await;
    eventually(&format!("{service} is gone"), Duration::from_secs(10), || async {
        shop.p.ready_instances(service).await == 0
    })
    .await;
    shop_still_works(&shop, service, "killed").await;
    back_to_ready(&shop, service).await;

    chaos(&shop, &["hang", service, "--for", "120s"]).await;
    shop_still_works(&shop, service, "hung").await;
    back_to_ready(&shop, service).await;
    shop.assert_books_balance().await;
}

#[tokio::test]
async fn recommendations_killed_or_hung_only_empties_the_recommendations_slot() {
    matrix_row("recommendations").await;
}

#[tokio::test]
async fn search_killed_or_hung_leaves_the_search_page_on_the_plain_listing() {
    matrix_row("search").await;
}

#[tokio::test]
async fn notifications_killed_or_hung_leaves_shopping_untouched() {
    matrix_row("notifications").await;
}
