//! `POST /v1/search/rebuild` (staff): rebuilds this instance's index from the read model.
//!
//! The read model itself is rebuilt by replaying events: reset the consumers' cursors (or
//! their durable NATS consumers) and empty the tables; see the README.

use axum::extract::State;
use contracts::search::RebuildReport;
use runtime::auth::Staff;
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::indexer;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rebuild))
}

/// Rebuild the index from the read model (staff). Searches keep answering from the old index
/// until the new one is swapped in. Only the instance that answers rebuilds; the others keep
/// theirs (each is kept in step with the same read model anyway).
#[utoipa::path(
    post,
    path = "/v1/search/rebuild",
    tag = "search",
    responses(
        (status = 200, description = "What the new index was built from", body = RebuildReport),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "A valid token without a staff role", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn rebuild(State(state): State<AppState>, _staff: Staff) -> Result<Json<RebuildReport>, ApiError> {
    let _one_at_a_time = state.rebuilding.lock().await;
    let report = indexer::rebuild(&state.db, &state.index).await?;
    Ok(Json(report))
}
