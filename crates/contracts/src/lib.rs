//! The published language between Mercato services: what crosses a service boundary.
//!
//! - [`ids`]: typed, prefixed ids (`prod_…`, `var_…`) and the validated [`ids::Sku`].
//! - [`money`]: [`money::Money`] in integer minor units, with the one rounding rule.
//! - [`cart`], [`catalog`], [`identity`], [`inventory`], [`notifications`], [`orders`], [`payments`],
//!   [`pricing`], [`search`], and the gateway's composed [`pages`]: each service's API bodies and
//!   the events it publishes, one module per owning service.
//!
//! Invariant: everything here changes only additively. Every published event version keeps
//! a JSON fixture in `tests/fixtures` that the current types must still read.

pub mod cart;
pub mod catalog;
pub mod identity;
pub mod ids;
pub mod inventory;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod pages;
pub mod payments;
pub mod pricing;
pub mod search;

/// An event type published by a service: its name, schema version and subject.
pub trait EventType: serde::Serialize + serde::de::DeserializeOwned {
    /// Past-tense name, `<entity>.<what happened>`.
    const TYPE: &'static str;
    /// Schema version of the payload.
    const VERSION: u32;
    /// The id of the entity the event is about.
    fn subject(&self) -> String;
}
