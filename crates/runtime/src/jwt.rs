//! Access tokens: the claims identity signs (EdDSA), and their local verification against
//! identity's published keys (JWKS), fetched through the service client and cached. A key
//! that is already cached keeps verifying while identity is down.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::client::{Call, ServiceClient};
use crate::http::Problem;

/// The `iss` of every access token.
pub const ISSUER: &str = "mercato-identity";
/// The `aud` of every access token.
pub const AUDIENCE: &str = "mercato";
/// Where identity publishes its keys.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// What an access token says.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The customer (or staff user) id.
    pub sub: String,
    /// Expiry (unix seconds).
    pub exp: i64,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// Roles: `customer`, later `buyer`, `staff`, `admin`, ….
    pub roles: Vec<String>,
    /// The customer's group (`vip`, `wholesale`, …), which selects group price lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_group: Option<String>,
}

/// One public key in a JWKS.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublicJwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub usage: String,
    /// Key id.
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
}

/// A JSON Web Key Set.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<PublicJwk>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not a well-formed token, a wrong algorithm, or no key id.
    #[error("malformed token")]
    Malformed,
    /// Signed by a key identity does not publish.
    #[error("unknown signing key")]
    UnknownKey,
    /// Signature, expiry, issuer or audience check failed.
    #[error("invalid token")]
    Invalid(#[source] jsonwebtoken::errors::Error),
}

/// Verifies access tokens against identity's JWKS.
#[derive(Debug)]
pub struct JwtVerifier {
    client: ServiceClient,
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Held across a fetch, so that requests arriving meanwhile wait for its keys instead
    /// of being refused; it also holds when the last fetch began.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
}

/// At most one JWKS fetch per this interval, however many unknown key ids arrive.
const REFETCH_AFTER: Duration = Duration::from_secs(2);

impl JwtVerifier {
    /// A verifier fetching keys from the `identity` service through `client`.
    pub fn new(client: ServiceClient) -> Arc<Self> {
        Arc::new(Self { client, keys: RwLock::new(HashMap::new()), last_fetch: tokio::sync::Mutex::new(None) })
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).get(kid).cloned()
    }

    /// The key `kid`, fetching the JWKS once if it is not known: concurrent callers wait for
    /// the one fetch in flight, and an unknown `kid` refetches at most every
    /// [`REFETCH_AFTER`] (a stream of forged key ids cannot hammer identity).
    async fn key_or_fetch(&self, kid: &str) -> Option<DecodingKey> {
        if let Some(key) = self.key(kid) {
            return Some(key);
        }
        let mut last = self.last_fetch.lock().await;
        if let Some(key) = self.key(kid) {
            return Some(key);
        }
        if last.is_some_and(|t| t.elapsed() < REFETCH_AFTER) {
            return None;
        }
        *last = Some(Instant::now());
        self.fetch().await;
        self.key(kid)
    }

    async fn fetch(&self) {
        let jwks = self
            .client
            .send("identity", Call::get(JWKS_PATH).timeout(Duration::from_secs(2)))
            .await
            .and_then(|r| r.json::<Jwks>());
        match jwks {
            Ok(jwks) => {
                let fresh: HashMap<String, DecodingKey> = jwks
                    .keys
                    .iter()
                    .filter(|k| k.kty == "OKP" && k.crv == "Ed25519")
                    .filter_map(|k| DecodingKey::from_ed_components(&k.x).ok().map(|d| (k.kid.clone(), d)))
                    .collect();
                // Keep keys we already trust: a token signed before a rotation stays valid
                // until it expires.
                self.keys.write().unwrap_or_else(|p| p.into_inner()).extend(fresh);
            }
            Err(err) => tracing::warn!(error = %err, "cannot fetch identity's keys; using the cached ones"),
        }
    }

    /// Verifies `token`: EdDSA signature by a published key, expiry, issuer and audience.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.ok_or(TokenError::Malformed)?;
        let key = self.key_or_fetch(&kid).await.ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, &key, &validation).map(|data| data.claims).map_err(TokenError::Invalid)
    }
}

/// The authenticated caller of a request, from its `Authorization: Bearer` access token.
#[derive(Clone, Debug)]
pub struct Principal(pub Claims);

impl Principal {
    /// The subject (customer id).
    pub fn subject(&self) -> &str {
        &self.0.sub
    }

    /// The customer group the token carries, if any.
    pub fn customer_group(&self) -> Option<&str> {
        self.0.customer_group.as_deref()
    }

    /// Whether the token is a staff user's (role `staff` or `admin`).
    pub fn is_staff(&self) -> bool {
        self.has_role(crate::auth::STAFF_ROLE) || self.has_role(crate::auth::ADMIN_ROLE)
    }

    /// Whether the token carries `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.0.roles.iter().any(|r| r == role)
    }
}

/// A 401 that tells the client to authenticate (RFC 6750).
pub fn unauthorized(detail: &str) -> Response {
    let mut response = Problem::unauthorized(detail).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
    response
}

impl<S> FromRequestParts<S> for Principal
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<JwtVerifier>::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthorized("Sign in: this endpoint needs `Authorization: Bearer <access token>`."))?;
        verifier.verify(token).await.map(Principal).map_err(|err| {
            tracing::debug!(error = %err, "access token refused");
            unauthorized("The access token is invalid or expired.")
        })
    }
}

/// `Option<Principal>`: a guest (no `Authorization` header) is `None`; a header with an
/// invalid or expired token is still a 401, never silently a guest.
impl<S> OptionalFromRequestParts<S> for Principal
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(None);
        }
        <Principal as FromRequestParts<S>>::from_request_parts(parts, state).await.map(Some)
    }
}
