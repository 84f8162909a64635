//! An order's life after the checkout: what may happen to it, in which status.

use contracts::ids::{CartId, CustomerId, PaymentId, ReservationId};
use contracts::orders::{Address, CheckoutId, Order, OrderHistoryEntry, OrderId, OrderStatus, Shipment};
use contracts::payments::PaymentStatus;
use contracts::pricing::Quote;

/// Everything an order is made of at checkout.
#[derive(Debug)]
pub struct Placement<'a> {
    /// The checkout.
    pub checkout_id: &'a CheckoutId,
    /// The cart.
    pub cart_id: &'a CartId,
    /// The customer, if signed in.
    pub customer_id: Option<&'a CustomerId>,
    /// Confirmation address.
    pub email: &'a str,
    /// The quote that was charged.
    pub quote: &'a Quote,
    /// The cart's coupon codes.
    pub coupon_codes: &'a [String],
    /// Where it goes.
    pub shipping_address: &'a Address,
    /// The held reservation.
    pub reservation_id: &'a ReservationId,
    /// The authorised payment.
    pub payment_id: &'a PaymentId,
}

/// The order a completed checkout places, dated `now`.
pub fn place(p: &Placement<'_>, id: OrderId, now: &str) -> Order {
    let q = p.quote;
    Order {
        id,
        checkout_id: p.checkout_id.clone(),
        cart_id: p.cart_id.clone(),
        customer_id: p.customer_id.cloned(),
        email: p.email.to_owned(),
        status: OrderStatus::Placed,
        currency: q.currency,
        lines: q.lines.clone(),
        subtotal: q.subtotal,
        discount_total: q.discount_total,
        shipping: q.shipping.clone(),
        tax_total: q.tax_total,
        total: q.total,
        tax_inclusive: q.tax_inclusive,
        applied_promotions: q.applied_promotions.clone(),
        coupon_codes: p.coupon_codes.to_vec(),
        shipping_address: p.shipping_address.clone(),
        reservation_id: p.reservation_id.clone(),
        payment_id: p.payment_id.clone(),
        payment_status: PaymentStatus::Authorized,
        shipment: None,
        history: vec![OrderHistoryEntry {
            at: now.to_owned(),
            event: "placed".into(),
            note: format!("Order placed; {} authorised.", q.total),
        }],
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        version: 1,
    }
}

/// What a cancellation must undo at the payment provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentUndo {
    /// Release the authorisation: nothing was taken.
    Void,
    /// Give back what was captured.
    Refund,
    /// Nothing to do (already voided or refunded).
    Nothing,
}

/// Why an order cannot change as asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The order is cancelled already (or otherwise past the point).
    #[error("the order is {0:?}")]
    NotPlaced(OrderStatus),
    /// The payment is not in a status that allows the operation.
    #[error("the payment is {0}")]
    PaymentState(PaymentStatus),
}

/// Whether an order may be cancelled, and what that means for its payment. Only a placed
/// (not yet fulfilled) order can be cancelled.
pub fn cancellation(order: &Order) -> Result<PaymentUndo, RuleError> {
    if order.status != OrderStatus::Placed {
        return Err(RuleError::NotPlaced(order.status));
    }
    Ok(match order.payment_status {
        PaymentStatus::Authorized => PaymentUndo::Void,
        PaymentStatus::Captured => PaymentUndo::Refund,
        PaymentStatus::Voided | PaymentStatus::Refunded => PaymentUndo::Nothing,
        other => return Err(RuleError::PaymentState(other)),
    })
}

/// Whether the order's payment may be captured now.
pub fn capturable(order: &Order) -> Result<(), RuleError> {
    if order.status != OrderStatus::Placed {
        return Err(RuleError::NotPlaced(order.status));
    }
    match order.payment_status {
        PaymentStatus::Authorized => Ok(()),
        other => Err(RuleError::PaymentState(other)),
    }
}

/// What shipping an order needs first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeforeShipping {
    /// Capture the authorisation: card rules want the money taken when the goods go out.
    Capture,
    /// Nothing: the payment is captured already.
    Nothing,
}

/// Whether the order may ship now, and what must happen to its payment first. Only a placed
/// order ships, and only with its payment authorised or captured (not voided or refunded).
pub fn shippable(order: &Order) -> Result<BeforeShipping, RuleError> {
    if order.status != OrderStatus::Placed {
        return Err(RuleError::NotPlaced(order.status));
    }
    match order.payment_status {
        PaymentStatus::Authorized => Ok(BeforeShipping::Capture),
        PaymentStatus::Captured => Ok(BeforeShipping::Nothing),
        other => Err(RuleError::PaymentState(other)),
    }
}

