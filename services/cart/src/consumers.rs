//! Applies orders' `order.placed`: the cart the order was placed from becomes `converted`
//! (read-only), announced as `cart.converted` in the same transaction. The runtime's inbox
//! makes a redelivered event a no-op; a cart already converted is left as it is too.

use contracts::EventType;
use contracts::cart::{CartConverted, CartStatus};
use contracts::orders::OrderPlaced;
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError, Outbox};

use crate::events;
use crate::store::carts;

/// The `orders` → `cart` subscription.
#[derive(Debug)]
pub struct Orders {
    outbox: Outbox,
}

impl Orders {
    /// The handler, appending its events to `outbox` (the cart service's).
    pub fn new(outbox: Outbox) -> Self {
        Self { outbox }
    }
}

impl EventHandler for Orders {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        if event.event_type != OrderPlaced::TYPE {
            return Ok(());
        }
        let order = event.decode::<OrderPlaced>()?.order;
        // A plain read and a compare-and-set save, as the cart's own writes do; only when
        // someone changed the cart in between (PostgreSQL: a concurrent request) is it read
        // again under its lock, where the save cannot miss.
        let mut locked = false;
        let cart = loop {
            let found =
                if locked { carts::lock(tx, &order.cart_id).await? } else { carts::find(tx, &order.cart_id).await? };
            let Some(before) = found else {
                // Not a cart of ours (or one from before this database): nothing to convert.
                tracing::warn!(cart_id = %order.cart_id, order_id = %order.id, "order placed from an unknown cart");
                return Ok(());
            };
            if before.status == CartStatus::Converted {
                return Ok(());
            }
            let mut cart = before.clone();
            cart.mark_converted(order.id.as_str());
            cart.touch(&runtime::db::now());
            if carts::save(tx, &before, &cart).await? {
                break cart;
            }
            locked = true;
        };
        let converted = CartConverted { cart_id: cart.id.clone(), order_id: order.id.to_string() };
        events::converted(&self.outbox, tx, &converted).await?;
        tracing::info!(cart_id = %cart.id, order_id = %order.id, "cart converted");
        Ok(())
    }
}
