//! The catalog service: products, their variants (SKUs), categories, attributes and media
//! references. It is the source of truth for what is sold; other services learn about
//! products from its `product.*` events, which carry a full snapshot.
//!
//! Layout: [`domain`] validates and holds the rules (no IO), `store` is the only module that
//! speaks SQL, `http` has one module per resource, `events` builds the published events.

pub mod domain;
mod events;
mod http;
mod store;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry, its database and its events' source.
pub const SERVICE: &str = "catalog";

/// The catalog's migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the catalog service: database, outbox, routes.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let outbox = builder.outbox(&db);
    let state = http::AppState { db, outbox, staff: builder.staff_auth() };
    builder.routes(http::router(state)).build().await
}
