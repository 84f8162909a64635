//! A JSON body that may be left out (`POST …/capture` with no body captures everything).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use runtime::http::{Json, Problem};
use serde::de::DeserializeOwned;

/// `Some(body)` for a JSON body, `None` for an empty one. A non-empty body gets exactly the
/// runtime's [`Json`] checks and problems (media type, shape, named fields).
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let head = Request::from_parts(parts.clone(), body);
        // Reading through `Bytes` keeps the configured body limit.
        let bytes = Bytes::from_request(head, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large")
                    .with_detail("The body exceeds this endpoint's size limit.")
            } else {
                Problem::bad_request(format!("The body could not be read: {}.", rejection.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        let Json(value) = Json::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state).await?;
        Ok(Self(Some(value)))
    }
}
