//! Facet counts over the whole result, each facet with every filter except its own.

use crate::helpers::{counts, names, pairs, price_counts, spawn_with_catalog};

#[tokio::test]
async fn facets_count_the_whole_result_not_the_page() {
    let (app, _) = spawn_with_catalog().await;
    let page = app.search("limit=2").await;
    assert_eq!(page["data"].as_array().expect("data").len(), 2);
    assert_eq!(page["total"], 18);
    let facets = &page["facets"];
    assert_eq!(counts(&facets["category"]), pairs(&[("shirts", 7), ("trousers", 6), ("shoes", 5)]));
    assert_eq!(facets["category"][0]["label"], "Shirts");
    assert_eq!(
        counts(&facets["attributes"]["material"]),
        pairs(&[
            ("cotton", 7),
            ("linen", 4),
            ("canvas", 1),
            ("hemp", 1),
            ("leather", 1),
            ("mesh", 1),
            ("silk", 1),
            ("suede", 1),
            ("wool", 1)
        ])
    );
    assert_eq!(counts(&facets["attributes"]["size"])[0], ("32".to_owned(), 6));
    assert_eq!(price_counts(&page), pairs(&[("0-25", 0), ("25-50", 5), ("50-100", 8), ("100-200", 4), ("200-", 0)]));
    assert_eq!(facets["price"][1], serde_json::json!({ "range": "25-50", "min": 2500, "max": 5000, "count": 5 }));
    assert_eq!(facets["availability"], serde_json::json!({ "in_stock": 15, "out_of_stock": 3 }));
}

#[tokio::test]
async fn each_facet_ignores_its_own_filter_and_applies_the_others() {
    let (app, _) = spawn_with_catalog().await;
    let shirts = app.search("category=shirts").await;
    assert_eq!(shirts["total"], 7);
    assert_eq!(
        counts(&shirts["facets"]["category"]),
        pairs(&[("shirts", 7), ("trousers", 6), ("shoes", 5)]),
        "the alternatives stay visible"
    );
    assert_eq!(
        counts(&shirts["facets"]["attributes"]["material"]),
        pairs(&[("cotton", 4), ("hemp", 1), ("linen", 1), ("silk", 1)])
    );
    assert_eq!(shirts["facets"]["availability"], serde_json::json!({ "in_stock": 6, "out_of_stock": 1 }));

    let linen_trousers = app.search("attr.material=linen&category=trousers").await;
    assert_eq!(names(&linen_trousers), ["Linen Shorts", "Linen Trousers"]);
    let facets = &linen_trousers["facets"];
    assert_eq!(counts(&facets["category"]), pairs(&[("trousers", 2), ("shirts", 1), ("shoes", 1)]));
    assert_eq!(counts(&facets["attributes"]["material"]), pairs(&[("cotton", 3), ("linen", 2), ("wool", 1)]));
    assert_eq!(counts(&facets["attributes"]["color"]), pairs(&[("white", 2), ("beige", 1)]));

    // With words: the facets describe what matched them.
    let linen = app.search("q=linen").await;
    assert_eq!(counts(&linen["facets"]["category"]), pairs(&[("shirts", 2), ("trousers", 2), ("shoes", 1)]));
}

#[tokio::test]
async fn several_values_of_one_filter_match_any_and_filters_combine() {
    let (app, _) = spawn_with_catalog().await;
    let dark = app.search("attr.color=black&attr.color=Brown&sort=name").await;
    assert_eq!(
        names(&dark),
        ["Canvas Sneakers", "Corduroy Trousers", "Leather Boots", "Running Shoes", "Silk Blouse", "Suede Loafers"]
    );
    let dark_shoes_in_stock = app.search("attr.color=black&attr.color=brown&category=shoes&in_stock=true").await;
    assert_eq!(dark_shoes_in_stock["total"], 3);
    assert_eq!(dark_shoes_in_stock["facets"]["availability"], serde_json::json!({ "in_stock": 3, "out_of_stock": 1 }));
    let two_categories = app.search("category=shirts&category=shoes").await;
    assert_eq!(two_categories["total"], 12);
    // An attribute no product has matches nothing; it is not an error.
    assert_eq!(app.search("attr.sleeve=long").await["total"], 0);
}
