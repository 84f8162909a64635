//! Notifications-specific helpers over the runtime's test service: the service with fast
//! retry timing and a temporary mail directory, orders' events as orders publishes them, a
//! webhook receiver, a tiny SMTP server, and waiting for a condition with a deadline.

use std::collections::VecDeque;
use std::future::Future;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use contracts::money::{Currency, Money};
use contracts::orders::{Address, Order, OrderStatus};
use hmac::{Hmac, Mac};
use notifications::NotificationSettings;
use reqwest::{Method, StatusCode};
use runtime::db::Db;
use runtime::events::{Event, EventHandler};
use runtime::testing::{Replica, TestService};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub use runtime::testing::{fields, problem};

pub struct TestApp {
    service: TestService,
    pub maildir: PathBuf,
    own: NotificationSettings,
    _mail: tempfile::TempDir,
}

impl Deref for TestApp {
    type Target = TestService;
    fn deref(&self) -> &TestService {
        &self.service
    }
}

/// The service with private webhook targets allowed (the receivers run on loopback),
/// retries after a few milliseconds, and e-mail written to a temporary directory.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// As [`spawn_app`], with `configure` adjusting the service's own settings.
pub async fn spawn_with(configure: impl FnOnce(&mut NotificationSettings) + Send + 'static) -> TestApp {
    spawn_full(None, configure).await
}

/// As [`spawn_app`], subscribed to orders' feed at `orders` (a base URL).
pub async fn spawn_subscribed(orders: String) -> TestApp {
    spawn_full(Some(orders), |_| {}).await
}

async fn spawn_full(
    orders: Option<String>,
    configure: impl FnOnce(&mut NotificationSettings) + Send + 'static,
) -> TestApp {
    let mail = tempfile::tempdir().expect("temp dir");
    let maildir = mail.path().join("mail");
    let dir = maildir.clone();
    let used: Arc<Mutex<Option<NotificationSettings>>> = Arc::default();
    let keep = used.clone();
    let service = runtime::testing::spawn(
        notifications::SERVICE,
        move |settings| {
            let mut own = NotificationSettings::defaults(&settings.database_url);
            own.maildir = dir;
            own.allow_private_webhooks = true;
            own.retry_base = Duration::from_millis(20);
            own.poll_interval = Duration::from_millis(25);
            own.webhook_timeout = Duration::from_secs(2);
            own.mail_max_attempts = 3;
            own.webhook_max_attempts = 4;
            configure(&mut own);
            *keep.lock().expect("lock") = Some(own.clone());
            notifications::build_with(settings, own)
        },
        |settings| {
            if let Some(orders) = orders {
                settings.upstreams = format!("orders={orders}");
            }
        },
    )
    .await;
    let own = used.lock().expect("lock").take().expect("the service was built");
    TestApp { service, maildir, own, _mail: mail }
}

impl TestApp {
    /// Starts another instance on this instance's database with the same settings, as a
    /// second replica would run.
    pub async fn replica(&self) -> Replica {
        let own = self.own.clone();
        self.service.replica(notifications::SERVICE, |settings| notifications::build_with(settings, own)).await
    }

    /// A staff request with an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let request = self.staff(method, path);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.expect("request sent")
    }

    /// A staff GET answering 200, as JSON.
    pub async fn read(&self, path: &str) -> Value {
        ok(self.call(Method::GET, path, None).await, StatusCode::OK).await
    }

    /// Applies `event` through the service's own consumer, in a transaction of its own, as
    /// the subscription would (without the runtime's inbox).
    pub async fn apply(&self, event: &Event) {
        let db = Db::connect(&self.database_url, 1, &notifications::MIGRATIONS).await.expect("db");
        let mut tx = db.begin().await.expect("tx");
        notifications::consumers::Orders::new().handle(&mut tx, event).await.expect("applies");
        tx.commit().await.expect("commit");
        db.close().await;
    }

    /// Every message, newest first.
    pub async fn messages(&self) -> Vec<Value> {
        self.read("/v1/messages?limit=100").await["data"].as_array().cloned().expect("data")
    }

    /// Waits until the message `id` has left `queued`, and returns it.
    pub async fn settled_message(&self, id: &str) -> Value {
        eventually(&format!("message {id} settled"), || async {
            let message = self.read(&format!("/v1/messages/{id}")).await;
            (message["status"] != "queued").then_some(message)
        })
        .await
    }

    /// Registers a webhook for `types` at `url`; returns the creation's body (with the secret).
    pub async fn register(&self, url: &str, types: &[&str]) -> Value {
        let body = json!({ "url": url, "event_types": types, "description": "test receiver" });
        ok(self.call(Method::POST, "/v1/webhooks", Some(body)).await, StatusCode::CREATED).await
    }

    /// The deliveries of webhook `id`, newest first.
    pub async fn deliveries(&self, id: &str) -> Vec<Value> {
        self.read(&format!("/v1/webhooks/{id}/deliveries?limit=100")).await["data"].as_array().cloned().expect("data")
    }

    /// Waits until webhook `id` has a delivery that left `pending`, and returns it.
    pub async fn settled_delivery(&self, id: &str) -> Value {
        eventually(&format!("a settled delivery of {id}"), || async {
            self.deliveries(id).await.into_iter().find(|d| d["status"] != "pending")
        })
        .await
    }
}

