//! The identity service's published language: customers, staff users and sessions.

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
    /// The customer group (selects group price lists), set by staff; `null` for none.
    #[serde(default)]
    pub customer_group: Option<String>,
    /// Sign-up time (RFC 3339).
    pub created_at: String,
}

/// Body of `PUT /v1/customers/{id}/group` (staff).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCustomerGroup {
    /// 1 to 64 lower-case letters, digits, `-` and `_`; `null` removes the customer from
    /// every group. Takes effect at the customer's next login or token refresh.
    pub customer_group: Option<String>,
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

/// A page of customers (`GET /v1/customers`, staff).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerPage {
    /// The customers, oldest first.
    pub data: Vec<Customer>,
    /// Cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a staff user may do. Every staff user's access token carries the role `staff`; an
/// admin's also carries `admin` (which may create staff users).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    /// Works in the console.
    #[default]
    Staff,
    /// Also manages staff users.
    Admin,
}

impl StaffRole {
    /// The role as text (`staff`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Staff => "staff",
            StaffRole::Admin => "admin",
        }
    }
}

/// Body of `POST /v1/staff-users` (an admin, or the platform's static staff token).
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffUser {
    /// Email address; the login name.
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
    /// Display name.
    pub name: String,
    /// `staff` (default) or `admin`.
    #[serde(default)]
    pub role: StaffRole,
}

impl std::fmt::Debug for NewStaffUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewStaffUser")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A staff user (an account of the console, separate from customers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffUser {
    /// Id: `stf_` and 32 hex digits of a UUIDv7 (the `sub` of the user's access tokens).
    #[schema(example = "stf_0193a4c1e7d27c3a9b1f4e2d8c6a5b40")]
    pub id: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// A page of staff users (`GET /v1/staff-users`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffUserPage {
    /// The staff users, oldest first.
    pub data: Vec<StaffUser>,
    /// Cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A signed-in staff session (`POST /v1/staff-sessions`, log in with [`Credentials`]).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffSession {
    /// The access token (a JWT, EdDSA) with roles `["staff"]` or `["staff", "admin"]`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque; exchange it at `POST /v1/staff-sessions/refresh` for a new pair. Single use.
    pub refresh_token: String,
    /// Who signed in.
    pub staff_user: StaffUser,
}

impl std::fmt::Debug for StaffSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSession").field("staff_user", &self.staff_user).finish_non_exhaustive()
    }
}
