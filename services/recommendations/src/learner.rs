//! Keeps the in-memory [`Model`] in step with the read model: built whole at start (before
//! the port is bound, so an instance is never ready with an empty model), then every
//! [`POLL_INTERVAL`] the rows stamped after the model's position are read and learned, and
//! every [`REBUILD_INTERVAL`] a fresh model is built off to the side and swapped in (views
//! pruned from the database leave it, popularity ages, and
//! orders whose products never arrived count with the products they have). Every instance keeps its own model
//! this way, from the database they share.
//!
//! Answers read the model under a read lock that is never held across an `.await`; a batch
//! is learned under the write lock on a blocking thread.
//!
//! Metrics: `recommendations_changes_applied_total{kind="product"|"basket"|"view"}`,
//! `recommendations_model_products`, `recommendations_model_pairs{model="bought_together"|
//! "also_viewed"}`, `recommendations_model_sessions`, `recommendations_model_customers`,
//! `recommendations_model_rebuilds_total`, `recommendations_views_pruned_total`.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use runtime::db::{Db, DbError};

use crate::domain::model::{Changes, Model};
use crate::store::{baskets, products, sequence, views};

/// How often the learner looks for changes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often a fresh model is built from the read model.
pub const REBUILD_INTERVAL: Duration = Duration::from_secs(3600);
/// How often old views are pruned.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(600);
/// How long views are kept (seconds): 30 days.
pub const VIEW_RETENTION: i64 = 30 * 24 * 3600;
/// Most views kept per visitor (the latest).
pub const VIEWS_PER_VISITOR: i64 = 50;
/// Most views kept in all (the latest).
pub const MAX_VIEWS: i64 = 2_000_000;
/// Most change numbers read in one batch.
const CHUNK: i64 = 5_000;

/// The model could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// The read model could not be read.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A blocking learning task panicked or was cancelled.
    #[error("model update task did not finish")]
    Task(#[from] tokio::task::JoinError),
}

/// The live model every request reads, shared by the handlers and the learner.
#[derive(Clone, Debug)]
pub struct Recommender {
    model: Arc<RwLock<Model>>,
    built: Arc<Mutex<Instant>>,
}

impl Recommender {
    /// Runs `read` on the current model (never hold on to it across an `.await`).
    pub fn read<R>(&self, read: impl FnOnce(&Model) -> R) -> R {
        read(&self.model.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The last change the model includes.
    pub fn position(&self) -> i64 {
        self.read(Model::position)
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The changes stamped in `(after, through]`.
async fn load(db: &Db, after: i64, through: i64) -> Result<Changes, DbError> {
    let mut conn = db.acquire().await?;
    Ok(Changes {
        products: products::changed(&mut conn, after, through).await?,
        baskets: baskets::changed(&mut conn, after, through).await?,
        views: views::changed(&mut conn, after, through, now() - VIEW_RETENTION).await?,
    })
}

async fn committed(db: &Db) -> Result<i64, DbError> {
    let mut conn = db.acquire().await?;
    sequence::current(&mut conn).await
}

fn count_applied(changes: &Changes) {
    for (kind, n) in
        [("product", changes.products.len()), ("basket", changes.baskets.len()), ("view", changes.views.len())]
    {
        if n > 0 {
            metrics::counter!("recommendations_changes_applied_total", "kind" => kind).increment(n as u64);
        }
    }
}

fn gauges(model: &Model) {
    let stats = model.stats();
    metrics::gauge!("recommendations_model_products").set(stats.listed as f64);
    metrics::gauge!("recommendations_model_pairs", "model" => "bought_together").set(stats.bought_pairs as f64);
    metrics::gauge!("recommendations_model_pairs", "model" => "also_viewed").set(stats.viewed_pairs as f64);
    metrics::gauge!("recommendations_model_sessions").set(stats.sessions as f64);
    metrics::gauge!("recommendations_model_customers").set(stats.customers as f64);
}

/// A model of everything the read model holds now.
async fn build(db: &Db) -> Result<Model, LearnError> {
    let target = committed(db).await?;
    let mut model = Model::default();
    let mut position = 0;
    while position < target {
        let through = (position + CHUNK).min(target);
        let changes = load(db, position, through).await?;
        model = tokio::task::spawn_blocking(move || {
            model.apply(&changes, through, now());
            model
        })
        .await?;
        position = through;
    }
    Ok(tokio::task::spawn_blocking(move || {
        model.finish_build(now());
        model
    })
    .await?)
}

/// Builds the model from the read model (at start).
pub async fn open(db: &Db) -> Result<Recommender, LearnError> {
    let started = Instant::now();
    let model = build(db).await?;
    let stats = model.stats();
    gauges(&model);
    tracing::info!(
        products = stats.products,
        bought_pairs = stats.bought_pairs,
        viewed_pairs = stats.viewed_pairs,
        position = model.position(),
        took_ms = started.elapsed().as_millis() as u64,
        "recommendation model built"
    );
    Ok(Recommender { model: Arc::new(RwLock::new(model)), built: Arc::new(Mutex::new(Instant::now())) })
}

/// Builds a fresh model and swaps it in; answers keep reading the old one meanwhile.
pub async fn rebuild(db: &Db, live: &Recommender) -> Result<(), LearnError> {
    let started = Instant::now();
    let fresh = build(db).await?;
    let position = fresh.position();
    gauges(&fresh);
    let target = live.model.clone();
    // The old model is dropped off the lock: freeing a large one takes a while.
    let old = tokio::task::spawn_blocking(move || {
        std::mem::replace(&mut *target.write().unwrap_or_else(PoisonError::into_inner), fresh)
    })
    .await?;
    tokio::task::spawn_blocking(move || drop(old)).await?;
    *live.built.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    metrics::counter!("recommendations_model_rebuilds_total").increment(1);
    tracing::info!(position, took_ms = started.elapsed().as_millis() as u64, "recommendation model rebuilt");
    Ok(())
}

/// Learns every change committed since the model's position; returns how many were
/// applied.
pub async fn catch_up(db: &Db, live: &Recommender) -> Result<usize, LearnError> {
    let target = committed(db).await?;
    let mut applied = 0;
    loop {
        let from = live.position();
        if from >= target {
            return Ok(applied);
        }
        let through = (from + CHUNK).min(target);
        let changes = load(db, from, through).await?;
        count_applied(&changes);
        applied += changes.products.len() + changes.baskets.len() + changes.views.len();
        let model = live.model.clone();
        tokio::task::spawn_blocking(move || {
            let mut model = model.write().unwrap_or_else(PoisonError::into_inner);
            // Only the learner writes, one batch at a time; a position that moved means a
            // rebuild swapped the model in meanwhile, and the next round starts from it.
            if model.position() == from {
                model.apply(&changes, through, now());
                gauges(&model);
            }
        })
        .await?;
    }
}

/// One round of the learner: a rebuild when one is due, else a catch-up.
pub async fn tick(db: &Db, live: &Recommender) -> Result<(), LearnError> {
    let due = live.built.lock().unwrap_or_else(PoisonError::into_inner).elapsed() >= REBUILD_INTERVAL;
    if due { rebuild(db, live).await } else { catch_up(db, live).await.map(|_| ()) }
}

/// Deletes views past their retention, beyond the per-visitor cap and beyond the total cap.
pub async fn prune(db: &Db) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    let pruned = views::prune(&mut tx, now() - VIEW_RETENTION, VIEWS_PER_VISITOR, MAX_VIEWS).await?;
    tx.commit().await?;
    if pruned > 0 {
        metrics::counter!("recommendations_views_pruned_total").increment(pruned);
    }
    Ok(pruned)
}
