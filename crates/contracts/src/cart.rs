//! The cart service's published language: carts and their lines, the bodies of its API, and
//! the `cart.*` events.
//!
//! A cart holds what the shopper chose (SKUs and quantities) and where it goes (country,
//! shipping method, coupons); its prices are never stored but asked of pricing on every read,
//! so the cart always shows what the checkout will charge.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::{CustomerId, Sku};
use crate::money::Currency;
use crate::pricing::Quote;

pub use crate::ids::CartId;

/// Where a cart stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CartStatus {
    /// Being filled; can change.
    Active,
    /// Merged into the customer's cart on login; read-only.
    Merged,
    /// An order was placed from it; read-only.
    Converted,
}

impl CartStatus {
    /// The status as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Merged => "merged",
            Self::Converted => "converted",
        }
    }
}

/// Body of `POST /v1/carts` (every field optional).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCart {
    /// Currency to price in (default `EUR`).
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Destination country, ISO 3166-1 alpha-2 (default `DE`).
    #[serde(default)]
    pub country: Option<String>,
    /// Shipping method (`standard`, `express`); absent: no shipping priced yet.
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// Coupon codes, at most 10.
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// Initial lines, at most 100.
    #[serde(default)]
    pub lines: Vec<NewCartLine>,
}

/// Body of `PATCH /v1/carts/{id}`: only the fields present change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CartUpdate {
    /// Destination country.
    #[serde(default)]
    pub country: Option<String>,
    /// Shipping method; `""` removes it.
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// Replaces the coupon codes.
    #[serde(default)]
    pub coupon_codes: Option<Vec<String>>,
}

/// Body of `POST /v1/carts/{id}/lines`: adds `quantity` units (to an existing line of the SKU).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCartLine {
    /// The SKU.
    pub sku: String,
    /// Units to add, 1 to 1,000 (the line's total at most 1,000).
    pub quantity: i64,
}

/// Body of `PUT /v1/carts/{id}/lines/{sku}`: sets the line's quantity (0 removes it).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCartLine {
    /// Units, 0 to 1,000.
    pub quantity: i64,
}

/// Body of `POST /v1/carts/{id}/merge`: moves a guest cart's lines into the caller's cart.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeCart {
    /// The guest cart to merge from.
    pub guest_cart_id: CartId,
}

/// A line of a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CartLine {
    /// The SKU.
    pub sku: Sku,
    /// Units.
    pub quantity: i64,
}

/// A cart, with its current prices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cart {
    /// Id (`cart_…`).
    pub id: CartId,
    /// The owning customer; `null` for a guest cart.
    pub customer_id: Option<CustomerId>,
    /// Status.
    pub status: CartStatus,
    /// Currency.
    pub currency: Currency,
    /// Destination country.
    pub country: String,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Coupon codes.
    pub coupon_codes: Vec<String>,
    /// Lines, in the order they were first added.
    pub lines: Vec<CartLine>,
    /// What pricing says the cart costs now; `null` when the cart is empty or pricing could
    /// not answer (then `degraded` says so).
    pub quote: Option<Quote>,
    /// Parts that could not be shown (`pricing`).
    #[serde(default)]
    pub degraded: Vec<String>,
    /// Optimistic-concurrency version (also the `ETag`).
    pub version: i64,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// `cart.merged`: a guest cart's lines moved into a customer's cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CartMerged {
    /// The guest cart (now `merged`).
    pub guest_cart_id: CartId,
    /// The customer's cart.
    pub cart_id: CartId,
    /// The customer.
    pub customer_id: CustomerId,
}

impl EventType for CartMerged {
    const TYPE: &'static str = "cart.merged";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.cart_id.to_string()
    }
}

/// `cart.converted`: an order was placed from the cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CartConverted {
    /// The cart.
    pub cart_id: CartId,
    /// The order's id.
    pub order_id: String,
}

impl EventType for CartConverted {
    const TYPE: &'static str = "cart.converted";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.cart_id.to_string()
    }
}
