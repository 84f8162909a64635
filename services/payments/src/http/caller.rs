//! Who may read and operate on payments: staff, or another platform service.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use runtime::auth::{INTERNAL_HEADER, Internal, Staff};
use runtime::http::Problem;

/// Proof that the caller is staff or another platform service (the checkout saga).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A staff member (the staff bearer token).
    Staff,
    /// A platform service (the internal credential).
    Internal,
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Internal: FromRequestParts<S, Rejection = Problem>,
    Staff: FromRequestParts<S, Rejection = Problem>,
{
    type Rejection = Problem;

    /// The internal credential first (a wrong one is a 403, as on internal-only endpoints),
    /// then the staff token (a wrong one is a 401); neither presented is a 401.
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(INTERNAL_HEADER) {
            return Internal::from_request_parts(parts, state).await.map(|_| Caller::Internal);
        }
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Staff::from_request_parts(parts, state).await.map(|_| Caller::Staff);
        }
        Err(Problem::unauthorized(
            "This endpoint needs a staff token (`Authorization: Bearer <token>`) or the platform's internal credential.",
        ))
    }
}
