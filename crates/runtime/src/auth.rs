//! Who may call: staff (a bearer token the supervisor generates at start, until identity's
//! JWTs replace it) and other services (the internal token, in its own header, which the
//! gateway never forwards).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use crate::http::Problem;
use crate::settings::Secret;

/// The configured staff credential of a service.
#[derive(Clone, Debug, Default)]
pub struct StaffAuth {
    token: Option<Secret>,
}

impl StaffAuth {
    /// Staff calls must present `token`; with `None` every staff call is refused.
    pub fn new(token: Option<Secret>) -> Self {
        Self { token }
    }
}

/// Proof that the caller is staff; take it as an extractor on staff-only handlers.
#[derive(Clone, Copy, Debug)]
pub struct Staff;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<S> FromRequestParts<S> for Staff
where
    StaffAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = StaffAuth::from_ref(state);
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(presented) = presented else {
            return Err(Problem::unauthorized("This endpoint needs a staff token: `Authorization: Bearer <token>`."));
        };
        match &auth.token {
            Some(expected) if constant_time_eq(presented.as_bytes(), expected.expose().as_bytes()) => Ok(Staff),
            _ => Err(Problem::unauthorized("The token is not valid for staff access.")),
        }
    }
}

/// Header carrying the internal (service-to-service) credential.
pub const INTERNAL_HEADER: &str = "x-mercato-internal";

/// The configured internal credential of a service.
#[derive(Clone, Debug, Default)]
pub struct InternalAuth {
    token: Option<Secret>,
}

impl InternalAuth {
    /// Internal calls must present `token`; with `None` every internal call is refused.
    pub fn new(token: Option<Secret>) -> Self {
        Self { token }
    }
}

/// Proof that the caller is another Mercato service.
#[derive(Clone, Copy, Debug)]
pub struct Internal;

impl<S> FromRequestParts<S> for Internal
where
    InternalAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = InternalAuth::from_ref(state);
        let presented = parts.headers.get(INTERNAL_HEADER).and_then(|v| v.to_str().ok());
        match (presented, &auth.token) {
            (Some(p), Some(expected)) if constant_time_eq(p.as_bytes(), expected.expose().as_bytes()) => Ok(Internal),
            (None, _) => Err(Problem::forbidden("This endpoint is internal to the platform.")),
            _ => Err(Problem::forbidden("Invalid internal credential.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
