//! Applies catalog's `product.*` events: every SKU of a product gets a stock record at every
//! location (zero on hand), and archived products' SKUs are marked so.

use contracts::EventType;
use contracts::catalog::{ProductArchived, ProductCreated, ProductUpdated};
use runtime::db::Tx;
use runtime::events::{Event, EventHandler, HandlerError};

use crate::store::skus;

/// The `catalog` → `inventory` product subscription.
pub struct Products;

impl EventHandler for Products {
    async fn handle(&self, tx: &mut Tx, event: &Event) -> Result<(), HandlerError> {
        let (product, status) = match event.event_type.as_str() {
            ProductCreated::TYPE => (event.decode::<ProductCreated>()?.product, "active"),
            ProductUpdated::TYPE => {
                let product = event.decode::<ProductUpdated>()?.product;
                let status =
                    if product.status == contracts::catalog::ProductStatus::Archived { "archived" } else { "active" };
                (product, status)
            }
            ProductArchived::TYPE => (event.decode::<ProductArchived>()?.product, "archived"),
            _ => return Ok(()),
        };
        for variant in &product.variants {
            skus::upsert(tx, &variant.sku, &product.id, status).await?;
        }
        tracing::debug!(product_id = %product.id, skus = product.variants.len(), "stock records ensured");
        Ok(())
    }
}
