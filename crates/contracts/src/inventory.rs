//! The inventory service's published language: locations, stock levels, availability, and
//! the `stock.*` events.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::{LocationId, Sku};

/// What kind of place holds stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// A warehouse shipping online orders.
    Warehouse,
    /// A physical store.
    Store,
}

/// A stock location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Location {
    /// Id.
    pub id: LocationId,
    /// Short unique code (`berlin-dc`), used in URLs.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: LocationKind,
}

/// Body of `POST /v1/locations`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    /// Code: 2–40 lowercase letters, digits and `-`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: LocationKind,
}

/// All locations.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LocationList {
    /// The locations.
    pub data: Vec<Location>,
}

/// Stock of one SKU at one location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StockLevel {
    /// SKU.
    pub sku: Sku,
    /// Location code.
    pub location: String,
    /// Physically there.
    pub on_hand: i64,
    /// Promised to checkouts in progress.
    pub reserved: i64,
    /// On hand minus reserved: what can still be sold.
    pub available: i64,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// A page of stock levels.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StockList {
    /// The stock levels.
    pub data: Vec<StockLevel>,
    /// Cursor for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Available-to-promise of one SKU at one location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LocationAvailability {
    /// Location code.
    pub location: String,
    /// Location name.
    pub name: String,
    /// On hand.
    pub on_hand: i64,
    /// Reserved.
    pub reserved: i64,
    /// Available to promise.
    pub available: i64,
}

/// Available-to-promise of one SKU across locations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Availability {
    /// SKU.
    pub sku: Sku,
    /// Whether inventory knows the SKU yet (it learns SKUs from catalog events).
    pub known: bool,
    /// Total available to promise.
    pub available: i64,
    /// Per location.
    pub locations: Vec<LocationAvailability>,
}

/// Answer of `GET /v1/availability`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityList {
    /// One entry per requested SKU, in request order.
    pub data: Vec<Availability>,
}

/// Body of `PUT /v1/stock/{sku}/{location}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetStock {
    /// New on-hand quantity (zero or more, and not below what is reserved).
    pub on_hand: i64,
}

/// One line of a batch stock update.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockBatchItem {
    /// SKU.
    pub sku: String,
    /// Location code.
    pub location: String,
    /// New on-hand quantity.
    pub on_hand: i64,
}

/// Body of `POST /v1/stock/batch`: all lines apply, or none.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockBatch {
    /// Up to 1,000 lines.
    pub items: Vec<StockBatchItem>,
}

/// `stock.changed`: the stock of a SKU at a location changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StockChanged {
    /// SKU.
    pub sku: Sku,
    /// Location code.
    pub location: String,
    /// On hand after the change.
    pub on_hand: i64,
    /// Reserved after the change.
    pub reserved: i64,
    /// Available after the change.
    pub available: i64,
}

impl EventType for StockChanged {
    const TYPE: &'static str = "stock.changed";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.sku.to_string()
    }
}
