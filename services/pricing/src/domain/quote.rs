//! The quote engine: prices, promotions, shipping and tax for a cart, exactly, in integers.
//!
//! # Price resolution
//!
//! For each line, among the price lists of the quote's currency that are valid now and are
//! for everyone or for the quote's customer group, the list with the highest `priority`
//! that has a price for the SKU wins; at equal priority a customer-group list beats a
//! general one, then the older list (smaller id) wins. Within the price the volume tier
//! with the largest `min_quantity` not above the line's quantity gives the unit price.
//!
//! # Promotions: what stacks, in which order
//!
//! Every automatic promotion (not `coupon_required`) active now applies, plus at most one
//! coupon: the first code of `coupon_codes` that is known, in its window, not exhausted and
//! whose promotion is active; every other code is reported in `rejected_coupons`. They are
//! applied in this order, each on what the previous ones left:
//!
//! 1. line promotions (`product_*`, `category_*`, `buy_x_get_y`): the automatic ones by
//!    promotion id (creation order), then the coupon's. A percentage is taken of what is
//!    left of the line; a fixed amount is per unit; `buy_x_get_y` makes `get` units free for
//!    each complete group of `buy + get` units. Each is capped at what is left of the line.
//! 2. order promotions (`order_percent`, `order_fixed`): the automatic ones, then the
//!    coupon's, on the sum of what is left of the lines, capped at it, and spread over the
//!    lines in proportion to what is left of each with `Money::allocate`, so line totals
//!    still add up exactly.
//!
//! A fixed promotion in another currency than the quote's does not apply. A coupon whose
//! promotion takes nothing off is rejected as `not_applicable`.
//!
//! # Shipping and tax
//!
//! Shipping is the rate of the requested method for the destination country and currency,
//! zero when the discounted goods total reaches the rate's `free_over`. Tax is computed
//! per line on the line's discounted total, and on shipping, at the destination's rate:
//!
//! - exclusive (added on top): `tax = total.percent(rate_bp)`;
//! - inclusive (contained): `tax = total − round(total × 10 000 / (10 000 + rate_bp))`,
//!   the division rounded half away from zero like `Money::percent`.
//!
//! The quote's `total` is line totals + shipping, plus the tax when it is exclusive. No tax
//! rule for the country means no tax.

use std::collections::{BTreeSet, HashMap};

use contracts::ids::Sku;
use contracts::money::{Currency, Money, MoneyError};
use contracts::pricing::{
    AppliedPromotion, CouponRejection, PriceListId, Promotion, PromotionKind, PromotionValue, Quote, QuoteLine,
    QuoteShipping, RejectedCoupon, ShippingRate, TaxRule, Tier,
};
use sha2::{Digest as _, Sha256};

use super::{active, tier_price};

/// The price of a SKU in one price list, with what resolution needs to know of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The list.
    pub price_list_id: PriceListId,
    /// Its customer group.
    pub customer_group: Option<String>,
    /// Its priority.
    pub priority: i64,
    /// Its window.
    pub valid_from: Option<String>,
    /// Its window's end.
    pub valid_to: Option<String>,
    /// The SKU.
    pub sku: String,
    /// The tiers.
    pub tiers: Vec<Tier>,
}

/// The winning price of `sku` for `group` at `now` (see the module documentation).
pub fn resolve<'a>(candidates: &'a [Candidate], sku: &str, group: Option<&str>, now: &str) -> Option<&'a Candidate> {
    candidates
        .iter()
        .filter(|c| c.sku == sku)
        .filter(|c| active(c.valid_from.as_deref(), c.valid_to.as_deref(), now))
        .filter(|c| c.customer_group.is_none() || c.customer_group.as_deref() == group)
        .max_by(|a, b| {
            (a.priority, a.customer_group.is_some())
                .cmp(&(b.priority, b.customer_group.is_some()))
                .then_with(|| b.price_list_id.cmp(&a.price_list_id))
        })
}

