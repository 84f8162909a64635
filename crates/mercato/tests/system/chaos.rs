//! `mercato chaos` against a running platform: optional parts degrade, critical ones fail
//! cleanly, circuit breakers open and close again, and everything recovers after `heal`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::eventually;
use crate::shop::{APPROVED, Shop};

/// Runs `mercato chaos ARGS` as a user would, against the test's platform.
pub(crate) async fn chaos(shop: &Shop, args: &[&str]) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .arg("chaos")
        .args(args)
        .arg("--data-dir")
        .arg(shop.p.data_dir())
        .output()
        .await
        .expect("mercato chaos runs");
    assert!(out.status.success(), "mercato chaos {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The value of `metric` with `labels` in a Prometheus text page, if present.
fn metric(page: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    page.lines()
        .filter(|l| l.starts_with(metric) && labels.iter().all(|label| l.contains(label)))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn gateway_metrics(shop: &Shop) -> String {
    shop.p.get("/metrics").await.text().await.unwrap_or_default()
}

/// The product page composed afresh (`no-cache`): a page cached before the fault would
/// still answer, which is what the cache is for, but these tests are about composing one.
async fn product_page(shop: &Shop, slug: &str) -> Value {
    let url = shop.url(&format!("/api/v1/product-pages/{slug}"));
    let r = shop.p.http.get(url).header("cache-control", "no-cache").send().await.expect("sent");
    assert_eq!(r.status(), StatusCode::OK, "the product page must survive");
    r.json().await.expect("json")
}

#[tokio::test]
async fn a_failing_pricing_degrades_pages_and_carts_and_its_breaker_opens_then_closes() {
    let shop = Shop::open(&[], &["CH-1"], 1500, 5).await;
    let cart = shop.cart(None, &[("CH-1", 1)]).await;
    assert!(cart["quote"].is_object());

    chaos(&shop, &["fail", "pricing", "--for", "120s"]).await;
    let page = product_page(&shop, "p-ch-1").await;
    assert_eq!(page["degraded"], json!(["pricing"]));
    assert_eq!(page["product"]["slug"], "p-ch-1", "the product is still shown");
    // The cart keeps working, unpriced, and keeps what the shopper did.
    let id = cart["id"].as_str().expect("id");
    let r = shop
        .p
        .http
        .put(format!("{}/api/v1/carts/{id}/lines/CH-1", shop.p.gateway))
        .json(&json!({ "quantity": 2 }))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let changed: Value = r.json().await.expect("json");
    assert_eq!(
        (&changed["lines"][0]["quantity"], &changed["quote"], &changed["degraded"]),
        (&json!(2), &Value::Null, &json!(["pricing"]))
    );
    // Checkout cannot price: a clear 503, nothing held.
    let body = json!({
        "cart_id": id, "email": "a@example.com", "shipping_method": "standard",
        "shipping_address": { "name": "A", "line1": "B 1", "postal_code": "10117", "city": "Berlin", "country": "DE" },
        "quote_signature": "0".repeat(64), "payment": crate::shop::card(APPROVED),
    });
    let r = shop.checkout(None, "during-fail", &body).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(shop.stock("CH-1").await, (5, 0));

    // Repeated failures open the gateway's breaker for pricing (visible in its metrics).
    eventually("the gateway's pricing breaker opens", Duration::from_secs(20), || async {
        product_page(&shop, "p-ch-1").await;
        metric(
            &gateway_metrics(&shop).await,
            "client_circuit_transitions_total",
            &["dependency=\"pricing\"", "to=\"open\""],
        )
        .is_some_and(|n| n >= 1.0)
    })
    .await;

    chaos(&shop, &["heal", "pricing"]).await;
    // After its open period the breaker lets a probe through, which succeeds: closed again.
    eventually("prices come back and the breaker closes", Duration::from_secs(30), || async {
        let page = product_page(&shop, "p-ch-1").await;
        let metrics = gateway_metrics(&shop).await;
        page["degraded"] == json!([])
            && metric(&metrics, "client_circuit_transitions_total", &["dependency=\"pricing\"", "to=\"half_open\""])
                .is_some()
            && metric(&metrics, "client_circuit_transitions_total", &["dependency=\"pricing\"", "to=\"closed\""])
                .is_some()
    })
    .await;
}

#[tokio::test]
async fn a_hanging_inventory_leaves_pages_up_and_makes_checkout_fail_cleanly() {
    let shop = Shop::open(&[], &["HG-1"], 1500, 5).await;
    let cart = shop.cart(None, &[("HG-1", 1)]).await;

    chaos(&shop, &["hang", "inventory", "--for", "120s"]).await;
    let page = product_page(&shop, "p-hg-1").await;
    assert_eq!(page["availability"], Value::Null, "availability unknown");
    assert!(page["degraded"].as_array().is_some_and(|d| d.contains(&json!("inventory"))));
    assert_eq!(page["prices"][0]["unit_price"]["amount"], 1500);
    // Checkout needs inventory: a clean 5xx with Retry-After rather than a hang.
    let r = shop.checkout(None, "during-hang", &Shop::checkout_body(&cart, APPROVED)).await;
    assert!(
        r.status() == StatusCode::SERVICE_UNAVAILABLE || r.status() == StatusCode::GATEWAY_TIMEOUT,
        "{}",
        r.status()
    );
    assert!(r.headers().contains_key("retry-after"));
    // Carts do not need inventory.
    let other = shop.cart(None, &[("HG-1", 2)]).await;
    assert!(other["quote"].is_object());

    chaos(&shop, &["heal", "inventory"]).await;
    eventually("inventory answers again", Duration::from_secs(30), || async {
        product_page(&shop, "p-hg-1").await["availability"].is_array()
    })
    .await;
    // Nothing was left held by the checkout that failed; a new one succeeds.
    eventually("the failed checkout held nothing", Duration::from_secs(30), || async {
        shop.stock("HG-1").await == (5, 0)
    })
    .await;
    let r = shop.checkout(None, "after-hang", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    shop.assert_books_balance().await;
}

#[tokio::test]
async fn a_slow_pricing_costs_a_page_only_its_deadline() {
    let shop = Shop::open(&[], &["SL-1"], 1500, 5).await;
    chaos(&shop, &["slow", "pricing", "--delay", "3s", "--for", "120s"]).await;
    let page = product_page(&shop, "p-sl-1").await;
    assert!(page["degraded"].as_array().is_some_and(|d| d.contains(&json!("pricing"))), "{page}");
    assert_eq!(page["availability"][0]["available"], 5);
    chaos(&shop, &["heal", "pricing"]).await;
    eventually("prices come back", Duration::from_secs(30), || async {
        product_page(&shop, "p-sl-1").await["prices"].as_array().is_some_and(|p| !p.is_empty())
    })
    .await;
}

#[tokio::test]
async fn chaos_refuses_an_unknown_service() {
    let shop = Shop::open(&[], &["UK-1"], 100, 1).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["chaos", "kill", "nonexistent", "--data-dir"])
        .arg(shop.p.data_dir())
        .output()
        .await
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent"));
}
