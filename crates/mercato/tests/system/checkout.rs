//! The purchase path end to end through the gateway: carts, the checkout saga and orders,
//! with the invariants that must hold under concurrency and crashes (issue 3).

use std::collections::HashSet;
use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::eventually;
use crate::shop::{APPROVED, DECLINED, Shop, TIMES_OUT};

#[tokio::test]
async fn a_guest_checks_out_and_pays_what_the_cart_showed() {
    let shop = Shop::open(&[], &["GST-A", "GST-B"], 1999, 10).await;
    let cart = shop.cart(None, &[("GST-A", 2), ("GST-B", 1)]).await;
    let shown = cart["quote"]["total"].clone();
    assert_eq!(shown["amount"], 2 * 1999 + 1999 + 495, "{cart}");

    let body = Shop::checkout_body(&cart, APPROVED);
    let r = shop.checkout(None, "guest-order-1", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers()["location"].to_str().expect("location").starts_with("/api/v1/orders/ord_"));
    let order: Value = r.json().await.expect("json");
    assert_eq!(order["total"], shown, "the order charges exactly what the cart showed");
    assert_eq!(order["status"], "placed");
    assert_eq!(order["payment_status"], "authorized");
    assert_eq!(order["lines"].as_array().map(Vec::len), Some(2));

    // The stock left for good; nothing stays reserved.
    assert_eq!(shop.stock("GST-A").await, (8, 0));
    assert_eq!(shop.stock("GST-B").await, (9, 0));
    // One authorisation, for the order's amount.
    let payments = shop.payments().await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["id"], order["payment_id"]);
    assert_eq!(payments[0]["amount"], shown);
    // The cart learns from `order.placed` that it was bought.
    eventually("the cart is converted", Duration::from_secs(20), || async {
        shop.read_cart(None, cart["id"].as_str().unwrap_or_default()).await["status"] == "converted"
    })
    .await;

    // The same key replays the same order; with another body it is refused.
    let replay = shop.checkout(None, "guest-order-1", &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    let replayed: Value = replay.json().await.expect("json");
    assert_eq!(replayed["id"], order["id"]);
    let mut other = body.clone();
    other["email"] = json!("someone@example.com");
    let reused = shop.checkout(None, "guest-order-1", &other).await;
    assert_eq!(reused.status(), StatusCode::CONFLICT);
    // A converted cart cannot be bought twice under a new key.
    let again = shop.checkout(None, "guest-order-2", &body).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(shop.payments().await.len(), 1);
    shop.assert_books_balance().await;
}

