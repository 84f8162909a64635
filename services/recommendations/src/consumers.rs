//! Applies other services' events to the read model, inside the runtime's inbox transaction
//! (so a redelivered event is a no-op). Each write stamps its rows with the change counter
//! (`store::sequence`), from which the learner picks them up once committed.
//!
//! Events from catalog and orders arrive in any order: an order for SKUs catalog has not
//! announced yet is stored whole; the model parks it until the products arrive.

use contracts::EventType;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use contracts::orders::OrderPlaced;
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError, Subscription};

use crate::domain::{Basket, ProductRecord};
use crate::store::{baskets, products};

/// The `catalog` → `recommendations` subscription.
pub fn products_subscription() -> Subscription {
    Subscription::new("products", "catalog", &[ProductCreated::TYPE, ProductUpdated::TYPE, ProductArchived::TYPE])
}

/// The `orders` → `recommendations` subscription.
pub fn orders_subscription() -> Subscription {
    Subscription::new("orders", "orders", &[OrderPlaced::TYPE])
}

/// Catalog's `product.created/updated/archived`: the snapshot replaces what is stored, unless
/// what is stored is newer (catalog's `version`).
#[derive(Debug)]
pub struct Products;

impl EventHandler for Products {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        let (product, archived) = match event.event_type.as_str() {
            ProductCreated::TYPE => (event.decode::<ProductCreated>()?.product, false),
            ProductUpdated::TYPE => (event.decode::<ProductUpdated>()?.product, false),
            ProductArchived::TYPE => (event.decode::<ProductArchived>()?.product, true),
            _ => return Ok(()),
        };
        let record = ProductRecord::from_snapshot(&product, archived);
        if products::upsert(tx, &record).await? {
            tracing::debug!(product_id = %product.id, version = product.version, archived = record.archived, "product stored");
        } else {
            tracing::debug!(product_id = %product.id, version = product.version, "older product snapshot ignored");
        }
        Ok(())
    }
}

/// Orders' `order.placed`: the order's SKUs become a basket (quantities summed per SKU).
#[derive(Debug)]
pub struct Orders;

impl EventHandler for Orders {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        if event.event_type != OrderPlaced::TYPE {
            return Ok(());
        }
        let order = event.decode::<OrderPlaced>()?.order;
        let placed_at = runtime::db::parse_timestamp(&order.created_at)
            .or_else(|| runtime::db::parse_timestamp(&event.time))
            .unwrap_or_else(time::OffsetDateTime::now_utc)
            .unix_timestamp();
        let mut lines: Vec<(contracts::ids::Sku, i64)> = Vec::with_capacity(order.lines.len());
        for line in &order.lines {
            match lines.iter_mut().find(|(sku, _)| *sku == line.sku) {
                Some((_, quantity)) => *quantity += line.quantity,
                None => lines.push((line.sku.clone(), line.quantity)),
            }
        }
        let basket = Basket { order_id: order.id.clone(), customer_id: order.customer_id.clone(), placed_at, lines };
        if baskets::insert(tx, &basket).await? {
            tracing::debug!(order_id = %order.id, lines = basket.lines.len(), "basket stored");
        }
        Ok(())
    }
}
