//! The pricing service's published language: price lists and their tiered prices,
//! promotions and coupons, shipping rates, tax rules, quotes, and the `price.changed` event.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::Sku;
use crate::money::{Currency, Money};

pub use crate::ids::{PriceListId, PromotionId, ShippingRateId};

/// One volume tier of a price: from `min_quantity` units on, each costs `unit_amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The smallest quantity the tier applies to (the first tier starts at 1).
    pub min_quantity: i64,
    /// The price of one unit, in the price list's currency.
    pub unit_amount: Money,
}

/// Body of `POST /v1/price-lists`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriceList {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// The currency of every price in the list.
    pub currency: Currency,
    /// Only for this customer group; absent for everyone.
    #[serde(default)]
    pub customer_group: Option<String>,
    /// Higher wins; 0 to 1,000,000 (default 0).
    #[serde(default)]
    pub priority: i64,
    /// Valid from (RFC 3339); absent: always was.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Valid until (RFC 3339, exclusive); absent: no end.
    #[serde(default)]
    pub valid_to: Option<String>,
}

/// A price list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceList {
    /// Id (`pl_…`).
    pub id: PriceListId,
    /// Display name.
    pub name: String,
    /// Currency of its prices.
    pub currency: Currency,
    /// The customer group it is for, or `null` for everyone.
    pub customer_group: Option<String>,
    /// Higher wins.
    pub priority: i64,
    /// Valid from.
    pub valid_from: Option<String>,
    /// Valid until (exclusive).
    pub valid_to: Option<String>,
    /// Creation time.
    pub created_at: String,
}