/// A coupon as the quote sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouponState {
    /// Usage limit.
    pub usage_limit: Option<i64>,
    /// Redemptions so far.
    pub used: i64,
    /// Window.
    pub valid_from: Option<String>,
    /// Window's end.
    pub valid_to: Option<String>,
    /// Its promotion.
    pub promotion: Promotion,
}

/// Everything a quote is computed from.
#[derive(Clone, Debug)]
pub struct QuoteInput {
    /// Currency.
    pub currency: Currency,
    /// Customer group.
    pub customer_group: Option<String>,
    /// Validated lines (unique SKUs, quantities 1 to 1,000).
    pub lines: Vec<(Sku, i64)>,
    /// Prices of the lines' SKUs in the currency's lists.
    pub candidates: Vec<Candidate>,
    /// SKU → category slug, as learnt from catalog.
    pub categories: HashMap<String, String>,
    /// Promotions that may apply automatically (the engine checks windows).
    pub automatic: Vec<Promotion>,
    /// Each requested code as sent, with its coupon if one has that code.
    pub coupons: Vec<(String, Option<CouponState>)>,
    /// The requested shipping method and its rate for the country and currency.
    pub shipping: Option<(String, Option<ShippingRate>)>,
    /// The destination's tax rule.
    pub tax: Option<TaxRule>,
    /// Now, in the stored form.
    pub now: String,
}

/// Why no quote can be given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// Lines (by index) whose SKU has no price.
    #[error("unpriced SKUs")]
    Unpriced(Vec<(usize, String)>),
    /// No rate of the shipping method for the country and currency.
    #[error("no such shipping rate")]
    NoShippingRate,
    /// An amount does not fit.
    #[error("amount out of range")]
    Money(#[from] MoneyError),
}

/// A promotion reduced to what it does.
#[derive(Clone, Debug)]
enum Effect {
    /// On each line it covers.
    Line(Applies, LineRule),
    /// On the order, spread over the lines.
    Order(OrderRule),
}

#[derive(Clone, Copy, Debug)]
enum LineRule {
    Percent(i64),
    PerUnit(Money),
    BuyGet { buy: i64, get: i64 },
}

#[derive(Clone, Copy, Debug)]
enum OrderRule {
    Percent(i64),
    Fixed(Money),
}

#[derive(Clone, Debug)]
enum Applies {
    Skus(BTreeSet<String>),
    Category(String),
}

impl Applies {
    fn covers(&self, sku: &str, categories: &HashMap<String, String>) -> bool {
        match self {
            Applies::Skus(skus) => skus.contains(sku),
            Applies::Category(slug) => categories.get(sku) == Some(slug),
        }
    }
}

/// What `promotion` does to a cart in `currency`; `None` if it cannot apply (a fixed amount
/// in another currency).
fn effect(promotion: &Promotion, currency: Currency) -> Option<Effect> {
    use PromotionKind as K;
    let target = promotion.target.clone().unwrap_or_default();
    let skus = || Applies::Skus(target.skus.iter().cloned().collect());
    let category = || target.category.clone().map(Applies::Category);
    let same = |m: &Money| (m.currency == currency).then_some(*m);
    Some(match (promotion.kind, &promotion.value) {
        (K::OrderPercent, PromotionValue::BasisPoints(bp)) => Effect::Order(OrderRule::Percent(*bp)),
        (K::OrderFixed, PromotionValue::Amount(m)) => Effect::Order(OrderRule::Fixed(same(m)?)),
        (K::ProductPercent, PromotionValue::BasisPoints(bp)) => Effect::Line(skus(), LineRule::Percent(*bp)),
        (K::ProductFixed, PromotionValue::Amount(m)) => Effect::Line(skus(), LineRule::PerUnit(same(m)?)),
        (K::CategoryPercent, PromotionValue::BasisPoints(bp)) => Effect::Line(category()?, LineRule::Percent(*bp)),
        (K::CategoryFixed, PromotionValue::Amount(m)) => Effect::Line(category()?, LineRule::PerUnit(same(m)?)),
        (K::BuyXGetY, PromotionValue::BuyGet(bg)) => {
            Effect::Line(skus(), LineRule::BuyGet { buy: bg.buy, get: bg.get })
        }
        _ => return None,
    })
}

