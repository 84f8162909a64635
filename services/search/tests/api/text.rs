//! Full text: exact words, typos, prefixes, SKUs, and every field a word is looked up in.

use crate::helpers::{names, spawn_with_catalog};

#[tokio::test]
async fn exact_words_rank_the_product_named_so_first() {
    let (app, _) = spawn_with_catalog().await;
    let page = app.search("q=linen%20shirt").await;
    // The Hemp Overshirt is a shirt whose description mentions linen.
    assert_eq!(names(&page), ["Linen Shirt", "Hemp Overshirt"]);
    assert_eq!(page["total"], 2);
    let hit = &page["data"][0];
    assert_eq!(hit["slug"], "linen-shirt");
    assert_eq!(hit["category"], serde_json::json!({ "slug": "shirts", "name": "Shirts" }));
    assert_eq!(hit["price"], serde_json::json!({ "amount": 4900, "currency": "EUR" }));
    assert_eq!(hit["in_stock"], true);
    assert!(hit["score"].as_f64().expect("score") > page["data"][1]["score"].as_f64().expect("score"));

    let linen = app.search("q=Linen").await;
    assert_eq!(linen["total"], 5, "names, materials and a description: {linen}");
    assert_eq!(app.search("q=suede").await["data"][0]["name"], "Suede Loafers");
    assert_eq!(names(&app.search("q=navy").await), ["Chino Trousers"], "a variant attribute value");
    assert_eq!(names(&app.search("q=mulberry").await), ["Silk Blouse"], "the description");
    assert_eq!(app.search("q=maison%20vey").await["total"], 4, "the brand");
    assert_eq!(app.search("q=shoes").await["total"], 5, "the category name");
}

#[tokio::test]
async fn typos_are_forgiven_in_words_the_index_does_not_know() {
    let (app, _) = spawn_with_catalog().await;
    assert_eq!(names(&app.search("q=lnen%20shirt").await), ["Linen Shirt", "Hemp Overshirt"]);
    assert_eq!(names(&app.search("q=linen%20shrit").await), ["Linen Shirt", "Hemp Overshirt"]);

    let shrit = app.search("q=shrit").await;
    assert_eq!(shrit["total"], 7, "every shirt, by name or category: {shrit}");
    assert!(shrit["data"].as_array().expect("data").iter().all(|h| h["category"]["slug"] == "shirts"));
    assert!(names(&shrit)[..5].iter().all(|n| n.ends_with(" Shirt")), "name matches first: {shrit}");

    // Two typos from 8 letters on; a correctly spelt word is not widened.
    assert_eq!(names(&app.search("q=espadirlles").await), ["Linen Espadrilles"]);
    assert_eq!(names(&app.search("q=chambary").await), ["Chambray Shirt"]);
    assert_eq!(app.search("q=shorts").await["total"], 2, "`shorts` is known: no `shirts`");
    // Short words get none.
    assert_eq!(app.search("q=xyz").await["total"], 0);
    assert_eq!(app.search("q=silj").await["total"], 1, "4 letters: one typo");
    assert_eq!(app.search("q=sil").await["total"], 1, "the last word is a prefix");
}

#[tokio::test]
async fn the_last_word_matches_as_a_prefix() {
    let (app, _) = spawn_with_catalog().await;
    assert_eq!(names(&app.search("q=linen%20shi").await), ["Linen Shirt", "Hemp Overshirt"]);
    assert_eq!(names(&app.search("q=espa").await), ["Linen Espadrilles"]);
    assert_eq!(app.search("q=sne").await["data"][0]["name"], "Canvas Sneakers");
    // Only the last word: before it, a word must be whole (or a typo of one).
    assert_eq!(app.search("q=sneak%20canvas").await["total"], 0);
}

#[tokio::test]
async fn a_sku_finds_its_product_and_an_empty_query_lists_everything() {
    let (app, _) = spawn_with_catalog().await;
    assert_eq!(app.search("q=SH-OXF-BLU-M").await["data"][0]["name"], "Oxford Shirt");
    assert_eq!(names(&app.search("q=so-run-blu-43").await), ["Running Shoes"]);
    let all = app.search("limit=100").await;
    assert_eq!(all["total"], 18);
    assert_eq!(names(&all)[..3], ["Canvas Sneakers", "Cargo Shorts", "Chambray Shirt"], "by name");
    assert_eq!(app.search("q=%20%20").await["total"], 18, "blank is empty");
    assert_eq!(app.search("q=%2B%2B%2B").await["total"], 0, "only punctuation matches nothing");
}
