//! The inventory service: stock locations (warehouses, stores), stock of every SKU at every
//! location, and available-to-promise. It learns which SKUs exist from catalog's
//! `product.*` events (no synchronous call to catalog), and announces `stock.changed`.
//!
//! Layout: [`domain`] holds the stock rules (no IO), `store` is the only module that speaks
//! SQL, `http` has one module per resource, `consumers` applies catalog events.

pub mod consumers;
pub mod domain;
mod http;
mod store;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::events::Subscription;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "inventory";

/// Inventory's migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the inventory service: database, outbox, routes, and the catalog subscription.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let state = http::AppState { db, outbox, staff: builder.staff_auth() };
    builder
        .routes(http::router(state))
        .subscribe(
            Subscription::new("products", "catalog", &["product.created", "product.updated", "product.archived"]),
            consumers::Products,
        )
        .build()
        .await
}