fn is_line_level(promotion: &Promotion) -> bool {
    !matches!(promotion.kind, PromotionKind::OrderPercent | PromotionKind::OrderFixed)
}

/// `numerator / denominator` (denominator > 0) rounded half away from zero.
fn div_round(numerator: i128, denominator: i128) -> i128 {
    let (q, r) = (numerator / denominator, numerator % denominator);
    if r.abs() * 2 >= denominator { q + numerator.signum() } else { q }
}

/// The tax on `amount` at `rule` (contained in it when the rule is inclusive).
pub fn tax_of(amount: Money, rule: Option<&TaxRule>) -> Result<Money, MoneyError> {
    let Some(rule) = rule else { return Ok(Money::zero(amount.currency)) };
    if rule.inclusive {
        let net = div_round(i128::from(amount.amount) * 10_000, 10_000 + i128::from(rule.rate_bp));
        let net = i64::try_from(net).map_err(|_| MoneyError::Overflow)?;
        amount.checked_sub(Money::new(net, amount.currency))
    } else {
        amount.percent(rule.rate_bp)
    }
}

struct Line {
    sku: Sku,
    quantity: i64,
    unit: Money,
    subtotal: Money,
    left: Money,
}

fn sum(currency: Currency, amounts: impl IntoIterator<Item = Money>) -> Result<Money, MoneyError> {
    amounts.into_iter().try_fold(Money::zero(currency), Money::checked_add)
}

/// Takes what `effect` takes off the lines (each capped at what is left of it); returns the
/// total taken.
fn apply(
    effect: &Effect,
    lines: &mut [Line],
    categories: &HashMap<String, String>,
    currency: Currency,
) -> Result<Money, MoneyError> {
    let mut taken = Money::zero(currency);
    match effect {
        Effect::Order(rule) => {
            let base = sum(currency, lines.iter().map(|l| l.left))?;
            let wanted = match rule {
                OrderRule::Percent(bp) => base.percent(*bp)?,
                OrderRule::Fixed(amount) => *amount,
            };
            let amount = Money::new(wanted.amount.clamp(0, base.amount), currency);
            let weights: Vec<i64> = lines.iter().map(|l| l.left.amount).collect();
            for (line, share) in lines.iter_mut().zip(amount.allocate(&weights)?) {
                // `allocate` never gives a line more than its weight when the amount is at
                // most the sum of the weights; the clamp only makes that explicit.
                let share = Money::new(share.amount.clamp(0, line.left.amount), currency);
                line.left = line.left.checked_sub(share)?;
                taken = taken.checked_add(share)?;
            }
        }
        Effect::Line(applies, rule) => {
            for line in lines.iter_mut().filter(|l| applies.covers(l.sku.as_str(), categories)) {
                let wanted = match rule {
                    LineRule::Percent(bp) => line.left.percent(*bp)?,
                    LineRule::PerUnit(per_unit) => per_unit.times(line.quantity)?,
                    LineRule::BuyGet { buy, get } => line.unit.times(line.quantity / (buy + get) * get)?,
                };
                let amount = Money::new(wanted.amount.clamp(0, line.left.amount), currency);
                line.left = line.left.checked_sub(amount)?;
                taken = taken.checked_add(amount)?;
            }
        }
    }
    Ok(taken)
}

