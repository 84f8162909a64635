//! The events inventory publishes, appended to the outbox in the transaction of the change,
//! all of one transaction's in one statement.

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

/// `stock.changed` for a stock level.
pub fn stock_changed(level: &StockLevel) -> NewEvent {
    new_event(&StockChanged {
        sku: level.sku.clone(),
        location: level.location.clone(),
        on_hand: level.on_hand,
        reserved: level.reserved,
        available: level.available,
    })
}

/// The `reservation.*` event that announces `reservation`'s current status.
pub fn reservation(reservation: &Reservation) -> NewEvent {
    let reservation = reservation.clone();
    match reservation.status {
        ReservationStatus::Held => new_event(&ReservationHeld { reservation }),
        ReservationStatus::Committed => new_event(&ReservationCommitted { reservation }),
        ReservationStatus::Released => new_event(&ReservationReleased { reservation }),
        ReservationStatus::Expired => new_event(&ReservationExpired { reservation }),
        ReservationStatus::Returned => new_event(&ReservationReturned { reservation }),
    }
}

/// Appends `stock.changed` for each of `levels` and then `reservation`'s event, in one
/// statement. Consumers rely on that order: the stock moves are announced before the
/// reservation that moved them.
pub async fn reservation_changed(
    outbox: &Outbox,
    tx: &mut Tx,
    levels: &[StockLevel],
    reservation: &Reservation,
) -> Result<(), DbError> {
    let events = levels.iter().map(stock_changed).chain([self::reservation(reservation)]).collect();
    outbox.append_all(tx, events).await.map(drop)
}
