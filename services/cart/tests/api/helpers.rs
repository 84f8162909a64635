//! Cart-specific helpers over the runtime's test service, and two fixtures standing in for
//! other services' published interfaces: identity's key document (`/.well-known/jwks.json`,
//! with tokens signed as identity signs them) and pricing's `POST /v1/quotes`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode as AxumStatus;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use contracts::ids::Sku;
use contracts::money::{Currency, Money};
use contracts::pricing::{Quote, QuoteLine, QuoteRequest, QuoteShipping};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, RequestBuilder, StatusCode};
use runtime::db::Db;
use runtime::events::{Event, EventHandler, Outbox};
use runtime::testing::TestService;
use serde_json::{Value, json};

pub use runtime::testing::{fields, problem};

/// The key id identity publishes for the fixture's key.
const KID: &str = "key_cart_tests";

/// Signs access tokens as identity does and serves the public half as identity's JWKS.
pub struct IdentityFixture {
    pub base: String,
    signing: EncodingKey,
}

fn signing_key(seed: u8) -> (EncodingKey, String) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let der = key.to_pkcs8_der().expect("pkcs8");
    (EncodingKey::from_ed_der(der.as_bytes()), URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

impl IdentityFixture {
    async fn start() -> Self {
        let (signing, x) = signing_key(42);
        let jwks =
            json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": KID, "x": x }] });
        let router = axum::Router::new()
            .route("/.well-known/jwks.json", axum::routing::get(move || async move { axum::Json(jwks.clone()) }));
        Self { base: serve(router).await, signing }
    }

    fn sign(&self, key: &EncodingKey, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, key).expect("signs")
    }

    fn claims(sub: &str, roles: &[&str], exp: i64) -> Value {
        json!({ "iss": "mercato-identity", "aud": "mercato", "sub": sub, "exp": exp, "iat": now() - 60, "jti": sub, "roles": roles })
    }

    /// A valid 15-minute access token.
    pub fn token(&self, sub: &str, roles: &[&str]) -> String {
        self.sign(&self.signing, KID, &Self::claims(sub, roles, now() + 900))
    }

    /// A token that expired an hour ago.
    pub fn expired(&self, sub: &str) -> String {
        self.sign(&self.signing, KID, &Self::claims(sub, &["customer"], now() - 3600))
    }

    /// A token signed by a key identity never published.
    pub fn foreign(&self, sub: &str) -> String {
        let (other, _) = signing_key(7);
        self.sign(&other, "key_unknown", &Self::claims(sub, &["customer"], now() + 900))
    }

    /// A valid token for `sub` whose payload was changed to `other_sub` afterwards.
    pub fn tampered(&self, sub: &str, other_sub: &str) -> String {
        let token = self.token(sub, &["customer"]);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
        payload["sub"] = json!(other_sub);
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        parts.join(".")
    }
}

/// Pricing's `POST /v1/quotes` as published: unit prices from a table (no tiers, promotions or
/// tax), a flat 4.95 for each known shipping method, 422 for SKUs without a price (with
/// `unpriced_skus`) and for unknown shipping methods, 503 while "down".
#[derive(Clone, Default)]
pub struct FakePricing {
    prices: Arc<BTreeMap<String, i64>>,
    methods: Arc<BTreeSet<String>>,
    down: Arc<AtomicBool>,
    pub calls: Arc<AtomicUsize>,
    pub last: Arc<Mutex<Option<Value>>>,
}

impl FakePricing {
    pub fn new(prices: &[(&str, i64)], methods: &[&str]) -> Self {
        Self {
            prices: Arc::new(prices.iter().map(|(s, p)| ((*s).to_owned(), *p)).collect()),
            methods: Arc::new(methods.iter().map(|m| (*m).to_owned()).collect()),
            ..Self::default()
        }
    }