/// Marks the order shipped by `carrier` under `tracking_number` at `now`.
pub fn ship(order: &mut Order, carrier: &str, tracking_number: &str, now: &str) {
    order.status = OrderStatus::Shipped;
    order.shipment = Some(Shipment {
        carrier: carrier.to_owned(),
        tracking_number: tracking_number.to_owned(),
        shipped_at: now.to_owned(),
    });
    record(order, now, "shipped", format!("Shipped with {carrier}, tracking number {tracking_number}."));
}

/// Records `event` in the order's history and bumps its version.
pub fn record(order: &mut Order, now: &str, event: &str, note: impl Into<String>) {
    order.history.push(OrderHistoryEntry { at: now.to_owned(), event: event.to_owned(), note: note.into() });
    order.updated_at = now.to_owned();
    order.version += 1;
}

/// An order of 19.99 EUR for `checkout_id`, as the saga places it; for tests.
#[cfg(test)]
pub(crate) fn example(checkout_id: &CheckoutId) -> Order {
    use contracts::money::{Currency, Money};

    let zero = Money::new(0, Currency::Eur);
    let quote = Quote {
        currency: Currency::Eur,
        lines: vec![],
        subtotal: zero,
        discount_total: zero,
        shipping: None,
        tax_total: zero,
        total: Money::new(1999, Currency::Eur),
        tax_inclusive: true,
        applied_promotions: vec![],
        rejected_coupons: vec![],
        unpriced_skus: vec![],
        signature: String::new(),
    };
    let address = Address {
        name: "A".into(),
        line1: "B".into(),
        line2: None,
        postal_code: "1".into(),
        city: "C".into(),
        country: "DE".into(),
    };
    place(
        &Placement {
            checkout_id,
            cart_id: &CartId::generate(),
            customer_id: None,
            email: "a@b.c",
            quote: &quote,
            coupon_codes: &[],
            shipping_address: &address,
            reservation_id: &ReservationId::generate(),
            payment_id: &PaymentId::generate(),
        },
        OrderId::generate(),
        "2026-01-01T00:00:00Z",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: OrderStatus, payment: PaymentStatus) -> Order {
        let mut o = example(&CheckoutId::generate());
        o.status = status;
        o.payment_status = payment;
        o
    }

    #[test]
    fn a_placed_order_carries_the_quote_and_its_history() {
        let o = order(OrderStatus::Placed, PaymentStatus::Authorized);
        assert_eq!(o.total.amount, 1999);
        assert_eq!(o.history.len(), 1);
        assert_eq!(o.version, 1);
    }

    #[test]
    fn cancellation_voids_or_refunds_and_only_once() {
        assert_eq!(cancellation(&order(OrderStatus::Placed, PaymentStatus::Authorized)), Ok(PaymentUndo::Void));
        assert_eq!(cancellation(&order(OrderStatus::Placed, PaymentStatus::Captured)), Ok(PaymentUndo::Refund));
        assert_eq!(
            cancellation(&order(OrderStatus::Cancelled, PaymentStatus::Voided)),
            Err(RuleError::NotPlaced(OrderStatus::Cancelled))
        );
    }

    #[test]
    fn a_placed_order_ships_capturing_first_if_need_be_and_then_no_longer_cancels() {
        assert_eq!(shippable(&order(OrderStatus::Placed, PaymentStatus::Authorized)), Ok(BeforeShipping::Capture));
        assert_eq!(shippable(&order(OrderStatus::Placed, PaymentStatus::Captured)), Ok(BeforeShipping::Nothing));
        assert_eq!(
            shippable(&order(OrderStatus::Placed, PaymentStatus::Voided)),
            Err(RuleError::PaymentState(PaymentStatus::Voided))
        );
        assert!(shippable(&order(OrderStatus::Cancelled, PaymentStatus::Voided)).is_err());

        let mut o = order(OrderStatus::Placed, PaymentStatus::Captured);
        ship(&mut o, "DHL", "00340434161094042557", "2026-01-02T00:00:00Z");
        assert_eq!(o.status, OrderStatus::Shipped);
        assert_eq!(o.shipment.as_ref().map(|s| s.carrier.as_str()), Some("DHL"));
        assert_eq!((o.version, o.history.last().map(|h| h.event.as_str())), (2, Some("shipped")));
        assert_eq!(cancellation(&o), Err(RuleError::NotPlaced(OrderStatus::Shipped)));
        assert!(shippable(&o).is_err(), "it ships once");
    }

    #[test]
    fn only_an_authorised_payment_of_a_placed_order_captures() {
        assert!(capturable(&order(OrderStatus::Placed, PaymentStatus::Authorized)).is_ok());
        assert!(capturable(&order(OrderStatus::Placed, PaymentStatus::Captured)).is_err());
        assert!(capturable(&order(OrderStatus::Cancelled, PaymentStatus::Authorized)).is_err());
    }
}
