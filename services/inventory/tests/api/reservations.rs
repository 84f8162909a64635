use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, fields, problem, spawn_app, spawn_replica};

fn stock(code: &str, on_hand: i64, reserved: i64) -> (String, i64, i64, i64) {
    (code.to_owned(), on_hand, reserved, on_hand - reserved)
}

async fn stocked(locations: &[(&str, i64)], skus: &[&str]) -> TestApp {
    let app = spawn_app().await;
    for (code, _) in locations {
        app.create_location(code).await;
    }
    app.learn_product(skus).await;
    for sku in skus {
        for (code, on_hand) in locations {
            let set = app.put(&format!("/v1/stock/{sku}/{code}"), &json!({ "on_hand": on_hand })).await;
            assert_eq!(set.status(), StatusCode::OK);
        }
    }
    app
}

fn one_line(sku: &str, quantity: i64) -> Value {
    json!({ "reference": "chk_1", "lines": [{ "sku": sku, "quantity": quantity }] })
}

fn problem_code(p: &Value) -> &str {
    p["type"].as_str().and_then(|t| t.strip_prefix("urn:mercato:problem:")).expect("problem type")
}

fn allocations(reservation: &Value, line: usize) -> Vec<(String, i64)> {
    reservation["lines"][line]["allocations"]
        .as_array()
        .expect("allocations")
        .iter()
        .map(|a| (a["location"].as_str().expect("code").to_owned(), a["quantity"].as_i64().expect("quantity")))
        .collect()
}

fn types(events: &[Value], prefix: &str) -> Vec<String> {
    events.iter().filter_map(|e| e["type"].as_str()).filter(|t| t.starts_with(prefix)).map(str::to_owned).collect()
}

