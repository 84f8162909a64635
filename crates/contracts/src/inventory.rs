//! The inventory service's published language: locations, stock levels, availability,
//! reservations, and the `stock.*` and `reservation.*` events.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::{LocationId, ReservationId, Sku};

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

/// One line of `POST /v1/reservations`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReservationLine {
    /// SKU (unique within the request).
    pub sku: String,
    /// Units to hold, 1 to 1,000.
    pub quantity: i64,
}

/// Body of `POST /v1/reservations`: hold stock for every line, or for none.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReservation {
    /// The caller's reference (the checkout id), 1 to 100 visible characters.
    pub reference: String,
    /// 1 to 100 lines.
    pub lines: Vec<NewReservationLine>,
    /// How long the stock is held unless committed or released, 1 to 3,600 seconds
    /// (default 900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<i64>,
}

/// Where a reservation's status stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    /// The stock is held until `expires_at`.
    Held,
    /// The units left stock (the order was placed).
    Committed,
    /// The caller let the units go.
    Released,
    /// Nobody committed or released it in time; the units went back.
    Expired,
    /// The order was cancelled after the commit; its units went back on hand.
    Returned,
}

impl ReservationStatus {
    /// The status as it appears in JSON (`held`, `committed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Held => "held",
            ReservationStatus::Committed => "committed",
            ReservationStatus::Released => "released",
            ReservationStatus::Expired => "expired",
            ReservationStatus::Returned => "returned",
        }
    }
}

/// Units of a reservation line held at one location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationAllocation {
    /// Location code.
    pub location: String,
    /// Units held there.
    pub quantity: i64,
}

/// One line of a reservation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationLine {
    /// SKU.
    pub sku: Sku,
    /// Units held in all.
    pub quantity: i64,
    /// Where they are held, one location when one could serve the whole line.
    pub allocations: Vec<ReservationAllocation>,
}

/// Stock held for a checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    /// Id.
    pub id: ReservationId,
    /// The caller's reference (the checkout id).
    pub reference: String,
    /// Status.
    pub status: ReservationStatus,
    /// When a held reservation lapses (RFC 3339).
    pub expires_at: String,
    /// The lines, in request order.
    pub lines: Vec<ReservationLine>,
}

/// A line that could not be served, in the `lines` member of an `insufficient-stock` problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InsufficientLine {
    /// SKU.
    pub sku: Sku,
    /// Units asked for.
    pub requested: i64,
    /// Units available across all locations (0 for an unknown SKU).
    pub available: i64,
}

/// `reservation.held`: stock was reserved for a checkout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationHeld {
    /// The reservation as held.
    pub reservation: Reservation,
}

/// `reservation.committed`: a reservation's units left stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationCommitted {
    /// The reservation after the commit.
    pub reservation: Reservation,
}

/// `reservation.released`: a reservation's units went back to available stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationReleased {
    /// The reservation after the release.
    pub reservation: Reservation,
}

/// `reservation.expired`: a reservation lapsed and its units went back to available stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationExpired {
    /// The reservation after it lapsed.
    pub reservation: Reservation,
}

/// `reservation.returned`: the order of a committed reservation was cancelled and its units
/// went back on hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReservationReturned {
    /// The reservation after the return.
    pub reservation: Reservation,
}

macro_rules! reservation_event {
    ($name:ident, $type:literal) => {
        impl EventType for $name {
            const TYPE: &'static str = $type;
            const VERSION: u32 = 1;
            fn subject(&self) -> String {
                self.reservation.id.to_string()
            }
        }
    };
}

reservation_event!(ReservationHeld, "reservation.held");
reservation_event!(ReservationCommitted, "reservation.committed");
reservation_event!(ReservationReleased, "reservation.released");
reservation_event!(ReservationExpired, "reservation.expired");
reservation_event!(ReservationReturned, "reservation.returned");
