//! The events orders publishes; each carries the full order snapshot.

use contracts::EventType;
use contracts::orders::{Order, OrderCancelled, OrderPlaced, OrderShipped};
use runtime::db::{DbError, Tx};
use runtime::events::{NewEvent, Outbox};

async fn append<E: EventType>(outbox: &Outbox, tx: &mut Tx, event: &E) -> Result<(), DbError> {
    // Serialising our own snapshot types cannot fail (string keys, no floats).
    let new = NewEvent::new(E::TYPE, E::VERSION, event.subject(), event)
        .unwrap_or_else(|e| unreachable!("order snapshot serialises: {e}"));
    outbox.append(tx, new).await.map(drop)
}

/// Appends `order.placed`.
pub async fn placed(outbox: &Outbox, tx: &mut Tx, order: &Order) -> Result<(), DbError> {
    append(outbox, tx, &OrderPlaced { order: order.clone() }).await
}

/// Appends `order.cancelled`.
pub async fn cancelled(outbox: &Outbox, tx: &mut Tx, order: &Order) -> Result<(), DbError> {
    append(outbox, tx, &OrderCancelled { order: order.clone() }).await
}

/// Appends `order.shipped`.
pub async fn shipped(outbox: &Outbox, tx: &mut Tx, order: &Order) -> Result<(), DbError> {
    append(outbox, tx, &OrderShipped { order: order.clone() }).await
}
