//! The events the cart service publishes, appended to the outbox in the caller's transaction.

use contracts::EventType;
use contracts::cart::{CartConverted, CartMerged};
use runtime::db::{DbError, Tx};
use runtime::events::{NewEvent, Outbox};

async fn append<E: EventType>(outbox: &Outbox, tx: &mut Tx, event: &E) -> Result<(), DbError> {
    // Serialising our own types cannot fail (string keys, no floats).
    let new = NewEvent::new(E::TYPE, E::VERSION, event.subject(), event)
        .unwrap_or_else(|e| unreachable!("cart event serialises: {e}"));
    outbox.append(tx, new).await.map(drop)
}

/// Appends `cart.merged`.
pub async fn merged(outbox: &Outbox, tx: &mut Tx, event: &CartMerged) -> Result<(), DbError> {
    append(outbox, tx, event).await
}

/// Appends `cart.converted`.
pub async fn converted(outbox: &Outbox, tx: &mut Tx, event: &CartConverted) -> Result<(), DbError> {
    append(outbox, tx, event).await
}
