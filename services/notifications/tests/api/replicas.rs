//! Two instances on one database (two replicas) share the work: every message and every
//! delivery goes out exactly once.

use std::collections::BTreeSet;

use serde_json::json;

use crate::helpers::{Receiver, SmtpServer, eventually, order, placed, spawn_with};

#[tokio::test]
async fn replicas_send_each_message_and_delivery_once() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_with(move |s| s.smtp_url = Some(runtime::settings::Secret::new(url))).await;
    let _replica = app.replica().await;
    let receiver = Receiver::start(&[]).await;
    let webhook = app.register(&receiver.url, &["order.placed"]).await;
    let id = webhook["id"].as_str().expect("id");

    const ORDERS: usize = 30;
    for _ in 0..ORDERS {
        app.apply(&placed(&order())).await;
    }
    eventually("every delivery delivered", || async {
        let deliveries = app.deliveries(id).await;
        (deliveries.len() == ORDERS && deliveries.iter().all(|d| d["status"] == "delivered")).then_some(())
    })
    .await;
    eventually("every message sent", || async {
        let messages = app.messages().await;
        (messages.len() == ORDERS && messages.iter().all(|m| m["status"] == "sent")).then_some(())
    })
    .await;

    let received = receiver.received();
    let delivery_ids: BTreeSet<_> = received.iter().map(|r| r.header("mercato-delivery-id").to_owned()).collect();
    assert_eq!((received.len(), delivery_ids.len()), (ORDERS, ORDERS), "each delivery POSTed once");
    assert_eq!(smtp.messages.lock().expect("lock").len(), ORDERS, "each message sent once");
    for delivery in app.deliveries(id).await {
        assert_eq!(delivery["attempts"], json!(1));
    }
}
