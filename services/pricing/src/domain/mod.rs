//! The pricing rules, without IO: validation of what staff send (parse, then act), price
//! resolution, and the quote engine ([`quote`]).

pub mod quote;

use contracts::ids::Sku;
use contracts::money::{Currency, Money};
use contracts::pricing::{
    BuyGet, NewCoupon, NewPriceList, NewPromotion, NewShippingRate, PromotionKind, PromotionTarget, PromotionValue,
    QuoteRequest, SetPrice, SetTaxRule, Tier,
};
use runtime::http::FieldError;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The largest unit price or fixed amount accepted, in minor units: with at most 1,000 units
/// on each of at most 100 lines no sum can overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// Most tiers in one price.
pub const MAX_TIERS: usize = 20;
/// Most lines in a quote.
pub const MAX_LINES: usize = 100;
/// Most units on a quote line.
pub const MAX_QUANTITY: i64 = 1_000;
/// Most coupon codes in a quote.
pub const MAX_COUPONS: usize = 10;

/// Whether `now` lies in `[from, to)` (stored timestamps: text order is time order).
pub fn active(from: Option<&str>, to: Option<&str>, now: &str) -> bool {
    from.is_none_or(|f| f <= now) && to.is_none_or(|t| now < t)
}

fn name(field: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 100 {
        errors.push(FieldError::new(field, "must be 1 to 100 characters"));
    }
    trimmed.to_owned()
}

/// Parses an RFC 3339 time into the stored form.
fn instant(field: &str, value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value?;
    match OffsetDateTime::parse(value, &Rfc3339) {
        Ok(at) => Some(runtime::db::timestamp(at)),
        Err(_) => {
            errors.push(FieldError::new(field, "must be an RFC 3339 time"));
            None
        }
    }
}

fn window(
    (from_field, from): (&str, Option<&str>),
    (to_field, to): (&str, Option<&str>),
    errors: &mut Vec<FieldError>,
) -> (Option<String>, Option<String>) {
    let from = instant(from_field, from, errors);
    let to = instant(to_field, to, errors);
    if let (Some(f), Some(t)) = (&from, &to)
        && f >= t
    {
        errors.push(FieldError::new(to_field, format!("must be after `{from_field}`")));
    }
    (from, to)
}

/// A customer group: 1 to 64 letters, digits, `-` and `_`.
pub fn valid_group(group: &str) -> bool {
    !group.is_empty()
        && group.len() <= 64
        && group.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// An ISO 3166-1 alpha-2 code: two upper-case letters.
pub fn valid_country(country: &str) -> bool {
    country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())
}

/// A coupon code, normalised to upper case, if it is 3 to 32 letters, digits and `-`.
pub fn coupon_code(code: &str) -> Option<String> {
    let upper = code.to_ascii_uppercase();
    let ok = (3..=32).contains(&upper.len())
        && upper.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some(upper)
}

fn amount(field: &str, money: Money, currency: Option<Currency>, zero_ok: bool, errors: &mut Vec<FieldError>) {
    let low = if zero_ok { 0 } else { 1 };
    if !(low..=MAX_AMOUNT).contains(&money.amount) {
        errors.push(FieldError::new(format!("{field}.amount"), format!("must be between {low} and {MAX_AMOUNT}")));
    }
    if let Some(currency) = currency
        && money.currency != currency
    {
        errors.push(FieldError::new(format!("{field}.currency"), format!("must be {currency}")));
    }
}

/// A valid `POST /v1/price-lists` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidPriceList {
    /// Name.
    pub name: String,
    /// Currency.
    pub currency: Currency,
    /// Customer group.
    pub customer_group: Option<String>,
    /// Priority.
    pub priority: i64,
    /// Valid from (stored form).
    pub valid_from: Option<String>,
    /// Valid until (stored form).
    pub valid_to: Option<String>,
}

impl ValidPriceList {
    /// Validates a new price list.
    pub fn parse(dto: NewPriceList) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = name("name", &dto.name, &mut errors);
        if dto.customer_group.as_deref().is_some_and(|g| !valid_group(g)) {
            errors.push(FieldError::new("customer_group", "must be 1 to 64 letters, digits, '-' or '_'"));
        }
        if !(0..=1_000_000).contains(&dto.priority) {
            errors.push(FieldError::new("priority", "must be between 0 and 1000000"));
        }
        let (valid_from, valid_to) =
            window(("valid_from", dto.valid_from.as_deref()), ("valid_to", dto.valid_to.as_deref()), &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            currency: dto.currency,
            customer_group: dto.customer_group,
            priority: dto.priority,
            valid_from,
            valid_to,
        })
    }
}

