//! The gateway's own work on a product page (`GET /api/v1/product-pages/{id-or-slug}`), from
//! fixed inputs: decoding what catalog, pricing, inventory and recommendations answered, and
//! composing and serialising the page (`product_page::render`). The calls themselves (the
//! network and the other services) are measured by `mercato bench product-page`.
//!
//! `cargo bench -p mercato-gateway` (criterion; `-- --quick` for a fast look).

use std::collections::BTreeMap;
use std::hint::black_box;

use contracts::catalog::{CategorySummary, Media, Product, ProductStatus, Variant};
use contracts::ids::{CategoryId, PriceListId, ProductId, Sku, VariantId};
use contracts::inventory::{Availability, AvailabilityList, LocationAvailability};
use contracts::money::{Currency, Money};
use contracts::pages::{ProductPage, Recommendation};
use contracts::pricing::{SkuPrice, SkuPrices, Tier};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use gateway::product_page::render;

const NOW: &str = "2026-06-01T12:00:00.000000Z";
const LOCATIONS: [(&str, &str); 4] =
    [("berlin-dc", "Berlin DC"), ("milan-dc", "Milan DC"), ("paris-store", "Paris store"), ("madrid-dc", "Madrid DC")];

/// What the four services answer for a product of `variants` variants, as JSON bytes.
struct Answers {
    product: Vec<u8>,
    prices: Vec<u8>,
    stock: Vec<u8>,
    recommendations: Vec<u8>,
}

fn answers(variants: usize) -> Answers {
    let skus: Vec<Sku> = (0..variants).map(|i| Sku::parse(&format!("NRD-LINEN-{i:03}")).expect("sku")).collect();
    let attributes = |pairs: &[(&str, String)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    };
    let product = Product {
        id: ProductId::generate(),
        slug: "nordvik-linen-shirt".into(),
        name: "Nordvik Linen Shirt".into(),
        description: "A breathable shirt of washed European linen, cut for summer. ".repeat(6),
        brand: Some("Nordvik".into()),
        category: Some(CategorySummary { id: CategoryId::generate(), slug: "shirts".into(), name: "Shirts".into() }),
        attributes: attributes(&[
            ("material", "linen".into()),
            ("origin", "Portugal".into()),
            ("fit", "regular".into()),
        ]),
        media: (0..3)
            .map(|i| Media {
                url: format!("/media/nordvik-linen-shirt-{i}.jpg"),
                alt: format!("Linen shirt, view {i}"),
            })
            .collect(),
        variants: skus
            .iter()
            .enumerate()
            .map(|(i, sku)| Variant {
                id: VariantId::generate(),
                sku: sku.clone(),
                name: format!("Colour {} / {}", i / 5, ["XS", "S", "M", "L", "XL"][i % 5]),
                attributes: attributes(&[("colour", format!("colour {}", i / 5)), ("size", format!("{}", i % 5))]),
            })
            .collect(),
        status: ProductStatus::Active,
        version: 3,
        created_at: NOW.into(),
        updated_at: NOW.into(),
    };
    let list = PriceListId::generate();
    let eur = |amount| Money::new(amount, Currency::Eur);
    let prices = SkuPrices {
        data: skus
            .iter()
            .map(|sku| SkuPrice {
                sku: sku.clone(),
                price_list_id: list.clone(),
                unit_price: eur(5_990),
                tiers: vec![Tier { min_quantity: 1, unit_amount: eur(5_990) }],
            })
            .collect(),
        unpriced: Vec::new(),
    };
    let stock = AvailabilityList {
        data: skus
            .iter()
            .map(|sku| Availability {
                sku: sku.clone(),
                known: true,
                available: 4 * 37,
                locations: LOCATIONS
                    .iter()
                    .map(|(code, name)| LocationAvailability {
                        location: (*code).into(),
                        name: (*name).into(),
                        on_hand: 40,
                        reserved: 3,
                        available: 37,
                    })
                    .collect(),
            })
            .collect(),
    };
    let recommendations: Vec<Recommendation> = (0..8)
        .map(|i| Recommendation {
            product_id: ProductId::generate().to_string(),
            slug: format!("related-product-{i}"),
            name: format!("Related product {i}"),
            reason: "bought_together".into(),
        })
        .collect();
    Answers {
        product: json(&product),
        prices: json(&prices),
        stock: json(&stock),
        recommendations: json(&serde_json::json!({ "data": recommendations })),
    }
}

fn json<T: serde::Serialize>(fixture: &T) -> Vec<u8> {
    serde_json::to_vec(fixture).expect("fixtures serialise")
}

/// The decoded answers, as `render` takes them.
type Parts = (Product, Vec<SkuPrice>, Vec<Availability>, Vec<Recommendation>);

#[derive(serde::Deserialize)]
struct RecommendationList {
    data: Vec<Recommendation>,
}

fn decode(a: &Answers) -> Parts {
    let product: Product = serde_json::from_slice(&a.product).expect("product");
    let prices: SkuPrices = serde_json::from_slice(&a.prices).expect("prices");
    let stock: AvailabilityList = serde_json::from_slice(&a.stock).expect("stock");
    let recommendations: RecommendationList = serde_json::from_slice(&a.recommendations).expect("recommendations");
    (product, prices.data, stock.data, recommendations.data)
}

fn body(response: axum::response::Response) -> Vec<u8> {
    let bytes = futures::executor::block_on(axum::body::to_bytes(response.into_body(), usize::MAX));
    bytes.expect("a full body").to_vec()
}

fn product_page(c: &mut Criterion) {
    let mut group = c.benchmark_group("product_page");
    // 6 variants is about the demo catalog's average; 40 a large size-and-colour grid.
    for variants in [6, 40] {
        let answers = answers(variants);
        let parts = decode(&answers);

        // What is measured is a real page: check it once.
        let (product, prices, stock, recommendations) = parts.clone();
        let page: ProductPage =
            serde_json::from_slice(&body(render(product, Ok(prices), Ok(stock), Ok(recommendations)))).expect("page");
        assert_eq!((page.prices.len(), page.degraded.len()), (variants, 0));
        let (product, _, stock, _) = parts.clone();
        let degraded = render(product, Err("pricing"), Ok(stock), Err("recommendations"));
        assert_eq!(degraded.headers()["x-mercato-degraded"], "pricing,recommendations");

        group.bench_with_input(BenchmarkId::new("render", variants), &parts, |b, parts| {
            b.iter_batched(
                || parts.clone(),
                |(product, prices, stock, recommendations)| render(product, Ok(prices), Ok(stock), Ok(recommendations)),
                BatchSize::SmallInput,
            );
        });
        group.bench_with_input(BenchmarkId::new("decode_and_render", variants), &answers, |b, answers| {
            b.iter(|| {
                let (product, prices, stock, recommendations) = decode(black_box(answers));
                render(product, Ok(prices), Ok(stock), Ok(recommendations))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, product_page);
criterion_main!(benches);
