//! Catalog → inventory through events: eventually consistent, exactly once, across restarts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::platform::{Platform, eventually};

fn per_sku(records: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in records {
        *counts.entry(r["sku"].as_str().unwrap_or_default().to_owned()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn a_product_created_through_the_gateway_gets_stock_records_through_the_event() {
    let p = Platform::start(&[]).await;
    for code in ["north-dc", "south-dc", "city-store"] {
        p.create_location(code).await;
    }
    p.create_product("linen-shirt", &["LS-S".into(), "LS-M".into()]).await;
    eventually("inventory to learn both SKUs at all 3 locations", Duration::from_secs(15), || async {
        let a = p.get_json("/api/v1/availability?sku=LS-S,LS-M").await;
        a["data"]
            .as_array()
            .is_some_and(|d| d.iter().all(|x| x["known"] == true && x["locations"].as_array().map(Vec::len) == Some(3)))
    })
    .await;
    let product = p.get_json("/api/v1/products/linen-shirt").await;
    assert_eq!(product["variants"][1]["sku"], "LS-M");

    // Which transport carried it: NATS JetStream (relay) in production mode, the catalog's
    // own feed otherwise.
    let catalog = p.instances("catalog").await[0]["addr"].as_str().expect("addr").to_owned();
    let metrics =
        p.http.get(format!("http://{catalog}/metrics")).send().await.expect("metrics").text().await.expect("text");
    let relayed = metrics.lines().any(|l| l.starts_with("outbox_relayed_total") && !l.ends_with(" 0"));
    let fed =
        metrics.lines().any(|l| l.starts_with("http_server_requests_total") && l.contains("route=\"/v1/events\""));
    if runtime::testing::backend_is_postgres() {
        assert!(relayed && !fed, "events must travel through NATS:\n{metrics}");
    } else {
        assert!(fed && !relayed, "events must travel through the embedded feed:\n{metrics}");
    }
}

#[tokio::test]
async fn a_stopped_consumer_catches_up_exactly_once() {
    let p = Platform::start(&[]).await;
    p.create_location("a-dc").await;
    p.create_location("b-dc").await;
    p.scale("inventory", 0).await;
    for i in 0..100 {
        p.create_product(&format!("offline-{i:03}"), &[format!("OFF-{i:03}")]).await;
    }
    p.scale("inventory", 1).await;
    eventually("inventory to apply all 100 products", Duration::from_secs(60), || async {
        p.stock_records().await.len() >= 200
    })
    .await;
    let records = p.stock_records().await;
    assert_eq!(records.len(), 200, "exactly one record per SKU and location");
    let counts = per_sku(&records);
    assert_eq!(counts.len(), 100);
    assert!(counts.values().all(|n| *n == 2), "no duplicates: {counts:?}");
}

#[tokio::test]
async fn a_producer_killed_mid_stream_loses_and_duplicates_nothing() {
    let p = Platform::start(&[]).await;
    p.create_location("a-dc").await;
    let writer = async {
        for i in 0..60 {
            p.create_product(&format!("stream-{i:03}"), &[format!("STR-{i:03}")]).await;
        }
    };
    let killer = async {
        eventually("20 products created", Duration::from_secs(60), || async {
            p.get_json("/api/v1/products?limit=100").await["data"].as_array().map_or(0, Vec::len) >= 20
        })
        .await;
        let pid = p.instances("catalog").await[0]["pid"].as_u64().expect("pid");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL)
            .expect("kill");
    };
    tokio::join!(writer, killer);
    eventually("inventory to learn all 60 SKUs", Duration::from_secs(60), || async {
        p.stock_records().await.len() >= 60
    })
    .await;
    let records = p.stock_records().await;
    assert_eq!(records.len(), 60);
    assert_eq!(per_sku(&records).len(), 60);
    let products = p.get_json("/api/v1/products?limit=100").await;
    assert_eq!(products["data"].as_array().map(Vec::len), Some(60), "idempotent retries made no duplicates");
    assert!(p.instances("catalog").await[0]["restarts"].as_u64() >= Some(1));
}