/// Validates the tiers of a price in a list of `currency`: 1 to 20, the first from quantity
/// 1, strictly increasing quantities, amounts in the list's currency.
pub fn parse_tiers(dto: SetPrice, currency: Currency) -> Result<Vec<Tier>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if dto.tiers.is_empty() || dto.tiers.len() > MAX_TIERS {
        errors.push(FieldError::new("tiers", format!("must have 1 to {MAX_TIERS} tiers")));
    }
    let mut previous = 0;
    for (i, tier) in dto.tiers.iter().enumerate() {
        if i == 0 && tier.min_quantity != 1 {
            errors.push(FieldError::new("tiers[0].min_quantity", "must be 1 (every quantity needs a price)"));
        } else if tier.min_quantity <= previous || tier.min_quantity > 1_000_000 {
            errors.push(FieldError::new(
                format!("tiers[{i}].min_quantity"),
                "must be greater than the previous tier's and at most 1000000",
            ));
        }
        previous = tier.min_quantity;
        amount(&format!("tiers[{i}].unit_amount"), tier.unit_amount, Some(currency), true, &mut errors);
    }
    if errors.is_empty() { Ok(dto.tiers) } else { Err(errors) }
}

/// The unit price for `quantity`: the tier with the largest `min_quantity` not above it.
pub fn tier_price(tiers: &[Tier], quantity: i64) -> Option<Money> {
    tiers.iter().filter(|t| t.min_quantity <= quantity).max_by_key(|t| t.min_quantity).map(|t| t.unit_amount)
}

/// A valid `POST /v1/promotions` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidPromotion {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PromotionKind,
    /// Value, matching the kind.
    pub value: PromotionValue,
    /// Target, matching the kind (`None` for order kinds).
    pub target: Option<PromotionTarget>,
    /// Starts (stored form).
    pub starts_at: Option<String>,
    /// Ends (stored form).
    pub ends_at: Option<String>,
    /// Only through a coupon.
    pub coupon_required: bool,
}

impl ValidPromotion {
    /// Validates a new promotion: the value and target must fit the kind.
    pub fn parse(dto: NewPromotion) -> Result<Self, Vec<FieldError>> {
        use PromotionKind as K;
        let mut errors = Vec::new();
        let name = name("name", &dto.name, &mut errors);
        match (dto.kind, &dto.value) {
            (K::OrderPercent | K::ProductPercent | K::CategoryPercent, PromotionValue::BasisPoints(bp)) => {
                if !(1..=10_000).contains(bp) {
                    errors.push(FieldError::new("value", "must be between 1 and 10000 basis points"));
                }
            }
            (K::OrderFixed | K::ProductFixed | K::CategoryFixed, PromotionValue::Amount(money)) => {
                amount("value", *money, None, false, &mut errors);
            }
            (K::BuyXGetY, PromotionValue::BuyGet(BuyGet { buy, get })) => {
                if !(1..=100).contains(buy) {
                    errors.push(FieldError::new("value.buy", "must be between 1 and 100"));
                }
                if !(1..=100).contains(get) {
                    errors.push(FieldError::new("value.get", "must be between 1 and 100"));
                }
            }
            (K::OrderPercent | K::ProductPercent | K::CategoryPercent, _) => {
                errors.push(FieldError::new("value", "must be basis points (an integer) for this kind"));
            }
            (K::OrderFixed | K::ProductFixed | K::CategoryFixed, _) => {
                errors.push(FieldError::new("value", "must be an amount `{ amount, currency }` for this kind"));
            }
            (K::BuyXGetY, _) => errors.push(FieldError::new("value", "must be `{ buy, get }` for this kind")),
        }
        let target = dto.target.unwrap_or_default();
        let target = match dto.kind {
            K::OrderPercent | K::OrderFixed => {
                if !target.skus.is_empty() || target.category.is_some() {
                    errors.push(FieldError::new("target", "must be absent for order promotions"));
                }
                None
            }
            K::ProductPercent | K::ProductFixed | K::BuyXGetY => {
                if target.skus.is_empty() || target.skus.len() > 100 {
                    errors.push(FieldError::new("target.skus", "must list 1 to 100 SKUs"));
                }
                for (i, sku) in target.skus.iter().enumerate() {
                    if Sku::parse(sku).is_err() {
                        errors.push(FieldError::new(format!("target.skus[{i}]"), "is not a valid SKU"));
                    }
                }
                if target.category.is_some() {
                    errors.push(FieldError::new("target.category", "must be absent for this kind"));
                }
                Some(PromotionTarget { skus: target.skus, category: None })
            }
            K::CategoryPercent | K::CategoryFixed => {
                let valid = target.category.as_deref().is_some_and(|c| {
                    !c.is_empty()
                        && c.len() <= 100
                        && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
                if !valid {
                    errors.push(FieldError::new("target.category", "must be a category slug"));
                }
                if !target.skus.is_empty() {
                    errors.push(FieldError::new("target.skus", "must be absent for this kind"));
                }
                Some(PromotionTarget { skus: Vec::new(), category: target.category })
            }
        };
        let (starts_at, ends_at) =
            window(("starts_at", dto.starts_at.as_deref()), ("ends_at", dto.ends_at.as_deref()), &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            kind: dto.kind,
            value: dto.value,
            target,
            starts_at,
            ends_at,
            coupon_required: dto.coupon_required,
        })
    }
}

/// A valid `POST /v1/coupons` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCoupon {
    /// Upper-case code.
    pub code: String,
    /// Usage limit.
    pub usage_limit: Option<i64>,
    /// Valid from (stored form).
    pub valid_from: Option<String>,
    /// Valid until (stored form).
    pub valid_to: Option<String>,
}

