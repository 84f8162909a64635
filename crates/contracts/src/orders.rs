//! The orders service's published language: the checkout request, orders and their history,
//! and the `order.*` events, which carry the full order snapshot.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::{CartId, CustomerId, PaymentId, ReservationId};
use crate::money::{Currency, Money};
use crate::payments::{NewCard, PaymentStatus};
use crate::pricing::{AppliedPromotion, QuoteLine, QuoteShipping};

pub use crate::ids::{CheckoutId, OrderId};

/// A postal address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Recipient, 1 to 100 characters.
    pub name: String,
    /// Street and number, 1 to 200 characters.
    pub line1: String,
    /// More of the address, at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Postal code, 1 to 20 characters.
    pub postal_code: String,
    /// City, 1 to 100 characters.
    pub city: String,
    /// Country, ISO 3166-1 alpha-2 (upper-case).
    pub country: String,
}

/// How the shopper pays: a card, through the payment provider.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutPayment {
    /// The card (never stored; only its brand and last four digits reach the payment).
    pub card: NewCard,
}

impl fmt::Debug for CheckoutPayment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckoutPayment").field("card", &self.card).finish()
    }
}

/// Body of `POST /v1/checkouts` (with an `Idempotency-Key`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckout {
    /// The cart to buy.
    pub cart_id: CartId,
    /// Where the confirmation goes, 3 to 254 characters with an `@`.
    pub email: String,
    /// Where the goods go; its country prices tax and shipping.
    pub shipping_address: Address,
    /// Shipping method (`standard`, `express`).
    pub shipping_method: String,
    /// The `signature` of the quote the shopper was shown (the cart's, for this country and
    /// method); a checkout whose prices differ is refused with 409 `price-changed`.
    pub quote_signature: String,
    /// Payment.
    pub payment: CheckoutPayment,
}

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid for (authorised) and the stock is committed; awaiting fulfilment.
    Placed,
    /// Handed to the carrier (its payment captured); no longer cancellable.
    Shipped,
    /// Cancelled before fulfilment: stock released, authorisation voided (or refunded).
    Cancelled,
}

impl OrderStatus {
    /// The status as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Shipped => "shipped",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One entry of an order's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderHistoryEntry {
    /// When (RFC 3339).
    pub at: String,
    /// What happened (`placed`, `payment_captured`, `shipped`, `cancelled`, `refunded`, …).
    pub event: String,
    /// Details for people.
    pub note: String,
}

/// An order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    /// Id (`ord_…`).
    pub id: OrderId,
    /// The checkout that placed it.
    pub checkout_id: CheckoutId,
    /// The cart it was placed from.
    pub cart_id: CartId,
    /// The customer; `null` for a guest order.
    pub customer_id: Option<CustomerId>,
    /// Confirmation e-mail address.
    pub email: String,
    /// Status.
    pub status: OrderStatus,
    /// Currency of every amount.
    pub currency: Currency,
    /// The lines as priced at checkout.
    pub lines: Vec<QuoteLine>,
    /// Sum of line subtotals.
    pub subtotal: Money,
    /// Sum of discounts.
    pub discount_total: Money,
    /// Shipping.
    pub shipping: Option<QuoteShipping>,
    /// Tax on lines and shipping.
    pub tax_total: Money,
    /// What the customer pays.
    pub total: Money,
    /// Prices contain the tax.
    pub tax_inclusive: bool,
    /// Promotions that applied.
    pub applied_promotions: Vec<AppliedPromotion>,
    /// The coupon codes of the cart.
    pub coupon_codes: Vec<String>,
    /// Where it goes.
    pub shipping_address: Address,
    /// The stock reservation (committed).
    pub reservation_id: ReservationId,
    /// The payment.
    pub payment_id: PaymentId,
    /// The payment's status as the orders service last saw it.
    pub payment_status: PaymentStatus,
    /// The parcel, once the order shipped (absent before; orders stored before shipments
    /// existed read as not shipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
    /// What happened, oldest first.
    pub history: Vec<OrderHistoryEntry>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// How an order went out: the carrier and the parcel's tracking number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Shipment {
    /// The carrier (`DHL`, `UPS`, …), 1 to 50 characters.
    pub carrier: String,
    /// The carrier's tracking number, 1 to 100 visible ASCII characters.
    pub tracking_number: String,
    /// When it was handed over (RFC 3339).
    pub shipped_at: String,
}

/// Body of `POST /v1/orders/{id}/ship` (staff).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipOrder {
    /// The carrier, 1 to 50 characters.
    pub carrier: String,
    /// The tracking number, 1 to 100 visible ASCII characters.
    pub tracking_number: String,
}

/// A page of orders.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderPage {
    /// The orders, newest first.
    pub data: Vec<Order>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `order.placed`: an order exists, paid for (authorised) with its stock committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderPlaced {
    /// The order as placed.
    pub order: Order,
}

/// `order.cancelled`: an order was cancelled; its stock went back and its payment was voided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderCancelled {
    /// The order after cancellation.
    pub order: Order,
}

/// `order.shipped`: an order was handed to the carrier; its payment is captured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderShipped {
    /// The order after shipping, with its `shipment`.
    pub order: Order,
}

impl EventType for OrderPlaced {
    const TYPE: &'static str = "order.placed";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.order.id.to_string()
    }
}

impl EventType for OrderCancelled {
    const TYPE: &'static str = "order.cancelled";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.order.id.to_string()
    }
}

impl EventType for OrderShipped {
    const TYPE: &'static str = "order.shipped";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.order.id.to_string()
    }
}
