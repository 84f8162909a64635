//! The CloudEvents 1.0 JSON envelope every event travels in.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A published event, as consumers receive it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Event {
    /// Always `1.0`.
    pub specversion: String,
    /// Unique id (`evt_…`); consumers de-duplicate on it.
    pub id: String,
    /// `/mercato/<service>`.
    pub source: String,
    /// What happened, past tense: `product.created`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The entity it happened to (`prod_…`).
    pub subject: String,
    /// When it happened (RFC 3339).
    pub time: String,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// Version of `data`'s schema; changes only additively within a version.
    pub schemaversion: i64,
    /// The trace the change was made in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// Position in the producer's outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// The payload.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl Event {
    /// Decodes the payload into the consumer's view of it.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }

    /// The producing service's name.
    pub fn source_service(&self) -> &str {
        self.source.rsplit('/').next().unwrap_or(&self.source)
    }
}

/// An event about to be written to the outbox.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub(crate) event_type: String,
    pub(crate) schema_version: i64,
    pub(crate) subject: String,
    pub(crate) data: serde_json::Value,
}

impl NewEvent {
    /// An event of `event_type` (schema `schema_version`) about `subject`.
    pub fn new(
        event_type: &str,
        schema_version: u32,
        subject: impl Into<String>,
        data: &impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            event_type: event_type.to_owned(),
            schema_version: i64::from(schema_version),
            subject: subject.into(),
            data: serde_json::to_value(data)?,
        })
    }
}
