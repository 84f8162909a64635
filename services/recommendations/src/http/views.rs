//! `POST /v1/views` (public): the storefront reports a product page shown to a visitor.
//! Validated, queued and answered 202 at once; written in batches (see `crate::pending`).

use axum::extract::State;
use axum::http::StatusCode;
use contracts::ids::{CustomerId, ProductId};
use runtime::http::{FieldError, Json, ProblemSchema};
use runtime::jwt::Principal;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{View, Visitor};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(record))
}

/// A product page shown.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewView {
    /// The product shown (`prod_…`). Required.
    #[schema(value_type = String)]
    pub product_id: Option<String>,
    /// The storefront's opaque visitor id: 1 to 64 visible ASCII characters. Required.
    #[schema(value_type = String)]
    pub visitor: Option<String>,
}

/// Record a product view. Public; a customer's access token links the view to them.
///
/// Views are telemetry: accepted views are written within a second, but may be lost (a full
/// queue, a stopping instance); they are kept for 30 days, at most 50 per visitor.
#[utoipa::path(
    post,
    path = "/v1/views",
    tag = "recommendations",
    request_body = NewView,
    responses(
        (status = 202, description = "Accepted"),
        (status = 400, description = "Not JSON, or an unknown or mistyped field", body = ProblemSchema),
        (status = 401, description = "An invalid or expired access token", body = ProblemSchema),
        (status = 422, description = "An invalid or unknown product, or an invalid visitor, named in `errors`", body = ProblemSchema),
        (status = 503, description = "Too many views queued; try later", body = ProblemSchema),
    ),
    security((), ("customer" = []))
)]
async fn record(
    State(state): State<AppState>,
    principal: Option<Principal>,
    Json(body): Json<NewView>,
) -> Result<StatusCode, ApiError> {
    let mut errors = Vec::new();
    let product_id = match body.product_id.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("product_id", "is required"));
            None
        }
        Some(id) => match ProductId::parse(id) {
            Ok(id) if state.recommender.read(|model| model.knows(&id)) => Some(id),
            Ok(_) => {
                errors.push(FieldError::new("product_id", "no product has this id"));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("product_id", "must be a product id (`prod_…`)"));
                None
            }
        },
    };
    let visitor = match body.visitor.as_deref() {
        None => {
            errors.push(FieldError::new("visitor", "is required"));
            None
        }
        Some(raw) => Visitor::parse(raw).map_err(|message| errors.push(FieldError::new("visitor", message))).ok(),
    };
    let (Some(product_id), Some(visitor)) = (product_id, visitor) else {
        return Err(ApiError::Invalid(errors));
    };
    let customer_id = principal.and_then(|p| CustomerId::parse(p.subject()).ok());
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    if state.pending.push(View { visitor, customer_id, product_id, at }) {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(runtime::http::Problem::unavailable("Too many views are waiting to be stored.", 1).into())
    }
}
