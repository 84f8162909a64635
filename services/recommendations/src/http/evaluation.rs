//! `GET /v1/recommendations/evaluation` (staff): offline evaluation of the co-purchase model
//! against popularity on a time split of the stored baskets (see
//! `crate::domain::evaluation`).

use std::time::Instant;

use axum::extract::State;
use runtime::auth::Staff;
use runtime::http::{Json, ProblemSchema, Query};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{evaluation, request};
use crate::store::{baskets, products};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(evaluate))
}

/// How one recommender did.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
pub struct Scores {
    /// Queries whose hidden product was among the `k` answers.
    pub hits: u64,
    /// hits / (queries × k).
    pub precision_at_k: f64,
    /// hits / queries (each query has one hidden product).
    pub recall_at_k: f64,
    /// Evaluated test baskets with at least one hit / evaluated test baskets.
    pub hit_rate: f64,
}

/// The outcome of an offline evaluation.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EvaluationReport {
    /// Answers per query.
    pub k: usize,
    /// The share of baskets held out (the newest).
    pub holdout: f64,
    /// Baskets trained on (the oldest).
    pub baskets_train: usize,
    /// Baskets held out.
    pub baskets_test: usize,
    /// Held-out baskets with at least two products known to the catalog (those queried).
    pub baskets_evaluated: usize,
    /// Leave-one-out queries (one per product of each evaluated basket; at most 20,000).
    pub queries: usize,
    /// Co-purchase (cosine, minimum support 2) with content similarity filling up.
    pub model: Scores,
    /// The products bought most in the training part.
    pub popularity: Scores,
    /// How long the evaluation took.
    pub took_ms: u64,
}

impl From<evaluation::Scores> for Scores {
    fn from(s: evaluation::Scores) -> Self {
        Self { hits: s.hits, precision_at_k: s.precision_at_k, recall_at_k: s.recall_at_k, hit_rate: s.hit_rate }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct EvaluationParams {
    /// Answers per query, 1 to 50 (default 10).
    k: Option<u32>,
    /// The share of baskets held out for testing, between 0 and 1 exclusive (default 0.2).
    holdout: Option<f64>,
}

/// Evaluate the co-purchase model against popularity (staff).
///
/// The stored baskets are split by time; both recommenders learn from the oldest part only,
/// and each held-out basket with at least two known products is asked about once per
/// product with that product hidden (leave-one-out). Reads the whole read model: for
/// operators, not for pages.
#[utoipa::path(
    get,
    path = "/v1/recommendations/evaluation",
    tag = "recommendations",
    params(EvaluationParams),
    responses(
        (status = 200, description = "Precision, recall and hit rate of the model and of popularity", body = EvaluationReport),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "A valid token without a staff role", body = ProblemSchema),
        (status = 422, description = "An invalid or unknown parameter, each named in `errors`", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn evaluate(
    State(state): State<AppState>,
    _staff: Staff,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<EvaluationReport>, ApiError> {
    let request = request::evaluation(&pairs).map_err(ApiError::Invalid)?;
    let _one_at_a_time = state.evaluating.lock().await;
    let started = Instant::now();
    let (records, stored) = {
        let mut conn = state.db.acquire().await?;
        (products::changed(&mut conn, 0, i64::MAX).await?, baskets::all_by_time(&mut conn).await?)
    };
    let outcome = tokio::task::spawn_blocking(move || {
        evaluation::evaluate_records(&records, &stored, request.k, request.holdout)
    })
    .await?;
    let report = EvaluationReport {
        k: outcome.k,
        holdout: outcome.holdout,
        baskets_train: outcome.baskets_train,
        baskets_test: outcome.baskets_test,
        baskets_evaluated: outcome.baskets_evaluated,
        queries: outcome.queries,
        model: outcome.model.into(),
        popularity: outcome.popularity.into(),
        took_ms: started.elapsed().as_millis() as u64,
    };
    tracing::info!(?report, "recommendations evaluated");
    Ok(Json(report))
}
