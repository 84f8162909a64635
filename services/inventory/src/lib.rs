//! The inventory service: stock locations (warehouses, stores), stock of every SKU at every
//! location, available-to-promise, and reservations that hold stock for checkouts. It learns
//! which SKUs exist from catalog's `product.*` events (no synchronous call to catalog), and
//! announces `stock.changed` and `reservation.*`.
//!
//! Layout: [`domain`] holds the stock and reservation rules (no IO), `store` is the only
//! module that speaks SQL, `http` has one module per resource, `reservations` holds, commits,
//! releases, expires and returns reservations (for `http` and the expiry sweeper), `events`
//! builds what goes to the outbox, `consumers` applies catalog events.

pub mod consumers;
pub mod domain;
mod events;
mod http;
pub mod reservations;
mod store;

use std::time::Duration;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::events::Subscription;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "inventory";

/// How often held reservations past their expiry are looked for.
const EXPIRY_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Inventory's migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the inventory service: database, outbox, routes, the catalog subscription, and the
/// reservation expiry sweeper.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let state = http::AppState {
        db: db.clone(),
        outbox: outbox.clone(),
        staff: builder.staff_auth(),
        internal: builder.internal_auth(),
    };
    builder
        .routes(http::router(state))
        .subscribe(
            Subscription::new("products", "catalog", &["product.created", "product.updated", "product.archived"]),
            consumers::Products,
        )
        .every("reservation-expiry", EXPIRY_SWEEP_INTERVAL, move || reservations::sweep(db.clone(), outbox.clone()))
        .build()
        .await
}
