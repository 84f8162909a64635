//! The cart service: what a shopper is about to buy. A cart holds SKUs and quantities and
//! where the order goes (country, shipping method, coupons); its prices are never stored but
//! asked of pricing on every response, so the cart shows what the checkout will charge — and
//! when pricing cannot answer, the cart is served without prices (`degraded: ["pricing"]`)
//! and changes are still stored.
//!
//! Guests get carts whose id is their only key; a customer (identity's access token, verified
//! locally against identity's JWKS) has at most one active cart, and right after signing in
//! merges the guest cart into it (`cart.merged`). Orders' `order.placed` converts the cart
//! it was placed from (`cart.converted`); merged and converted carts are read-only.
//!
//! Layout: [`domain`] holds validation, limits, ownership and the changes a cart goes through,
//! without IO; `store` is the only module that speaks SQL; `http` has one module per
//! resource; `pricing` asks pricing for quotes; `events` builds the published events;
//! [`consumers`] applies orders'.

pub mod consumers;
pub mod domain;
mod events;
mod http;
mod pricing;
mod store;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::events::Subscription;
use runtime::jwt::JwtVerifier;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "cart";

/// The cart migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the cart service: database, outbox, routes, and the orders subscription.
///
/// Neither pricing nor orders is required for readiness: without pricing carts are served
/// unpriced, and orders' events wait in orders' outbox until the subscription catches up.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let state = http::AppState {
        db,
        outbox: outbox.clone(),
        client: builder.client(),
        verifier: JwtVerifier::new(builder.client()),
        internal: builder.internal_auth(),
    };
    builder
        .routes(http::router(state))
        .subscribe(Subscription::new("orders", "orders", &["order.placed"]), consumers::Orders::new(outbox))
        .build()
        .await
}
