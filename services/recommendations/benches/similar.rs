//! "Similar products" for a product nobody asked about yet (`ContentIndex::similar`): what a
//! product page waits for on a cold recommendation, at 1,000, 10,000 and 100,000 products.
//! The catalog is synthetic but shaped like the demo's: names from a few brands, materials
//! and garments, descriptions from a small vocabulary, so common words have long postings.
//!
//! `cargo bench -p mercato-recommendations` (criterion; `-- --quick` for a fast look).

use std::hint::black_box;

use contracts::ids::ProductId;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recommendations::domain::ProductRecord;
use recommendations::domain::content::ContentIndex;

const BRANDS: &str = "Nordvik Fjordline Harbor Alder Kestrel Lumen Moss Oakridge Pine Quill Rowan Sable";
const MATERIALS: &str = "Linen Wool Cotton Cashmere Denim Leather Silk Hemp Corduroy Fleece";
const GARMENTS: &str =
    "Shirt Trousers Jacket Coat Sweater Dress Skirt Shorts Boots Sneakers Hat Scarf Gloves Belt Hoodie Cardigan";
const CATEGORIES: &str = "Shirts Trousers Jackets Knitwear Dresses Footwear Accessories Outerwear";
const WORDS: &str = "breathable washed summer winter warm light classic relaxed slim regular durable soft organic \
    recycled european portuguese italian tailored roomy cropped lined waterproof heavyweight airy brushed ribbed \
    knitted woven stitched buttoned zipped hooded pleated tapered straight wide everyday weekend travel city";

fn record(i: usize) -> ProductRecord {
    let pick = |list: &'static str, salt: usize| {
        let words: Vec<&'static str> = list.split_whitespace().collect();
        words[(i.wrapping_mul(2_654_435_761) >> salt) % words.len()]
    };
    let description: Vec<&str> = (0..12).map(|k| pick(WORDS, 3 + k)).collect();
    ProductRecord {
        id: ProductId::generate(),
        slug: format!("p-{i}"),
        name: format!("{} {} {} {i:05}", pick(BRANDS, 1), pick(MATERIALS, 5), pick(GARMENTS, 9)),
        description: description.join(" "),
        category: Some(pick(CATEGORIES, 13).to_owned()),
        attributes: vec![pick(MATERIALS, 5).to_lowercase(), pick(WORDS, 17).to_owned()],
        skus: Vec::new(),
        archived: false,
        version: 1,
    }
}

fn similar(c: &mut Criterion) {
    let mut group = c.benchmark_group("similar");
    for products in [1_000u32, 10_000, 100_000] {
        let mut index = ContentIndex::default();
        for i in 0..products {
            index.upsert(i, &record(i as usize));
        }
        index.refresh();
        assert_eq!(index.similar(0, 50).len(), 50, "a full list");
        let mut next = 0u32;
        group.bench_with_input(BenchmarkId::from_parameter(products), &index, |b, index| {
            b.iter(|| {
                // A different product each time: what a stream of cold pages asks.
                next = (next + 7_919) % products;
                index.similar(black_box(next), 50)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, similar);
criterion_main!(benches);
