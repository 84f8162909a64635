//! The events the catalog publishes; each carries the full product snapshot.

use contracts::EventType;
use contracts::catalog::{Product, ProductArchived, ProductCreated, ProductUpdated};
use runtime::db::{DbError, Tx};
use runtime::events::{NewEvent, Outbox};

fn new_event<E: EventType>(event: &E) -> NewEvent {
    // Serialising our own snapshot types cannot fail (string keys, no non-finite floats).
    NewEvent::new(E::TYPE, E::VERSION, event.subject(), event)
        .unwrap_or_else(|e| unreachable!("product snapshot serialises: {e}"))
}

/// Appends `product.created`.
pub async fn created(outbox: &Outbox, tx: &mut Tx, product: &Product) -> Result<(), DbError> {
    outbox.append(tx, new_event(&ProductCreated { product: product.clone() })).await.map(drop)
}

/// Appends `product.updated`.
pub async fn updated(outbox: &Outbox, tx: &mut Tx, product: &Product) -> Result<(), DbError> {
    outbox.append(tx, new_event(&ProductUpdated { product: product.clone() })).await.map(drop)
}

/// Appends `product.archived`.
pub async fn archived(outbox: &Outbox, tx: &mut Tx, product: &Product) -> Result<(), DbError> {
    outbox.append(tx, new_event(&ProductArchived { product: product.clone() })).await.map(drop)
}
