//! Search through the platform: the read model follows catalog, pricing and inventory
//! events, typo-tolerant queries find products, and `mercato search rebuild` works.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::eventually;
use crate::shop::Shop;

async fn search(shop: &Shop, query: &str) -> Value {
    let r = shop.p.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    r.json().await.expect("json")
}

fn slugs(result: &Value) -> Vec<String> {
    result["data"].as_array().into_iter().flatten().filter_map(|h| h["slug"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn products_are_found_with_typos_and_follow_price_stock_and_archive_events() {
    let shop = Shop::open(&[], &["SR-1"], 1000, 0).await;
    let linen = shop
        .staff_post(
            "/api/v1/products",
            &json!({ "name": "Linen Shirt", "slug": "linen-shirt", "description": "Breathable summer shirt",
                     "variants": [{ "sku": "LIN-M", "attributes": { "size": "M" } }] }),
        )
        .await;
    assert_eq!(linen.status(), StatusCode::CREATED);
    let linen: Value = linen.json().await.expect("json");

    eventually("the new product is searchable, typos and all", Duration::from_secs(20), || async {
        slugs(&search(&shop, "q=lnen%20shrit").await).contains(&"linen-shirt".to_owned())
    })
    .await;
    let found = search(&shop, "q=linen%20shi").await;
    assert_eq!(found["data"][0]["slug"], "linen-shirt", "prefix of the last word");
    assert_eq!(found["data"][0]["in_stock"], false);
    assert_eq!(found["data"][0]["price"], Value::Null);

    // Price and stock arrive as events from pricing and inventory.
    let lists = shop.staff_get("/api/v1/price-lists").await;
    shop.set_price(lists["data"][0]["id"].as_str().expect("list"), "LIN-M", 3900).await;
    eventually("inventory knows the SKU", Duration::from_secs(20), || async {
        shop.staff_put("/api/v1/stock/LIN-M/berlin", &json!({ "on_hand": 4 })).await.status() == StatusCode::OK
    })
    .await;
    eventually("price and stock reach search", Duration::from_secs(20), || async {
        let hit = &search(&shop, "q=linen&in_stock=true").await["data"][0];
        hit["slug"] == "linen-shirt" && hit["price"]["amount"] == 3900
    })
    .await;
    let facets = search(&shop, "q=linen").await;
    assert_eq!(facets["facets"]["availability"]["in_stock"], 1);

    // Bad input is a clear 4xx naming the field.
    let r = shop.p.get("/api/v1/search?q=linen&colour=red").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let problem: Value = r.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "colour");

    // A rebuild from the read model changes nothing.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["search", "rebuild", "--data-dir"])
        .arg(shop.p.data_dir())
        .output()
        .await
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert!(report["indexed"].as_i64().is_some_and(|n| n >= 2), "{report}");
    assert_eq!(search(&shop, "q=linen").await["data"][0]["slug"], "linen-shirt");

    // Archived products disappear.
    let id = linen["id"].as_str().expect("id");
    let r = shop.staff_post(&format!("/api/v1/products/{id}/archive"), &json!({})).await;
    assert!(r.status().is_success(), "{}", r.status());
    eventually("the archived product leaves the results", Duration::from_secs(20), || async {
        !slugs(&search(&shop, "q=linen").await).contains(&"linen-shirt".to_owned())
    })
    .await;
}
