//! The events the payments service publishes; each carries the full payment snapshot.

use contracts::EventType;
use contracts::money::Money;
use contracts::payments::{
    Payment, PaymentAuthorized, PaymentCaptured, PaymentDeclined, PaymentFailed, PaymentRefunded, PaymentVoided,
};
use runtime::db::{DbError, Tx};
use runtime::events::{NewEvent, Outbox};

use crate::domain::AuthorizationOutcome;

async fn append<E: EventType>(outbox: &Outbox, tx: &mut Tx, event: &E) -> Result<(), DbError> {
    // Serialising our own snapshot types cannot fail (string keys, no floats).
    let new = NewEvent::new(E::TYPE, E::VERSION, event.subject(), event)
        .unwrap_or_else(|e| unreachable!("payment snapshot serialises: {e}"));
    outbox.append(tx, new).await.map(drop)
}

/// Appends the event of a settled authorisation: `payment.authorized`, `payment.declined`
/// or `payment.failed`.
pub async fn settled(
    outbox: &Outbox,
    tx: &mut Tx,
    outcome: &AuthorizationOutcome,
    payment: &Payment,
) -> Result<(), DbError> {
    let payment = payment.clone();
    match outcome {
        AuthorizationOutcome::Authorized { .. } => append(outbox, tx, &PaymentAuthorized { payment }).await,
        AuthorizationOutcome::Declined { .. } => append(outbox, tx, &PaymentDeclined { payment }).await,
        AuthorizationOutcome::Failed(_) => append(outbox, tx, &PaymentFailed { payment }).await,
    }
}

/// Appends `payment.captured`.
pub async fn captured(outbox: &Outbox, tx: &mut Tx, payment: &Payment, amount: Money) -> Result<(), DbError> {
    append(outbox, tx, &PaymentCaptured { payment: payment.clone(), amount }).await
}

/// Appends `payment.voided`.
pub async fn voided(outbox: &Outbox, tx: &mut Tx, payment: &Payment) -> Result<(), DbError> {
    append(outbox, tx, &PaymentVoided { payment: payment.clone() }).await
}

/// Appends `payment.refunded`.
pub async fn refunded(outbox: &Outbox, tx: &mut Tx, payment: &Payment, amount: Money) -> Result<(), DbError> {
    append(outbox, tx, &PaymentRefunded { payment: payment.clone(), amount }).await
}
