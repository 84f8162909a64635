//! The notifications HTTP API, staff only: templates, messages, webhooks and their
//! deliveries, one module per resource, and how failures become problems.

mod deliveries;
mod messages;
mod templates;
mod webhooks;

use axum::extract::FromRef;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use runtime::auth::StaffAuth;
use runtime::db::{Db, DbError};
use runtime::http::{Cursor, FieldError, PageParams, Problem};
use utoipa_axum::router::OpenApiRouter;

/// Whether webhooks may target internal addresses.
#[derive(Clone, Copy, Debug)]
pub struct WebhookPolicy {
    /// `MERCATO_NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS`.
    pub allow_internal: bool,
}

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// The notifications database.
    pub db: Db,
    /// Staff credential check.
    pub staff: StaffAuth,
    /// Which webhook targets are allowed.
    pub policy: WebhookPolicy,
}

/// All notifications routes.
pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .merge(templates::router())
        .merge(messages::router())
        .merge(webhooks::router())
        .merge(deliveries::router())
        .with_state(state)
}

/// Everything a notifications request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem already shaped for the caller.
    #[error("{0}")]
    Problem(Problem),
    /// Fields failed validation.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such resource.
    #[error("not found")]
    NotFound(&'static str),
    /// The database failed.
    #[error("notifications database failed")]
    Db(#[from] DbError),
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(p)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => p,
            ApiError::Invalid(errors) => Problem::validation(errors),
            ApiError::NotFound(detail) => Problem::not_found(detail),
            ApiError::Db(err) => {
                tracing::error!(error = %runtime::error_chain(&err), "notifications request failed");
                err.to_problem(crate::SERVICE)
            }
        };
        problem.into_response()
    }
}

/// A validated page request from `limit` and `after`.
fn cursor(limit: Option<u32>, after: Option<String>) -> Result<Cursor, ApiError> {
    Ok(Cursor::try_from(PageParams { limit, after })?)
}

/// The page of `items` (fetched with one extra) and the cursor after its last item.
fn page<T>(mut items: Vec<T>, cursor: &Cursor, key: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
    let limit = cursor.limit as usize;
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| Cursor::encode(key(last)))
    } else {
        None
    };
    (items, next)
}

/// A status filter: `None` when absent, the parsed status, or a 422 naming `status`.
fn status_filter<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, ApiError> {
    match raw {
        None | Some("") => Ok(None),
        Some(text) => parse(text)
            .map(Some)
            .ok_or_else(|| ApiError::Invalid(vec![FieldError::new("status", format!("must be one of {allowed}"))])),
    }
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The version an `If-Match` header demands; `None` for no header or `*`.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/").trim_matches('"').parse::<i64>().map(Some).map_err(|_| {
        Problem::bad_request("If-Match must be an ETag this API issued.")
            .with_errors(vec![FieldError::new("If-Match", "not an ETag of this resource")])
    })
}