    pub fn go_down(&self) {
        self.down.store(true, Ordering::SeqCst);
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn price(&self, request: QuoteRequest) -> Result<Quote, Value> {
        let unpriced: Vec<(usize, String)> = request
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !self.prices.contains_key(&l.sku))
            .map(|(i, l)| (i, l.sku.clone()))
            .collect();
        if !unpriced.is_empty() {
            return Err(json!({
                "type": "urn:mercato:problem:validation", "title": "The request has invalid fields", "status": 422,
                "errors": unpriced.iter().map(|(i, _)| json!({ "field": format!("lines[{i}].sku"), "message": "has no price" })).collect::<Vec<_>>(),
                "unpriced_skus": unpriced.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>(),
            }));
        }
        if request.shipping_method.as_ref().is_some_and(|m| !self.methods.contains(m)) {
            return Err(json!({
                "type": "urn:mercato:problem:validation", "title": "The request has invalid fields", "status": 422,
                "errors": [{ "field": "shipping_method", "message": "has no rate for this country and currency" }],
            }));
        }
        let money = |amount| Money::new(amount, request.currency);
        let lines: Vec<QuoteLine> = request
            .lines
            .iter()
            .map(|l| {
                let unit = self.prices[&l.sku];
                QuoteLine {
                    sku: Sku::parse(&l.sku).expect("sku"),
                    quantity: l.quantity,
                    unit_price: money(unit),
                    subtotal: money(unit * l.quantity),
                    discount: money(0),
                    total: money(unit * l.quantity),
                    tax: money(0),
                }
            })
            .collect();
        let subtotal: i64 = lines.iter().map(|l| l.subtotal.amount).sum();
        let shipping = request.shipping_method.map(|method| QuoteShipping { method, amount: money(495) });
        let total = subtotal + shipping.as_ref().map_or(0, |s| s.amount.amount);
        Ok(Quote {
            currency: request.currency,
            lines,
            subtotal: money(subtotal),
            discount_total: money(0),
            shipping,
            tax_total: money(0),
            total: money(total),
            tax_inclusive: true,
            applied_promotions: Vec::new(),
            rejected_coupons: Vec::new(),
            unpriced_skus: Vec::new(),
            signature: format!("sig-{total}"),
        })
    }

    async fn start(&self) -> String {
        async fn quote(
            State(fake): State<FakePricing>,
            axum::Json(request): axum::Json<Value>,
        ) -> axum::response::Response {
            fake.calls.fetch_add(1, Ordering::SeqCst);
            *fake.last.lock().expect("lock") = Some(request.clone());
            if fake.down.load(Ordering::SeqCst) {
                return (AxumStatus::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": 503 }))).into_response();
            }
            let request: QuoteRequest = serde_json::from_value(request).expect("a valid quote request");
            match fake.price(request) {
                Ok(quote) => axum::Json(quote).into_response(),
                Err(problem) => (AxumStatus::UNPROCESSABLE_ENTITY, axum::Json(problem)).into_response(),
            }
        }
        serve(axum::Router::new().route("/v1/quotes", axum::routing::post(quote)).with_state(self.clone())).await
    }
}

pub struct TestApp {
    service: TestService,
    pub identity: IdentityFixture,
}

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.service
    }
}

/// The cart service with identity's keys but no pricing (carts are served unpriced).
pub async fn spawn_app() -> TestApp {
    spawn_with(None).await
}

/// The cart service with identity's keys and a pricing at `pricing` (a base URL).
pub async fn spawn_with(pricing: Option<String>) -> TestApp {
    let others: Vec<(&str, String)> = pricing.into_iter().map(|p| ("pricing", p)).collect();
    spawn_with_upstreams(&others).await
}

/// The cart service with identity's keys and the given other services (`name`, base URL).
pub async fn spawn_with_upstreams(others: &[(&str, String)]) -> TestApp {
    let identity = IdentityFixture::start().await;
    let mut upstreams = format!("identity={}", identity.base);
    for (name, base) in others {
        upstreams.push_str(&format!(",{name}={base}"));
    }
    let service = runtime::testing::spawn(cart::SERVICE, cart::build, |s| s.upstreams = upstreams).await;
    TestApp { service, identity }
}

