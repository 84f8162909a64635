//! `/v1/templates`: the e-mail templates, read and replaced by staff.

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use contracts::notifications::{Template, TemplateList, TemplateName, TemplateUpdate};
use runtime::auth::Staff;
use runtime::db::DbError;
use runtime::http::{Json, Problem, ProblemSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState, etag, if_match};
use crate::domain::templates::{self, MAX_TEMPLATE_BYTES};
use crate::store::templates as store;

/// A template body: three parts of at most 64 KiB, with room for JSON escaping. Larger
/// bodies are 413; a part over 64 KiB in a body within this is a 422 naming the part.
const BODY_LIMIT: usize = 4 * MAX_TEMPLATE_BYTES;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates))
        .routes(routes!(get_template, put_template))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

const NO_TEMPLATE: &str = "No template has that name; there are `order_placed`, `order_shipped` and `order_cancelled`.";

fn name(raw: &str) -> Result<TemplateName, ApiError> {
    TemplateName::parse(raw).ok_or(ApiError::NotFound(NO_TEMPLATE))
}

fn with_etag(template: Template) -> Response {
    let version = template.version;
    let mut response = Json(template).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// List the e-mail templates.
#[utoipa::path(
    get,
    path = "/v1/templates",
    tag = "templates",
    responses(
        (status = 200, description = "Every template", body = TemplateList),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 403, description = "A token without a staff role", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn list_templates(State(state): State<AppState>, _staff: Staff) -> Result<Json<TemplateList>, ApiError> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(TemplateList { data: store::list(&mut conn).await? }))
}

/// Read one template; `ETag` carries its version.
#[utoipa::path(
    get,
    path = "/v1/templates/{name}",
    tag = "templates",
    params(("name" = String, Path, description = "`order_placed`, `order_shipped` or `order_cancelled`")),
    responses(
        (status = 200, description = "The template", body = Template),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such template", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn get_template(
    State(state): State<AppState>,
    _staff: Staff,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let name = name(&raw)?;
    let mut conn = state.db.acquire().await?;
    let template = store::find(&mut conn, name).await?.ok_or(ApiError::NotFound(NO_TEMPLATE))?;
    Ok(with_etag(template))
}

/// Replace a template. Each part is minijinja source of at most 64 KiB, rendered with the
/// order snapshot as `order` and the `money` filter; `html` is escaped automatically. The
/// template must compile and render for a sample order; the next e-mail uses it. Honors
/// `If-Match`.
#[utoipa::path(
    put,
    path = "/v1/templates/{name}",
    tag = "templates",
    params(
        ("name" = String, Path, description = "`order_placed`, `order_shipped` or `order_cancelled`"),
        ("If-Match" = Option<String>, Header, description = "The ETag read; 412 if the template changed since"),
    ),
    request_body = TemplateUpdate,
    responses(
        (status = 200, description = "The stored template, with its new `ETag`", body = Template),
        (status = 400, description = "Malformed body or unknown fields", body = ProblemSchema),
        (status = 401, description = "No valid staff token", body = ProblemSchema),
        (status = 404, description = "No such template", body = ProblemSchema),
        (status = 412, description = "The template changed since the `If-Match` version", body = ProblemSchema),
        (status = 413, description = "The body is larger than 256 KiB", body = ProblemSchema),
        (status = 422, description = "A part (`subject`, `text`, `html`) is over 64 KiB, empty, does not compile, or fails to render for a sample order", body = ProblemSchema),
    ),
    security(("staff" = []))
)]
async fn put_template(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(update): Json<TemplateUpdate>,
) -> Result<Response, ApiError> {
    let name = name(&raw)?;
    let expected = if_match(&headers)?;
    let source = templates::validate(&update).map_err(ApiError::Invalid)?;
    let mut tx = state.db.begin().await?;
    let current = store::find(&mut tx, name).await?.ok_or(ApiError::NotFound(NO_TEMPLATE))?;
    let changed = || Problem::precondition_failed("The template changed since you read it; fetch it again and retry.");
    if expected.is_some_and(|v| v != current.version) {
        return Err(changed().into());
    }
    if !store::replace(&mut tx, name, current.version, &source).await? {
        return Err(changed().into());
    }
    let stored = store::find(&mut tx, name).await?.ok_or(ApiError::NotFound(NO_TEMPLATE))?;
    tx.commit().await.map_err(DbError::from)?;
    tracing::info!(template = name.as_str(), version = stored.version, staff = ?staff.subject(), "template replaced");
    Ok(with_etag(stored))
}