impl ValidCoupon {
    /// Validates a new coupon (whether its promotion exists is the store's to say).
    pub fn parse(dto: &NewCoupon) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = coupon_code(&dto.code);
        if code.is_none() {
            errors.push(FieldError::new("code", "must be 3 to 32 letters, digits or '-'"));
        }
        if dto.usage_limit.is_some_and(|l| !(1..=1_000_000_000).contains(&l)) {
            errors.push(FieldError::new("usage_limit", "must be between 1 and 1000000000"));
        }
        let (valid_from, valid_to) =
            window(("valid_from", dto.valid_from.as_deref()), ("valid_to", dto.valid_to.as_deref()), &mut errors);
        match code {
            Some(code) if errors.is_empty() => Ok(Self { code, usage_limit: dto.usage_limit, valid_from, valid_to }),
            _ => Err(errors),
        }
    }
}

/// A valid `POST /v1/shipping-rates` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidShippingRate {
    /// Method.
    pub method: String,
    /// Countries, sorted, without duplicates.
    pub countries: Vec<String>,
    /// Price.
    pub amount: Money,
    /// Free threshold.
    pub free_over: Option<Money>,
}

/// A shipping method name: 1 to 32 lower-case letters, digits, `-` and `_`.
pub fn valid_method(method: &str) -> bool {
    !method.is_empty()
        && method.len() <= 32
        && method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
}

