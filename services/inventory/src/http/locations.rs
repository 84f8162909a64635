//! `/v1/locations`.

use axum::extract::State;
use axum::http::StatusCode;
use contracts::inventory::{Location, LocationList, NewLocation};
use runtime::auth::Staff;
use runtime::http::{Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::ValidLocation;
use crate::store::locations;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_locations, create_location))
}

/// All stock locations.
#[utoipa::path(get, path = "/v1/locations", tag = "locations", responses((status = 200, description = "All locations", body = LocationList)))]
async fn list_locations(State(state): State<AppState>) -> Result<Json<LocationList>, ApiError> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(LocationList { data: locations::all(&mut conn).await? }))
}

/// Add a location (staff); every known SKU gets a zero stock record there.
#[utoipa::path(
    post,
    path = "/v1/locations",
    tag = "locations",
    request_body = NewLocation,
    responses(
        (status = 201, description = "Created", body = Location),
        (status = 409, description = "Code taken", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_location(
    State(state): State<AppState>,
    _staff: Staff,
    Json(dto): Json<NewLocation>,
) -> Result<(StatusCode, Json<Location>), ApiError> {
    let valid = ValidLocation::try_from(dto).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    if locations::by_code(&mut tx, valid.code.as_str()).await?.is_some() {
        return Err(ApiError::CodeTaken);
    }
    let location = locations::insert(&mut tx, &valid).await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    Ok((StatusCode::CREATED, Json(location)))
}
