//! Search-specific helpers over the runtime's test service: events shaped as catalog, pricing
//! and inventory publish them, applied through search's own handlers; a realistic catalog
//! fixture; and searches that wait (with a deadline) for the index to catch up.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::time::{Duration, Instant};

use contracts::EventType;
use contracts::catalog::{
    CategorySummary, Product, ProductArchived, ProductCreated, ProductStatus, ProductUpdated, Variant,
};
use contracts::ids::{CategoryId, PriceListId, ProductId, Sku, VariantId};
use contracts::inventory::StockChanged;
use contracts::money::{Currency, Money};
use contracts::pricing::{PriceChanged, Tier};
use reqwest::StatusCode;
use runtime::db::Db;
use runtime::events::{Event, EventHandler};
use runtime::testing::TestService;
use serde_json::Value;

pub use runtime::testing::{fields, problem};

pub struct TestApp {
    service: TestService,
    db: Db,
}

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.service
    }
}

/// The search service on a fresh database, with no other service running.
pub async fn spawn_app() -> TestApp {
    spawn_with_upstreams("").await
}

/// The search service with the given static upstreams (`catalog=http://…`).
pub async fn spawn_with_upstreams(upstreams: &str) -> TestApp {
    let upstreams = upstreams.to_owned();
    let service = runtime::testing::spawn(search::SERVICE, search::build, |s| s.upstreams = upstreams).await;
    let db = Db::connect(&service.database_url, 2, &search::MIGRATIONS).await.expect("db");
    TestApp { service, db }
}

/// A search and a fixture loaded into it.
pub async fn spawn_with_catalog() -> (TestApp, Catalog) {
    let app = spawn_app().await;
    let catalog = Catalog::fixture();
    app.apply(&catalog.events()).await;
    let expected_in_stock = catalog.in_stock_count();
    app.eventually("limit=1", |page| {
        page["total"] == 18 && page["facets"]["availability"]["in_stock"] == expected_in_stock
    })
    .await;
    (app, catalog)
}

impl TestApp {
    /// Applies `events` in one transaction through search's handlers, as the runtime's
    /// consumer would (each subscription's handler for its source).
    pub async fn apply(&self, events: &[Event]) {
        let mut tx = self.db.begin().await.expect("tx");
        for event in events {
            let applied = match event.source_service() {
                "catalog" => search::consumers::Products.handle(&mut tx, event).await,
                "pricing" => search::consumers::Prices.handle(&mut tx, event).await,
                "inventory" => search::consumers::Stock.handle(&mut tx, event).await,
                other => panic!("no subscription to {other}"),
            };
            applied.expect("applies");
        }
        tx.commit().await.expect("commit");
    }

    /// `GET /v1/search?{query}`.
    pub async fn search_raw(&self, query: &str) -> reqwest::Response {
        self.get(&format!("/v1/search?{query}")).await
    }

