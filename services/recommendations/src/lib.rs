//! The recommendations service, the platform's "AI": products to show beside a product
//! (bought together, also viewed, similar) and for a customer (for you), learned from other
//! services' events and the storefront's product views.
//!
//! Catalog's `product.*` snapshots, orders' `order.placed` and the views the storefront
//! reports (`POST /v1/views`) are stored in recommendations' own database; every instance
//! builds its models in memory from those tables at start and keeps them in step in the
//! background, so an answer is a read of memory (no SQL on the hot path).
//! `GET /v1/recommendations` and `GET /v1/recommendations/for-you` are public;
//! `GET /v1/recommendations/evaluation` (staff) measures the co-purchase model against
//! popularity on held-out orders.
//!
//! Recommendations needs none of the services it learns from to answer; while they are down
//! it serves what it knows and catches up from their feeds later.
//!
//! Layout: [`domain`] holds the models, the evaluation and request validation without IO;
//! [`learner`] keeps the in-memory model in step with the read model; [`pending`] queues
//! views until they are written; `store` is the only module that speaks SQL; `http` has one
//! module per resource; [`consumers`] applies the other services' events.

pub mod consumers;
pub mod domain;
mod http;
pub mod learner;
pub mod pending;
mod store;

use std::sync::Arc;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::{Application, ServiceBuilder, Settings};

use crate::learner::LearnError;
use crate::pending::PendingViews;

/// The service's name in the registry and its database.
pub const SERVICE: &str = "recommendations";

/// The recommendations migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the recommendations service: database, the model built from it, routes, the two
/// subscriptions, the learner, the view flusher and the view pruner.
///
/// Catalog and orders are not required for readiness: recommendations answers from its read
/// model whatever they are doing. The instance is ready once the model is built (before the
/// port is bound) and the database answers.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let recommender = learner::open(&db).await.map_err(|err| match err {
        LearnError::Db(err) => AppError::Db(err),
        // Building in memory fails only on a panic; the service cannot serve.
        LearnError::Task(err) => AppError::Serve(std::io::Error::other(err)),
    })?;
    let pending = PendingViews::default();
    let state = http::AppState {
        db: db.clone(),
        recommender: recommender.clone(),
        pending: pending.clone(),
        staff: builder.staff_auth(),
        jwt: builder.jwt_verifier(),
        evaluating: Arc::new(tokio::sync::Mutex::new(())),
    };
    let (flushing, pruning) = (db.clone(), db.clone());
    builder
        .routes(http::router(state))
        .subscribe(consumers::products_subscription(), consumers::Products)
        .subscribe(consumers::orders_subscription(), consumers::Orders)
        .every("recommendations-learner", learner::POLL_INTERVAL, move || {
            let (db, recommender) = (db.clone(), recommender.clone());
            async move {
                if let Err(err) = learner::tick(&db, &recommender).await {
                    tracing::warn!(error = %runtime::error_chain(&err), "recommendation model update failed; will retry");
                }
            }
        })
        .every("recommendations-views-flush", pending::FLUSH_INTERVAL, move || {
            let (db, pending) = (flushing.clone(), pending.clone());
            async move {
                match pending::flush(&db, &pending).await {
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %runtime::error_chain(&err), "views could not be stored; dropped"),
                }
            }
        })
        .every("recommendations-views-prune", learner::PRUNE_INTERVAL, move || {
            let db = pruning.clone();
            async move {
                match learner::prune(&db).await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::debug!(pruned, "views pruned"),
                    Err(err) => tracing::warn!(error = %runtime::error_chain(&err), "view pruning failed"),
                }
            }
        })
        .build()
        .await
}
