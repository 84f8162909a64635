//! The pricing service: what things cost. Price lists (per currency, optionally per
//! customer group, with a priority and a validity window) hold tiered prices per SKU;
//! promotions (order, product and category percentages and amounts, buy X get Y) apply
//! automatically or through a coupon; shipping rates and per-country tax rules complete a
//! quote. `POST /v1/quotes` prices a cart exactly, in integer minor units, and signs the
//! result so that the checkout can tell whether a price changed since the cart showed it.
//! The checkout saga redeems coupons (`POST /v1/coupons/{code}/redemptions`, internal) with
//! the order id as `Idempotency-Key`; the usage limit holds under concurrency.
//!
//! Pricing learns each SKU's category from catalog's `product.*` events (for category
//! promotions) and announces every price it sets as `price.changed`.
//!
//! Layout: [`domain`] holds validation and the rules — price resolution, promotion
//! stacking, shipping, tax (see [`domain::quote`]) — without IO; `store` is the only module
//! that speaks SQL; `rules` keeps the promotions, shipping rates and tax rules every quote
//! applies in memory; `http` has one module per resource; `events` builds the published
//! events; [`consumers`] applies catalog's.

pub mod consumers;
pub mod domain;
mod events;
mod http;
mod rules;
mod store;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::events::Subscription;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "pricing";

/// The pricing migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the pricing service: database, outbox, routes, and the catalog subscription.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let state = http::AppState {
        db,
        outbox,
        staff: builder.staff_auth(),
        internal: builder.internal_auth(),
        rules: Default::default(),
    };
    builder
        .routes(http::router(state))
        .subscribe(
            Subscription::new("products", "catalog", &["product.created", "product.updated", "product.archived"]),
            consumers::Products,
        )
        .build()
        .await
}