/// Prices a cart (see the module documentation for the rules).
pub fn price(input: &QuoteInput) -> Result<Quote, QuoteError> {
    let currency = input.currency;
    let group = input.customer_group.as_deref();
    let mut lines = Vec::with_capacity(input.lines.len());
    let mut unpriced = Vec::new();
    for (i, (sku, quantity)) in input.lines.iter().enumerate() {
        let unit = resolve(&input.candidates, sku.as_str(), group, &input.now)
            .and_then(|c| tier_price(&c.tiers, *quantity))
            .filter(|m| m.currency == currency);
        match unit {
            Some(unit) => {
                let subtotal = unit.times(*quantity)?;
                lines.push(Line { sku: sku.clone(), quantity: *quantity, unit, subtotal, left: subtotal });
            }
            None => unpriced.push((i, sku.to_string())),
        }
    }
    if !unpriced.is_empty() {
        return Err(QuoteError::Unpriced(unpriced));
    }

    // Which promotions apply: automatic ones active now, and at most one coupon.
    let mut automatic: Vec<&Promotion> = input
        .automatic
        .iter()
        .filter(|p| !p.coupon_required && active(p.starts_at.as_deref(), p.ends_at.as_deref(), &input.now))
        .collect();
    automatic.sort_by(|a, b| a.id.cmp(&b.id));
    automatic.dedup_by(|a, b| a.id == b.id);
    let mut rejected = Vec::new();
    let mut coupon: Option<(String, &Promotion)> = None;
    for (code, state) in &input.coupons {
        let reason = match state {
            None => Some(CouponRejection::Unknown),
            Some(c)
                if !active(c.valid_from.as_deref(), c.valid_to.as_deref(), &input.now)
                    || !active(c.promotion.starts_at.as_deref(), c.promotion.ends_at.as_deref(), &input.now) =>
            {
                Some(CouponRejection::Expired)
            }
            Some(c) if c.usage_limit.is_some_and(|limit| c.used >= limit) => Some(CouponRejection::Exhausted),
            Some(_) if coupon.is_some() => Some(CouponRejection::OneCouponOnly),
            Some(c) if automatic.iter().any(|p| p.id == c.promotion.id) || effect(&c.promotion, currency).is_none() => {
                Some(CouponRejection::NotApplicable)
            }
            Some(c) => {
                coupon = Some((code.clone(), &c.promotion));
                None
            }
        };
        if let Some(reason) = reason {
            rejected.push(RejectedCoupon { code: code.clone(), reason });
        }
    }

    let mut ordered: Vec<(&Promotion, bool)> = Vec::new();
    for line_level in [true, false] {
        ordered.extend(automatic.iter().filter(|p| is_line_level(p) == line_level).map(|p| (*p, false)));
        if let Some((_, p)) = coupon.as_ref().filter(|(_, p)| is_line_level(p) == line_level) {
            ordered.push((*p, true));
        }
    }
    let mut applied = Vec::new();
    for (promotion, via_coupon) in ordered {
        let Some(effect) = effect(promotion, currency) else { continue };
        let taken = apply(&effect, &mut lines, &input.categories, currency)?;
        if taken.amount > 0 {
            applied.push(AppliedPromotion { id: promotion.id.clone(), name: promotion.name.clone(), amount: taken });
        } else if via_coupon && let Some((code, _)) = &coupon {
            rejected.push(RejectedCoupon { code: code.clone(), reason: CouponRejection::NotApplicable });
        }
    }

    let goods = sum(currency, lines.iter().map(|l| l.left))?;
    let shipping = match &input.shipping {
        None => None,
        Some((_, None)) => return Err(QuoteError::NoShippingRate),
        Some((method, Some(rate))) => {
            let free = rate.free_over.is_some_and(|f| goods.amount >= f.amount);
            let amount = if free { Money::zero(currency) } else { rate.amount };
            Some(QuoteShipping { method: method.clone(), amount })
        }
    };
    let rule = input.tax.as_ref();
    let mut quote_lines = Vec::with_capacity(lines.len());
    for line in &lines {
        quote_lines.push(QuoteLine {
            sku: line.sku.clone(),
            quantity: line.quantity,
            unit_price: line.unit,
            subtotal: line.subtotal,
            discount: line.subtotal.checked_sub(line.left)?,
            total: line.left,
            tax: tax_of(line.left, rule)?,
        });
    }
    let shipping_amount = shipping.as_ref().map_or(Money::zero(currency), |s| s.amount);
    let tax_total = sum(currency, quote_lines.iter().map(|l| l.tax))?.checked_add(tax_of(shipping_amount, rule)?)?;
    let inclusive = rule.is_some_and(|r| r.inclusive);
    let mut total = goods.checked_add(shipping_amount)?;
    if !inclusive {
        total = total.checked_add(tax_total)?;
    }
    let mut quote = Quote {
        currency,
        subtotal: sum(currency, quote_lines.iter().map(|l| l.subtotal))?,
        discount_total: sum(currency, quote_lines.iter().map(|l| l.discount))?,
        lines: quote_lines,
        shipping,
        tax_total,
        total,
        tax_inclusive: inclusive,
        applied_promotions: applied,
        rejected_coupons: rejected,
        unpriced_skus: Vec::new(),
        signature: String::new(),
    };
    quote.signature = signature(&quote);
    Ok(quote)
}