#[tokio::test]
async fn a_reservation_holds_stock_until_committed_or_released() {
    let app = stocked(&[("a-dc", 10)], &["MUG-1"]).await;

    let response =
        app.reserve("k-1", &json!({ "reference": "chk_42", "lines": [{ "sku": "MUG-1", "quantity": 3 }] })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("ascii").to_owned();
    let held: Value = response.json().await.expect("json");
    let id = held["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("res_"));
    assert_eq!(location, format!("/v1/reservations/{id}"));
    assert_eq!(held["reference"], "chk_42");
    assert_eq!(held["status"], "held");
    assert_eq!(
        held["lines"],
        json!([{ "sku": "MUG-1", "quantity": 3, "allocations": [{ "location": "a-dc", "quantity": 3 }] }])
    );
    let expires_at = time::OffsetDateTime::parse(
        held["expires_at"].as_str().expect("expires_at"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    let ttl = (expires_at - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((880..=900).contains(&ttl), "default ttl is 900 s, got {ttl}");
    assert_eq!(app.stock_of("MUG-1").await, vec![stock("a-dc", 10, 3)]);
    let read: Value = app.get_internal(&location).await.json().await.expect("json");
    assert_eq!(read, held);

    // Stock cannot be set below what is held.
    let p = problem(app.put("/v1/stock/MUG-1/a-dc", &json!({ "on_hand": 2 })).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "below-reserved");

    let committed = app.post_internal(&format!("/v1/reservations/{id}/commit")).await;
    assert_eq!(committed.status(), StatusCode::OK);
    let committed: Value = committed.json().await.expect("json");
    assert_eq!(committed["status"], "committed");
    assert_eq!(committed["lines"], held["lines"]);
    assert_eq!(app.stock_of("MUG-1").await, vec![stock("a-dc", 7, 0)], "the units left");
    let again: Value = app.post_internal(&format!("/v1/reservations/{id}/commit")).await.json().await.expect("json");
    assert_eq!(again, committed, "committing twice is committing once");
    assert_eq!(app.stock_of("MUG-1").await, vec![stock("a-dc", 7, 0)]);
    let p = problem(app.post_internal(&format!("/v1/reservations/{id}/release")).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "reservation-not-held");
    assert_eq!(p["reservation_status"], "committed");

    let second = app.reserved("k-2", &one_line("MUG-1", 2)).await;
    let second_id = second["id"].as_str().expect("id");
    assert_eq!(app.stock_of("MUG-1").await, vec![stock("a-dc", 7, 2)]);
    let released: Value =
        app.post_internal(&format!("/v1/reservations/{second_id}/release")).await.json().await.expect("json");
    assert_eq!(released["status"], "released");
    assert_eq!(app.stock_of("MUG-1").await, vec![stock("a-dc", 7, 0)], "availability restored");
    let again = app.post_internal(&format!("/v1/reservations/{second_id}/release")).await;
    assert_eq!(again.status(), StatusCode::OK);
    let p =
        problem(app.post_internal(&format!("/v1/reservations/{second_id}/commit")).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "reservation-not-held");
    assert_eq!(app.stock_of("MUG-1").await, vec![stock("a-dc", 7, 0)]);

    let events = app.events().await;
    assert_eq!(
        types(&events, "reservation."),
        ["reservation.held", "reservation.committed", "reservation.held", "reservation.released"]
    );
    let stock_then_reservation: Vec<&str> = events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|t| t.starts_with("stock.") || t.starts_with("reservation."))
        .collect();
    assert_eq!(
        stock_then_reservation,
        [
            "stock.changed",
            "stock.changed",
            "reservation.held",
            "stock.changed",
            "reservation.committed",
            "stock.changed",
            "reservation.held",
            "stock.changed",
            "reservation.released"
        ],
        "each transaction announces its stock changes before its reservation"
    );
    let committed_event = events.iter().find(|e| e["type"] == "reservation.committed").expect("committed event");
    assert_eq!(committed_event["subject"], id.as_str());
    assert_eq!(committed_event["data"]["reservation"], committed);
    let changes: Vec<_> = events
        .iter()
        .filter(|e| e["type"] == "stock.changed")
        .map(|e| (e["data"]["on_hand"].clone(), e["data"]["reserved"].clone(), e["data"]["available"].clone()))
        .collect();
    assert_eq!(
        changes,
        [
            (json!(10), json!(0), json!(10)),
            (json!(10), json!(3), json!(7)),
            (json!(7), json!(0), json!(7)),
            (json!(7), json!(2), json!(5)),
            (json!(7), json!(0), json!(7))
        ],
        "set, reserve, commit, reserve, release"
    );
}

#[tokio::test]
async fn a_reservation_takes_every_line_or_nothing() {
    let app = stocked(&[("a-dc", 4), ("b-dc", 1)], &["TEA-1", "CUP-1"]).await;
    app.put("/v1/stock/CUP-1/a-dc", &json!({ "on_hand": 0 })).await;
    let before_tea = app.stock_of("TEA-1").await;
    let before_cup = app.stock_of("CUP-1").await;
    assert_eq!(before_cup, vec![stock("a-dc", 0, 0), stock("b-dc", 1, 0)]);

    let body = json!({ "reference": "chk_7", "lines": [
        { "sku": "TEA-1", "quantity": 2 },
        { "sku": "CUP-1", "quantity": 3 }
    ]});
    let p = problem(app.reserve("k-1", &body).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "insufficient-stock");
    assert_eq!(p["lines"], json!([{ "sku": "CUP-1", "requested": 3, "available": 1 }]));
    let detail = p["detail"].as_str().expect("detail");
    assert!(detail.contains("CUP-1") && !detail.contains("TEA-1"), "{detail}");
    assert_eq!(app.stock_of("TEA-1").await, before_tea, "the line that fit was not held either");
    assert_eq!(app.stock_of("CUP-1").await, before_cup);

    // Every short line is named, in request order; an unknown SKU has nothing available.
    let body = json!({ "reference": "chk_7", "lines": [
        { "sku": "NOPE-1", "quantity": 1 },
        { "sku": "TEA-1", "quantity": 8 },
        { "sku": "CUP-1", "quantity": 1 }
    ]});
    let p = problem(app.reserve("k-2", &body).await, StatusCode::CONFLICT).await;
    assert_eq!(
        p["lines"],
        json!([
            { "sku": "NOPE-1", "requested": 1, "available": 0 },
            { "sku": "TEA-1", "requested": 8, "available": 5 }
        ])
    );
    assert_eq!(app.stock_of("TEA-1").await, before_tea);
    assert_eq!(app.stock_of("CUP-1").await, before_cup);
    assert!(types(&app.events().await, "reservation.").is_empty(), "nothing was announced");

    // A failed request did not use up its key: with stock it goes through.
    app.put("/v1/stock/CUP-1/a-dc", &json!({ "on_hand": 2 })).await;
    let held = app
        .reserved(
            "k-1",
            &json!({ "reference": "chk_7", "lines": [{ "sku": "TEA-1", "quantity": 2 }, { "sku": "CUP-1", "quantity": 3 }] }),
        )
        .await;
    assert_eq!(held["lines"][0]["sku"], "TEA-1", "lines in request order");
    assert_eq!(allocations(&held, 0), [("a-dc".to_owned(), 2)]);
    assert_eq!(allocations(&held, 1), [("a-dc".to_owned(), 2), ("b-dc".to_owned(), 1)]);
}

#[tokio::test]
async fn one_location_serves_a_line_when_it_can_else_the_line_is_split() {
    let app = spawn_app().await;
    for code in ["a-dc", "b-dc", "c-dc"] {
        app.create_location(code).await;
    }
    app.learn_product(&["LAMP-1"]).await;
    for (code, on_hand) in [("a-dc", 4), ("b-dc", 6), ("c-dc", 3)] {
        app.put(&format!("/v1/stock/LAMP-1/{code}"), &json!({ "on_hand": on_hand })).await;
    }

    let single = app.reserved("k-1", &one_line("LAMP-1", 4)).await;
    assert_eq!(allocations(&single, 0), [("b-dc".to_owned(), 4)], "the location with most available, alone");

    // Left: a 4, b 2, c 3. No location has 7: most available first.
    let split = app.reserved("k-2", &one_line("LAMP-1", 7)).await;
    assert_eq!(split["lines"][0]["quantity"], 7);
    assert_eq!(allocations(&split, 0), [("a-dc".to_owned(), 4), ("c-dc".to_owned(), 3)]);
    assert_eq!(app.stock_of("LAMP-1").await, vec![stock("a-dc", 4, 4), stock("b-dc", 6, 4), stock("c-dc", 3, 3)]);

    let rest = app.reserved("k-3", &one_line("LAMP-1", 2)).await;
    assert_eq!(allocations(&rest, 0), [("b-dc".to_owned(), 2)]);
    let p = problem(app.reserve("k-4", &one_line("LAMP-1", 1)).await, StatusCode::CONFLICT).await;
    assert_eq!(p["lines"], json!([{ "sku": "LAMP-1", "requested": 1, "available": 0 }]));

    // Releasing the split reservation gives each location back what it gave.
    let id = split["id"].as_str().expect("id");
    app.post_internal(&format!("/v1/reservations/{id}/release")).await;
    assert_eq!(app.stock_of("LAMP-1").await, vec![stock("a-dc", 4, 0), stock("b-dc", 6, 6), stock("c-dc", 3, 0)]);
}

/// Fires `n` concurrent reservations of one unit of `sku`, each with its own key.
async fn race(app: &TestApp, sku: &str, n: usize) -> (Vec<Value>, Vec<Value>) {
    let body = one_line(sku, 1);
    let keys: Vec<String> = (0..n).map(|i| format!("race-{i}")).collect();
    let responses = join_all(keys.iter().map(|key| app.reserve(key, &body))).await;
    let mut held = Vec::new();
    let mut refused = Vec::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => held.push(response.json().await.expect("json")),
            StatusCode::CONFLICT => refused.push(problem(response, StatusCode::CONFLICT).await),
            other => panic!("unexpected status {other}: {}", response.text().await.unwrap_or_default()),
        }
    }
    (held, refused)
}

async fn assert_never_negative(app: &TestApp) {
    for record in app.stock_records().await {
        let (on_hand, reserved) = (record["on_hand"].as_i64().expect("n"), record["reserved"].as_i64().expect("n"));
        assert!(on_hand >= 0 && (0..=on_hand).contains(&reserved), "{record}");
    }
}

#[tokio::test]
async fn concurrent_reservations_never_oversell_one_location() {
    let app = stocked(&[("a-dc", 7)], &["HOT-1"]).await;
    let (held, refused) = race(&app, "HOT-1", 25).await;
    assert_eq!(held.len(), 7);
    assert_eq!(refused.len(), 18);
    for p in &refused {
        assert_eq!(problem_code(p), "insufficient-stock");
        assert_eq!(p["lines"][0]["sku"], "HOT-1");
        assert_eq!(p["lines"][0]["requested"], 1);
    }
    let ids: HashSet<_> = held.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids.len(), 7, "seven distinct reservations");
    assert_eq!(app.stock_of("HOT-1").await, vec![stock("a-dc", 7, 7)]);
    assert_never_negative(&app).await;
}

#[tokio::test]
async fn concurrent_reservations_never_oversell_across_locations() {
    let app = stocked(&[("a-dc", 4), ("b-dc", 3)], &["HOT-2"]).await;
    let (held, refused) = race(&app, "HOT-2", 25).await;
    assert_eq!(held.len(), 7);
    assert_eq!(refused.len(), 18);
    assert!(refused.iter().all(|p| problem_code(p) == "insufficient-stock"));
    let mut per_location: BTreeMap<String, i64> = BTreeMap::new();
    for reservation in &held {
        for (code, quantity) in allocations(reservation, 0) {
            *per_location.entry(code).or_default() += quantity;
        }
    }
    assert_eq!(per_location, BTreeMap::from([("a-dc".to_owned(), 4), ("b-dc".to_owned(), 3)]));
    assert_eq!(app.stock_of("HOT-2").await, vec![stock("a-dc", 4, 4), stock("b-dc", 3, 3)]);
    assert_eq!(app.availability("sku=HOT-2").await["data"][0]["available"], 0);
    assert_never_negative(&app).await;
}

#[tokio::test]
async fn replicas_sharing_one_database_never_oversell_and_expire_each_hold_once() {
    let app = stocked(&[("a-dc", 4), ("b-dc", 3)], &["HOT-3"]).await;
    let replica = spawn_replica(&app).await;
    let body = json!({ "reference": "chk_r", "lines": [{ "sku": "HOT-3", "quantity": 1 }], "ttl_seconds": 3 });
    let keys: Vec<String> = (0..24).map(|i| format!("replica-race-{i}")).collect();
    let instances = [&app, &replica];
    let responses = join_all(keys.iter().enumerate().map(|(i, key)| instances[i % 2].reserve(key, &body))).await;
    let mut held = Vec::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => held.push(response.json::<Value>().await.expect("json")),
            status => assert_eq!(problem_code(&problem(response, status).await), "insufficient-stock"),
        }
    }
    assert_eq!(held.len(), 7);
    assert_eq!(replica.stock_of("HOT-3").await, vec![stock("a-dc", 4, 4), stock("b-dc", 3, 3)]);

    // Both instances sweep; each hold expires exactly once.
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.stock_of("HOT-3").await != vec![stock("a-dc", 4, 0), stock("b-dc", 3, 0)] {
        assert!(Instant::now() < deadline, "the sweepers did not expire the holds in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = app.events().await;
    let expired: Vec<_> =
        events.iter().filter(|e| e["type"] == "reservation.expired").map(|e| e["subject"].clone()).collect();
    let distinct: HashSet<_> = expired.iter().collect();
    assert_eq!((expired.len(), distinct.len()), (7, 7), "one expiry per reservation");
    for reservation in &held {
        let id = reservation["id"].as_str().expect("id");
        let current: Value = replica.get_internal(&format!("/v1/reservations/{id}")).await.json().await.expect("json");
        assert_eq!(current["status"], "expired");
    }
    assert_never_negative(&app).await;
}

#[tokio::test]
async fn a_replayed_key_holds_stock_once() {
    let app = stocked(&[("a-dc", 5)], &["KEY-1"]).await;
    let body = one_line("KEY-1", 2);
    let responses = join_all((0..8).map(|_| app.reserve("same-key", &body))).await;
    let mut ids = HashSet::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        let reservation: Value = response.json().await.expect("json");
        assert_eq!(reservation["status"], "held");
        assert_eq!(reservation["lines"][0]["quantity"], 2);
        ids.insert(reservation["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(ids.len(), 1, "one reservation: {ids:?}");
    assert_eq!(app.stock_of("KEY-1").await, vec![stock("a-dc", 5, 2)], "counted once");

    let replay = app.reserve("same-key", &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let replayed: Value = replay.json().await.expect("json");
    assert!(ids.contains(replayed["id"].as_str().expect("id")));

    let p = problem(app.reserve("same-key", &one_line("KEY-1", 3)).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "idempotency-key-reused");
    assert_eq!(app.stock_of("KEY-1").await, vec![stock("a-dc", 5, 2)]);
    assert_eq!(types(&app.events().await, "reservation."), ["reservation.held"]);
}

#[tokio::test]
async fn an_unclaimed_reservation_expires_and_gives_its_stock_back() {
    let app = stocked(&[("a-dc", 3)], &["EXP-1"]).await;
    let held = app
        .reserved(
            "k-1",
            &json!({ "reference": "chk_9", "lines": [{ "sku": "EXP-1", "quantity": 2 }], "ttl_seconds": 1 }),
        )
        .await;
    let id = held["id"].as_str().expect("id");
    assert_eq!(app.stock_of("EXP-1").await, vec![stock("a-dc", 3, 2)]);

    let deadline = Instant::now() + Duration::from_secs(10);
    let expired = loop {
        let current: Value = app.get_internal(&format!("/v1/reservations/{id}")).await.json().await.expect("json");
        if current["status"] == "expired" {
            break current;
        }
        assert_eq!(current["status"], "held");
        assert!(Instant::now() < deadline, "the sweeper did not expire the reservation in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(expired["lines"], held["lines"]);
    assert_eq!(app.stock_of("EXP-1").await, vec![stock("a-dc", 3, 0)], "availability restored");

    let events = app.events().await;
    let event = events.iter().find(|e| e["type"] == "reservation.expired").expect("reservation.expired published");
    assert_eq!(event["subject"], id);
    assert_eq!(event["data"]["reservation"], expired);
    assert_eq!(types(&events, "reservation."), ["reservation.held", "reservation.expired"], "expired once");

    let p = problem(app.post_internal(&format!("/v1/reservations/{id}/commit")).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "reservation-not-held");
    assert_eq!(p["reservation_status"], "expired");
    let p = problem(app.post_internal(&format!("/v1/reservations/{id}/return")).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "reservation-not-committed");
    assert_eq!(p["reservation_status"], "expired");
    let released = app.post_internal(&format!("/v1/reservations/{id}/release")).await;
    assert_eq!(released.status(), StatusCode::OK, "releasing a lapsed hold is already done");
    assert_eq!(released.json::<Value>().await.expect("json")["status"], "expired");
    assert_eq!(app.stock_of("EXP-1").await, vec![stock("a-dc", 3, 0)]);
}

#[tokio::test]
async fn bad_requests_reserve_nothing() {
    let app = stocked(&[("a-dc", 5)], &["BAD-1", "BAD-2"]).await;

    let no_key = app.internal(Method::POST, "/v1/reservations").json(&one_line("BAD-1", 1)).send().await.expect("sent");
    let p = problem(no_key, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&p), ["Idempotency-Key"]);

    for quantity in [0, -1, 1001] {
        let p = problem(app.reserve("k", &one_line("BAD-1", quantity)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&p), ["lines[0].quantity"], "quantity {quantity}");
    }
    let p = problem(
        app.reserve("k", &json!({ "reference": "chk_1", "lines": [], "ttl_seconds": 0 })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), ["lines", "ttl_seconds"]);
    let twice = json!({ "reference": "chk 1", "lines": [{ "sku": "BAD-1", "quantity": 1 }, { "sku": "BAD-1", "quantity": 2 }] });
    let p = problem(app.reserve("k", &twice).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), ["reference", "lines[1].sku"]);

    let extra = json!({ "reference": "chk_1", "lines": [{ "sku": "BAD-1", "quantity": 1 }], "extra": true });
    assert_eq!(fields(&problem(app.reserve("k", &extra).await, StatusCode::BAD_REQUEST).await), ["extra"]);
    let no_reference = json!({ "lines": [{ "sku": "BAD-1", "quantity": 1 }] });
    assert_eq!(fields(&problem(app.reserve("k", &no_reference).await, StatusCode::BAD_REQUEST).await), ["reference"]);

    // Staff is not a platform service.
    let p = problem(app.post("/v1/reservations", &one_line("BAD-1", 1)).await, StatusCode::FORBIDDEN).await;
    assert_eq!(problem_code(&p), "forbidden");
    let staff_with_key = app
        .staff(Method::POST, "/v1/reservations")
        .header("Idempotency-Key", "k")
        .json(&one_line("BAD-1", 1))
        .send()
        .await
        .expect("sent");
    problem(staff_with_key, StatusCode::FORBIDDEN).await;
    let held = app.reserved("k-ok", &one_line("BAD-2", 1)).await;
    let id = held["id"].as_str().expect("id");
    problem(app.get(&format!("/v1/reservations/{id}")).await, StatusCode::FORBIDDEN).await;
    problem(app.post(&format!("/v1/reservations/{id}/commit"), &json!({})).await, StatusCode::FORBIDDEN).await;
    problem(app.post(&format!("/v1/reservations/{id}/release"), &json!({})).await, StatusCode::FORBIDDEN).await;
    problem(app.post(&format!("/v1/reservations/{id}/return"), &json!({})).await, StatusCode::FORBIDDEN).await;

    problem(app.get_internal("/v1/reservations/res_0193a4c1e7d27c3a9b1f4e2d8c6a5b40").await, StatusCode::NOT_FOUND)
        .await;
    problem(app.get_internal("/v1/reservations/not-an-id").await, StatusCode::NOT_FOUND).await;
    problem(
        app.post_internal("/v1/reservations/res_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/commit").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.post_internal("/v1/reservations/res_0193a4c1e7d27c3a9b1f4e2d8c6a5b40/return").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(app.post_internal("/v1/reservations/not-an-id/return").await, StatusCode::NOT_FOUND).await;

    assert_eq!(app.stock_of("BAD-1").await, vec![stock("a-dc", 5, 0)], "nothing was held");
    assert_eq!(app.stock_of("BAD-2").await, vec![stock("a-dc", 5, 1)], "only the good request held stock");
}

/// `(sku, location, on_hand, reserved)` of each `stock.changed` event in `events`.
fn stock_changes(events: &[Value]) -> Vec<(String, String, i64, i64)> {
    events
        .iter()
        .filter(|e| e["type"] == "stock.changed")
        .map(|e| {
            let d = &e["data"];
            let n = |k: &str| d[k].as_i64().expect("number");
            (
                d["sku"].as_str().expect("sku").into(),
                d["location"].as_str().expect("code").into(),
                n("on_hand"),
                n("reserved"),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_cancelled_order_returns_its_committed_units_to_where_they_were_taken() {
    let app = stocked(&[("a-dc", 4), ("b-dc", 3)], &["RET-1", "RET-2"]).await;
    // Another checkout's hold, which the return must leave alone.
    let other = app.reserved("k-other", &one_line("RET-1", 1)).await;
    assert_eq!(allocations(&other, 0), [("a-dc".to_owned(), 1)]);
    let held = app
        .reserved(
            "k-1",
            &json!({ "reference": "chk_ret", "lines": [{ "sku": "RET-1", "quantity": 5 }, { "sku": "RET-2", "quantity": 2 }] }),
        )
        .await;
    assert_eq!(allocations(&held, 0), [("a-dc".to_owned(), 3), ("b-dc".to_owned(), 2)], "split over both");
    assert_eq!(allocations(&held, 1), [("a-dc".to_owned(), 2)]);
    let id = held["id"].as_str().expect("id");

    // A held reservation has nothing to return.
    let p = problem(app.post_internal(&format!("/v1/reservations/{id}/return")).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "reservation-not-committed");
    assert_eq!(p["reservation_status"], "held");
    assert!(p["detail"].as_str().expect("detail").contains("held"), "{p}");
    assert_eq!(app.stock_of("RET-1").await, vec![stock("a-dc", 4, 4), stock("b-dc", 3, 2)], "nothing moved");

    let committed = app.post_internal(&format!("/v1/reservations/{id}/commit")).await;
    assert_eq!(committed.status(), StatusCode::OK);
    let committed: Value = committed.json().await.expect("json");
    assert_eq!(app.stock_of("RET-1").await, vec![stock("a-dc", 1, 1), stock("b-dc", 1, 0)]);
    assert_eq!(app.stock_of("RET-2").await, vec![stock("a-dc", 2, 0), stock("b-dc", 3, 0)]);
    let changes_before = stock_changes(&app.events().await).len();

    let response = app.post_internal(&format!("/v1/reservations/{id}/return")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let returned: Value = response.json().await.expect("json");
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["id"], committed["id"]);
    assert_eq!(returned["lines"], committed["lines"], "the allocations stay as the record of where");
    assert_eq!(
        app.stock_of("RET-1").await,
        vec![stock("a-dc", 4, 1), stock("b-dc", 3, 0)],
        "on hand as before the order; the other hold is still reserved"
    );
    assert_eq!(app.stock_of("RET-2").await, vec![stock("a-dc", 4, 0), stock("b-dc", 3, 0)]);
    let read: Value = app.get_internal(&format!("/v1/reservations/{id}")).await.json().await.expect("json");
    assert_eq!(read, returned);

    // A retry answers the reservation as it is and moves nothing.
    let again = app.post_internal(&format!("/v1/reservations/{id}/return")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.expect("json"), returned, "returning twice is returning once");
    assert_eq!(app.stock_of("RET-1").await, vec![stock("a-dc", 4, 1), stock("b-dc", 3, 0)]);
    assert_eq!(app.stock_of("RET-2").await, vec![stock("a-dc", 4, 0), stock("b-dc", 3, 0)]);

    // Returned is final.
    for verb in ["commit", "release"] {
        let p = problem(app.post_internal(&format!("/v1/reservations/{id}/{verb}")).await, StatusCode::CONFLICT).await;
        assert_eq!(problem_code(&p), "reservation-not-held", "{verb}");
        assert_eq!(p["reservation_status"], "returned", "{verb}");
    }
    // A released reservation has nothing to return either.
    let other_id = other["id"].as_str().expect("id");
    app.post_internal(&format!("/v1/reservations/{other_id}/release")).await;
    let p =
        problem(app.post_internal(&format!("/v1/reservations/{other_id}/return")).await, StatusCode::CONFLICT).await;
    assert_eq!(problem_code(&p), "reservation-not-committed");
    assert_eq!(p["reservation_status"], "released");
    assert_eq!(app.stock_of("RET-1").await, vec![stock("a-dc", 4, 0), stock("b-dc", 3, 0)]);

    let events = app.events().await;
    assert_eq!(
        types(&events, "reservation."),
        [
            "reservation.held",
            "reservation.held",
            "reservation.committed",
            "reservation.returned",
            "reservation.released"
        ]
    );
    let event = events.iter().find(|e| e["type"] == "reservation.returned").expect("reservation.returned published");
    assert_eq!(event["subject"], id);
    assert_eq!(event["data"]["reservation"], returned);
    let changes = stock_changes(&events);
    let change = |sku: &str, code: &str, on_hand, reserved| (sku.to_owned(), code.to_owned(), on_hand, reserved);
    assert_eq!(
        changes[changes_before..],
        [
            // The return: each stock record it touched, once, in SKU and location order.
            change("RET-1", "a-dc", 4, 1),
            change("RET-1", "b-dc", 3, 0),
            change("RET-2", "a-dc", 4, 0),
            // The release of the other hold.
            change("RET-1", "a-dc", 4, 0),
        ]
    );
    // In the feed, the stock changes come right before the reservation event of their
    // transaction.
    let at = events.iter().position(|e| e["type"] == "reservation.returned").expect("returned");
    assert!(events[at - 3..at].iter().all(|e| e["type"] == "stock.changed"));
}

#[tokio::test]
async fn concurrent_returns_on_two_replicas_put_the_units_back_once() {
    let app = stocked(&[("a-dc", 4), ("b-dc", 3)], &["RACE-1"]).await;
    let replica = spawn_replica(&app).await;
    let held = app.reserved("k-1", &one_line("RACE-1", 6)).await;
    let id = held["id"].as_str().expect("id");
    assert_eq!(app.post_internal(&format!("/v1/reservations/{id}/commit")).await.status(), StatusCode::OK);
    assert_eq!(app.stock_of("RACE-1").await, vec![stock("a-dc", 0, 0), stock("b-dc", 1, 0)]);

    let path = format!("/v1/reservations/{id}/return");
    let instances = [&app, &replica];
    let responses = join_all((0..10).map(|i| instances[i % 2].post_internal(&path))).await;
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        let reservation: Value = response.json().await.expect("json");
        assert_eq!(reservation["status"], "returned");
        assert_eq!(reservation["lines"], held["lines"]);
    }
    assert_eq!(app.stock_of("RACE-1").await, vec![stock("a-dc", 4, 0), stock("b-dc", 3, 0)], "put back once");

    let events = app.events().await;
    assert_eq!(
        types(&events, "reservation."),
        ["reservation.held", "reservation.committed", "reservation.returned"],
        "returned once"
    );
    let change = |code: &str, on_hand, reserved| ("RACE-1".to_owned(), code.to_owned(), on_hand, reserved);
    assert_eq!(
        stock_changes(&events),
        [
            change("a-dc", 4, 0),
            change("b-dc", 3, 0),
            change("a-dc", 4, 4),
            change("b-dc", 3, 2),
            change("a-dc", 0, 0),
            change("b-dc", 1, 0),
            change("a-dc", 4, 0),
            change("b-dc", 3, 0),
        ],
        "set, reserve, commit, and one return"
    );
    assert_never_negative(&app).await;
}
