//! The identity service's published language: customers and sessions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::CustomerId;

/// Body of `POST /v1/customers` (sign-up).
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// Email address; the login name.
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
    /// Display name.
    pub name: String,
}

impl std::fmt::Debug for NewCustomer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCustomer").field("email", &self.email).field("name", &self.name).finish_non_exhaustive()
    }
}

/// A customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// Id.
    pub id: CustomerId,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Sign-up time (RFC 3339).
    pub created_at: String,
}

/// Body of `POST /v1/sessions` (log in).
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("email", &self.email).finish_non_exhaustive()
    }
}

/// Body of `POST /v1/sessions/refresh` and `POST /v1/sessions/logout`.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the session.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshRequest(***)")
    }
}

/// A signed-in session.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// The access token (a JWT, EdDSA) for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque; exchange it at `POST /v1/sessions/refresh` for a new pair. Single use.
    pub refresh_token: String,
    /// Who signed in.
    pub customer: Customer,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("customer", &self.customer).finish_non_exhaustive()
    }
}
