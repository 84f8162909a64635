//! The notifications service's published language: e-mail templates and the messages
//! rendered from them, merchant webhooks, their deliveries, and the envelope and headers a
//! webhook receiver gets.
//!
//! The service publishes no events; what it sends leaves the platform (e-mail, merchants'
//! HTTPS endpoints), so the envelope ([`WebhookEvent`]) and the signature scheme
//! ([`SIGNATURE_HEADER`]) are part of this contract too.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::ids::{DeliveryId, MessageId, WebhookId};

/// Header carrying a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, the
/// HMAC keyed with the webhook's secret over `"<t>.<body>"`.
pub const SIGNATURE_HEADER: &str = "Mercato-Signature";
/// Header carrying the event's id (the same for every attempt and every endpoint): receivers
/// de-duplicate on it.
pub const EVENT_ID_HEADER: &str = "Mercato-Event-Id";
/// Header carrying the delivery's id (one per event and endpoint).
pub const DELIVERY_ID_HEADER: &str = "Mercato-Delivery-Id";
/// Header carrying the event's type.
pub const EVENT_TYPE_HEADER: &str = "Mercato-Event-Type";

/// A template's name: which e-mail it renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TemplateName {
    /// The order confirmation, rendered from `order.placed`.
    OrderPlaced,
    /// The cancellation notice, rendered from `order.cancelled`.
    OrderCancelled,
    /// The shipment notice with the tracking number, rendered from `order.shipped`.
    OrderShipped,
}

impl TemplateName {
    /// Every template, in listing order.
    pub const ALL: [TemplateName; 3] =
        [TemplateName::OrderPlaced, TemplateName::OrderShipped, TemplateName::OrderCancelled];

    /// The name as it appears on the wire and in paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderPlaced => "order_placed",
            Self::OrderCancelled => "order_cancelled",
            Self::OrderShipped => "order_shipped",
        }
    }

    /// The template called `name`, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The event whose order snapshot the template renders.
    pub fn event_type(self) -> &'static str {
        match self {
            Self::OrderPlaced => "order.placed",
            Self::OrderCancelled => "order.cancelled",
            Self::OrderShipped => "order.shipped",
        }
    }
}

/// An e-mail template: minijinja syntax, rendered with one variable, `order` (the order
/// snapshot of the event, as in `contracts::orders::Order`), and the filter `money`
/// (`{{ order.total | money }}` → `42.50 EUR`). `html` is HTML-escaped automatically.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Template {
    /// Which e-mail.
    pub name: TemplateName,
    /// The event it is rendered from.
    pub event_type: String,
    /// Subject line (rendered, then cut to one line).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body; empty for a plain-text-only e-mail.
    pub html: String,
    /// Increases with every change; the `ETag`.
    pub version: i64,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// All templates.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TemplateList {
    /// Every template, in a fixed order.
    pub data: Vec<Template>,
}

/// Body of `PUT /v1/templates/{name}`: the whole template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateUpdate {
    /// Subject line, at most 64 KiB of template source.
    pub subject: String,
    /// Plain-text body, at most 64 KiB of template source.
    pub text: String,
    /// HTML body, at most 64 KiB of template source; `""` for plain text only.
    #[serde(default)]
    pub html: String,
}

/// Where an e-mail message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// Handed to the SMTP server (or written to the mail directory).
    Sent,
    /// Given up: attempts exhausted, a permanent refusal, or a template that failed to render.
    Failed,
}

impl MessageStatus {
    /// The status as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// The status called `text`, if there is one.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Sent, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// An e-mail message, rendered when its event was consumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    /// Id (`msg_…`); also the file name in the mail directory (`<id>.eml`).
    pub id: MessageId,
    /// The template it was rendered from.
    pub template: TemplateName,
    /// The event it was rendered for.
    pub event_id: String,
    /// The order it is about.
    pub order_id: Option<String>,
    /// Recipient address.
    pub to: String,
    /// Rendered subject.
    pub subject: String,
    /// Rendered plain-text body.
    pub text: String,
    /// Rendered HTML body (empty: plain text only).
    pub html: String,
    /// Status.
    pub status: MessageStatus,
    /// Delivery attempts made.
    pub attempts: i64,
    /// When the next attempt is due (queued messages).
    pub next_attempt_at: Option<String>,
    /// Why the last attempt (or the rendering) failed.
    pub last_error: Option<String>,
    /// When it was rendered and queued.
    pub created_at: String,
    /// When it was sent.
    pub sent_at: Option<String>,
}

/// A page of messages, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    /// The messages.
    pub data: Vec<Message>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Body of `POST /v1/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are POSTed: `https://` (or `http://`), no user info, at most 2,000
    /// characters, not a loopback, private, link-local or unspecified address.
    pub url: String,
    /// Event types to receive (`order.placed`, `order.shipped`, `order.cancelled`), 1 to 20.
    pub event_types: Vec<String>,
    /// For people, at most 500 characters.
    #[serde(default)]
    pub description: Option<String>,
}

/// Body of `PATCH /v1/webhooks/{id}`: only the fields present change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    /// New endpoint URL (same rules as on creation).
    #[serde(default)]
    pub url: Option<String>,
    /// New event types.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// New description (`""` removes it).
    #[serde(default)]
    pub description: Option<String>,
    /// `false` pauses the endpoint: no new deliveries are made for it and pending ones wait;
    /// `true` resumes it.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A webhook endpoint (its secret is shown once, on creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    /// Id (`wh_…`).
    pub id: WebhookId,
    /// Endpoint URL.
    pub url: String,
    /// Event types it receives.
    pub event_types: Vec<String>,
    /// For people.
    pub description: Option<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// The answer to `POST /v1/webhooks`: the webhook and its signing secret, shown only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`): the HMAC-SHA256 key of `Mercato-Signature`. Store it
    /// now; it is never shown again.
    pub secret: String,
}

/// A page of webhooks, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookPage {
    /// The webhooks.
    pub data: Vec<Webhook>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Attempts exhausted.
    Failed,
}

impl DeliveryStatus {
    /// The status as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// The status called `text`, if there is one.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed].into_iter().find(|s| s.as_str() == text)
    }
}

/// One event on its way to one webhook endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// Id (`dlv_…`), sent as `Mercato-Delivery-Id`.
    pub id: DeliveryId,
    /// The endpoint.
    pub webhook_id: WebhookId,
    /// The event, sent as `Mercato-Event-Id`.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// Status.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// HTTP status of the last answer, if the endpoint answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<String>,
    /// Creation time (when the event was consumed).
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// When the endpoint accepted it.
    pub delivered_at: Option<String>,
}

/// A page of deliveries, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    /// The deliveries.
    pub data: Vec<Delivery>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a webhook endpoint receives: the platform event in a CloudEvents 1.0 envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// The event's id (`evt_…`), also in `Mercato-Event-Id`: the same on every retry.
    pub id: String,
    /// `/mercato/<service>`.
    pub source: String,
    /// `order.placed`, `order.shipped`, `order.cancelled`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The entity it happened to (`ord_…`).
    pub subject: String,
    /// When it happened (RFC 3339).
    pub time: String,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// Version of `data`'s schema.
    pub schemaversion: i64,
    /// The payload, as published (`{ "order": { … } }` for `order.*`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}
