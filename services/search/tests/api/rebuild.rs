//! `POST /v1/search/rebuild`: staff only, reports what it indexed, and searches answer the
//! same afterwards.

use reqwest::StatusCode;
use runtime::testing::STAFF_TOKEN;

use crate::helpers::{archived, names, problem, spawn_with_catalog};

#[tokio::test]
async fn rebuild_is_for_staff_only() {
    let (app, _) = spawn_with_catalog().await;
    problem(app.rebuild(None).await, StatusCode::UNAUTHORIZED).await;
    problem(app.rebuild(Some("not-the-staff-token")).await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn rebuild_reports_counts_and_changes_no_result() {
    let (app, catalog) = spawn_with_catalog().await;
    let mut boots = catalog.product("Leather Boots").clone();
    boots.version = 2;
    app.apply(&[archived(&boots)]).await;
    app.eventually("limit=1", |page| page["total"] == 17).await;

    let queries =
        ["sort=name&limit=100", "q=linen&limit=100", "q=shrit&category=shirts", "attr.color=blue&sort=price_asc"];
    let mut before = Vec::new();
    for query in queries {
        before.push(app.search(query).await);
    }

    let response = app.rebuild(Some(STAFF_TOKEN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: serde_json::Value = response.json().await.expect("json");
    assert_eq!(report["indexed"], 17);
    assert_eq!(report["archived"], 1);
    assert_eq!(report["skus"], catalog.sku_count());
    assert_eq!(report["prices"], catalog.price_count());
    assert_eq!(report["stock_records"], catalog.sku_count());
    assert!(report["took_ms"].is_u64());

    for (query, before) in queries.iter().zip(&before) {
        let after = app.search(query).await;
        assert_eq!(names(&after), names(before), "{query}");
        assert_eq!(after["facets"], before["facets"], "{query}");
        assert_eq!(after["total"], before["total"], "{query}");
    }
    // And the index keeps following events after a rebuild.
    app.apply(&[crate::helpers::stock("SO-SUE-BRN-42", 4)]).await;
    app.eventually("in_stock=true", |page| page["total"] == 15).await;
}
