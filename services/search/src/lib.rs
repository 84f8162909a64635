//! The search service: full-text and faceted product search over a read model of other
//! services' events. Catalog's `product.*` snapshots, pricing's `price.changed` and
//! inventory's `stock.changed` are stored in search's own database (products, SKUs, prices,
//! availability); a tantivy index in RAM is built from those tables at start and kept in step
//! by a background indexer, so a change shows in results within about a second.
//! `GET /v1/search` is public; `POST /v1/search/rebuild` (staff) rebuilds the index.
//!
//! Search needs none of the services it learns from to answer: while they are down it serves
//! what it knows, and catches up from their feeds later.
//!
//! Layout: [`domain`] holds the query's validation, filters, facets, order and cursors without
//! IO; [`index`] is the tantivy index and the documents beside it; [`indexer`] keeps it in step
//! with the read model; `store` is the only module that speaks SQL; `http` has one module per
//! resource; [`consumers`] applies the other services' events.

pub mod consumers;
pub mod domain;
mod http;
pub mod index;
pub mod indexer;
mod product_docs;
mod store;

use std::sync::Arc;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::{Application, ServiceBuilder, Settings};

use crate::indexer::IndexerError;

/// The service's name in the registry and its database.
pub const SERVICE: &str = "search";

/// The search migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the search service: database, the index built from it, routes, the three
/// subscriptions, the indexer and the change-log pruner.
///
/// Catalog, pricing and inventory are not required for readiness: search answers from its
/// read model whatever they are doing. The instance is ready once the index is built (before
/// the port is bound) and the database answers.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let index = indexer::open(&db).await.map_err(|err| match err {
        IndexerError::Db(err) => AppError::Db(err),
        // An index in RAM fails only on resource exhaustion; the service cannot serve.
        IndexerError::Index(err) => AppError::Serve(std::io::Error::other(err)),
    })?;
    let state = http::AppState {
        db: db.clone(),
        index: index.clone(),
        staff: builder.staff_auth(),
        rebuilding: Arc::new(tokio::sync::Mutex::new(())),
    };
    let pruning = db.clone();
    builder
        .routes(http::router(state))
        .subscribe(consumers::products_subscription(), consumers::Products)
        .subscribe(consumers::prices_subscription(), consumers::Prices)
        .subscribe(consumers::stock_subscription(), consumers::Stock)
        .every("search-indexer", indexer::POLL_INTERVAL, move || {
            let (db, index) = (db.clone(), index.clone());
            async move {
                if let Err(err) = indexer::catch_up(&db, &index).await {
                    tracing::warn!(error = %runtime::error_chain(&err), "search index update failed; will retry");
                }
            }
        })
        .every("search-changes-prune", indexer::PRUNE_INTERVAL, move || {
            let db = pruning.clone();
            async move {
                match indexer::prune(&db).await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::debug!(pruned, "change log pruned"),
                    Err(err) => tracing::warn!(error = %runtime::error_chain(&err), "change log pruning failed"),
                }
            }
        })
        .build()
        .await
}
