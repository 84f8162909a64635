//! Every published event version must still be readable by the current types: a consumer
//! deployed later than its producer (or replaying an old stream) depends on it.

use contracts::EventType;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use contracts::inventory::{
    ReservationCommitted, ReservationExpired, ReservationHeld, ReservationReleased, ReservationReturned,
    ReservationStatus, StockChanged,
};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture exists")
}

#[test]
fn product_events_v1_still_decode() {
    let created: ProductCreated = serde_json::from_str(&fixture("product.created.v1.json")).expect("v1 decodes");
    assert_eq!(created.product.variants[0].sku.as_str(), "NW-TEE-BLK-M");
    assert_eq!(created.subject(), "prod_0193a4c1e7d27c3a9b1f4e2d8c6a5b40");
    // updated and archived share the snapshot shape
    let updated: ProductUpdated = serde_json::from_str(&fixture("product.created.v1.json")).expect("same shape");
    let archived: ProductArchived = serde_json::from_str(&fixture("product.created.v1.json")).expect("same shape");
    assert_eq!(updated.product, archived.product);
    assert_eq!(ProductCreated::VERSION, 1);
}

#[test]
fn stock_changed_v1_still_decodes() {
    let changed: StockChanged = serde_json::from_str(&fixture("stock.changed.v1.json")).expect("v1 decodes");
    assert_eq!(changed.available, 10);
    assert_eq!(changed.subject(), "NW-TEE-BLK-M");
}

#[test]
fn reservation_events_v1_still_decode() {
    let held: ReservationHeld = serde_json::from_str(&fixture("reservation.held.v1.json")).expect("v1 decodes");
    assert_eq!(held.reservation.status, ReservationStatus::Held);
    assert_eq!(held.subject(), "res_0193a4c1e7d27c3a9b1f4e2d8c6a5b41");
    assert_eq!(held.reservation.lines[0].quantity, 3);
    let split: Vec<_> =
        held.reservation.lines[0].allocations.iter().map(|a| (a.location.as_str(), a.quantity)).collect();
    assert_eq!(split, [("berlin-dc", 2), ("paris-store", 1)]);
    assert_eq!(ReservationHeld::TYPE, "reservation.held");
    assert_eq!(ReservationHeld::VERSION, 1);

    let committed: ReservationCommitted =
        serde_json::from_str(&fixture("reservation.committed.v1.json")).expect("v1 decodes");
    assert_eq!(committed.reservation.status, ReservationStatus::Committed);
    assert_eq!(committed.reservation.lines, held.reservation.lines);

    let released: ReservationReleased =
        serde_json::from_str(&fixture("reservation.released.v1.json")).expect("v1 decodes");
    assert_eq!(released.reservation.status, ReservationStatus::Released);

    let expired: ReservationExpired =
        serde_json::from_str(&fixture("reservation.expired.v1.json")).expect("v1 decodes");
    assert_eq!(expired.reservation.status, ReservationStatus::Expired);
    assert_eq!(expired.subject(), held.subject());

    let returned: ReservationReturned =
        serde_json::from_str(&fixture("reservation.returned.v1.json")).expect("v1 decodes");
    assert_eq!(returned.reservation.status, ReservationStatus::Returned);
    assert_eq!(returned.reservation.status.as_str(), "returned");
    assert_eq!(returned.reservation.lines, committed.reservation.lines);
    assert_eq!(returned.subject(), held.subject());
    assert_eq!((ReservationReturned::TYPE, ReservationReturned::VERSION), ("reservation.returned", 1));
}

#[test]
fn payment_events_v1_still_decode() {
    use contracts::money::{Currency, Money};
    use contracts::payments::{
        CardBrand, PaymentAuthorized, PaymentCaptured, PaymentDeclined, PaymentFailed, PaymentRefunded, PaymentStatus,
        PaymentVoided,
    };

    let authorized: PaymentAuthorized =
        serde_json::from_str(&fixture("payment.authorized.v1.json")).expect("v1 decodes");
    assert_eq!(authorized.subject(), "pay_0193a4c1e7d27c3a9b1f4e2d8c6a5b50");
    assert_eq!(authorized.payment.status, PaymentStatus::Authorized);
    assert_eq!(authorized.payment.amount, Money::new(4990, Currency::Eur));
    assert_eq!(authorized.payment.card.brand, CardBrand::Visa);
    assert_eq!(authorized.payment.card.last4, "4242");
    assert_eq!((PaymentAuthorized::TYPE, PaymentAuthorized::VERSION), ("payment.authorized", 1));

    let declined: PaymentDeclined = serde_json::from_str(&fixture("payment.declined.v1.json")).expect("v1 decodes");
    assert_eq!(declined.payment.status, PaymentStatus::Declined);
    assert_eq!(declined.payment.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(declined.payment.provider_ref, None);
    assert_eq!(PaymentDeclined::TYPE, "payment.declined");

    let failed: PaymentFailed = serde_json::from_str(&fixture("payment.failed.v1.json")).expect("v1 decodes");
    assert_eq!(failed.payment.status, PaymentStatus::Failed);
    assert_eq!(failed.payment.failure_code.as_deref(), Some("provider_timeout"));
    assert_eq!(PaymentFailed::TYPE, "payment.failed");

    let captured: PaymentCaptured = serde_json::from_str(&fixture("payment.captured.v1.json")).expect("v1 decodes");
    assert_eq!(captured.payment.status, PaymentStatus::Captured);
    assert_eq!(captured.amount, captured.payment.captured);
    assert_eq!(PaymentCaptured::TYPE, "payment.captured");

    let voided: PaymentVoided = serde_json::from_str(&fixture("payment.voided.v1.json")).expect("v1 decodes");
    assert_eq!(voided.payment.status, PaymentStatus::Voided);
    assert_eq!(voided.payment.captured.amount, 0);
    assert_eq!(PaymentVoided::TYPE, "payment.voided");

    let refunded: PaymentRefunded = serde_json::from_str(&fixture("payment.refunded.v1.json")).expect("v1 decodes");
    assert_eq!(refunded.payment.status, PaymentStatus::Refunded);
    assert_eq!(refunded.payment.refunded, refunded.payment.captured);
    assert_eq!(refunded.amount, Money::new(1500, Currency::Eur));
    assert_eq!(refunded.subject(), authorized.subject());
    assert_eq!(PaymentRefunded::TYPE, "payment.refunded");
}

#[test]
fn price_changed_v1_still_decodes() {
    use contracts::pricing::PriceChanged;
    let changed: PriceChanged = serde_json::from_str(&fixture("price.changed.v1.json")).expect("v1 decodes");
    assert_eq!(changed.subject(), "NW-TEE-BLK-M");
    assert_eq!(changed.price_list_id.as_str(), "pl_0193a4c1e7d27c3a9b1f4e2d8c6a5b42");
    assert_eq!(changed.tiers.len(), 2);
    assert_eq!(changed.tiers[1].min_quantity, 10);
    assert_eq!(changed.tiers[1].unit_amount.amount, 2200);
    assert_eq!((PriceChanged::TYPE, PriceChanged::VERSION), ("price.changed", 1));
}
