//! Applies catalog's `product.*` events: each SKU of a product is recorded with the slug of
//! the product's category, which category promotions match on.

use contracts::EventType;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError};

use crate::store::skus;

/// The `catalog` → `pricing` product subscription.
#[derive(Debug)]
pub struct Products;

impl EventHandler for Products {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        let product = match event.event_type.as_str() {
            ProductCreated::TYPE => event.decode::<ProductCreated>()?.product,
            ProductUpdated::TYPE => event.decode::<ProductUpdated>()?.product,
            ProductArchived::TYPE => event.decode::<ProductArchived>()?.product,
            _ => return Ok(()),
        };
        let category = product.category.as_ref().map(|c| c.slug.as_str());
        for variant in &product.variants {
            skus::upsert(tx, &variant.sku, &product.id, category).await?;
        }
        tracing::debug!(product_id = %product.id, skus = product.variants.len(), "categories learnt");
        Ok(())
    }
}
