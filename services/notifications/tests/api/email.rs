//! Orders' events become e-mails: rendered in the consumer's transaction, queued once, and
//! sent to the mail directory or an SMTP server, with retries.

use reqwest::{Method, StatusCode};

use crate::helpers::{
    SmtpServer, cancelled, eventually, fields, order, placed, problem, spawn_app, spawn_subscribed, spawn_with,
};

#[tokio::test]
async fn an_order_placed_queues_one_confirmation_and_writes_it_to_the_maildir() {
    let app = spawn_app().await;
    let order = order();
    let event = placed(&order);
    app.apply(&event).await;
    app.apply(&event).await;

    let messages = app.messages().await;
    assert_eq!(messages.len(), 1, "applied twice, queued once: {messages:?}");
    let message = &messages[0];
    assert_eq!(message["template"], "order_placed");
    assert_eq!(message["event_id"], event.id.as_str());
    assert_eq!(message["order_id"], order.id.as_str());
    assert_eq!(message["to"], "ada@example.com");
    assert_eq!(message["subject"], format!("Your order {} is confirmed", order.id).as_str());
    let text = message["text"].as_str().expect("text");
    assert!(text.contains("Hello Ada Lovelace,") && text.contains("Total: 40.93 EUR"), "{text}");
    assert!(text.contains("2 x TEE-BLK-M: 35.98 EUR"), "{text}");
    assert!(message["html"].as_str().expect("html").contains("<strong>40.93 EUR</strong>"));

    let id = message["id"].as_str().expect("id");
    let sent = app.settled_message(id).await;
    assert_eq!((&sent["status"], &sent["attempts"]), (&"sent".into(), &1.into()), "{sent}");
    assert!(sent["sent_at"].is_string() && sent["next_attempt_at"].is_null() && sent["last_error"].is_null());

    let eml = std::fs::read_to_string(app.maildir.join(format!("{id}.eml"))).expect("the .eml was written");
    assert!(eml.contains(&format!("Subject: Your order {} is confirmed", order.id)), "{eml}");
    assert!(eml.contains("To: ada@example.com"), "{eml}");
    assert!(eml.contains("From: Mercato <no-reply@mercato.localhost>"), "{eml}");
    assert!(eml.contains(&format!("Message-ID: <{id}@mercato.localhost>")), "{eml}");
    assert!(eml.contains("multipart/alternative") && eml.contains("Total: 40.93 EUR"), "{eml}");
    let files: Vec<_> = std::fs::read_dir(&app.maildir).expect("maildir").collect();
    assert_eq!(files.len(), 1, "one file, no leftovers");
}

#[tokio::test]
async fn a_cancelled_order_gets_the_cancellation_email() {
    let app = spawn_app().await;
    let order = order();
    app.apply(&placed(&order)).await;
    app.apply(&cancelled(&order)).await;
    let messages = app.messages().await;
    assert_eq!(messages.len(), 2);
    let cancellation = &messages[0];
    assert_eq!(cancellation["template"], "order_cancelled");
    assert_eq!(cancellation["subject"], format!("Your order {} was cancelled", order.id).as_str());
    assert!(cancellation["text"].as_str().expect("text").contains("over 40.93 EUR was cancelled"));
    let sent = app.settled_message(cancellation["id"].as_str().expect("id")).await;
    assert_eq!(sent["status"], "sent");
}

#[tokio::test]
async fn events_reach_the_service_through_its_subscription_exactly_once() {
    let (feed, events) = runtime::testing::fake_feed().await;
    let app = spawn_subscribed(feed).await;
    let order = order();
    let event = placed(&order);
    // Orders' feed serves the event twice (a relay replay): the inbox applies it once.
    events.lock().expect("lock").extend([event.clone(), event.clone(), cancelled(&order)]);
    let messages = eventually("both e-mails queued", || async {
        let messages = app.messages().await;
        (messages.iter().any(|m| m["template"] == "order_cancelled")).then_some(messages)
    })
    .await;
    let placed: Vec<_> = messages.iter().filter(|m| m["template"] == "order_placed").collect();
    assert_eq!(placed.len(), 1, "{messages:?}");
    assert_eq!(placed[0]["event_id"], event.id.as_str());
}

#[tokio::test]
async fn smtp_gets_the_message_when_configured() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = spawn_with(move |s| s.smtp_url = Some(runtime::settings::Secret::new(url))).await;
    let order = order();
    app.apply(&placed(&order)).await;
    let id = app.messages().await[0]["id"].as_str().expect("id").to_owned();
    let sent = app.settled_message(&id).await;
    assert_eq!(sent["status"], "sent", "{sent}");
    let data = smtp.messages.lock().expect("lock").clone();
    assert_eq!(data.len(), 1);
    assert!(data[0].contains(&format!("Subject: Your order {} is confirmed", order.id)), "{}", data[0]);
    assert!(data[0].contains("Total: 40.93 EUR"), "{}", data[0]);
    assert!(!app.maildir.exists(), "nothing written to the mail directory");
}

#[tokio::test]
async fn failed_sends_are_retried_then_given_up() {
    // A port nothing listens on: every attempt is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("smtp://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let app = spawn_with(move |s| {
        s.smtp_url = Some(runtime::settings::Secret::new(url));
        s.mail_max_attempts = 3;
    })
    .await;
    app.apply(&placed(&order())).await;
    let id = app.messages().await[0]["id"].as_str().expect("id").to_owned();
    let failed = app.settled_message(&id).await;
    assert_eq!((&failed["status"], &failed["attempts"]), (&"failed".into(), &3.into()), "{failed}");
    assert!(failed["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{failed}");
    assert!(failed["sent_at"].is_null() && failed["next_attempt_at"].is_null());

    let only_failed = app.read("/v1/messages?status=failed").await;
    assert_eq!(only_failed["data"].as_array().map(Vec::len), Some(1));
    let none_sent = app.read("/v1/messages?status=sent").await;
    assert_eq!(none_sent["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn messages_are_listed_newest_first_a_page_at_a_time() {
    let app = spawn_app().await;
    let orders: Vec<_> = (0..3).map(|_| order()).collect();
    for order in &orders {
        app.apply(&placed(order)).await;
    }
    let first = app.read("/v1/messages?limit=2").await;
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|m| m["order_id"].as_str().expect("order").to_owned())
            .collect()
    };
    assert_eq!(ids(&first), [orders[2].id.to_string(), orders[1].id.to_string()]);
    let next = first["next"].as_str().expect("a next page");
    let second = app.read(&format!("/v1/messages?limit=2&after={next}")).await;
    assert_eq!(ids(&second), [orders[0].id.to_string()]);
    assert!(second.get("next").is_none());

    let bad =
        problem(app.call(Method::GET, "/v1/messages?status=lost", None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&bad), ["status"]);
    let bad = problem(app.call(Method::GET, "/v1/messages?after=nope", None).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(fields(&bad), ["after"]);
    problem(
        app.call(Method::GET, "/v1/messages/msg_0193a4c1e7d27c3a9b1f4e2d8c6a5b40", None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
