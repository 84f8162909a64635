//! Recommendations-specific helpers over the runtime's test service: events shaped as
//! catalog and orders publish them, applied through the service's own handlers; a small
//! catalog fixture; identity's key document with tokens signed as identity signs them; and
//! reads that wait (with a deadline) for the model to catch up.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use contracts::EventType;
use contracts::catalog::{
    CategorySummary, Product, ProductArchived, ProductCreated, ProductStatus, ProductUpdated, Variant,
};
use contracts::ids::{
    CartId, CategoryId, CheckoutId, CustomerId, OrderId, PaymentId, ProductId, ReservationId, Sku, VariantId,
};
use contracts::money::{Currency, Money};
use contracts::orders::{Address, Order, OrderPlaced, OrderStatus};
use contracts::payments::PaymentStatus;
use contracts::pricing::QuoteLine;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use runtime::db::Db;
use runtime::events::{Event, EventHandler};
use runtime::testing::TestService;
use serde_json::{Value, json};

pub use runtime::testing::{STAFF_TOKEN, fields, problem};

/// Signs access tokens as identity does and serves the public half as identity's JWKS.
pub struct Identity {
    pub base: String,
    signing: EncodingKey,
}

const KID: &str = "key_recommendations_tests";

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub use runtime::testing::serve;

impl Identity {
    pub async fn start() -> Self {
        let key = SigningKey::from_bytes(&[42; 32]);
        let der = key.to_pkcs8_der().expect("pkcs8");
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
        let jwks =
            json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": KID, "x": x }] });
        let router = axum::Router::new()
            .route("/.well-known/jwks.json", axum::routing::get(move || async move { axum::Json(jwks.clone()) }));
        Self { base: serve(router).await, signing: EncodingKey::from_ed_der(der.as_bytes()) }
    }

    fn sign(&self, sub: &str, roles: &[&str], exp: i64) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(KID.to_owned());
        let claims = json!({ "iss": "mercato-identity", "aud": "mercato", "sub": sub, "exp": exp,
                             "iat": unix_now() - 60, "jti": sub, "roles": roles });
        jsonwebtoken::encode(&header, &claims, &self.signing).expect("signs")
    }

    /// A customer's valid access token.
    pub fn customer(&self, customer: &CustomerId) -> String {
        self.sign(customer.as_str(), &["customer"], unix_now() + 900)
    }

    /// A staff user's valid access token.
    pub fn staff(&self) -> String {
        self.sign("stf_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", &["staff"], unix_now() + 900)
    }

    /// A customer's token that expired an hour ago.
    pub fn expired(&self, customer: &CustomerId) -> String {
        self.sign(customer.as_str(), &["customer"], unix_now() - 3600)
    }
}

pub struct TestApp {
    service: TestService,
    pub db: Db,
    pub identity: Arc<Identity>,
}

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.service
    }
}

/// The recommendations service on a fresh database, with identity's keys and no other
/// service running.
pub async fn spawn_app() -> TestApp {
    spawn_with("", None).await
}

/// The service with extra static upstreams (`catalog=http://…`), on `database` (the URL of
/// a database another instance used) or a fresh one.
pub async fn spawn_with(upstreams: &str, reuse: Option<(&TestApp, Arc<Identity>)>) -> TestApp {
    let identity = match &reuse {
        Some((_, identity)) => identity.clone(),
        None => Arc::new(Identity::start().await),
    };
    let mut all = format!("identity={}", identity.base);
    if !upstreams.is_empty() {
        all.push(',');
        all.push_str(upstreams);
    }
    let database = reuse.as_ref().map(|(app, _)| app.database_url.clone());
    let service = runtime::testing::spawn(recommendations::SERVICE, recommendations::build, |s| {
        s.upstreams = all;
        if let Some(url) = database {
            s.database_url = url;
        }
    })
    .await;
    let db = Db::connect(&service.database_url, 2, &recommendations::MIGRATIONS).await.expect("db");
    TestApp { service, db, identity }
}

/// The service with the fixture catalog loaded and learned.
pub async fn spawn_with_catalog() -> (TestApp, Catalog) {
    let app = spawn_app().await;
    let catalog = Catalog::fixture();
    app.apply(&catalog.events()).await;
    let last = catalog.products.last().expect("products").id.clone();
    app.eventually(&format!("product_id={last}&kind=similar"), |_| true).await;
    (app, catalog)
}

