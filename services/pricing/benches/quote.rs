//! Pricing a cart: `domain::quote::price`, the pure computation behind `POST /v1/quotes` (and
//! so behind every cart read and every checkout), over inputs shaped like the demo shop's:
//! two price lists (general and a customer group's), automatic category and order promotions,
//! a coupon, standard shipping to Germany and 19 % VAT included. The store's loads are not
//! part of it (the inventory and gateway benches cover database and composition costs).
//!
//! `cargo bench -p mercato-pricing` (criterion; `-- --quick` for a fast look).

use std::collections::HashMap;
use std::hint::black_box;

use contracts::ids::Sku;
use contracts::money::{Currency, Money};
use contracts::pricing::{
    PriceListId, Promotion, PromotionId, PromotionKind, PromotionTarget, PromotionValue, ShippingRate, ShippingRateId,
    TaxRule, Tier,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pricing::domain::quote::{Candidate, CouponState, QuoteInput, price, signature};

const NOW: &str = "2026-06-01T12:00:00.000000Z";

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::Eur)
}

fn promotion(n: u32, kind: PromotionKind, value: PromotionValue, target: Option<PromotionTarget>) -> Promotion {
    Promotion {
        id: PromotionId::parse(&format!("promo_{n:032x}")).expect("promotion id"),
        name: format!("Promotion {n}"),
        kind,
        value,
        target,
        starts_at: Some("2026-01-01T00:00:00.000000Z".into()),
        ends_at: None,
        coupon_required: false,
        created_at: NOW.into(),
    }
}

/// A cart of `lines` SKUs (quantities 1 to 3) in a shop with two price lists, where the
/// customer group's list prices every other SKU, three tiers per price.
fn cart(lines: usize) -> QuoteInput {
    let general = PriceListId::parse(&format!("pl_{:032x}", 1)).expect("list id");
    let group = PriceListId::parse(&format!("pl_{:032x}", 2)).expect("list id");
    let mut candidates = Vec::new();
    let mut categories = HashMap::new();
    let mut cart_lines = Vec::new();
    for i in 0..lines {
        let sku = format!("NRD-SHIRT-{i:04}-M");
        let unit = 1_990 + 250 * i as i64;
        let tiers = |unit: i64| {
            vec![
                Tier { min_quantity: 1, unit_amount: eur(unit) },
                Tier { min_quantity: 10, unit_amount: eur(unit * 9 / 10) },
                Tier { min_quantity: 50, unit_amount: eur(unit * 8 / 10) },
            ]
        };
        candidates.push(Candidate {
            price_list_id: general.clone(),
            customer_group: None,
            priority: 0,
            valid_from: None,
            valid_to: None,
            sku: sku.clone(),
            tiers: tiers(unit),
        });
        if i % 2 == 0 {
            candidates.push(Candidate {
                price_list_id: group.clone(),
                customer_group: Some("trade".into()),
                priority: 10,
                valid_from: None,
                valid_to: None,
                sku: sku.clone(),
                tiers: tiers(unit * 95 / 100),
            });
        }
        categories.insert(sku.clone(), if i % 3 == 0 { "shirts" } else { "knitwear" }.to_owned());
        cart_lines.push((Sku::parse(&sku).expect("sku"), 1 + (i as i64 % 3)));
    }
    let automatic = vec![
        promotion(
            1,
            PromotionKind::CategoryPercent,
            PromotionValue::BasisPoints(1_500),
            Some(PromotionTarget { skus: Vec::new(), category: Some("shirts".into()) }),
        ),
        promotion(2, PromotionKind::OrderFixed, PromotionValue::Amount(eur(500)), None),
    ];
    let mut coupon = promotion(3, PromotionKind::OrderPercent, PromotionValue::BasisPoints(1_000), None);
    coupon.coupon_required = true;
    QuoteInput {
        currency: Currency::Eur,
        customer_group: Some("trade".into()),
        lines: cart_lines,
        candidates,
        categories,
        automatic,
        coupons: vec![(
            "WELCOME10".into(),
            Some(CouponState {
                usage_limit: Some(1_000),
                used: 10,
                valid_from: None,
                valid_to: None,
                promotion: coupon,
            }),
        )],
        shipping: Some((
            "standard".into(),
            Some(ShippingRate {
                id: ShippingRateId::parse(&format!("shr_{:032x}", 1)).expect("rate id"),
                method: "standard".into(),
                countries: vec!["DE".into(), "AT".into()],
                amount: eur(495),
                free_over: Some(eur(5_000)),
                created_at: NOW.into(),
            }),
        )),
        tax: Some(TaxRule { country: "DE".into(), rate_bp: 1_900, inclusive: true, updated_at: NOW.into() }),
        now: NOW.into(),
    }
}

fn quote(c: &mut Criterion) {
    let mut group = c.benchmark_group("quote");
    // 2 lines is the W3 checkout's cart; 100 is the most a quote accepts.
    for lines in [2, 10, 100] {
        let input = cart(lines);
        let quoted = price(&input).expect("the cart prices");
        assert_eq!(quoted.lines.len(), lines);
        assert!(!quoted.applied_promotions.is_empty() && quoted.rejected_coupons.is_empty());
        group.throughput(Throughput::Elements(lines as u64));
        group.bench_with_input(BenchmarkId::new("price", lines), &input, |b, input| {
            b.iter(|| price(black_box(input)));
        });
        // The share of the signature (SHA-256 over the quote's JSON) in the above.
        group.bench_with_input(BenchmarkId::new("signature", lines), &quoted, |b, quoted| {
            b.iter(|| signature(black_box(quoted)));
        });
    }
    group.finish();
}

criterion_group!(benches, quote);
criterion_main!(benches);
