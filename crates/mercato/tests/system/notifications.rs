//! Notifications through the platform: an order's confirmation e-mail and the merchant's
//! webhook follow from `order.placed`; with notifications hanging, checkout is unaffected and
//! the messages go out once it is back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::platform::eventually;
use crate::shop::{APPROVED, Shop};

/// A merchant's webhook receiver on loopback; keeps what it was sent.
async fn receiver() -> (String, Arc<Mutex<Vec<(HeaderMap, Value)>>>) {
    let received: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
            let store = store.clone();
            async move {
                store.lock().expect("lock").push((headers, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks"), received)
}

async fn messages_to(shop: &Shop, email: &str) -> Vec<Value> {
    let page = shop.staff_get("/api/v1/messages?limit=100").await;
    page["data"].as_array().cloned().unwrap_or_default().into_iter().filter(|m| m["to"] == email).collect()
}

#[tokio::test]
async fn an_order_sends_its_confirmation_and_the_merchants_webhook() {
    let env = [("MERCATO_NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS", "true")];
    let shop = Shop::open(&env, &["NT-1"], 1000, 5).await;
    let (url, received) = receiver().await;
    let hook = shop
        .staff_post("/api/v1/webhooks", &json!({ "url": url, "event_types": ["order.placed", "order.shipped"] }))
        .await;
    assert_eq!(hook.status(), StatusCode::CREATED);
    let hook: Value = hook.json().await.expect("json");
    assert!(hook["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")));

    let cart = shop.cart(None, &[("NT-1", 1)]).await;
    let r = shop.checkout(None, "notify-1", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order: Value = r.json().await.expect("json");
    let order_id = order["id"].as_str().expect("id").to_owned();

    eventually("the confirmation e-mail is sent", Duration::from_secs(30), || async {
        messages_to(&shop, "ada@example.com").await.iter().any(|m| m["status"] == "sent")
    })
    .await;
    let mail_dir = shop.p.data_dir().join("mail");
    let emls: Vec<String> = std::fs::read_dir(&mail_dir)
        .expect("the file sink is in the data directory")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    assert!(emls.iter().any(|text| text.contains(&order_id)), "an .eml names the order");

    eventually("the webhook is delivered", Duration::from_secs(30), || async {
        !received.lock().expect("lock").is_empty()
    })
    .await;
    let (headers, body) = received.lock().expect("lock")[0].clone();
    assert_eq!(body["type"], "order.placed");
    assert_eq!(body["data"]["order"]["id"], order_id.as_str());
    assert!(headers.get("mercato-signature").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("v1=")));
    assert!(headers.get("x-mercato-internal").is_none(), "never the platform's credential");
    let deliveries = shop.staff_get(&format!("/api/v1/webhooks/{}/deliveries", hook["id"].as_str().expect("id"))).await;
    assert_eq!(deliveries["data"][0]["status"], "delivered");

    // Shipping: bad input names its fields; a customer cannot ship; staff can, which captures
    // the payment, tells the customer with the tracking number, and ends cancellation.
    let ship = format!("/api/v1/orders/{order_id}/ship");
    let bad = shop.staff_post(&ship, &json!({ "carrier": "", "tracking_number": "two words" })).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad: Value = bad.json().await.expect("json");
    let fields: Vec<&str> =
        bad["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["carrier", "tracking_number"], "{bad}");
    let customer = shop.signup("shipper@example.com").await;
    let forbidden = shop
        .p
        .http
        .post(shop.url(&ship))
        .bearer_auth(&customer)
        .json(&json!({ "carrier": "DHL", "tracking_number": "X" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let body = json!({ "carrier": "DHL", "tracking_number": "00340434161094042557" });
    let shipped = shop.staff_post(&ship, &body).await;
    assert_eq!(shipped.status(), StatusCode::OK);
    let shipped: Value = shipped.json().await.expect("json");
    assert_eq!((&shipped["status"], &shipped["payment_status"]), (&json!("shipped"), &json!("captured")));
    assert_eq!(shipped["shipment"]["carrier"], "DHL");
    let again = shop.staff_post(&ship, &body).await;
    assert_eq!(again.status(), StatusCode::OK, "the same shipment again is a no-op");
    assert_eq!(again.json::<Value>().await.expect("json")["version"], shipped["version"]);
    let other = shop.staff_post(&ship, &json!({ "carrier": "UPS", "tracking_number": "1Z999" })).await;
    assert_eq!(other.status(), StatusCode::CONFLICT, "it ships once");
    let cancel = shop.staff_post(&format!("/api/v1/orders/{order_id}/cancel"), &json!({})).await;
    assert_eq!(cancel.status(), StatusCode::CONFLICT, "a shipped order is not cancelled");
    let list = shop.staff_get("/api/v1/orders?status=shipped").await;
    assert!(list["data"].as_array().expect("data").iter().any(|o| o["id"] == order_id.as_str()));

    eventually("the shipment e-mail, with the tracking number, is sent", Duration::from_secs(30), || async {
        messages_to(&shop, "ada@example.com").await.iter().any(|m| {
            m["template"] == "order_shipped"
                && m["status"] == "sent"
                && m["text"].as_str().is_some_and(|t| t.contains("00340434161094042557"))
        })
    })
    .await;
    eventually("the shipment webhook is delivered", Duration::from_secs(30), || async {
        received.lock().expect("lock").iter().any(|(_, body)| body["type"] == "order.shipped")
    })
    .await;
}

#[tokio::test]
async fn with_notifications_hanging_checkout_works_and_the_mail_goes_out_later() {
    let shop = Shop::open(&[], &["NH-1"], 1000, 5).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["chaos", "hang", "notifications", "--for", "120s", "--data-dir"])
        .arg(shop.p.data_dir())
        .output()
        .await
        .expect("chaos runs");
    assert!(out.status.success());
    let cart = shop.cart(None, &[("NH-1", 1)]).await;
    let r = shop.checkout(None, "while-hung", &Shop::checkout_body(&cart, APPROVED)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "checkout does not wait for notifications");

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["chaos", "heal", "notifications", "--data-dir"])
        .arg(shop.p.data_dir())
        .output()
        .await
        .expect("chaos runs");
    assert!(out.status.success());
    eventually("the queued confirmation goes out", Duration::from_secs(60), || async {
        let r = shop.p.http.get(shop.url("/api/v1/messages?limit=100")).bearer_auth(&shop.p.token).send().await;
        match r {
            Ok(r) if r.status() == StatusCode::OK => r
                .json::<Value>()
                .await
                .ok()
                .and_then(|page| page["data"].as_array().cloned())
                .is_some_and(|data| data.iter().any(|m| m["to"] == "ada@example.com" && m["status"] == "sent")),
            _ => false,
        }
    })
    .await;
}