/// Hex SHA-256 of the quote's JSON without its signature: the same prices give the same
/// signature, any changed amount another.
pub fn signature(quote: &Quote) -> String {
    let mut unsigned = quote.clone();
    unsigned.signature = String::new();
    // Serialising our own types (string keys, integers) cannot fail.
    let bytes = serde_json::to_vec(&unsigned).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use contracts::pricing::{BuyGet, PromotionId, PromotionTarget, ShippingRateId};
    use proptest::prelude::*;

    use super::*;

    const NOW: &str = "2026-06-01T12:00:00.000000Z";

    fn eur(amount: i64) -> Money {
        Money::new(amount, Currency::Eur)
    }

    fn sku(s: &str) -> Sku {
        Sku::parse(s).expect("sku")
    }

    fn list_id(n: u32) -> PriceListId {
        PriceListId::parse(&format!("pl_{n:032x}")).expect("id")
    }

    fn promo_id(n: u32) -> PromotionId {
        PromotionId::parse(&format!("promo_{n:032x}")).expect("id")
    }

    fn candidate(n: u32, group: Option<&str>, priority: i64, sku: &str, unit: i64) -> Candidate {
        Candidate {
            price_list_id: list_id(n),
            customer_group: group.map(str::to_owned),
            priority,
            valid_from: None,
            valid_to: None,
            sku: sku.into(),
            tiers: vec![Tier { min_quantity: 1, unit_amount: eur(unit) }],
        }
    }

    fn promotion(n: u32, kind: PromotionKind, value: PromotionValue, target: Option<PromotionTarget>) -> Promotion {
        Promotion {
            id: promo_id(n),
            name: format!("promo {n}"),
            kind,
            value,
            target,
            starts_at: None,
            ends_at: None,
            coupon_required: false,
            created_at: NOW.into(),
        }
    }

    fn skus(list: &[&str]) -> Option<PromotionTarget> {
        Some(PromotionTarget { skus: list.iter().map(|s| (*s).to_owned()).collect(), category: None })
    }

    fn input(lines: &[(&str, i64, i64)]) -> QuoteInput {
        QuoteInput {
            currency: Currency::Eur,
            customer_group: None,
            lines: lines.iter().map(|(s, q, _)| (sku(s), *q)).collect(),
            candidates: lines.iter().enumerate().map(|(i, (s, _, u))| candidate(i as u32, None, 0, s, *u)).collect(),
            categories: HashMap::new(),
            automatic: Vec::new(),
            coupons: Vec::new(),
            shipping: None,
            tax: None,
            now: NOW.into(),
        }
    }

    fn tax(rate_bp: i64, inclusive: bool) -> Option<TaxRule> {
        Some(TaxRule { country: "DE".into(), rate_bp, inclusive, updated_at: NOW.into() })
    }

    #[test]
    fn highest_priority_then_group_then_oldest_list_wins() {
        let c = vec![
            candidate(1, None, 5, "A", 100),
            candidate(2, Some("vip"), 5, "A", 90),
            candidate(3, None, 1, "A", 80),
            candidate(4, Some("other"), 9, "A", 70),
            candidate(5, None, 5, "A", 60),
        ];
        assert_eq!(resolve(&c, "A", Some("vip"), NOW).map(|c| c.tiers[0].unit_amount), Some(eur(90)));
        // without the group, the two general lists at priority 5 tie: the older wins
        assert_eq!(resolve(&c, "A", None, NOW).map(|c| c.tiers[0].unit_amount), Some(eur(100)));
        assert_eq!(resolve(&c, "B", None, NOW), None);
        let mut expired = candidate(6, None, 100, "A", 1);
        expired.valid_to = Some("2026-01-01T00:00:00.000000Z".into());
        let c = [expired, candidate(7, None, 0, "A", 2)];
        assert_eq!(resolve(&c, "A", None, NOW).map(|c| c.tiers[0].unit_amount), Some(eur(2)));
    }

    #[test]
    fn unpriced_lines_are_named_by_index() {
        let mut i = input(&[("A", 1, 100), ("B", 1, 100)]);
        i.candidates.retain(|c| c.sku == "A");
        assert_eq!(price(&i), Err(QuoteError::Unpriced(vec![(1, "B".into())])));
    }

    #[test]
    fn order_percent_is_spread_so_lines_add_up() {
        let mut i = input(&[("A", 1, 1000), ("B", 1, 2000), ("C", 1, 333)]);
        i.automatic = vec![promotion(1, PromotionKind::OrderPercent, PromotionValue::BasisPoints(1000), None)];
        let q = price(&i).expect("priced");
        // 10 % of 33.33 = 3.333 → 3.33
        assert_eq!(q.discount_total, eur(333));
        assert_eq!(q.lines.iter().map(|l| l.discount.amount).collect::<Vec<_>>(), [100, 200, 33]);
        assert_eq!(q.total, eur(3000));
        assert_eq!(q.applied_promotions[0].amount, eur(333));
    }

    #[test]
    fn order_fixed_never_exceeds_the_subtotal() {
        let mut i = input(&[("A", 1, 500)]);
        i.automatic = vec![promotion(1, PromotionKind::OrderFixed, PromotionValue::Amount(eur(800)), None)];
        let q = price(&i).expect("priced");
        assert_eq!((q.discount_total, q.total), (eur(500), eur(0)));
    }

    #[test]
    fn product_and_category_promotions_hit_their_lines_only() {
        let mut i = input(&[("A", 2, 1000), ("B", 3, 1000), ("C", 1, 1000)]);
        i.categories.insert("C".into(), "shoes".into());
        i.automatic = vec![
            promotion(1, PromotionKind::ProductPercent, PromotionValue::BasisPoints(2500), skus(&["A"])),
            promotion(2, PromotionKind::ProductFixed, PromotionValue::Amount(eur(150)), skus(&["B"])),
            promotion(
                3,
                PromotionKind::CategoryPercent,
                PromotionValue::BasisPoints(5000),
                Some(PromotionTarget { skus: vec![], category: Some("shoes".into()) }),
            ),
        ];
        let q = price(&i).expect("priced");
        assert_eq!(q.lines.iter().map(|l| l.discount.amount).collect::<Vec<_>>(), [500, 450, 500]);
        assert_eq!(q.applied_promotions.len(), 3);
    }

    #[test]
    fn buy_three_get_one_per_complete_group() {
        let mut i = input(&[("A", 9, 1000)]);
        i.automatic = vec![promotion(
            1,
            PromotionKind::BuyXGetY,
            PromotionValue::BuyGet(BuyGet { buy: 3, get: 1 }),
            skus(&["A"]),
        )];
        let q = price(&i).expect("priced");
        // 9 units = 2 complete groups of 4 (+1): 2 free
        assert_eq!((q.lines[0].discount, q.total), (eur(2000), eur(7000)));
    }

    #[test]
    fn one_coupon_at_most_and_reasons_for_the_rest() {
        let mut i = input(&[("A", 1, 1000)]);
        let mut p = promotion(1, PromotionKind::OrderPercent, PromotionValue::BasisPoints(1000), None);
        p.coupon_required = true;
        let state = |limit: Option<i64>, used: i64, to: Option<&str>| CouponState {
            usage_limit: limit,
            used,
            valid_from: None,
            valid_to: to.map(str::to_owned),
            promotion: p.clone(),
        };
        i.coupons = vec![
            ("nope".into(), None),
            ("OLD".into(), Some(state(None, 0, Some("2026-01-01T00:00:00.000000Z")))),
            ("FULL".into(), Some(state(Some(3), 3, None))),
            ("good".into(), Some(state(Some(3), 2, None))),
            ("AGAIN".into(), Some(state(None, 0, None))),
        ];
        let q = price(&i).expect("priced");
        let reasons: Vec<_> = q.rejected_coupons.iter().map(|r| (r.code.as_str(), r.reason)).collect();
        assert_eq!(
            reasons,
            [
                ("nope", CouponRejection::Unknown),
                ("OLD", CouponRejection::Expired),
                ("FULL", CouponRejection::Exhausted),
                ("AGAIN", CouponRejection::OneCouponOnly)
            ]
        );
        assert_eq!(q.discount_total, eur(100));
    }

    #[test]
    fn inclusive_and_exclusive_tax() {
        // DE 19 % inclusive: 119.00 contains 19.00
        let mut i = input(&[("A", 1, 11900)]);
        i.tax = tax(1900, true);
        let q = price(&i).expect("priced");
        assert_eq!((q.tax_total, q.total, q.tax_inclusive), (eur(1900), eur(11900), true));
        // 7.25 % exclusive on 19.99: 1.449275 → 1.45
        let mut i = input(&[("A", 1, 1999)]);
        i.tax = tax(725, false);
        let q = price(&i).expect("priced");
        assert_eq!((q.tax_total, q.total), (eur(145), eur(2144)));
        // inclusive, 10.00 at 19 %: net 8.403… → 8.40, tax 1.60
        assert_eq!(tax_of(eur(1000), tax(1900, true).as_ref()), Ok(eur(160)));
    }

    #[test]
    fn shipping_is_free_from_the_threshold() {
        let rate = ShippingRate {
            id: ShippingRateId::generate(),
            method: "standard".into(),
            countries: vec!["DE".into()],
            amount: eur(495),
            free_over: Some(eur(5000)),
            created_at: NOW.into(),
        };
        let mut i = input(&[("A", 1, 4999)]);
        i.shipping = Some(("standard".into(), Some(rate.clone())));
        assert_eq!(price(&i).expect("priced").total, eur(5494));
        let mut i = input(&[("A", 1, 5000)]);
        i.shipping = Some(("standard".into(), Some(rate)));
        assert_eq!(price(&i).expect("priced").total, eur(5000));
        let mut i = input(&[("A", 1, 5000)]);
        i.shipping = Some(("express".into(), None));
        assert_eq!(price(&i), Err(QuoteError::NoShippingRate));
    }

    #[test]
    fn signature_follows_the_prices() {
        let a = price(&input(&[("A", 1, 1000)])).expect("priced");
        let b = price(&input(&[("A", 1, 1000)])).expect("priced");
        let c = price(&input(&[("A", 1, 1001)])).expect("priced");
        assert_eq!(a.signature, b.signature);
        assert_ne!(a.signature, c.signature);
        assert_eq!(a.signature.len(), 64);
    }

    fn arb_promotion() -> impl Strategy<Value = Promotion> {
        let kinds = prop_oneof![
            (1i64..=10_000).prop_map(|bp| (PromotionKind::OrderPercent, PromotionValue::BasisPoints(bp), None)),
            (1i64..50_000).prop_map(|a| (PromotionKind::OrderFixed, PromotionValue::Amount(eur(a)), None)),
            (1i64..=10_000).prop_map(|bp| (
                PromotionKind::ProductPercent,
                PromotionValue::BasisPoints(bp),
                skus(&["A", "C"])
            )),
            (1i64..5_000).prop_map(|a| (PromotionKind::ProductFixed, PromotionValue::Amount(eur(a)), skus(&["B"]))),
            (1i64..5_000).prop_map(|a| (
                PromotionKind::CategoryFixed,
                PromotionValue::Amount(eur(a)),
                Some(PromotionTarget { skus: vec![], category: Some("cat".into()) })
            )),
            ((1i64..5), (1i64..5)).prop_map(|(buy, get)| (
                PromotionKind::BuyXGetY,
                PromotionValue::BuyGet(BuyGet { buy, get }),
                skus(&["A", "B", "C", "D"])
            )),
        ];
        (0u32..1000, kinds).prop_map(|(n, (kind, value, target))| promotion(n, kind, value, target))
    }

    proptest! {
        #[test]
        fn quotes_add_up_and_never_go_negative(
            lines in proptest::collection::vec((1i64..=1000, 0i64..100_000), 1..5),
            promotions in proptest::collection::vec(arb_promotion(), 0..5),
            rate_bp in 0i64..=10_000,
            inclusive in any::<bool>(),
            shipping in 0i64..2_000,
            free_over in proptest::option::of(0i64..200_000),
        ) {
            let names = ["A", "B", "C", "D", "E"];
            let spec: Vec<(&str, i64, i64)> = lines.iter().enumerate().map(|(i, (q, u))| (names[i], *q, *u)).collect();
            let mut i = input(&spec);
            i.categories.insert("D".into(), "cat".into());
            i.automatic = promotions;
            i.tax = tax(rate_bp, inclusive);
            i.shipping = Some(("standard".into(), Some(ShippingRate {
                id: ShippingRateId::generate(),
                method: "standard".into(),
                countries: vec!["DE".into()],
                amount: eur(shipping),
                free_over: free_over.map(eur),
                created_at: NOW.into(),
            })));
            let q = price(&i).expect("priced");
            let line_totals: i64 = q.lines.iter().map(|l| l.total.amount).sum();
            let shipping = q.shipping.as_ref().map_or(0, |s| s.amount.amount);
            let tax_on_top = if q.tax_inclusive { 0 } else { q.tax_total.amount };
            prop_assert_eq!(line_totals + shipping + tax_on_top, q.total.amount);
            prop_assert!(q.discount_total.amount >= 0 && q.discount_total.amount <= q.subtotal.amount);
            prop_assert_eq!(q.subtotal.amount - q.discount_total.amount, line_totals);
            prop_assert!(q.tax_total.amount >= 0);
            for l in &q.lines {
                prop_assert!(l.discount.amount >= 0 && l.discount.amount <= l.subtotal.amount);
                prop_assert!(l.tax.amount >= 0);
                prop_assert!(!q.tax_inclusive || l.tax.amount <= l.total.amount);
            }
            let applied: i64 = q.applied_promotions.iter().map(|p| p.amount.amount).sum();
            prop_assert_eq!(applied, q.discount_total.amount);
        }

        #[test]
        fn inclusive_tax_is_what_exclusive_tax_adds(net in 0i64..1_000_000_000, rate_bp in 0i64..=10_000) {
            // Grossing a net amount up and taking the tax back out returns the tax, ±1 minor unit.
            let rule = tax(rate_bp, false);
            let added = tax_of(eur(net), rule.as_ref()).expect("fits");
            let gross = eur(net + added.amount);
            let contained = tax_of(gross, tax(rate_bp, true).as_ref()).expect("fits");
            prop_assert!((contained.amount - added.amount).abs() <= 1);
            prop_assert!(contained.amount >= 0 && contained.amount <= gross.amount);
        }
    }
}