impl TestApp {
    /// Applies `events` in one transaction through the service's handlers, as the runtime's
    /// consumer would.
    pub async fn apply(&self, events: &[Event]) {
        let mut tx = self.db.begin().await.expect("tx");
        for event in events {
            let applied = match event.source_service() {
                "catalog" => recommendations::consumers::Products.handle(&mut tx, event).await,
                "orders" => recommendations::consumers::Orders.handle(&mut tx, event).await,
                other => panic!("no subscription to {other}"),
            };
            applied.expect("applies");
        }
        tx.commit().await.expect("commit");
    }

    /// `GET /v1/recommendations?{query}`.
    pub async fn recommendations_raw(&self, query: &str) -> reqwest::Response {
        self.get(&format!("/v1/recommendations?{query}")).await
    }

    /// `GET /v1/recommendations?{query}`, asserting 200.
    pub async fn recommendations(&self, query: &str) -> Value {
        let response = self.recommendations_raw(query).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    /// Asks until `done` holds for the answer (the model learns in the background), at most
    /// 10 seconds; a 404 (product not learned yet) is asked again.
    pub async fn eventually(&self, query: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let response = self.recommendations_raw(query).await;
            let status = response.status();
            let body: Value = response.json().await.expect("json");
            if status == StatusCode::OK && done(&body) {
                return body;
            }
            assert!(
                status == StatusCode::OK || status == StatusCode::NOT_FOUND,
                "{query}: unexpected {status}: {body}"
            );
            assert!(Instant::now() < deadline, "the model did not catch up for `{query}`: {status} {body}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// `GET /v1/recommendations/for-you?{query}` with an optional bearer token.
    pub async fn for_you_raw(&self, token: Option<&str>, query: &str) -> reqwest::Response {
        let request = self.http.get(format!("{}/v1/recommendations/for-you?{query}", self.base));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.expect("request sent")
    }

    /// For-you answers until `done` holds, at most 10 seconds.
    pub async fn for_you_eventually(&self, token: Option<&str>, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let response = self.for_you_raw(token, "limit=5").await;
            assert_eq!(response.status(), StatusCode::OK);
            let body: Value = response.json().await.expect("json");
            if done(&body) {
                return body;
            }
            assert!(Instant::now() < deadline, "for-you did not catch up: {body}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// `POST /v1/views` with `body` and an optional bearer token.
    pub async fn view_raw(&self, body: &Value, token: Option<&str>) -> reqwest::Response {
        let request = self.http.post(format!("{}/v1/views", self.base)).json(body);
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.expect("request sent")
    }

    /// Records that `visitor` viewed `product`, asserting 202.
    pub async fn view(&self, visitor: &str, product: &Product, token: Option<&str>) {
        let response = self.view_raw(&json!({ "product_id": product.id, "visitor": visitor }), token).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{}", response.text().await.unwrap_or_default());
    }

    /// `GET /v1/recommendations/evaluation?{query}` with an optional bearer token.
    pub async fn evaluation(&self, token: Option<&str>, query: &str) -> reqwest::Response {
        let request = self.http.get(format!("{}/v1/recommendations/evaluation?{query}", self.base));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.expect("request sent")
    }

    /// Waits (at most 10 seconds) until `count` views are stored.
    pub async fn wait_for_views(&self, count: i64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let stored = self.stored_views().await;
            if stored == count {
                return;
            }
            assert!(stored < count && Instant::now() < deadline, "{stored} views stored, expected {count}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// How many views are stored.
    pub async fn stored_views(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM views")
            .fetch_one(&mut *self.db.acquire().await.expect("a connection"))
            .await
            .expect("count")
    }
}

/// The `(name, reason)` of each answer, in order.
pub fn names(answer: &Value) -> Vec<(String, String)> {
    answer["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| (r["name"].as_str().expect("name").to_owned(), r["reason"].as_str().expect("reason").to_owned()))
        .collect()
}

/// The names of the answers, in order.
pub fn just_names(answer: &Value) -> Vec<String> {
    names(answer).into_iter().map(|(n, _)| n).collect()
}

pub fn pair(name: &str, reason: &str) -> (String, String) {
    (name.to_owned(), reason.to_owned())
}

static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

/// An event as `source` publishes it.
pub fn event<E: EventType>(source: &str, payload: &E) -> Event {
    Event {
        specversion: "1.0".into(),
        id: format!("evt_{}", ProductId::generate().as_str().trim_start_matches("prod_")),
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

/// `order.placed` for one unit of each product's first SKU, by `customer` (a guest: `None`).
pub fn placed(customer: Option<&CustomerId>, products: &[&Product]) -> Event {
    let eur = |amount| Money::new(amount, Currency::Eur);
    let lines: Vec<QuoteLine> = products
        .iter()
        .map(|p| QuoteLine {
            sku: p.variants[0].sku.clone(),
            quantity: 1,
            unit_price: eur(1_000),
            subtotal: eur(1_000),
            discount: eur(0),
            total: eur(1_000),
            tax: eur(160),
        })
        .collect();
    let total = eur(1_000 * lines.len() as i64);
    let now = runtime::db::now();
    let order = Order {
        id: OrderId::generate(),
        checkout_id: CheckoutId::generate(),
        cart_id: CartId::generate(),
        customer_id: customer.cloned(),
        email: "ada@example.com".into(),
        status: OrderStatus::Placed,
        currency: Currency::Eur,
        lines,
        subtotal: total,
        discount_total: eur(0),
        shipping: None,
        tax_total: eur(0),
        total,
        tax_inclusive: true,
        applied_promotions: Vec::new(),
        coupon_codes: Vec::new(),
        shipping_address: Address {
            name: "Ada".into(),
            line1: "Unter den Linden 1".into(),
            line2: None,
            postal_code: "10117".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        reservation_id: ReservationId::generate(),
        payment_id: PaymentId::generate(),
        payment_status: PaymentStatus::Authorized,
        shipment: None,
        history: Vec::new(),
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    event("orders", &OrderPlaced { order })
}

/// `(name, category, description)` of the fixture's products.
const SPECS: &[(&str, &str, &str)] = &[
    ("Linen Shirt", "Shirts", "A breezy summer shirt in washed European linen."),
    ("Oxford Shirt", "Shirts", "A button-down classic in soft oxford cloth."),
    ("Flannel Shirt", "Shirts", "Brushed flannel for cold mornings."),
    ("Linen Trousers", "Trousers", "Drawstring trousers in washed linen for hot summer days."),
    ("Chino Trousers", "Trousers", "Slim chinos in stretch twill."),
    ("Wool Trousers", "Trousers", "Tailored trousers in fine merino wool."),
    ("Canvas Sneakers", "Shoes", "Low-top sneakers with a vulcanised sole."),
    ("Leather Boots", "Shoes", "Goodyear-welted boots in full-grain leather."),
    ("Suede Loafers", "Shoes", "Unlined loafers, soft from the first step."),
    ("Leather Belt", "Accessories", "A full-grain leather belt with a brass buckle."),
    ("Wool Socks", "Accessories", "Merino wool socks for cold mornings."),
    ("Silk Scarf", "Accessories", "A printed mulberry silk scarf."),
    ("Linen Shorts", "Trousers", "Washed linen shorts for the summer beach."),
];

/// Thirteen products in four categories, none ordered or viewed yet.
pub struct Catalog {
    pub products: Vec<Product>,
}

impl Catalog {
    pub fn fixture() -> Self {
        let categories: BTreeMap<&str, CategoryId> =
            SPECS.iter().map(|(_, category, _)| (*category, CategoryId::generate())).collect();
        let now = runtime::db::now();
        let products = SPECS
            .iter()
            .map(|(name, category, description)| {
                let code: String = name.split(' ').map(|w| w[..3].to_uppercase()).collect::<Vec<_>>().join("-");
                Product {
                    id: ProductId::generate(),
                    slug: name.to_lowercase().replace(' ', "-"),
                    name: (*name).into(),
                    description: (*description).into(),
                    brand: None,
                    category: Some(CategorySummary {
                        id: categories[category].clone(),
                        slug: category.to_lowercase(),
                        name: (*category).into(),
                    }),
                    attributes: BTreeMap::new(),
                    media: Vec::new(),
                    variants: ["M", "L"]
                        .iter()
                        .map(|size| Variant {
                            id: VariantId::generate(),
                            sku: Sku::parse(&format!("{code}-{size}")).expect("sku"),
                            name: (*size).into(),
                            attributes: [("size".to_owned(), (*size).to_owned())].into(),
                        })
                        .collect(),
                    status: ProductStatus::Active,
                    version: 1,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                }
            })
            .collect();
        Self { products }
    }

    pub fn events(&self) -> Vec<Event> {
        self.products.iter().map(created).collect()
    }

    pub fn product(&self, name: &str) -> &Product {
        self.products.iter().find(|p| p.name == name).expect("a fixture product")
    }

    /// `order.placed` for these products (by name).
    pub fn order(&self, customer: Option<&CustomerId>, names: &[&str]) -> Event {
        let products: Vec<&Product> = names.iter().map(|n| self.product(n)).collect();
        placed(customer, &products)
    }
}
