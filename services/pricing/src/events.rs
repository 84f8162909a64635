//! The events the pricing service publishes.

use contracts::EventType;
use contracts::money::Currency;
use contracts::pricing::{Price, PriceChanged};
use runtime::db::{DbError, Tx};
use runtime::events::{NewEvent, Outbox};

/// Appends `price.changed` for a price just set in a list of `currency`.
pub async fn price_changed(outbox: &Outbox, tx: &mut Tx, price: &Price, currency: Currency) -> Result<(), DbError> {
    let event = PriceChanged {
        sku: price.sku.clone(),
        currency,
        price_list_id: price.price_list_id.clone(),
        tiers: price.tiers.clone(),
    };
    // Serialising our own types cannot fail (string keys, no floats).
    let new = NewEvent::new(PriceChanged::TYPE, PriceChanged::VERSION, event.subject(), &event)
        .unwrap_or_else(|e| unreachable!("price event serialises: {e}"));
    outbox.append(tx, new).await.map(drop)
}
