//! Applies other services' events to the read model, inside the runtime's inbox transaction
//! (so a redelivered event is a no-op), and records which products must be reindexed in the
//! same transaction (see `store::changes`). The indexer picks the changes up once committed.
//!
//! Events from different sources arrive in any order: a price or stock change for a SKU
//! catalog has not announced yet is stored and reaches the index with the product.

use contracts::EventType;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use contracts::inventory::StockChanged;
use contracts::pricing::PriceChanged;
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError, Subscription};

use crate::domain::IndexedProduct;
use crate::store::{changes, products};

/// The `catalog` → `search` subscription.
pub fn products_subscription() -> Subscription {
    Subscription::new("products", "catalog", &[ProductCreated::TYPE, ProductUpdated::TYPE, ProductArchived::TYPE])
}

/// The `pricing` → `search` subscription.
pub fn prices_subscription() -> Subscription {
    Subscription::new("prices", "pricing", &[PriceChanged::TYPE])
}

/// The `inventory` → `search` subscription.
pub fn stock_subscription() -> Subscription {
    Subscription::new("stock", "inventory", &[StockChanged::TYPE])
}

/// Catalog's `product.created/updated/archived`: the full snapshot replaces what is stored,
/// unless what is stored is newer (catalog's `version`).
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
        let record = IndexedProduct::from_snapshot(&product, archived);
        let changed = products::upsert(tx, &record).await?;
        if changed.is_empty() {
            tracing::debug!(product_id = %product.id, version = product.version, "older product snapshot ignored");
            return Ok(());
        }
        changes::record(tx, &changed).await?;
        tracing::debug!(product_id = %product.id, version = product.version, archived = record.archived, "product stored");
        Ok(())
    }
}

/// Pricing's `price.changed`: the SKU's unit price in the price list is the first tier's
/// (quantity 1). Without tiers the price is removed.
#[derive(Debug)]
pub struct Prices;

impl EventHandler for Prices {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        if event.event_type != PriceChanged::TYPE {
            return Ok(());
        }
        let price = event.decode::<PriceChanged>()?;
        let unit = price.tiers.iter().min_by_key(|t| t.min_quantity).map(|t| t.unit_amount.amount);
        products::set_price(tx, &price.sku, &price.price_list_id, price.currency, unit).await?;
        if let Some(product) = products::product_of(tx, &price.sku).await? {
            changes::record(tx, &[product]).await?;
        }
        tracing::debug!(sku = %price.sku, currency = %price.currency, ?unit, "price stored");
        Ok(())
    }
}

/// Inventory's `stock.changed`: the units available at the location; the product is
/// reindexed only when they cross zero.
#[derive(Debug)]
pub struct Stock;

impl EventHandler for Stock {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        if event.event_type != StockChanged::TYPE {
            return Ok(());
        }
        let stock = event.decode::<StockChanged>()?;
        let crossed = products::set_available(tx, &stock.sku, &stock.location, stock.available).await?;
        // The index keeps only whether a product has a unit anywhere, which a change can alter
        // only by crossing zero: every reservation and sale otherwise changes nothing it shows,
        // and a reindex would publish a new snapshot (dropping the kept answers) per checkout.
        if crossed && let Some(product) = products::product_of(tx, &stock.sku).await? {
            changes::record(tx, &[product]).await?;
        }
        tracing::debug!(sku = %stock.sku, location = %stock.location, available = stock.available, "stock stored");
        Ok(())
    }
}
