//! Applies orders' `order.placed`, `order.shipped` and `order.cancelled`: renders the order's e-mail from its
//! template and queues it, and makes one delivery per enabled webhook subscribed to the
//! event — all in the consumer's transaction, beside the runtime's inbox row, so an event
//! queues its e-mail and deliveries exactly once. The rows are unique per event as well, so
//! applying an event twice outside the inbox changes nothing either.
//!
//! A template that fails to render (a staff edit that passed validation but breaks on a real
//! order) does not block the stream: the message is stored as `failed` with the reason, for
//! staff to see in `GET /v1/messages?status=failed`.

use contracts::EventType;
use contracts::notifications::{Message, MessageId, MessageStatus, TemplateName, WebhookEvent};
use contracts::orders::{Order, OrderCancelled, OrderPlaced, OrderShipped};
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError};

use crate::domain::templates::{self, Rendered, TemplateSource};
use crate::store::{deliveries, messages, templates as stored, webhooks};

/// The `orders` → `notifications` subscription.
#[derive(Clone, Debug, Default)]
pub struct Orders;

impl Orders {
    /// The handler.
    pub fn new() -> Self {
        Self
    }
}

impl EventHandler for Orders {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        let (template, order) = match event.event_type.as_str() {
            OrderPlaced::TYPE => (TemplateName::OrderPlaced, event.decode::<OrderPlaced>()?.order),
            OrderShipped::TYPE => (TemplateName::OrderShipped, event.decode::<OrderShipped>()?.order),
            OrderCancelled::TYPE => (TemplateName::OrderCancelled, event.decode::<OrderCancelled>()?.order),
            _ => return Ok(()),
        };
        queue_email(tx, event, template, &order).await?;
        make_deliveries(tx, event).await?;
        Ok(())
    }
}

async fn queue_email(tx: &mut Tx, event: &Event, name: TemplateName, order: &Order) -> Result<(), HandlerError> {
    let source = match stored::find(tx, name).await? {
        Some(t) => TemplateSource { subject: t.subject, text: t.text, html: t.html },
        None => templates::default_source(name),
    };
    let now = runtime::db::now();
    let (rendered, status, error, next) = match templates::render(&source, order) {
        Ok(rendered) => (rendered, MessageStatus::Queued, None, Some(now.clone())),
        Err(err) => {
            tracing::warn!(event_id = %event.id, template = name.as_str(), error = %err, "e-mail template failed to render");
            let empty = Rendered { subject: String::new(), text: String::new(), html: String::new() };
            (empty, MessageStatus::Failed, Some(err.to_string()), None)
        }
    };
    let message = Message {
        id: MessageId::generate(),
        template: name,
        event_id: event.id.clone(),
        order_id: Some(order.id.to_string()),
        to: order.email.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        status,
        attempts: 0,
        next_attempt_at: next,
        last_error: error,
        created_at: now,
        sent_at: None,
    };
    if messages::insert(tx, &message).await? {
        tracing::info!(message_id = %message.id, event_id = %event.id, order_id = %order.id, template = name.as_str(), "e-mail queued");
    }
    Ok(())
}

async fn make_deliveries(tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
    let subscribed = webhooks::subscribed(tx, &event.event_type).await?;
    if subscribed.is_empty() {
        return Ok(());
    }
    let envelope = WebhookEvent {
        specversion: "1.0".into(),
        id: event.id.clone(),
        source: event.source.clone(),
        event_type: event.event_type.clone(),
        subject: event.subject.clone(),
        time: event.time.clone(),
        datacontenttype: "application/json".into(),
        schemaversion: event.schemaversion,
        data: event.data.clone(),
    };
    let payload = serde_json::to_string(&envelope)?;
    for webhook in subscribed {
        if deliveries::insert(tx, &webhook.id, &event.id, &event.event_type, &payload).await? {
            tracing::info!(webhook_id = %webhook.id, event_id = %event.id, "webhook delivery made");
        }
    }
    Ok(())
}
