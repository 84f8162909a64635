//! `/v1/tax-rules/{country}` (staff): set a destination country's tax rule.

use axum::extract::{Path, State};
use contracts::pricing::{SetTaxRule, TaxRule};
use runtime::auth::Staff;
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::parse_tax_rule;
use crate::store::tax;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_tax_rule))
}

/// Set the tax rule of a destination country (staff).
#[utoipa::path(
    put,
    path = "/v1/tax-rules/{country}",
    tag = "tax-rules",
    request_body = SetTaxRule,
    params(("country" = String, Path, description = "ISO 3166-1 alpha-2 code")),
    responses(
        (status = 200, description = "The rule as set", body = TaxRule),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 422, description = "Invalid country or rate", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn set_tax_rule(
    State(state): State<AppState>,
    _staff: Staff,
    Path(country): Path<String>,
    Json(dto): Json<SetTaxRule>,
) -> Result<Json<TaxRule>, ApiError> {
    parse_tax_rule(&country, &dto).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    let rule = tax::upsert(&mut tx, &country, dto.rate_bp, dto.inclusive).await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    Ok(Json(rule))
}