/// A page of price lists.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PriceListPage {
    /// The price lists.
    pub data: Vec<PriceList>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Body of `PUT /v1/price-lists/{id}/prices/{sku}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPrice {
    /// 1 to 20 tiers, the first from quantity 1, increasing.
    pub tiers: Vec<Tier>,
}

/// A line of `POST /v1/price-lists/{id}/prices`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBatchItem {
    /// The SKU.
    pub sku: String,
    /// 1 to 20 tiers, the first from quantity 1, increasing.
    pub tiers: Vec<Tier>,
}

/// Body of `POST /v1/price-lists/{id}/prices`: all lines apply, or none.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBatch {
    /// Up to 1,000 lines, each SKU once.
    pub items: Vec<PriceBatchItem>,
}

/// Prices as set by a batch, in the batch's order.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PriceSet {
    /// The prices.
    pub data: Vec<Price>,
}

/// The price of a SKU in a price list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Price {
    /// The price list.
    pub price_list_id: PriceListId,
    /// The SKU.
    pub sku: Sku,
    /// Its tiers, by increasing `min_quantity`.
    pub tiers: Vec<Tier>,
    /// Last change.
    pub updated_at: String,
}

/// What a promotion takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PromotionKind {
    /// `value` basis points off the order subtotal.
    OrderPercent,
    /// `value` (money) off the order subtotal.
    OrderFixed,
    /// `value` basis points off the target SKUs' lines.
    ProductPercent,
    /// `value` (money) off each unit of the target SKUs.
    ProductFixed,
    /// `value` basis points off the lines of SKUs in the target category.
    CategoryPercent,
    /// `value` (money) off each unit of SKUs in the target category.
    CategoryFixed,
    /// For each complete group of `buy + get` units of a target SKU, `get` units are free.
    BuyXGetY,
}

/// The amount of a promotion: basis points (percent kinds), money (fixed kinds), or
/// `{ buy, get }` (`buy_x_get_y`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PromotionValue {
    /// Basis points, 1 to 10,000.
    BasisPoints(i64),
    /// An amount.
    Amount(Money),
    /// Buy `buy`, get `get` free.
    BuyGet(BuyGet),
}

/// `buy_x_get_y`'s numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyGet {
    /// Units paid for per group, 1 to 100.
    pub buy: i64,
    /// Units free per group, 1 to 100.
    pub get: i64,
}

/// What a promotion applies to (product kinds and `buy_x_get_y`: `skus`; category kinds:
/// `category`; order kinds: nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionTarget {
    /// SKUs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<String>,
    /// A category slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Body of `POST /v1/promotions`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPromotion {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// What it takes off.
    pub kind: PromotionKind,
    /// How much.
    pub value: PromotionValue,
    /// What it applies to.
    #[serde(default)]
    pub target: Option<PromotionTarget>,
    /// Starts (RFC 3339); absent: already started.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// Ends (RFC 3339, exclusive); absent: no end.
    #[serde(default)]
    pub ends_at: Option<String>,
    /// Applies only through a coupon (otherwise automatically).
    #[serde(default)]
    pub coupon_required: bool,
}

/// A promotion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Promotion {
    /// Id (`promo_…`).
    pub id: PromotionId,
    /// Display name.
    pub name: String,
    /// What it takes off.
    pub kind: PromotionKind,
    /// How much.
    pub value: PromotionValue,
    /// What it applies to.
    pub target: Option<PromotionTarget>,
    /// Starts.
    pub starts_at: Option<String>,
    /// Ends (exclusive).
    pub ends_at: Option<String>,
    /// Applies only through a coupon.
    pub coupon_required: bool,
    /// Creation time.
    pub created_at: String,
}

/// A page of promotions.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PromotionPage {
    /// The promotions.
    pub data: Vec<Promotion>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Body of `POST /v1/coupons`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoupon {
    /// 3 to 32 letters, digits and `-`; case-insensitive (stored upper-case).
    pub code: String,
    /// The promotion it unlocks.
    pub promotion_id: PromotionId,
    /// How many orders may redeem it; absent: unlimited.
    #[serde(default)]
    pub usage_limit: Option<i64>,
    /// Valid from (RFC 3339).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Valid until (RFC 3339, exclusive).
    #[serde(default)]
    pub valid_to: Option<String>,
}

/// A coupon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Coupon {
    /// The code, upper-case.
    pub code: String,
    /// The promotion it unlocks.
    pub promotion_id: PromotionId,
    /// How many orders may redeem it.
    pub usage_limit: Option<i64>,
    /// How many have.
    pub used: i64,
    /// Valid from.
    pub valid_from: Option<String>,
    /// Valid until (exclusive).
    pub valid_to: Option<String>,
    /// Creation time.
    pub created_at: String,
}

/// The answer of `POST /v1/coupons/{code}/redemptions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Redemption {
    /// The coupon.
    pub code: String,
    /// The order (the `Idempotency-Key`).
    pub order_id: String,
    /// When.
    pub redeemed_at: String,
}

/// Body of `POST /v1/shipping-rates`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShippingRate {
    /// Method (`standard`, `express`): 1 to 32 lower-case letters, digits, `-`, `_`.
    pub method: String,
    /// Destination countries (ISO 3166-1 alpha-2), 1 to 250.
    pub countries: Vec<String>,
    /// The rate's price.
    pub amount: Money,
    /// Free when the discounted goods total reaches this.
    #[serde(default)]
    pub free_over: Option<Money>,
}

/// A shipping rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShippingRate {
    /// Id (`shr_…`).
    pub id: ShippingRateId,
    /// Method.
    pub method: String,
    /// Destination countries.
    pub countries: Vec<String>,
    /// Price.
    pub amount: Money,
    /// Free from this goods total.
    pub free_over: Option<Money>,
    /// Creation time.
    pub created_at: String,
}

/// A page of shipping rates.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ShippingRatePage {
    /// The rates.
    pub data: Vec<ShippingRate>,
    /// Cursor of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Body of `PUT /v1/tax-rules/{country}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTaxRule {
    /// Rate in basis points (1,900 = 19 %), 0 to 10,000.
    pub rate_bp: i64,
    /// Prices already contain the tax (EU B2C) rather than having it added (US).
    pub inclusive: bool,
}

/// The tax rule of a destination country.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxRule {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Rate in basis points.
    pub rate_bp: i64,
    /// Prices contain the tax.
    pub inclusive: bool,
    /// Last change.
    pub updated_at: String,
}