/// The cart service priced by `fake`.
pub async fn spawn_priced(fake: &FakePricing) -> TestApp {
    spawn_with(Some(fake.start().await)).await
}

/// A customer: id and access token.
pub struct Customer {
    pub id: String,
    pub token: String,
}

pub fn customer_id() -> String {
    contracts::ids::CustomerId::generate().to_string()
}

impl TestApp {
    pub fn customer(&self) -> Customer {
        let id = customer_id();
        Customer { token: self.identity.token(&id, &["customer"]), id }
    }

    /// A request, with `token` as bearer when given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let builder = self.request(method, path, token);
        let builder = match body {
            Some(body) => builder.json(&body),
            None => builder,
        };
        builder.send().await.expect("request sent")
    }

    /// `POST /v1/carts`; asserts `status` and returns the cart.
    pub async fn create(&self, token: Option<&str>, body: Option<Value>, status: StatusCode) -> Value {
        ok(self.send(Method::POST, "/v1/carts", token, body).await, status).await
    }

    /// A new empty guest cart's id.
    pub async fn guest_cart(&self) -> String {
        id(&self.create(None, None, StatusCode::CREATED).await)
    }

    pub async fn read(&self, cart: &str, token: Option<&str>) -> reqwest::Response {
        self.send(Method::GET, &format!("/v1/carts/{cart}"), token, None).await
    }

    /// `GET /v1/carts/{cart}`, asserting 200.
    pub async fn cart(&self, cart: &str, token: Option<&str>) -> Value {
        ok(self.read(cart, token).await, StatusCode::OK).await
    }

    pub async fn add(&self, cart: &str, sku: &str, quantity: i64, token: Option<&str>) -> reqwest::Response {
        let body = json!({ "sku": sku, "quantity": quantity });
        self.send(Method::POST, &format!("/v1/carts/{cart}/lines"), token, Some(body)).await
    }

    pub async fn set(&self, cart: &str, sku: &str, quantity: i64, token: Option<&str>) -> reqwest::Response {
        let body = json!({ "quantity": quantity });
        self.send(Method::PUT, &format!("/v1/carts/{cart}/lines/{sku}"), token, Some(body)).await
    }

    pub async fn remove(&self, cart: &str, sku: &str, token: Option<&str>) -> reqwest::Response {
        self.send(Method::DELETE, &format!("/v1/carts/{cart}/lines/{sku}"), token, None).await
    }

    pub async fn merge(&self, target: &str, guest: &str, token: Option<&str>) -> reqwest::Response {
        let body = json!({ "guest_cart_id": guest });
        self.send(Method::POST, &format!("/v1/carts/{target}/merge"), token, Some(body)).await
    }

    /// Applies an `order.placed` for `cart`, shaped as orders publishes it, through the cart's
    /// own handler, twice (a redelivery must change nothing). Returns the order id.
    pub async fn place_order(&self, cart: &str) -> String {
        let db = Db::connect(&self.database_url, 1, &cart::MIGRATIONS).await.expect("db");
        let event = order_placed(cart, 1);
        let order_id = event.subject.clone();
        let handler = cart::consumers::Orders::new(Outbox::new(db.clone(), cart::SERVICE));
        for _ in 0..2 {
            let mut tx = db.begin().await.expect("tx");
            handler.handle(&mut tx, &event).await.expect("applies");
            tx.commit().await.expect("commit");
        }
        db.close().await;
        order_id
    }

    /// Every event in the cart's feed.
    pub async fn events(&self) -> Vec<Value> {
        let page: Value = self.get_internal("/v1/events?after=0&limit=500").await.json().await.expect("json");
        page["data"].as_array().cloned().expect("data")
    }
}

