//! The product-page cache against fake owners: a page is answered from memory until the
//! owner's event about it arrives, and never longer. The cache's maximum age is set to an
//! hour here, so only the event can make a change show.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use contracts::catalog::{Product, ProductStatus, Variant};
use contracts::ids::{PriceListId, ProductId, Sku, VariantId};
use contracts::inventory::{Availability, AvailabilityList};
use contracts::money::{Currency, Money};
use contracts::pricing::{SkuPrice, SkuPrices, Tier};
use runtime::events::Event;
use runtime::testing::{FeedEvents, TestService, fake_feed_router, serve};
use serde_json::{Value, json};

const SKU: &str = "LINEN-M";

fn product() -> Product {
    Product {
        id: ProductId::generate(),
        slug: "linen-shirt".into(),
        name: "Linen shirt".into(),
        description: "Washed linen.".into(),
        brand: None,
        category: None,
        attributes: Default::default(),
        media: Vec::new(),
        variants: vec![Variant {
            id: VariantId::generate(),
            sku: Sku::parse(SKU).expect("sku"),
            name: "M".into(),
            attributes: Default::default(),
        }],
        status: ProductStatus::Active,
        version: 1,
        created_at: "2026-12-01T00:00:00Z".into(),
        updated_at: "2026-12-01T00:00:00Z".into(),
    }
}

fn event(event_type: &str, subject: &str) -> Event {
    Event {
        specversion: "1.0".into(),
        id: format!("evt_{}", uuid_like()),
        source: "/mercato/test".into(),
        event_type: event_type.into(),
        subject: subject.into(),
        time: "2026-12-04T00:00:00Z".into(),
        datacontenttype: "application/json".into(),
        schemaversion: 1,
        traceparent: None,
        seq: None,
        data: json!({}),
    }
}

fn uuid_like() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{:08}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Fake catalog, pricing, inventory and recommendations, each with its event feed.
struct Owners {
    upstreams: String,
    catalog_reads: Arc<AtomicUsize>,
    price: Arc<AtomicI64>,
    pricing_events: FeedEvents,
    inventory_events: FeedEvents,
}

async fn owners(product: Product) -> Owners {
    let catalog_reads = Arc::new(AtomicUsize::new(0));
    let (feed, _catalog_events) = fake_feed_router();
    let reads = catalog_reads.clone();
    let catalog = feed.merge(Router::new().route(
        "/v1/products/{reference}",
        get(move || {
            let reads = reads.clone();
            let product = product.clone();
            async move {
                reads.fetch_add(1, Ordering::SeqCst);
                axum::Json(product)
            }
        }),
    ));

    let price = Arc::new(AtomicI64::new(5_990));
    let (feed, pricing_events) = fake_feed_router();
    let pricing = feed.merge(
        Router::new()
            .route(
                "/v1/prices",
                get(|State(price): State<Arc<AtomicI64>>| async move {
                    let amount = Money::new(price.load(Ordering::SeqCst), Currency::Eur);
                    axum::Json(SkuPrices {
                        data: vec![SkuPrice {
                            sku: Sku::parse(SKU).expect("sku"),
                            price_list_id: PriceListId::generate(),
                            unit_price: amount,
                            tiers: vec![Tier { min_quantity: 1, unit_amount: amount }],
                        }],
                        unpriced: Vec::new(),
                    })
                }),
            )
            .with_state(price.clone()),
    );

    let (feed, inventory_events) = fake_feed_router();
    let inventory = feed.merge(Router::new().route(
        "/v1/availability",
        get(|| async {
            axum::Json(AvailabilityList {
                data: vec![Availability {
                    sku: Sku::parse(SKU).expect("sku"),
                    known: true,
                    available: 3,
                    locations: Vec::new(),
                }],
            })
        }),
    ));
    let recommendations =
        Router::new().route("/v1/recommendations", get(|| async { axum::Json(json!({ "data": [] })) }));

    let upstreams = format!(
        "catalog={},pricing={},inventory={},recommendations={}",
        serve(catalog).await,
        serve(pricing).await,
        serve(inventory).await,
        serve(recommendations).await
    );
    Owners { upstreams, catalog_reads, price, pricing_events, inventory_events }
}

async fn gateway(upstreams: String) -> TestService {
    let options =
        gateway::Options { trusted_proxy_hops: 0, page_max_age: Duration::from_secs(3600), page_capacity: 64 };
    runtime::testing::spawn(
        gateway::SERVICE,
        move |s| gateway::build_with(s, options),
        move |s| s.upstreams = upstreams,
    )
    .await
}

/// The page, whether it came from the cache, and its unit price.
async fn page(gw: &TestService, headers: &[(&str, &str)]) -> (String, i64) {
    let mut request = gw.http.get(format!("{}/api/v1/product-pages/linen-shirt", gw.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let r = request.send().await.expect("sent");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let cache = r.headers().get("x-mercato-cache").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["degraded"], json!([]), "{body}");
    (cache, body["prices"][0]["unit_price"]["amount"].as_i64().expect("a price"))
}

async fn eventually<F: AsyncFnMut() -> bool>(what: &str, mut check: F) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_product_page_is_served_from_memory_until_an_event_changes_it() {
    let product = product();
    let owners = owners(product.clone()).await;
    let gw = gateway(owners.upstreams.clone()).await;

    // Once the gateway follows all three owners' events, a composed page is kept.
    eventually("a page is answered from the cache", async || page(&gw, &[]).await.0 == "hit").await;
    let reads = owners.catalog_reads.load(Ordering::SeqCst);
    for _ in 0..5 {
        assert_eq!(page(&gw, &[]).await, ("hit".into(), 5_990));
    }
    assert_eq!(owners.catalog_reads.load(Ordering::SeqCst), reads, "hits ask no owner");

    // Another SKU's stock changes: this page stays.
    owners.inventory_events.lock().expect("lock").push(event("stock.changed", "OTHER-1"));
    // The price changes at the owner; until its event arrives the page keeps the old one.
    owners.price.store(4_990, Ordering::SeqCst);
    assert_eq!(page(&gw, &[]).await, ("hit".into(), 5_990));
    owners.pricing_events.lock().expect("lock").push(event("price.changed", SKU));
    eventually("the price change shows", async || page(&gw, &[]).await.1 == 4_990).await;
    eventually("the new page is kept", async || page(&gw, &[]).await.0 == "hit").await;

    // `Cache-Control: no-cache` composes afresh.
    let before = owners.catalog_reads.load(Ordering::SeqCst);
    assert_eq!(page(&gw, &[("cache-control", "no-cache")]).await, ("miss".into(), 4_990));
    assert_eq!(owners.catalog_reads.load(Ordering::SeqCst), before + 1);
}
