//! Every published event version must still be readable by the current types: a consumer
//! deployed later than its producer (or replaying an old stream) depends on it.

use contracts::EventType;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use contracts::inventory::StockChanged;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture exists")
}

#[test]
fn product_events_v1_still_decode() {
    let created: ProductCreated = serde_json::from_str(&fixture("product.created.v1.json")).expect("v1 decodes");
    assert_eq!(created.product.variants[0].sku.as_str(), "NW-TEE-BLK-M");
    assert_eq!(created.subject(), "prod_0193a4c1e7d27c3a9b1f4e2d8c6a5b40");
    // updated and archived share the snapshot shape
    let updated: ProductUpdated = serde_json::from_str(&fixture("product.created.v1.json")).expect("same shape");
    let archived: ProductArchived = serde_json::from_str(&fixture("product.created.v1.json")).expect("same shape");
    assert_eq!(updated.product, archived.product);
    assert_eq!(ProductCreated::VERSION, 1);
}

#[test]
fn stock_changed_v1_still_decodes() {
    let changed: StockChanged = serde_json::from_str(&fixture("stock.changed.v1.json")).expect("v1 decodes");
    assert_eq!(changed.available, 10);
    assert_eq!(changed.subject(), "NW-TEE-BLK-M");
}
