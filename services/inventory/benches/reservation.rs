//! Reserving stock, the checkout's one inventory write, against a temporary database (SQLite
//! in WAL mode with `synchronous = FULL`, as the platform runs it; PostgreSQL with
//! `MERCATO_TEST_BACKEND=postgres`), with 200 SKUs stocked at four locations:
//!
//! - `hold_commit`: `reservations::hold` for a two-line cart in one transaction with its
//!   events, committed (durably) — what a checkout's reservation costs in the database;
//! - `hold_rollback`: the same, rolled back: the statements without the commit's sync;
//! - `http`: the whole `POST /v1/reservations` through the running service (internal
//!   credential, Idempotency-Key, JSON), which adds the key's bookkeeping and HTTP.
//!
//! The setup goes through the service's own API and its catalog-event handler, as the tests
//! do. `cargo bench -p mercato-inventory` (criterion; `-- --quick` for a fast look).

use std::time::Duration;

use contracts::inventory::{NewReservation, NewReservationLine};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use inventory::domain::ValidReservation;
use inventory::reservations;
use reqwest::{Method, StatusCode};
use runtime::db::Db;
use runtime::events::{Event, EventHandler, Outbox};
use runtime::testing::TestService;
use serde_json::json;

const LOCATIONS: [&str; 4] = ["berlin-dc", "milan-dc", "paris-store", "madrid-dc"];
const PRODUCTS: usize = 20;
const VARIANTS: usize = 10;
/// Enough that no run of the benchmark empties a stock record.
const ON_HAND: i64 = 1_000_000;

struct Fixture {
    app: TestService,
    db: Db,
    outbox: Outbox,
    skus: Vec<String>,
}

impl Fixture {
    async fn new() -> Fixture {
        runtime::init_process();
        let app = runtime::testing::spawn(inventory::SERVICE, inventory::build, |_| {}).await;
        for code in LOCATIONS {
            let body = json!({ "code": code, "name": code, "kind": "warehouse" });
            assert_eq!(app.post("/v1/locations", &body).await.status(), StatusCode::CREATED);
        }
        let db = Db::connect(&app.database_url, 2, &inventory::MIGRATIONS).await.expect("database");
        let mut skus = Vec::new();
        for p in 0..PRODUCTS {
            let product: Vec<String> = (0..VARIANTS).map(|v| format!("BENCH-{p:03}-{v:02}")).collect();
            learn_product(&db, &product).await;
            skus.extend(product);
        }
        let items: Vec<_> = skus
            .iter()
            .flat_map(|sku| LOCATIONS.map(|l| json!({ "sku": sku, "location": l, "on_hand": ON_HAND })))
            .collect();
        let stocked = app.post("/v1/stock/batch", &json!({ "items": items })).await;
        assert!(stocked.status().is_success(), "{}", stocked.text().await.unwrap_or_default());
        let outbox = Outbox::new(db.clone(), inventory::SERVICE);
        Fixture { app, db, outbox, skus }
    }

    /// The `k`-th two-line reservation: different SKUs, one unit each, spread over all SKUs.
    fn request(&self, k: usize) -> NewReservation {
        let n = self.skus.len();
        let first = k.wrapping_mul(37) % n;
        let second = (first + 1 + k % (n - 1)) % n;
        NewReservation {
            reference: format!("chk_{}", uuid::Uuid::new_v4().simple()),
            lines: [first, second]
                .map(|i| NewReservationLine { sku: self.skus[i].clone(), quantity: 1 })
                .into_iter()
                .collect(),
            ttl_seconds: Some(3_600),
        }
    }

    async fn hold(&self, valid: &ValidReservation, commit: bool) {
        let mut tx = self.db.begin().await.expect("transaction");
        let held = reservations::hold(&mut tx, &self.outbox, valid).await.expect("held");
        assert_eq!(held.lines.len(), 2);
        if commit {
            self.outbox.commit(tx).await.expect("commit");
        }
    }

    async fn post(&self, request: &NewReservation) {
        let response = self
            .app
            .internal(Method::POST, "/v1/reservations")
            .header("Idempotency-Key", &request.reference)
            .json(request)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.bytes().await.expect("body");
    }
}

/// Applies a `product.created` event as catalog publishes it, through inventory's own handler:
/// inventory learns SKUs only from catalog's events.
async fn learn_product(db: &Db, skus: &[String]) {
    let product_id = contracts::ids::ProductId::generate();
    let variants: Vec<_> = skus
        .iter()
        .map(|s| json!({ "id": contracts::ids::VariantId::generate(), "sku": s, "name": s, "attributes": {} }))
        .collect();
    let event = Event {
        specversion: "1.0".into(),
        id: format!("evt_{}", product_id.as_str().trim_start_matches("prod_")),
        source: "/mercato/catalog".into(),
        event_type: "product.created".into(),
        subject: product_id.to_string(),
        time: runtime::db::now(),
        datacontenttype: "application/json".into(),
        schemaversion: 1,
        traceparent: None,
        seq: Some(1),
        data: json!({ "product": {
            "id": product_id, "slug": product_id.as_str(), "name": "Bench product", "description": "",
            "attributes": {}, "media": [], "variants": variants, "status": "active", "version": 1,
            "created_at": runtime::db::now(), "updated_at": runtime::db::now()
        }}),
    };
    let mut tx = db.begin().await.expect("transaction");
    inventory::consumers::Products.handle(&mut tx, &event).await.expect("the event applies");
    tx.commit().await.expect("commit");
}

fn reservation(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let fixture = rt.block_on(Fixture::new());
    let mut k = 0;
    let mut next = || {
        k += 1;
        k
    };
    let mut group = c.benchmark_group("reservation");
    group.measurement_time(Duration::from_secs(10));
    for (name, commit) in [("hold_commit", true), ("hold_rollback", false)] {
        group.bench_function(BenchmarkId::new(name, "2_lines"), |b| {
            b.iter_batched(
                || ValidReservation::try_from(fixture.request(next())).expect("valid"),
                |valid| rt.block_on(fixture.hold(&valid, commit)),
                criterion::BatchSize::SmallInput,
            );
        });
    }
    group.bench_function(BenchmarkId::new("http", "2_lines"), |b| {
        b.iter_batched(
            || fixture.request(next()),
            |request| rt.block_on(fixture.post(&request)),
            criterion::BatchSize::SmallInput,
        );
    });
    group.finish();
    fixture.app.begin_shutdown();
}

criterion_group!(benches, reservation);
criterion_main!(benches);
