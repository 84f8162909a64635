//! Cursor pages: every result exactly once, in order, with the same total and facets on
//! every page.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::helpers::{fields, names, problem, spawn_with_catalog};

async fn walk(app: &crate::helpers::TestApp, query: &str) -> Vec<String> {
    let first = app.search(query).await;
    let mut seen = names(&first);
    let mut next = first["next"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(cursor) = next {
        let page = app.search(&format!("{query}&after={cursor}")).await;
        assert_eq!(page["total"], first["total"]);
        assert_eq!(page["facets"], first["facets"]);
        seen.extend(names(&page));
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 50, "pagination does not end");
    }
    seen
}

#[tokio::test]
async fn cursors_walk_every_result_once_in_order() {
    let (app, _) = spawn_with_catalog().await;
    let by_name = walk(&app, "sort=name&limit=5").await;
    assert_eq!(by_name.len(), 18);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);

    let by_price = walk(&app, "sort=price_desc&limit=4").await;
    assert_eq!(by_price.len(), 18);
    assert_eq!((by_price[0].as_str(), by_price[17].as_str()), ("Leather Boots", "Corduroy Trousers"));

    let relevant = walk(&app, "q=linen&limit=2").await;
    let everything = names(&app.search("q=linen&limit=100").await);
    assert_eq!(relevant, everything);
    assert_eq!(relevant.iter().collect::<BTreeSet<_>>().len(), 5);

    let last = app.search("sort=name&limit=18").await;
    assert!(last.get("next").is_none(), "no cursor on the last page");
}

#[tokio::test]
async fn a_cursor_from_elsewhere_is_refused() {
    let (app, _) = spawn_with_catalog().await;
    let page = app.search("sort=name&limit=2").await;
    let cursor = page["next"].as_str().expect("next");
    let other_sort =
        problem(app.search_raw(&format!("sort=price_asc&after={cursor}")).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&other_sort), ["after"]);
    assert!(other_sort["errors"][0]["message"].as_str().expect("message").contains("sort=name"));
    let forged = problem(app.search_raw("after=bm90LWEtY3Vyc29y").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&forged), ["after"]);
}
