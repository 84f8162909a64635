//! `/v1/categories`: the category tree.

use axum::extract::State;
use axum::http::StatusCode;
use contracts::catalog::{Category, CategoryList, NewCategory};
use runtime::auth::Staff;
use runtime::http::{FieldError, Json, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::ValidCategory;
use crate::store::categories;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_categories, create_category))
}

/// All categories, parents before children.
#[utoipa::path(get, path = "/v1/categories", tag = "categories", responses((status = 200, description = "All categories", body = CategoryList)))]
async fn list_categories(State(state): State<AppState>) -> Result<Json<CategoryList>, ApiError> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(CategoryList { data: categories::all(&mut conn).await? }))
}

/// Create a category (staff).
#[utoipa::path(
    post,
    path = "/v1/categories",
    tag = "categories",
    request_body = NewCategory,
    responses(
        (status = 201, description = "Created", body = Category),
        (status = 409, description = "Slug taken", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn create_category(
    State(state): State<AppState>,
    _staff: Staff,
    Json(dto): Json<NewCategory>,
) -> Result<(StatusCode, Json<Category>), ApiError> {
    let valid = ValidCategory::try_from(dto).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    if categories::slug_taken(&mut tx, valid.slug.as_str()).await? {
        return Err(ApiError::SlugTaken(valid.slug.to_string()));
    }
    let parent = match valid.parent.as_deref() {
        None => None,
        Some(reference) => match categories::find(&mut tx, reference).await? {
            Some(parent) => Some(parent.id),
            None => return Err(ApiError::Invalid(vec![FieldError::new("parent", "no category has that slug or id")])),
        },
    };
    let category = categories::insert(&mut tx, &valid, parent.as_ref()).await?;
    tx.commit().await.map_err(runtime::db::DbError::from)?;
    Ok((StatusCode::CREATED, Json(category)))
}
