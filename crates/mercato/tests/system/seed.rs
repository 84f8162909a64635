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
    // Generous: seeding places 600 orders through the checkout, and in CI it shares two cores with
    // other whole-platform tests (about 100 s alone in a debug build, over 300 s beside them).
    eventually("the demo catalog to load", Duration::from_secs(900), || async { marker.exists() }).await;
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

    // The demo shop is priced: a quote in Germany includes 19 % VAT and shipping.
    let quote = p
        .http
        .post(format!("{}/api/v1/quotes", p.gateway))
        .json(&serde_json::json!({ "currency": "EUR", "country": "DE", "shipping_method": "standard", "lines": [{ "sku": sku, "quantity": 2 }] }))
        .send()
        .await
        .expect("sent");
    assert_eq!(quote.status(), reqwest::StatusCode::OK);
    let quote: Value = quote.json().await.expect("json");
    let unit = quote["lines"][0]["unit_price"]["amount"].as_i64().expect("unit price");
    assert!(unit > 0);
    assert_eq!(quote["tax_inclusive"], true);
    let shipping = quote["shipping"]["amount"]["amount"].as_i64().expect("shipping");
    assert_eq!(shipping, if 2 * unit >= 5000 { 0 } else { 495 }, "free standard shipping from 50 €");
    assert_eq!(quote["total"]["amount"].as_i64(), Some(2 * unit + shipping));

    demo_history_teaches_recommendations(&p).await;

    p.restart().await;
    assert!(!p.supervisor_log().contains("loading the demo catalog"), "seeded again:\n{}", p.supervisor_log());
    assert_eq!(count_products(&p).await, products);
}

/// The seed's order history went through the purchase path, and the recommendations service
/// learned from it a model that beats recommending the best sellers, on orders it was not
/// trained on.
async fn demo_history_teaches_recommendations(p: &Platform) {
    let summary: Value =
        serde_json::from_slice(&std::fs::read(p.data_dir().join("seeded")).expect("summary")).expect("json");
    let orders = summary["orders"].as_u64().expect("orders");
    assert!(orders >= 500, "{orders} demo orders");
    let listed =
        p.http.get(format!("{}/api/v1/orders?limit=1", p.gateway)).bearer_auth(&p.token).send().await.expect("sent");
    assert_eq!(listed.status(), reqwest::StatusCode::OK);
    assert_eq!(listed.json::<Value>().await.expect("json")["data"][0]["status"], "placed");

    // Recommendations consume orders' events: wait until it has learned (nearly) all of them.
    let eval = || async {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
            .args(["recommendations", "eval", "--json", "--data-dir"])
            .arg(p.data_dir())
            .output()
            .await
            .expect("mercato recommendations eval runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).expect("json report")
    };
    eventually("recommendations learn the demo orders", Duration::from_secs(60), || async {
        let report = eval().await;
        report["baskets_train"].as_u64().unwrap_or(0) + report["baskets_test"].as_u64().unwrap_or(0) >= orders
    })
    .await;
    let report = eval().await;
    let recall = |who: &str| report[who]["recall_at_k"].as_f64().expect("recall");
    assert!(report["queries"].as_u64() > Some(100), "{report}");
    assert!(recall("model") > recall("popularity"), "the model must beat popularity: {report}");
    assert!(report["model"]["precision_at_k"].as_f64() > report["popularity"]["precision_at_k"].as_f64(), "{report}");
}