/// `order.placed` for an order placed from `cart`, as orders publishes it, at `seq` in its
/// outbox.
pub fn order_placed(cart: &str, seq: i64) -> Event {
    let order = order(cart);
    let order_id = order.id.to_string();
    let data = serde_json::to_value(contracts::orders::OrderPlaced { order }).expect("json");
    Event {
        specversion: "1.0".into(),
        id: format!("evt_{}", order_id.trim_start_matches("ord_")),
        source: "/mercato/orders".into(),
        event_type: "order.placed".into(),
        subject: order_id,
        time: runtime::db::now(),
        datacontenttype: "application/json".into(),
        schemaversion: 1,
        traceparent: None,
        seq: Some(seq),
        data,
    }
}

/// Orders' event feed (`GET /v1/events?after=`, for platform services only) serving the
/// events pushed into the returned list (positions 1, 2, …).
pub async fn fake_orders_feed() -> (String, Arc<Mutex<Vec<Event>>>) {
    type Events = Arc<Mutex<Vec<Event>>>;
    async fn feed(
        State(events): State<Events>,
        headers: axum::http::HeaderMap,
        axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
    ) -> axum::response::Response {
        if headers.get("x-mercato-internal").is_none() {
            return AxumStatus::FORBIDDEN.into_response();
        }
        let after: usize = query.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
        let (data, next): (Vec<Event>, usize) = {
            let events = events.lock().expect("lock");
            (events.iter().skip(after).cloned().collect(), events.len().max(after))
        };
        if data.is_empty() {
            // A long poll with nothing new: answer a little later.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        axum::Json(json!({ "data": data, "next": next })).into_response()
    }
    let events: Events = Arc::default();
    let router = axum::Router::new().route("/v1/events", axum::routing::get(feed)).with_state(events.clone());
    (serve(router).await, events)
}

/// An order placed from `cart`, as orders would publish it.
fn order(cart: &str) -> contracts::orders::Order {
    use contracts::orders::{Address, Order, OrderStatus};
    let eur = |amount| Money::new(amount, Currency::Eur);
    Order {
        id: contracts::ids::OrderId::generate(),
        checkout_id: contracts::ids::CheckoutId::generate(),
        cart_id: contracts::ids::CartId::parse(cart).expect("cart id"),
        customer_id: None,
        email: "ada@example.com".into(),
        status: OrderStatus::Placed,
        currency: Currency::Eur,
        lines: Vec::new(),
        subtotal: eur(0),
        discount_total: eur(0),
        shipping: None,
        tax_total: eur(0),
        total: eur(0),
        tax_inclusive: true,
        applied_promotions: Vec::new(),
        coupon_codes: Vec::new(),
        shipping_address: Address {
            name: "Ada".into(),
            line1: "Main St 1".into(),
            line2: None,
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        reservation_id: contracts::ids::ReservationId::generate(),
        payment_id: contracts::ids::PaymentId::generate(),
        payment_status: contracts::payments::PaymentStatus::Authorized,
        shipment: None,
        history: Vec::new(),
        created_at: runtime::db::now(),
        updated_at: runtime::db::now(),
        version: 1,
    }
}

/// Asserts `status` (printing the body otherwise) and returns the JSON body.
pub async fn ok(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(actual, status, "{body}");
    serde_json::from_str(&body).expect("json body")
}

pub fn id(cart: &Value) -> String {
    cart["id"].as_str().expect("id").to_owned()
}

/// `(sku, quantity)` of each line.
pub fn lines(cart: &Value) -> Vec<(String, i64)> {
    cart["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["sku"].as_str().expect("sku").to_owned(), l["quantity"].as_i64().expect("quantity")))
        .collect()
}

pub fn owned(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect()
}

pub fn etag(response: &reqwest::Response) -> String {
    response.headers().get("etag").and_then(|v| v.to_str().ok()).expect("ETag").to_owned()
}
