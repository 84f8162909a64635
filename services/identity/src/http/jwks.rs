//! `/.well-known/jwks.json`: the public keys other services verify tokens with.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(jwks))
}

/// The JSON Web Key Set (Ed25519 public keys).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "sessions", responses((status = 200, description = "The public keys")))]
async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "public, max-age=300")], axum::Json(state.keys.jwks().clone()))
}
