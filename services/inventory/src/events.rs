//! The events inventory publishes, appended to the outbox in the transaction of the change.

use contracts::EventType;
use contracts::inventory::{
    Reservation, ReservationCommitted, ReservationExpired, ReservationHeld, ReservationReleased, ReservationReturned,
    ReservationStatus, StockChanged, StockLevel,
};
use runtime::db::{DbError, Tx};
use runtime::events::{NewEvent, Outbox};

fn new_event<E: EventType>(event: &E) -> NewEvent {
    // Serialising our own types cannot fail (string keys, no floats).
    NewEvent::new(E::TYPE, E::VERSION, event.subject(), event)
        .unwrap_or_else(|e| unreachable!("inventory event serialises: {e}"))
}

/// Appends `stock.changed` for a stock level.
pub async fn stock_changed(outbox: &Outbox, tx: &mut Tx, level: &StockLevel) -> Result<(), DbError> {
    let event = StockChanged {
        sku: level.sku.clone(),
        location: level.location.clone(),
        on_hand: level.on_hand,
        reserved: level.reserved,
        available: level.available,
    };
    outbox.append(tx, new_event(&event)).await.map(drop)
}

/// Appends the `reservation.*` event that announces `reservation`'s current status.
pub async fn reservation(outbox: &Outbox, tx: &mut Tx, reservation: &Reservation) -> Result<(), DbError> {
    let reservation = reservation.clone();
    let event = match reservation.status {
        ReservationStatus::Held => new_event(&ReservationHeld { reservation }),
        ReservationStatus::Committed => new_event(&ReservationCommitted { reservation }),
        ReservationStatus::Released => new_event(&ReservationReleased { reservation }),
        ReservationStatus::Expired => new_event(&ReservationExpired { reservation }),
        ReservationStatus::Returned => new_event(&ReservationReturned { reservation }),
    };
    outbox.append(tx, event).await.map(drop)
}
