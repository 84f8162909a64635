//! The index follows the events: archived products disappear, prices and stock update,
//! renamed products are found by their new name, events from different sources arrive in any
//! order, and an older snapshot never overwrites a newer one.

use std::time::{Duration, Instant};

use contracts::money::Currency;
use serde_json::json;

use crate::helpers::{
    Catalog, archived, created, names, price, spawn_with_catalog, spawn_with_upstreams, stock, updated,
};

#[tokio::test]
async fn an_archived_product_disappears_and_an_older_snapshot_cannot_restore_it() {
    let (app, catalog) = spawn_with_catalog().await;
    let oxford = catalog.product("Oxford Shirt");
    let mut archive = oxford.clone();
    archive.version = 2;
    app.apply(&[archived(&archive)]).await;
    let shirts = app.eventually("category=shirts", |page| page["total"] == 6).await;
    assert!(!names(&shirts).contains(&"Oxford Shirt".to_owned()));
    assert_eq!(app.search("q=oxford").await["total"], 0);
    assert_eq!(app.search("q=SH-OXF-BLU-M").await["total"], 0);
    assert_eq!(
        app.search("limit=1").await["facets"]["category"][0],
        json!({ "value": "shirts", "label": "Shirts", "count": 6 })
    );

    // A redelivered, older `product.updated` (version 1) changes nothing…
    app.apply(&[updated(oxford)]).await;
    // …which shows once a later change is indexed.
    app.apply(&[stock("SH-FLN-RED-M", 3)]).await;
    app.eventually("in_stock=true", |page| page["total"] == 15).await;
    assert_eq!(app.search("q=oxford").await["total"], 0);

    // A newer snapshot that is active again brings it back.
    let mut restored = oxford.clone();
    restored.version = 3;
    app.apply(&[updated(&restored)]).await;
    let back = app.eventually("q=oxford", |page| page["total"] == 1).await;
    assert_eq!(back["data"][0]["price"]["amount"], 5900, "its price was kept");
}

#[tokio::test]
async fn a_price_change_updates_hits_filters_and_order() {
    let (app, catalog) = spawn_with_catalog().await;
    app.apply(&[price("SH-LIN-WHT-M", &catalog.eur, Currency::Eur, 2_900)]).await;
    let page = app.eventually("q=linen%20shirt", |page| page["data"][0]["price"]["amount"] == 2_900).await;
    assert_eq!(page["data"][0]["name"], "Linen Shirt");
    assert_eq!(names(&app.search("price_max=3000").await), ["Linen Shirt"]);
    assert_eq!(app.search("sort=price_asc&limit=1").await["data"][0]["name"], "Linen Shirt");
    assert_eq!(app.search("limit=1").await["facets"]["price"][1]["count"], 5, "still in 25-50");

    // A dearer price for one SKU does not raise the product's: its lowest is shown.
    app.apply(&[price("SH-LIN-BLU-M", &catalog.eur, Currency::Eur, 99_000), stock("SO-SUE-BRN-42", 1)]).await;
    app.eventually("in_stock=true", |page| page["total"] == 16).await;
    assert_eq!(app.search("q=linen%20shirt").await["data"][0]["price"]["amount"], 2_900);
}

#[tokio::test]
async fn stock_and_renames_reach_the_index() {
    let (app, catalog) = spawn_with_catalog().await;
    app.apply(&[stock("SH-FLN-GRN-L", 2)]).await;
    let flannel = app.eventually("q=flannel", |page| page["data"][0]["in_stock"] == true).await;
    assert_eq!(flannel["total"], 1);
    app.apply(&[stock("SH-FLN-GRN-L", 0)]).await;
    app.eventually("q=flannel", |page| page["data"][0]["in_stock"] == false).await;

    let mut denim = catalog.product("Denim Shirt").clone();
    denim.name = "Selvedge Denim Shirt".into();
    denim.version = 2;
    app.apply(&[updated(&denim)]).await;
    let renamed = app.eventually("q=selvedge", |page| page["total"] == 1).await;
    assert_eq!(renamed["data"][0]["name"], "Selvedge Denim Shirt");
    assert_eq!(renamed["data"][0]["price"]["amount"], 7_900);
}