impl ValidShippingRate {
    /// Validates a new shipping rate.
    pub fn parse(dto: NewShippingRate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !valid_method(&dto.method) {
            errors.push(FieldError::new("method", "must be 1 to 32 lower-case letters, digits, '-' or '_'"));
        }
        if dto.countries.is_empty() || dto.countries.len() > 250 {
            errors.push(FieldError::new("countries", "must list 1 to 250 countries"));
        }
        for (i, c) in dto.countries.iter().enumerate() {
            if !valid_country(c) {
                errors.push(FieldError::new(format!("countries[{i}]"), "must be an ISO 3166-1 alpha-2 code (`DE`)"));
            }
        }
        amount("amount", dto.amount, None, true, &mut errors);
        if let Some(free_over) = dto.free_over {
            amount("free_over", free_over, Some(dto.amount.currency), true, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut countries = dto.countries;
        countries.sort();
        countries.dedup();
        Ok(Self { method: dto.method, countries, amount: dto.amount, free_over: dto.free_over })
    }
}

/// Validates a tax rule for `country`.
pub fn parse_tax_rule(country: &str, dto: &SetTaxRule) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if !valid_country(country) {
        errors.push(FieldError::new("country", "must be an ISO 3166-1 alpha-2 code (`DE`)"));
    }
    if !(0..=10_000).contains(&dto.rate_bp) {
        errors.push(FieldError::new("rate_bp", "must be between 0 and 10000"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Whether a coupon and its promotion are both in their validity windows at `now` (the
/// usage limit is checked atomically by the store).
pub fn redeemable(coupon: (Option<&str>, Option<&str>), promotion: (Option<&str>, Option<&str>), now: &str) -> bool {
    active(coupon.0, coupon.1, now) && active(promotion.0, promotion.1, now)
}

/// A valid `POST /v1/quotes` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidQuoteRequest {
    /// Currency.
    pub currency: Currency,
    /// Customer group.
    pub customer_group: Option<String>,
    /// Destination country.
    pub country: String,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Coupon codes as sent.
    pub coupon_codes: Vec<String>,
    /// Lines: unique SKUs, quantities 1 to 1,000.
    pub lines: Vec<(Sku, i64)>,
}

impl ValidQuoteRequest {
    /// Validates a quote request (bounded: at most 100 lines and 10 coupon codes).
    pub fn parse(dto: QuoteRequest) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if dto.customer_group.as_deref().is_some_and(|g| !valid_group(g)) {
            errors.push(FieldError::new("customer_group", "must be 1 to 64 letters, digits, '-' or '_'"));
        }
        if !valid_country(&dto.country) {
            errors.push(FieldError::new("country", "must be an ISO 3166-1 alpha-2 code (`DE`)"));
        }
        if dto.shipping_method.as_deref().is_some_and(|m| !valid_method(m)) {
            errors.push(FieldError::new("shipping_method", "must be 1 to 32 lower-case letters, digits, '-' or '_'"));
        }
        if dto.coupon_codes.len() > MAX_COUPONS {
            errors.push(FieldError::new("coupon_codes", format!("must have at most {MAX_COUPONS} codes")));
        }
        for (i, code) in dto.coupon_codes.iter().enumerate() {
            if code.is_empty() || code.len() > 64 {
                errors.push(FieldError::new(format!("coupon_codes[{i}]"), "must be 1 to 64 characters"));
            }
        }
        if dto.lines.is_empty() || dto.lines.len() > MAX_LINES {
            errors.push(FieldError::new("lines", format!("must have 1 to {MAX_LINES} lines")));
        }
        let mut lines: Vec<(Sku, i64)> = Vec::with_capacity(dto.lines.len());
        for (i, line) in dto.lines.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
            }
            match Sku::parse(&line.sku) {
                Err(e) => errors.push(FieldError::new(format!("lines[{i}].sku"), e.to_string())),
                Ok(sku) if lines.iter().any(|(s, _)| *s == sku) => {
                    errors.push(FieldError::new(
                        format!("lines[{i}].sku"),
                        "appears on another line; sum the quantities",
                    ));
                }
                Ok(sku) => lines.push((sku, line.quantity)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            currency: dto.currency,
            customer_group: dto.customer_group,
            country: dto.country,
            shipping_method: dto.shipping_method,
            coupon_codes: dto.coupon_codes,
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(amount: i64) -> Money {
        Money::new(amount, Currency::Eur)
    }

    #[test]
    fn tiers_pick_the_largest_minimum_not_above_the_quantity() {
        let tiers = vec![
            Tier { min_quantity: 1, unit_amount: eur(1000) },
            Tier { min_quantity: 10, unit_amount: eur(900) },
            Tier { min_quantity: 50, unit_amount: eur(800) },
        ];
        assert_eq!(tier_price(&tiers, 1), Some(eur(1000)));
        assert_eq!(tier_price(&tiers, 9), Some(eur(1000)));
        assert_eq!(tier_price(&tiers, 10), Some(eur(900)));
        assert_eq!(tier_price(&tiers, 49), Some(eur(900)));
        assert_eq!(tier_price(&tiers, 1000), Some(eur(800)));
    }

    #[test]
    fn tiers_must_start_at_one_increase_and_match_the_currency() {
        let bad = SetPrice {
            tiers: vec![
                Tier { min_quantity: 2, unit_amount: eur(1000) },
                Tier { min_quantity: 2, unit_amount: Money::new(5, Currency::Usd) },
            ],
        };
        let fields: Vec<_> =
            parse_tiers(bad, Currency::Eur).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["tiers[0].min_quantity", "tiers[1].min_quantity", "tiers[1].unit_amount.currency"]);
    }

    #[test]
    fn coupon_codes_are_case_insensitive_and_bounded() {
        assert_eq!(coupon_code("summer-10").as_deref(), Some("SUMMER-10"));
        assert_eq!(coupon_code("ab"), None);
        assert_eq!(coupon_code("NO SPACE"), None);
        assert_eq!(coupon_code(&"A".repeat(33)), None);
    }

    #[test]
    fn promotion_value_must_fit_the_kind() {
        let dto = NewPromotion {
            name: "x".into(),
            kind: PromotionKind::OrderFixed,
            value: PromotionValue::BasisPoints(10),
            target: None,
            starts_at: None,
            ends_at: Some("not a time".into()),
            coupon_required: false,
        };
        let fields: Vec<_> = ValidPromotion::parse(dto).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["value", "ends_at"]);
    }

    #[test]
    fn windows_are_half_open() {
        assert!(active(Some("2026-01-01T00:00:00.000000Z"), None, "2026-01-01T00:00:00.000000Z"));
        assert!(!active(None, Some("2026-01-01T00:00:00.000000Z"), "2026-01-01T00:00:00.000000Z"));
    }
}