#[tokio::test]
async fn concurrent_checkouts_never_sell_more_than_is_on_hand() {
    const UNITS: i64 = 5;
    const SHOPPERS: usize = 14;
    let shop = Shop::open(&[], &["HOT-1"], 2500, UNITS).await;
    let mut carts = Vec::new();
    for _ in 0..SHOPPERS {
        carts.push(shop.cart(None, &[("HOT-1", 1)]).await);
    }
    let attempts = carts.iter().enumerate().map(|(i, cart)| {
        let shop = &shop;
        async move {
            let r = shop.checkout(None, &format!("rush-{i}"), &Shop::checkout_body(cart, APPROVED)).await;
            let status = r.status();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    });
    let results = join_all(attempts).await;
    let won = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let lost: Vec<&Value> = results.iter().filter(|(s, _)| *s == StatusCode::CONFLICT).map(|(_, b)| b).collect();
    assert_eq!(won, UNITS as usize, "{results:?}");
    assert_eq!(lost.len(), SHOPPERS - UNITS as usize, "{results:?}");
    for problem in lost {
        assert_eq!(problem["type"], "urn:mercato:problem:insufficient-stock");
        assert_eq!(problem["errors"][0]["field"], "lines[0]", "the 409 names the line: {problem}");
    }
    assert_eq!(shop.stock("HOT-1").await, (0, 0), "sold out, never negative, nothing left reserved");
    assert_eq!(shop.orders().await.len(), UNITS as usize);
    shop.assert_books_balance().await;
}

#[tokio::test]
async fn the_same_key_replayed_concurrently_makes_one_order_and_one_authorisation() {
    let shop = Shop::open(&[], &["KEY-1"], 1000, 10).await;
    let cart = shop.cart(None, &[("KEY-1", 1)]).await;
    let body = Shop::checkout_body(&cart, APPROVED);
    let results = join_all((0..8).map(|_| {
        let (shop, body) = (&shop, &body);
        async move {
            let r = shop.checkout(None, "one-key", body).await;
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    }))
    .await;
    let ids: HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            body["id"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one order");
    assert_eq!(shop.payments().await.len(), 1, "one authorisation");
    assert_eq!(shop.stock("KEY-1").await, (9, 0));
}

#[tokio::test]
async fn payment_failures_release_the_stock_and_charge_nothing() {
    let shop = Shop::open(&[], &["PAY-1"], 1500, 3).await;
    let cart = shop.cart(None, &[("PAY-1", 2)]).await;

    let declined = shop.checkout(None, "declined", &Shop::checkout_body(&cart, DECLINED)).await;
    assert_eq!(declined.status(), StatusCode::PAYMENT_REQUIRED);
    let problem: Value = declined.json().await.expect("json");
    assert_eq!(problem["type"], "urn:mercato:problem:card-declined");
    assert_eq!(problem["decline_code"], "card_declined");
    assert_eq!(shop.stock("PAY-1").await, (3, 0), "the reservation was released");

    let timeout = shop.checkout(None, "timeout", &Shop::checkout_body(&cart, TIMES_OUT)).await;
    assert_eq!(timeout.status(), StatusCode::GATEWAY_TIMEOUT);
    let problem: Value = timeout.json().await.expect("json");
    assert_eq!(problem["type"], "urn:mercato:problem:payment-timeout");
    assert_eq!(shop.stock("PAY-1").await, (3, 0));

    let bad_card = shop.checkout(None, "bad-card", &Shop::checkout_body(&cart, "4242424242424241")).await;
    assert_eq!(bad_card.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad_card.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "payment.card.number");

    assert!(shop.orders().await.is_empty());
    shop.assert_books_balance().await;
    // The cart is still there to pay with another card.
    let paid = shop.checkout(None, "second-card", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(paid.status(), StatusCode::CREATED);
    assert_eq!(shop.stock("PAY-1").await, (1, 0));
}

#[tokio::test]
async fn a_price_change_after_the_cart_was_shown_is_refused() {
    let shop = Shop::open(&[], &["PRC-1"], 1000, 5).await;
    let cart = shop.cart(None, &[("PRC-1", 1)]).await;
    let lists = shop.staff_get("/api/v1/price-lists").await;
    let list = lists["data"][0]["id"].as_str().expect("list").to_owned();
    shop.set_price(&list, "PRC-1", 1200).await;

    let r = shop.checkout(None, "stale-price", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let problem: Value = r.json().await.expect("json");
    assert_eq!(problem["type"], "urn:mercato:problem:price-changed");
    assert_eq!(problem["quote"]["total"]["amount"], 1200 + 495);
    assert_eq!(shop.stock("PRC-1").await, (5, 0), "nothing was reserved");
    assert!(shop.payments().await.is_empty(), "nothing was authorised");

    // Shown the new price, the shopper buys at it.
    let cart = shop.read_cart(None, cart["id"].as_str().expect("id")).await;
    let r = shop.checkout(None, "fresh-price", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order: Value = r.json().await.expect("json");
    assert_eq!(order["total"]["amount"], 1200 + 495);
}

#[tokio::test]
async fn customers_see_only_their_own_carts_and_orders_and_can_cancel() {
    let shop = Shop::open(&[], &["OWN-1"], 3000, 4).await;
    let ada = shop.signup("ada@example.com").await;
    let bob = shop.signup("bob@example.com").await;
    let cart = shop.cart(Some(&ada), &[("OWN-1", 2)]).await;
    let cart_id = cart["id"].as_str().expect("id").to_owned();

    // Bob, and a guest, cannot see or use Ada's cart.
    for token in [Some(bob.as_str()), None] {
        let mut get = shop.p.http.get(shop.url(&format!("/api/v1/carts/{cart_id}")));
        if let Some(token) = token {
            get = get.bearer_auth(token);
        }
        assert_eq!(get.send().await.expect("sent").status(), StatusCode::NOT_FOUND);
    }
    let stolen = shop.checkout(Some(&bob), "steal", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(stolen.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(shop.stock("OWN-1").await, (4, 0));

    let r = shop.checkout(Some(&ada), "ada-1", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order: Value = r.json().await.expect("json");
    let order_id = order["id"].as_str().expect("id").to_owned();

    let read = |token: String, path: String| {
        let shop = &shop;
        async move { shop.p.http.get(shop.url(&path)).bearer_auth(token).send().await.expect("sent") }
    };
    assert_eq!(read(ada.clone(), format!("/api/v1/orders/{order_id}")).await.status(), StatusCode::OK);
    assert_eq!(read(bob.clone(), format!("/api/v1/orders/{order_id}")).await.status(), StatusCode::NOT_FOUND);
    let mine: Value = read(ada.clone(), "/api/v1/orders".into()).await.json().await.expect("json");
    assert_eq!(mine["data"].as_array().map(Vec::len), Some(1));
    let bobs: Value = read(bob.clone(), "/api/v1/orders".into()).await.json().await.expect("json");
    assert_eq!(bobs["data"].as_array().map(Vec::len), Some(0));

    // A tampered token is refused outright.
    let mut tampered = ada.clone();
    tampered.pop();
    tampered.push(if ada.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(read(tampered, "/api/v1/orders".into()).await.status(), StatusCode::UNAUTHORIZED);
    // Staff operations refuse a customer.
    let capture = shop
        .p
        .http
        .post(shop.url(&format!("/api/v1/orders/{order_id}/capture")))
        .bearer_auth(&ada)
        .send()
        .await
        .expect("sent");
    assert_eq!(capture.status(), StatusCode::FORBIDDEN, "a customer's token is not a staff credential");

    // Bob cannot cancel it; Ada can: the stock comes back and the authorisation is voided.
    let cancel = |token: String| {
        let shop = &shop;
        let path = format!("/api/v1/orders/{order_id}/cancel");
        async move { shop.p.http.post(shop.url(&path)).bearer_auth(token).send().await.expect("sent") }
    };
    assert_eq!(cancel(bob.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(shop.stock("OWN-1").await, (2, 0));
    let cancelled = cancel(ada.clone()).await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let cancelled: Value = cancelled.json().await.expect("json");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["payment_status"], "voided");
    assert_eq!(shop.stock("OWN-1").await, (4, 0), "the units went back on hand");
    assert_eq!(cancel(ada.clone()).await.status(), StatusCode::CONFLICT, "once");
    let payments = shop.payments().await;
    assert_eq!(payments[0]["status"], "voided");
    let history: Vec<&str> =
        cancelled["history"].as_array().expect("history").iter().filter_map(|h| h["event"].as_str()).collect();
    assert_eq!(history, ["placed", "payment_voided", "cancelled"]);
}

#[tokio::test]
async fn staff_capture_and_refund_an_order() {
    let shop = Shop::open(&[], &["STF-1"], 4000, 4).await;
    let cart = shop.cart(None, &[("STF-1", 1)]).await;
    let r = shop.checkout(None, "staff-1", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order: Value = r.json().await.expect("json");
    let id = order["id"].as_str().expect("id");
    let captured = shop.staff_post(&format!("/api/v1/orders/{id}/capture"), &json!({})).await;
    assert_eq!(captured.status(), StatusCode::OK);
    let captured: Value = captured.json().await.expect("json");
    assert_eq!(captured["payment_status"], "captured");
    let refunded = shop
        .staff_post(&format!("/api/v1/orders/{id}/refund"), &json!({ "amount": { "amount": 1000, "currency": "EUR" } }))
        .await;
    assert_eq!(refunded.status(), StatusCode::OK);
    let list = shop.staff_get("/api/v1/orders?status=placed&email=ADA@example.com").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let none = shop.staff_get("/api/v1/orders?status=cancelled").await;
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));
}

/// The orders process is SIGKILLed right after each saga step; the supervisor restarts it;
/// every checkout then ends as an order with an authorisation and committed stock, or with
/// nothing held and nothing authorised.
#[tokio::test]
async fn a_checkout_survives_the_orders_process_dying_at_every_step() {
    let env = [("MERCATO_ORDERS_TEST_CRASH", "1"), ("MERCATO_ORDERS_LEASE_MS", "1000")];
    let shop = Shop::open(&env, &["CRASH-1"], 1000, 20).await;
    let mut orders_placed = 0;
    for step in ["quoted", "reserved", "authorized", "placed", "committed"] {
        let cart = shop.cart(None, &[("CRASH-1", 2)]).await;
        let body = Shop::checkout_body(&cart, APPROVED);
        let key = format!("crash-{step}");
        let orders = &shop.p.instances("orders").await[0];
        let direct = format!("http://{}", orders["addr"].as_str().expect("orders address"));
        let pid = orders["pid"].clone();
        // Straight to orders: the gateway does not forward test headers.
        let died = shop
            .p
            .http
            .post(format!("{direct}/v1/checkouts"))
            .header("Idempotency-Key", &key)
            .header("x-mercato-test-crash", step)
            .json(&body)
            .send()
            .await;
        assert!(died.is_err(), "orders should have died at `{step}`: {:?}", died.map(|r| r.status()));
        eventually(&format!("orders restarted after dying at `{step}`"), Duration::from_secs(30), || async {
            let now = &shop.p.instances("orders").await[0];
            now["pid"] != pid && now["health"] == "ready"
        })
        .await;
        // The shopper retries with the same key until the checkout has an outcome: an
        // interrupted checkout that held nothing runs anew, one that was paid for completes.
        let until = tokio::time::Instant::now() + Duration::from_secs(40);
        let outcome = loop {
            let r = shop.checkout(None, &key, &body).await;
            if r.status() == StatusCode::CREATED {
                break Some(r.json::<Value>().await.expect("json"));
            }
            if tokio::time::Instant::now() > until {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let order = outcome.unwrap_or_else(|| panic!("the checkout interrupted at `{step}` never settled"));
        assert_eq!(order["total"]["amount"], 2 * 1000 + 495);
        orders_placed += 1;
        // Exactly one order per cart, whatever the crash.
        let all = shop.orders().await;
        assert_eq!(all.len(), orders_placed, "after `{step}`: {all:?}");
        eventually(&format!("stock settles after `{step}`"), Duration::from_secs(20), || async {
            shop.stock("CRASH-1").await == (20 - 2 * orders_placed as i64, 0)
        })
        .await;
        shop.assert_books_balance().await;
    }
}

/// A checkout abandoned with its stock held (here: orders dies right after reserving, and its
/// lease is long, so recovery does not step in) gives the stock back when the hold expires.
#[tokio::test]
async fn an_abandoned_checkouts_stock_returns_when_its_hold_expires() {
    let env = [
        ("MERCATO_ORDERS_TEST_CRASH", "1"),
        ("MERCATO_ORDERS_LEASE_MS", "600000"),
        ("MERCATO_ORDERS_RESERVATION_TTL_S", "4"),
    ];
    let shop = Shop::open(&env, &["HOLD-1"], 1000, 3).await;
    let abandoned = shop.cart(None, &[("HOLD-1", 3)]).await;
    let orders = &shop.p.instances("orders").await[0];
    let direct = format!("http://{}", orders["addr"].as_str().expect("orders address"));
    let died = shop
        .p
        .http
        .post(format!("{direct}/v1/checkouts"))
        .header("Idempotency-Key", "abandoned")
        .header("x-mercato-test-crash", "reserved")
        .json(&Shop::checkout_body(&abandoned, APPROVED))
        .send()
        .await;
    assert!(died.is_err(), "orders should have died after reserving");
    assert_eq!(shop.stock("HOLD-1").await, (3, 3), "the abandoned checkout holds all the stock");
    eventually("the hold expires and the stock is available again", Duration::from_secs(30), || async {
        shop.stock("HOLD-1").await == (3, 0)
    })
    .await;
    eventually("orders is back", Duration::from_secs(30), || async { shop.p.ready_instances("orders").await == 1 })
        .await;
    let cart = shop.cart(None, &[("HOLD-1", 3)]).await;
    let r = shop.checkout(None, "after-expiry", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(shop.stock("HOLD-1").await, (0, 0));
    assert_eq!(shop.payments().await.len(), 1, "the abandoned checkout never reached payments");
    assert_eq!(shop.orders().await.len(), 1);
    shop.assert_books_balance().await;
}

/// A customer in a customer group sees the group's price in the cart and pays it at checkout;
/// everyone else pays the general price.
#[tokio::test]
async fn a_customer_in_a_group_is_charged_the_group_price() {
    let shop = Shop::open(&[], &["GRP-1"], 2000, 5).await;
    let vip_list = shop
        .staff_post("/api/v1/price-lists", &json!({ "name": "VIP", "currency": "EUR", "customer_group": "vip" }))
        .await;
    assert_eq!(vip_list.status(), StatusCode::CREATED);
    let vip_list: Value = vip_list.json().await.expect("json");
    shop.set_price(vip_list["id"].as_str().expect("id"), "GRP-1", 1500).await;

    let token = shop.signup("vip@example.com").await;
    let me: Value = shop
        .p
        .http
        .get(shop.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let grouped = shop
        .staff_put(
            &format!("/api/v1/customers/{}/group", me["id"].as_str().expect("id")),
            &json!({ "customer_group": "vip" }),
        )
        .await;
    assert_eq!(grouped.status(), StatusCode::OK);
    // The group reaches prices with the next token.
    let vip = shop.login("vip@example.com").await;
    let other = shop.signup("other@example.com").await;

    let vip_cart = shop.cart(Some(&vip), &[("GRP-1", 1)]).await;
    assert_eq!(vip_cart["quote"]["lines"][0]["unit_price"]["amount"], 1500);
    let other_cart = shop.cart(Some(&other), &[("GRP-1", 1)]).await;
    assert_eq!(other_cart["quote"]["lines"][0]["unit_price"]["amount"], 2000);

    let r = shop.checkout(Some(&vip), "vip-order", &Shop::checkout_body(&vip_cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order: Value = r.json().await.expect("json");
    assert_eq!(order["total"]["amount"], 1500 + 495);
    let r = shop.checkout(Some(&other), "other-order", &Shop::checkout_body(&other_cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order: Value = r.json().await.expect("json");
    assert_eq!(order["total"]["amount"], 2000 + 495);
}