    /// `GET /v1/search?{query}`, asserting 200.
    pub async fn search(&self, query: &str) -> Value {
        let response = self.search_raw(query).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    /// Searches until `done` holds for the answer (the index updates in the background), at
    /// most 10 seconds.
    pub async fn eventually(&self, query: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let page = self.search(query).await;
            if done(&page) {
                return page;
            }
            assert!(Instant::now() < deadline, "the index did not catch up for `{query}`: {page}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// How many reindexing changes the consumers have recorded so far (the change log's last
    /// position).
    pub async fn changes_recorded(&self) -> i64 {
        let mut conn = self.db.acquire().await.expect("conn");
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM search_changes")
            .fetch_one(&mut *conn)
            .await
            .expect("change log")
    }

    /// `POST /v1/search/rebuild` with `token`.
    pub async fn rebuild(&self, token: Option<&str>) -> reqwest::Response {
        let request = self.http.post(format!("{}/v1/search/rebuild", self.base));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.expect("request sent")
    }
}

/// The names of a page's hits, in order.
pub fn names(page: &Value) -> Vec<String> {
    page["data"].as_array().expect("data").iter().map(|h| h["name"].as_str().expect("name").to_owned()).collect()
}

/// A facet's `(value, count)`s, in order.
pub fn counts(facet: &Value) -> Vec<(String, u64)> {
    facet
        .as_array()
        .expect("facet")
        .iter()
        .map(|f| (f["value"].as_str().expect("value").to_owned(), f["count"].as_u64().expect("count")))
        .collect()
}

pub fn pairs(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected.iter().map(|(v, c)| ((*v).to_owned(), *c)).collect()
}

/// The price facet's counts, by range.
pub fn price_counts(page: &Value) -> Vec<(String, u64)> {
    page["facets"]["price"]
        .as_array()
        .expect("price facet")
        .iter()
        .map(|b| (b["range"].as_str().expect("range").to_owned(), b["count"].as_u64().expect("count")))
        .collect()
}

static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

/// An event as `source` publishes it.
pub fn event<E: EventType>(source: &str, payload: &E) -> Event {
    Event {
        specversion: "1.0".into(),
        id: format!("evt_{}", uuid_hex()),
        source: format!("/mercato/{source}"),
        event_type: E::TYPE.into(),
        subject: payload.subject(),
        time: runtime::db::now(),
        datacontenttype: "application/json".into(),
        schemaversion: i64::from(E::VERSION),
        traceparent: None,
        seq: Some(SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        data: serde_json::to_value(payload).expect("json"),
    }
}

fn uuid_hex() -> String {
    ProductId::generate().as_str().trim_start_matches("prod_").to_owned()
}

pub fn created(product: &Product) -> Event {
    event("catalog", &ProductCreated { product: product.clone() })
}

pub fn updated(product: &Product) -> Event {
    event("catalog", &ProductUpdated { product: product.clone() })
}

pub fn archived(product: &Product) -> Event {
    let mut product = product.clone();
    product.status = ProductStatus::Archived;
    event("catalog", &ProductArchived { product })
}

/// `price.changed` for `sku` in `list`, one tier.
pub fn price(sku: &str, list: &PriceListId, currency: Currency, amount: i64) -> Event {
    event(
        "pricing",
        &PriceChanged {
            sku: Sku::parse(sku).expect("sku"),
            currency,
            price_list_id: list.clone(),
            tiers: vec![
                Tier { min_quantity: 1, unit_amount: Money::new(amount, currency) },
                Tier { min_quantity: 10, unit_amount: Money::new(amount * 9 / 10, currency) },
            ],
        },
    )
}

/// `stock.changed` for `sku` at the Berlin warehouse.
pub fn stock(sku: &str, available: i64) -> Event {
    event(
        "inventory",
        &StockChanged {
            sku: Sku::parse(sku).expect("sku"),
            location: "berlin-dc".into(),
            on_hand: available + 1,
            reserved: 1,
            available,
        },
    )
}

/// One fixture product: name, category slug, material, description, `(sku, color, size)`
/// variants, EUR price and units available (on the first SKU).
struct Spec {
    name: &'static str,
    category: &'static str,
    brand: &'static str,
    material: &'static str,
    description: &'static str,
    variants: &'static [(&'static str, &'static str, &'static str)],
    eur: Option<i64>,
    available: i64,
}

const SPECS: &[Spec] = &[
    // Shirts (7)
    Spec {
        name: "Linen Shirt",
        category: "shirts",
        brand: "Northwind",
        material: "linen",
        description: "A breezy summer shirt in washed European flax, relaxed fit.",
        variants: &[("SH-LIN-WHT-M", "white", "M"), ("SH-LIN-WHT-L", "white", "L"), ("SH-LIN-BLU-M", "blue", "M")],
        eur: Some(4_900),
        available: 12,
    },
    Spec {
        name: "Oxford Shirt",
        category: "shirts",
        brand: "Northwind",
        material: "cotton",
        description: "A button-down classic in soft oxford cloth.",
        variants: &[("SH-OXF-BLU-M", "blue", "M"), ("SH-OXF-WHT-M", "white", "M")],
        eur: Some(5_900),
        available: 8,
    },
    Spec {
        name: "Flannel Shirt",
        category: "shirts",
        brand: "Northwind",
        material: "cotton",
        description: "Brushed flannel for cold mornings.",
        variants: &[("SH-FLN-RED-M", "red", "M"), ("SH-FLN-GRN-L", "green", "L")],
        eur: Some(6_900),
        available: 0,
    },
    Spec {
        name: "Denim Shirt",
        category: "shirts",
        brand: "Atlas",
        material: "cotton",
        description: "Midweight denim that fades with wear.",
        variants: &[("SH-DNM-BLU-M", "blue", "M")],
        eur: Some(7_900),
        available: 3,
    },
    Spec {
        name: "Chambray Shirt",
        category: "shirts",
        brand: "Atlas",
        material: "cotton",
        description: "Lightweight chambray, made for warm days.",
        variants: &[("SH-CHB-BLU-S", "blue", "S")],
        eur: Some(4_500),
        available: 5,
    },
    Spec {
        name: "Hemp Overshirt",
        category: "shirts",
        brand: "Atlas",
        material: "hemp",
        description: "A sturdy overshirt in hemp, softer than linen after a few washes.",
        variants: &[("SH-HMP-GRN-L", "green", "L")],
        eur: Some(8_900),
        available: 2,
    },
    Spec {
        name: "Silk Blouse",
        category: "shirts",
        brand: "Maison Vey",
        material: "silk",
        description: "Fluid mulberry silk with mother-of-pearl buttons.",
        variants: &[("SH-SLK-BLK-S", "black", "S")],
        eur: Some(12_900),
        available: 1,
    },
    // Trousers (6)
    Spec {
        name: "Linen Trousers",
        category: "trousers",
        brand: "Northwind",
        material: "linen",
        description: "Drawstring trousers for hot weather.",
        variants: &[("TR-LIN-BEI-32", "beige", "32"), ("TR-LIN-WHT-34", "white", "34")],
        eur: Some(6_900),
        available: 7,
    },
    Spec {
        name: "Chino Trousers",
        category: "trousers",
        brand: "Atlas",
        material: "cotton",
        description: "Slim chinos in stretch twill.",
        variants: &[("TR-CHN-BEI-32", "beige", "32"), ("TR-CHN-NVY-34", "navy", "34")],
        eur: Some(5_900),
        available: 9,
    },
    Spec {
        name: "Wool Trousers",
        category: "trousers",
        brand: "Maison Vey",
        material: "wool",
        description: "Tailored trousers in fine merino.",
        variants: &[("TR-WOL-GRY-32", "grey", "32")],
        eur: Some(11_900),
        available: 0,
    },
    Spec {
        name: "Cargo Shorts",
        category: "trousers",
        brand: "Atlas",
        material: "cotton",
        description: "Rugged twill shorts with six pockets.",
        variants: &[("TR-CRG-GRN-32", "green", "32")],
        eur: Some(3_900),
        available: 4,
    },
    Spec {
        name: "Corduroy Trousers",
        category: "trousers",
        brand: "Northwind",
        material: "cotton",
        description: "Wide-wale cord, straight leg.",
        variants: &[("TR-CRD-BRN-32", "brown", "32")],
        eur: None,
        available: 6,
    },
    Spec {
        name: "Linen Shorts",
        category: "trousers",
        brand: "Northwind",
        material: "linen",
        description: "Easy shorts for the beach.",
        variants: &[("TR-LSH-WHT-32", "white", "32")],
        eur: Some(3_500),
        available: 10,
    },
    // Shoes (5)
    Spec {
        name: "Canvas Sneakers",
        category: "shoes",
        brand: "Atlas",
        material: "canvas",
        description: "Low-top sneakers with a vulcanised sole.",
        variants: &[("SO-CNV-WHT-42", "white", "42"), ("SO-CNV-BLK-43", "black", "43")],
        eur: Some(6_500),
        available: 11,
    },
    Spec {
        name: "Leather Boots",
        category: "shoes",
        brand: "Maison Vey",
        material: "leather",
        description: "Goodyear-welted boots in full-grain leather.",
        variants: &[("SO-LTH-BRN-42", "brown", "42")],
        eur: Some(18_900),
        available: 2,
    },
    Spec {
        name: "Suede Loafers",
        category: "shoes",
        brand: "Maison Vey",
        material: "suede",
        description: "Unlined loafers, soft from the first step.",
        variants: &[("SO-SUE-BRN-42", "brown", "42")],
        eur: Some(14_900),
        available: 0,
    },
    Spec {
        name: "Running Shoes",
        category: "shoes",
        brand: "Atlas",
        material: "mesh",
        description: "Cushioned trainers for daily miles.",
        variants: &[("SO-RUN-BLK-42", "black", "42"), ("SO-RUN-BLU-43", "blue", "43")],
        eur: Some(9_900),
        available: 5,
    },
    Spec {
        name: "Linen Espadrilles",
        category: "shoes",
        brand: "Northwind",
        material: "linen",
        description: "Jute soles and a natural upper.",
        variants: &[("SO-ESP-BEI-41", "beige", "41")],
        eur: Some(3_900),
        available: 8,
    },
];

fn category_name(slug: &str) -> &'static str {
    match slug {
        "shirts" => "Shirts",
        "trousers" => "Trousers",
        "shoes" => "Shoes",
        other => panic!("no category {other}"),
    }
}

/// The fixture: 18 products in 3 categories, their EUR prices (one list, two tiers; one
/// product unpriced; the Linen Shirt also in USD) and their stock (3 out of stock).
pub struct Catalog {
    pub products: Vec<Product>,
    pub eur: PriceListId,
    pub usd: PriceListId,
    categories: HashMap<&'static str, CategoryId>,
}

fn attributes(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

impl Catalog {
    pub fn fixture() -> Self {
        let categories: HashMap<&'static str, CategoryId> =
            ["shirts", "trousers", "shoes"].into_iter().map(|slug| (slug, CategoryId::generate())).collect();
        let now = runtime::db::now();
        let products = SPECS
            .iter()
            .map(|spec| Product {
                id: ProductId::generate(),
                slug: spec.name.to_lowercase().replace(' ', "-"),
                name: spec.name.into(),
                description: spec.description.into(),
                brand: Some(spec.brand.into()),
                category: Some(CategorySummary {
                    id: categories[spec.category].clone(),
                    slug: spec.category.into(),
                    name: category_name(spec.category).into(),
                }),
                attributes: attributes(&[("material", spec.material)]),
                media: Vec::new(),
                variants: spec
                    .variants
                    .iter()
                    .map(|(sku, color, size)| Variant {
                        id: VariantId::generate(),
                        sku: Sku::parse(sku).expect("sku"),
                        name: format!("{} / {size}", capitalise(color)),
                        attributes: attributes(&[("color", color), ("size", size)]),
                    })
                    .collect(),
                status: ProductStatus::Active,
                version: 1,
                created_at: now.clone(),
                updated_at: now.clone(),
            })
            .collect();
        Self { products, eur: PriceListId::generate(), usd: PriceListId::generate(), categories }
    }

    /// Every event that builds the fixture: products, then prices, then stock.
    pub fn events(&self) -> Vec<Event> {
        let mut events: Vec<Event> = self.products.iter().map(created).collect();
        for (spec, product) in SPECS.iter().zip(&self.products) {
            if let Some(amount) = spec.eur {
                for (i, variant) in product.variants.iter().enumerate() {
                    // Other variants cost a little more: the product's price is the lowest.
                    events.push(price(variant.sku.as_str(), &self.eur, Currency::Eur, amount + 500 * i as i64));
                }
            }
        }
        events.push(price("SH-LIN-WHT-M", &self.usd, Currency::Usd, 5_500));
        for (spec, product) in SPECS.iter().zip(&self.products) {
            for (i, variant) in product.variants.iter().enumerate() {
                events.push(stock(variant.sku.as_str(), if i == 0 { spec.available } else { 0 }));
            }
        }
        events
    }

    pub fn product(&self, name: &str) -> &Product {
        self.products.iter().find(|p| p.name == name).expect("a fixture product")
    }

    pub fn in_stock_count(&self) -> u64 {
        SPECS.iter().filter(|s| s.available > 0).count() as u64
    }

    pub fn sku_count(&self) -> u64 {
        self.products.iter().map(|p| p.variants.len() as u64).sum()
    }

    pub fn price_count(&self) -> u64 {
        SPECS
            .iter()
            .zip(&self.products)
            .filter(|(s, _)| s.eur.is_some())
            .map(|(_, p)| p.variants.len() as u64)
            .sum::<u64>()
            + 1
    }

    /// A new product in one of the fixture's categories.
    pub fn new_product(&self, name: &str, category: &str, skus: &[&str]) -> Product {
        let mut product = self.products[0].clone();
        product.id = ProductId::generate();
        product.name = name.into();
        product.slug = name.to_lowercase().replace(' ', "-");
        product.description = format!("{name}, new this season.");
        product.category = Some(CategorySummary {
            id: self.categories[category].clone(),
            slug: category.into(),
            name: category_name(category).into(),
        });
        product.variants = skus
            .iter()
            .map(|sku| Variant {
                id: VariantId::generate(),
                sku: Sku::parse(sku).expect("sku"),
                name: "One size".into(),
                attributes: BTreeMap::new(),
            })
            .collect();
        product
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
