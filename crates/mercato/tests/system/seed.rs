//! The first start seeds a demo catalog; the next start reuses it.

use std::time::Duration;

use serde_json::Value;

use crate::platform::{Platform, eventually};

async fn count_products(p: &Platform) -> usize {
    let mut n = 0;
    let mut after = String::new();
    loop {
        let page = p.get_json(&format!("/api/v1/products?limit=100&after={after}")).await;
        n += page["data"].as_array().map_or(0, Vec::len);
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => return n,
        }
    }
}

#[tokio::test]
async fn first_start_seeds_a_demo_catalog_and_the_next_start_does_not() {
    let mut p = Platform::start_seeding(&[]).await;
    let marker = p.data_dir().join("seeded");
    eventually("the demo catalog to load", Duration::from_secs(300), || async { marker.exists() }).await;
    let products = count_products(&p).await;
    assert!(products >= 1000, "{products} products");
    let categories = p.get_json("/api/v1/categories").await;
    assert!(categories["data"].as_array().map_or(0, Vec::len) >= 8);
    let locations = p.get_json("/api/v1/locations").await;
    assert!(locations["data"].as_array().map_or(0, Vec::len) >= 3);

    // A product has variants and attributes, and stock at 3 or more locations.
    let first = p.get_json("/api/v1/products?limit=1").await;
    let product: &Value = &first["data"][0];
    assert!(!product["variants"].as_array().expect("variants").is_empty());
    assert!(product["attributes"].as_object().is_some_and(|a| !a.is_empty()));
    let sku = product["variants"][0]["sku"].as_str().expect("sku");
    let availability = p.get_json(&format!("/api/v1/availability?sku={sku}")).await;
    assert!(availability["data"][0]["locations"].as_array().map_or(0, Vec::len) >= 3);
    let stocked = p.stock_records().await.iter().filter(|r| r["on_hand"].as_i64() > Some(0)).count();
    assert!(stocked > 1000, "{stocked} stocked records");

    p.restart().await;
    assert!(!p.supervisor_log().contains("loading the demo catalog"), "seeded again:\n{}", p.supervisor_log());
    assert_eq!(count_products(&p).await, products);
}
