//! Who is looking at orders: staff see every order; a customer sees their own.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use contracts::ids::CustomerId;
use runtime::auth::{Staff, StaffAuth};
use runtime::jwt::{JwtVerifier, Principal};

/// The caller of an order endpoint.
#[derive(Clone, Debug)]
pub enum Viewer {
    /// Staff (a staff or admin access token, or the staff token).
    Staff,
    /// A signed-in customer.
    Customer(CustomerId),
}

impl Viewer {
    /// Whether `customer` owns what this viewer may see.
    pub fn may_see(&self, owner: Option<&CustomerId>) -> bool {
        match self {
            Viewer::Staff => true,
            Viewer::Customer(me) => owner == Some(me),
        }
    }
}

impl<S> FromRequestParts<S> for Viewer
where
    Arc<JwtVerifier>: FromRef<S>,
    StaffAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // An access token first; failing that, the staff token (which is not a JWT).
        if let Ok(principal) = <Principal as FromRequestParts<S>>::from_request_parts(parts, state).await {
            if principal.is_staff() {
                return Ok(Viewer::Staff);
            }
            return CustomerId::parse(principal.subject())
                .map(Viewer::Customer)
                .map_err(|_| runtime::jwt::unauthorized("The access token names no customer."));
        }
        match <Staff as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(_) => Ok(Viewer::Staff),
            Err(_) if parts.headers.contains_key(axum::http::header::AUTHORIZATION) => {
                Err(runtime::jwt::unauthorized("The access token is invalid or expired."))
            }
            Err(problem) => Err(problem.into_response()),
        }
    }
}
