//! Price range, stock and currency filters, and the orders.

use serde_json::json;

use crate::helpers::{names, pairs, price_counts, spawn_with_catalog};

#[tokio::test]
async fn a_price_range_keeps_products_whose_lowest_price_is_in_it() {
    let (app, _) = spawn_with_catalog().await;
    let page = app.search("price_min=5000&price_max=6900&sort=price_asc").await;
    assert_eq!(names(&page), ["Chino Trousers", "Oxford Shirt", "Canvas Sneakers", "Flannel Shirt", "Linen Trousers"]);
    assert_eq!(page["data"][0]["price"], json!({ "amount": 5900, "currency": "EUR" }));
    // The price facet ignores the price filter.
    assert_eq!(price_counts(&page), pairs(&[("0-25", 0), ("25-50", 5), ("50-100", 8), ("100-200", 4), ("200-", 0)]));
    assert_eq!(app.search("price_min=18900").await["total"], 1);
    assert_eq!(app.search("price_max=3500").await["total"], 1);
    // The unpriced Corduroy Trousers never match a price filter.
    assert_eq!(app.search("price_min=0").await["total"], 17);
}

#[tokio::test]
async fn stock_filter_both_ways() {
    let (app, _) = spawn_with_catalog().await;
    assert_eq!(app.search("in_stock=true").await["total"], 15);
    let out = app.search("in_stock=false&sort=name").await;
    assert_eq!(names(&out), ["Flannel Shirt", "Suede Loafers", "Wool Trousers"]);
    assert!(out["data"].as_array().expect("data").iter().all(|h| h["in_stock"] == false));
    assert_eq!(out["facets"]["availability"], json!({ "in_stock": 15, "out_of_stock": 3 }));
}

#[tokio::test]
async fn prices_are_in_the_currency_asked_for() {
    let (app, _) = spawn_with_catalog().await;
    let usd = app.search("q=linen&currency=usd&sort=name").await;
    assert_eq!(names(&usd)[1..3], ["Linen Espadrilles", "Linen Shirt"]);
    assert_eq!(usd["data"][1]["price"], json!(null), "no USD price for the espadrilles");
    assert_eq!(usd["data"][2]["price"], json!({ "amount": 5500, "currency": "USD" }));
    assert_eq!(usd["facets"]["price"][2]["count"], 1);
    assert_eq!(names(&app.search("currency=USD&price_min=1").await), ["Linen Shirt"]);
}

#[tokio::test]
async fn orders_by_price_and_name_with_unpriced_last() {
    let (app, _) = spawn_with_catalog().await;
    let shoes = app.search("category=shoes&sort=price_asc").await;
    assert_eq!(
        names(&shoes),
        ["Linen Espadrilles", "Canvas Sneakers", "Running Shoes", "Suede Loafers", "Leather Boots"]
    );
    let trousers = app.search("category=trousers&sort=price_desc").await;
    assert_eq!(
        names(&trousers),
        ["Wool Trousers", "Linen Trousers", "Chino Trousers", "Cargo Shorts", "Linen Shorts", "Corduroy Trousers"]
    );
    let by_name = app.search("category=trousers&sort=name").await;
    assert_eq!(
        names(&by_name),
        ["Cargo Shorts", "Chino Trousers", "Corduroy Trousers", "Linen Shorts", "Linen Trousers", "Wool Trousers"]
    );
    let cheapest_linen = app.search("q=linen&sort=price_asc").await;
    assert_eq!(names(&cheapest_linen)[0], "Linen Shorts");
}