/// One line of a quote request.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineRequest {
    /// The SKU (once per quote).
    pub sku: String,
    /// 1 to 1,000.
    pub quantity: i64,
}

/// Body of `POST /v1/quotes`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The currency to price in.
    pub currency: Currency,
    /// The shopper's customer group, if any.
    #[serde(default)]
    pub customer_group: Option<String>,
    /// Destination country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Shipping method; absent: no shipping in the quote.
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// Coupon codes (at most 10; at most one applies).
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// 1 to 100 lines.
    pub lines: Vec<QuoteLineRequest>,
}

/// A priced line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteLine {
    /// The SKU.
    pub sku: Sku,
    /// Units.
    pub quantity: i64,
    /// Price of one unit (its tier).
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub subtotal: Money,
    /// Every discount on the line, order-level shares included.
    pub discount: Money,
    /// `subtotal − discount`.
    pub total: Money,
    /// Tax on `total` (contained in it when `tax_inclusive`).
    pub tax: Money,
}

/// The shipping of a quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuoteShipping {
    /// Method.
    pub method: String,
    /// Price (zero over the free threshold).
    pub amount: Money,
}

/// A promotion that took something off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppliedPromotion {
    /// Id.
    pub id: PromotionId,
    /// Name.
    pub name: String,
    /// How much it took off.
    pub amount: Money,
}

/// Why a coupon did not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouponRejection {
    /// No such coupon.
    Unknown,
    /// Outside its (or its promotion's) validity window.
    Expired,
    /// Its usage limit is reached.
    Exhausted,
    /// Nothing in the cart qualifies.
    NotApplicable,
    /// Another coupon already applies (at most one per quote).
    OneCouponOnly,
}

/// A coupon that did not apply, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RejectedCoupon {
    /// The code as sent.
    pub code: String,
    /// Why.
    pub reason: CouponRejection,
}

/// The answer of `POST /v1/quotes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    /// Currency of every amount.
    pub currency: Currency,
    /// The lines, in request order.
    pub lines: Vec<QuoteLine>,
    /// Sum of line subtotals.
    pub subtotal: Money,
    /// Sum of line discounts.
    pub discount_total: Money,
    /// Shipping, when a method was asked for.
    pub shipping: Option<QuoteShipping>,
    /// Tax on lines and shipping.
    pub tax_total: Money,
    /// What the customer pays: line totals + shipping (+ tax when exclusive).
    pub total: Money,
    /// Prices contain the tax.
    pub tax_inclusive: bool,
    /// Promotions that took something off.
    pub applied_promotions: Vec<AppliedPromotion>,
    /// Coupons that did not apply.
    pub rejected_coupons: Vec<RejectedCoupon>,
    /// SKUs without a price (the quote is then a 422).
    pub unpriced_skus: Vec<String>,
    /// Hex SHA-256 of everything above: equal signatures, equal prices.
    pub signature: String,
}

/// A price was set (`price.changed`, version 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriceChanged {
    /// The SKU.
    pub sku: Sku,
    /// The price list's currency.
    pub currency: Currency,
    /// The price list.
    pub price_list_id: PriceListId,
    /// The new tiers.
    pub tiers: Vec<Tier>,
}

impl EventType for PriceChanged {
    const TYPE: &'static str = "price.changed";
    const VERSION: u32 = 1;
    fn subject(&self) -> String {
        self.sku.to_string()
    }
}

/// The current price of one SKU for a shopper: the winning price list's tiers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkuPrice {
    /// The SKU.
    pub sku: Sku,
    /// The price list that wins (highest priority valid now, for the customer group).
    pub price_list_id: PriceListId,
    /// The price of one unit (the first tier).
    pub unit_price: Money,
    /// Every volume tier, by increasing `min_quantity`.
    pub tiers: Vec<Tier>,
}

/// The answer of `GET /v1/prices`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SkuPrices {
    /// The SKUs with a price, in request order.
    pub data: Vec<SkuPrice>,
    /// The SKUs asked for that have no price in the currency.
    pub unpriced: Vec<String>,
}