/// Polls `check` every 20 ms until it gives a value; fails after 15 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts `status` (printing the body otherwise) and returns the JSON body.
pub async fn ok(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(actual, status, "{body}");
    serde_json::from_str(&body).expect("json body")
}

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::Eur)
}

/// An order as orders publishes it: two T-shirts and shipping, 40.93 EUR in all.
pub fn order() -> Order {
    use contracts::ids::{CartId, CheckoutId, OrderId, PaymentId, ReservationId, Sku};
    use contracts::pricing::{QuoteLine, QuoteShipping};
    Order {
        id: OrderId::generate(),
        checkout_id: CheckoutId::generate(),
        cart_id: CartId::generate(),
        customer_id: None,
        email: "ada@example.com".into(),
        status: OrderStatus::Placed,
        currency: Currency::Eur,
        lines: vec![QuoteLine {
            sku: Sku::parse("TEE-BLK-M").expect("sku"),
            quantity: 2,
            unit_price: eur(1999),
            subtotal: eur(3998),
            discount: eur(400),
            total: eur(3598),
            tax: eur(574),
        }],
        subtotal: eur(3998),
        discount_total: eur(400),
        shipping: Some(QuoteShipping { method: "standard".into(), amount: eur(495) }),
        tax_total: eur(653),
        total: eur(4093),
        tax_inclusive: true,
        applied_promotions: Vec::new(),
        coupon_codes: Vec::new(),
        shipping_address: Address {
            name: "Ada Lovelace".into(),
            line1: "Main St 1".into(),
            line2: None,
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        reservation_id: ReservationId::generate(),
        payment_id: PaymentId::generate(),
        payment_status: contracts::payments::PaymentStatus::Authorized,
        shipment: None,
        history: Vec::new(),
        created_at: runtime::db::now(),
        updated_at: runtime::db::now(),
        version: 1,
    }
}

fn event(event_type: &str, order: &Order, data: Value) -> Event {
    Event {
        specversion: "1.0".into(),
        id: format!("evt_{}", uuid_hex()),
        source: "/mercato/orders".into(),
        event_type: event_type.into(),
        subject: order.id.to_string(),
        time: runtime::db::now(),
        datacontenttype: "application/json".into(),
        schemaversion: 1,
        traceparent: None,
        seq: None,
        data,
    }
}

fn uuid_hex() -> String {
    // An order id's hex part is a fresh UUIDv7: good enough for an event id.
    contracts::ids::OrderId::generate().as_str().trim_start_matches("ord_").to_owned()
}

/// `order.placed` for `order`.
pub fn placed(order: &Order) -> Event {
    event(
        "order.placed",
        order,
        serde_json::to_value(contracts::orders::OrderPlaced { order: order.clone() }).expect("json"),
    )
}

/// `order.cancelled` for `order`.
pub fn cancelled(order: &Order) -> Event {
    let mut order = order.clone();
    order.status = OrderStatus::Cancelled;
    let data = serde_json::to_value(contracts::orders::OrderCancelled { order: order.clone() }).expect("json");
    event("order.cancelled", &order, data)
}

pub use runtime::testing::serve;

/// One request a receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A merchant's webhook endpoint on loopback: records every request and answers with the
/// scripted statuses in turn, then 200.
#[derive(Clone, Default)]
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Self {
        async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> AxumStatus {
            receiver.received.lock().expect("lock").push(Received { headers, body });
            let next = receiver.script.lock().expect("lock").pop_front().unwrap_or(200);
            AxumStatus::from_u16(next).expect("a status")
        }
        let mut receiver =
            Receiver { script: Arc::new(Mutex::new(script.iter().copied().collect())), ..Self::default() };
        let router = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(receiver.clone());
        receiver.url = format!("{}/hook", serve(router).await);
        receiver
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

/// Checks `Mercato-Signature` as a receiver would: the HMAC-SHA256 of `"<t>.<body>"` keyed
/// with the secret, and a timestamp within five minutes.
pub fn verify_signature(secret: &str, received: &Received) -> bool {
    verify(
        secret,
        received.header("mercato-signature"),
        received.body.as_bytes(),
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
}

/// The recipe of the README, as a merchant would write it.
fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> bool {
    let (mut t, mut v1) = (None, None);
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = Some(v),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    if (now - t).abs() > 300 || v1.len() != 64 || !v1.is_ascii() {
        return false;
    }
    let Ok(expected) =
        (0..64).step_by(2).map(|i| u8::from_str_radix(&v1[i..i + 2], 16)).collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok() // constant-time comparison
}

/// A minimal SMTP server on loopback that accepts every message and keeps its DATA.
pub struct SmtpServer {
    pub url: String,
    pub messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("smtp://{}", listener.local_addr().expect("addr"));
        let messages: Arc<Mutex<Vec<String>>> = Arc::default();
        let kept = messages.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 test ESMTP\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250-test\r\n250 8BITMIME\r\n",
                            "DATA" => {
                                let _ = write.write_all(b"354 go ahead\r\n").await;
                                let mut data = String::new();
                                while let Ok(Some(line)) = lines.next_line().await {
                                    if line == "." {
                                        break;
                                    }
                                    data.push_str(&line);
                                    data.push('\n');
                                }
                                kept.lock().expect("lock").push(data);
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { url, messages }
    }
}
