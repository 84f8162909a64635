//! Answering a listing: `domain::results::Answer::compute`, the pass behind every search
//! that is not already kept (filters, disjunctive facet counts, the sort), over the products
//! the full text matched. A category page of a shop matches every product (`q` is empty), so
//! this is O(catalog) per answer: 1,000 to 100,000 products shaped like the demo catalog's
//! (60 categories, seven attributes of 8 to 40 values, colours and sizes on variants, two
//! currencies). Matching itself (tantivy) is not part of it.
//!
//! `cargo bench -p mercato-search` (criterion; `-- --quick` for a fast look).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use contracts::ids::{ProductId, Sku};
use contracts::money::Currency;
use contracts::search::{HitCategory, SearchSort};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use search::domain::facet_ids::FacetIds;
use search::domain::request::SearchRequest;
use search::domain::results::{Answer, Candidate};
use search::domain::{IndexedProduct, IndexedVariant, ProductDoc};

const CATEGORIES: usize = 60;
/// Product attributes and how many values each has across the catalog.
const ATTRIBUTES: [(&str, usize); 5] = [("material", 30), ("origin", 15), ("collection", 40), ("care", 10), ("fit", 8)];
const COLORS: [&str; 12] =
    ["Black", "White", "Navy", "Grey", "Red", "Olive", "Sand", "Blue", "Green", "Rust", "Ivory", "Teal"];
const SIZES: [&str; 6] = ["XS", "S", "M", "L", "XL", "XXL"];

fn product(i: usize, rng: &mut fastrand::Rng) -> IndexedProduct {
    let category = rng.usize(..CATEGORIES);
    let attributes = ATTRIBUTES
        .iter()
        .map(|(name, values)| ((*name).to_owned(), format!("{name} {}", rng.usize(..*values))))
        .collect();
    let colors = 1 + rng.usize(..3);
    let first = rng.usize(..COLORS.len());
    let variants = (0..colors)
        .flat_map(|c| SIZES[1..5].iter().map(move |size| (COLORS[(first + c) % COLORS.len()], *size)))
        .map(|(color, size)| IndexedVariant {
            sku: Sku::parse(&format!("P{i}-{color}-{size}")).expect("sku"),
            name: format!("{color} / {size}"),
            attributes: [("color".to_owned(), color.to_owned()), ("size".to_owned(), size.to_owned())].into(),
        })
        .collect();
    let price = 500 + rng.usize(..30_000) as i64;
    IndexedProduct {
        id: ProductId::generate(),
        slug: format!("product-{i}"),
        name: format!("Product {}", rng.usize(..1_000_000)),
        description: String::new(),
        brand: None,
        category: Some(HitCategory { slug: format!("category-{category}"), name: format!("Category {category}") }),
        attributes,
        variants,
        archived: false,
        version: 1,
        prices: BTreeMap::from([(Currency::Eur, price), (Currency::Usd, price * 11 / 10)]),
        available: (rng.usize(..10) > 0) as i64,
    }
}

/// The records of a catalog of `products`.
fn catalog(products: usize) -> Vec<Arc<ProductDoc>> {
    // Seeded, so every run answers over the same catalog.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut ids = FacetIds::default();
    (0..products).map(|i| Arc::new(product(i, &mut rng).doc(&mut ids))).collect()
}

fn answers(c: &mut Criterion) {
    let mut group = c.benchmark_group("answer");
    for products in [1_000, 10_000, 100_000] {
        let docs = catalog(products);
        let candidates: Vec<Candidate<'_>> =
            docs.iter().map(|doc| Candidate { doc, facts: doc.facts(), score: 1.0 }).collect();
        group.throughput(Throughput::Elements(products as u64));
        let listing =
            SearchRequest { categories: vec!["category-7".into()], sort: SearchSort::Name, ..SearchRequest::default() };
        group.bench_with_input(BenchmarkId::new("category listing", products), &listing, |b, request| {
            b.iter(|| Answer::compute(black_box(request), black_box(&candidates)))
        });
        let filtered = SearchRequest {
            categories: vec!["category-7".into()],
            attributes: BTreeMap::from([("color".to_owned(), vec!["navy".to_owned()])]),
            in_stock: Some(true),
            sort: SearchSort::PriceAsc,
            ..SearchRequest::default()
        };
        group.bench_with_input(BenchmarkId::new("filtered listing", products), &filtered, |b, request| {
            b.iter(|| Answer::compute(black_box(request), black_box(&candidates)))
        });
        let everything = SearchRequest::default();
        group.bench_with_input(BenchmarkId::new("everything", products), &everything, |b, request| {
            b.iter(|| Answer::compute(black_box(request), black_box(&candidates)))
        });
    }
    group.finish();
}

criterion_group!(benches, answers);
criterion_main!(benches);
