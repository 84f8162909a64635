//! The identity service: customers and staff users, their passwords (argon2id) and
//! sessions. It issues short-lived JWT access tokens signed with Ed25519 (EdDSA) and rotating
//! refresh tokens, and publishes its public keys as a JWKS so that every other service
//! verifies tokens locally, without calling identity: shoppers holding a token keep shopping
//! while identity is down.
//!
//! Layout: [`domain`] (email, password policy, token rules; no IO), `hashing` (where
//! argon2id runs, bounded per core), `keys` (the signing key ring), `store` (all SQL), `http` (customers, sessions, staff users, staff sessions,
//! JWKS).
//!
//! Staff users are a separate kind of account: created by an admin (or with the platform's
//! static staff token, to bootstrap the first one), they log in at `/v1/staff-sessions` and
//! get access tokens with the roles `staff` (and `admin`), which every service's staff
//! endpoints accept besides the static token.

pub mod domain;
mod hashing;
mod http;
mod keys;
mod store;

use std::sync::Arc;

use runtime::app::AppError;
use runtime::db::Migrations;
use runtime::{Application, ServiceBuilder, Settings};

/// The service's name in the registry.
pub const SERVICE: &str = "identity";

/// Identity's migrations, per backend.
pub static MIGRATIONS: Migrations = runtime::migrations!();

/// Builds the identity service.
pub async fn build(settings: Settings) -> Result<Application, AppError> {
    let mut builder = ServiceBuilder::new(settings)?;
    let db = builder.database(&MIGRATIONS).await?;
    let keys = Arc::new(keys::KeyRing::load_or_create(&db).await?);
    // Identity verifies staff users' tokens with its own keys, not its own JWKS over HTTP.
    let staff = builder.staff_auth().with_verifier(keys.clone());
    let state = http::AppState { db, keys, limits: domain::LoginLimits::default(), staff };
    builder.routes(http::router(state)).build().await
}
