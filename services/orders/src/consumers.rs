//! Applies payments' `payment.authorized`: an authorisation whose checkout ended without an
//! order (it was given up while the authorisation was still on its way) is noted, and the
//! recovery sweeper voids it. "Never an authorisation left without an order."

use contracts::EventType;
use contracts::orders::CheckoutId;
use contracts::payments::PaymentAuthorized;
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError};

use crate::domain::checkout::Step;
use crate::store::checkouts;

/// The `payments` → `orders` subscription.
#[derive(Debug)]
pub struct Payments;

impl EventHandler for Payments {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        if event.event_type != PaymentAuthorized::TYPE {
            return Ok(());
        }
        let payment = event.decode::<PaymentAuthorized>()?.payment;
        // References that are not checkouts belong to someone else's flow.
        let Ok(checkout) = CheckoutId::parse(&payment.reference) else { return Ok(()) };
        let found = checkouts::find(&mut *tx, &checkout).await?;
        let orphan = match &found {
            None => true,
            Some(c) => c.step == Step::Failed,
        };
        if orphan {
            tracing::warn!(payment_id = %payment.id, checkout_id = %checkout, "authorisation without an order: to be voided");
            checkouts::note_orphan(tx, &payment.id, checkout.as_str()).await?;
        }
        Ok(())
    }
}