#[tokio::test]
async fn only_stock_that_crosses_zero_reindexes_its_product() {
    let (app, _catalog) = spawn_with_catalog().await;
    let before = app.changes_recorded().await;
    // A reservation of a SKU that keeps some units, and a backorder deepening on one that
    // has none: the index shows neither.
    app.apply(&[stock("SH-LIN-WHT-M", 11), stock("SH-LIN-BLU-M", -2)]).await;
    assert_eq!(app.changes_recorded().await, before, "no reindex for what the index does not show");

    app.apply(&[stock("SH-LIN-WHT-M", 0)]).await;
    assert_eq!(app.changes_recorded().await, before + 1);
    let linen = app.eventually("q=linen%20shirt", |page| page["data"][0]["in_stock"] == false).await;
    assert_eq!(linen["data"][0]["name"], "Linen Shirt");

    app.apply(&[stock("SH-LIN-BLU-M", 1)]).await;
    assert_eq!(app.changes_recorded().await, before + 2);
    app.eventually("q=linen%20shirt", |page| page["data"][0]["in_stock"] == true).await;
}

#[tokio::test]
async fn prices_and_stock_that_arrive_before_the_product_are_kept_for_it() {
    let (app, catalog) = spawn_with_catalog().await;
    let cap = catalog.new_product("Waxed Cap", "shoes", &["AC-CAP-OLV"]);
    app.apply(&[price("AC-CAP-OLV", &catalog.eur, Currency::Eur, 2_400), stock("AC-CAP-OLV", 6)]).await;
    app.apply(&[created(&cap)]).await;
    let page = app.eventually("q=waxed", |page| page["total"] == 1).await;
    assert_eq!(page["data"][0]["price"], json!({ "amount": 2400, "currency": "EUR" }));
    assert_eq!(page["data"][0]["in_stock"], true);
    assert_eq!(app.search("limit=1").await["facets"]["price"][0]["count"], 1);
}

#[tokio::test]
async fn events_reach_search_through_its_subscriptions() {
    let (feed, events) = runtime::testing::fake_feed().await;
    let app = spawn_with_upstreams(&format!("catalog={feed}")).await;
    let catalog = Catalog::fixture();
    let linen = catalog.product("Linen Shirt");
    events.lock().expect("lock").push(created(linen));
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let page = app.search("q=linen").await;
        if page["total"] == 1 {
            assert_eq!(page["data"][0]["name"], "Linen Shirt");
            break;
        }
        assert!(Instant::now() < deadline, "the product never reached the index: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_index_keeps_following_after_the_change_log_is_pruned() {
    let (app, catalog) = spawn_with_catalog().await;
    let db = runtime::db::Db::connect(&app.database_url, 1, &search::MIGRATIONS).await.expect("db");
    let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM search_changes")
        .fetch_one(&mut *db.acquire().await.expect("a connection"))
        .await
        .expect("max");
    sqlx::query("UPDATE search_changes SET changed_at = '2000-01-01T00:00:00.000000Z'")
        .execute(&mut *db.acquire().await.expect("a connection"))
        .await
        .expect("ages the log");
    assert_eq!(search::indexer::prune(&db).await.expect("prunes"), last as u64);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_changes")
        .fetch_one(&mut *db.acquire().await.expect("a connection"))
        .await
        .expect("count");
    assert_eq!(left, 0);

    // The index follows new changes, also after a rebuild from the pruned log.
    let flannel = catalog.product("Flannel Shirt");
    app.apply(&[stock(flannel.variants[0].sku.as_str(), 5)]).await;
    app.eventually("in_stock=true", |page| page["total"] == 16).await;
    let report = app.rebuild(Some(runtime::testing::STAFF_TOKEN)).await;
    assert_eq!(report.status(), reqwest::StatusCode::OK);
    app.apply(&[price(flannel.variants[0].sku.as_str(), &catalog.eur, Currency::Eur, 1_000)]).await;
    app.eventually("q=flannel", |page| page["data"][0]["price"]["amount"] == 1_000).await;
    db.close().await;
}
