//! Who may call: staff and other services.
//!
//! Staff present `Authorization: Bearer <token>`, where the token is either the static staff
//! token the supervisor generates at start (the bootstrap and operator credential), or an
//! access token (a JWT identity issued to a staff user) carrying the role `staff` or `admin`.
//! Other services present the internal token in its own header, which the gateway never
//! forwards.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use futures::future::BoxFuture;

use crate::http::Problem;
use crate::jwt::{Claims, JwtVerifier, Principal, TokenError};
use crate::settings::Secret;

/// The role every staff user's access token carries.
pub const STAFF_ROLE: &str = "staff";
/// The role of staff users who may manage other staff users.
pub const ADMIN_ROLE: &str = "admin";

/// Verifies an access token for the staff check. [`JwtVerifier`] (identity's JWKS, cached)
/// is the one every service gets from [`crate::ServiceBuilder::staff_auth`]; identity, which
/// signs the tokens, verifies with its own key ring instead of fetching its own JWKS.
pub trait AccessTokenVerifier: Send + Sync + 'static {
    /// The claims of `token` if it is valid (signature by a trusted key, expiry, issuer,
    /// audience).
    fn verify_access_token<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Claims, TokenError>>;
}

impl AccessTokenVerifier for JwtVerifier {
    fn verify_access_token<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Claims, TokenError>> {
        Box::pin(self.verify(token))
    }
}

/// The configured staff credentials of a service: the static token, and optionally a
/// verifier for staff users' access tokens.
#[derive(Clone, Default)]
pub struct StaffAuth {
    token: Option<Secret>,
    verifier: Option<Arc<dyn AccessTokenVerifier>>,
}

impl std::fmt::Debug for StaffAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffAuth")
            .field("token", &self.token)
            .field("verifies_access_tokens", &self.verifier.is_some())
            .finish()
    }
}

impl StaffAuth {
    /// Staff calls must present `token`; with `None` (and no verifier) every staff call is
    /// refused.
    pub fn new(token: Option<Secret>) -> Self {
        Self { token, verifier: None }
    }

    /// Also accepts access tokens `verifier` accepts whose roles include `staff` or `admin`
    /// (replacing any verifier set before).
    pub fn with_verifier<V: AccessTokenVerifier>(mut self, verifier: Arc<V>) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Whether access tokens (JWTs) are accepted besides the static token.
    pub fn verifies_access_tokens(&self) -> bool {
        self.verifier.is_some()
    }
}

/// Proof that the caller is staff; take it as an extractor on staff-only handlers.
///
/// The caller presented either the static staff token ([`Staff::principal`] is `None`) or a
/// valid access token with the role `staff` or `admin` (the staff user's claims).
/// Refusals: no or malformed `Authorization`, a wrong static token, or an invalid, expired or
/// unknown-key access token are 401; a valid access token without a staff role (a
/// customer's) is 403 `forbidden`.
#[derive(Clone, Debug)]
pub struct Staff {
    user: Option<Principal>,
}

impl Staff {
    /// The staff user, when the caller presented an access token; `None` for the static
    /// staff token.
    pub fn principal(&self) -> Option<&Principal> {
        self.user.as_ref()
    }

    /// The staff user's id (`sub`), when the caller presented an access token.
    pub fn subject(&self) -> Option<&str> {
        self.user.as_ref().map(Principal::subject)
    }

    /// Whether the caller presented the static staff token (the operator's bootstrap
    /// credential) rather than a staff user's access token.
    pub fn is_static_token(&self) -> bool {
        self.user.is_none()
    }

    /// Whether the caller may administer staff: the static token (bootstrap), or an access
    /// token with the role `admin`.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_none_or(|p| p.has_role(ADMIN_ROLE))
    }
}

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
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let Some(presented) = presented else {
            return Err(Problem::unauthorized(
                "This endpoint needs a staff token or a staff user's access token: `Authorization: Bearer <token>`.",
            ));
        };
        if let Some(expected) = &auth.token
            && constant_time_eq(presented.as_bytes(), expected.expose().as_bytes())
        {
            return Ok(Staff { user: None });
        }
        let Some(verifier) = &auth.verifier else {
            return Err(Problem::unauthorized("The token is not valid for staff access."));
        };
        let claims = verifier.verify_access_token(presented).await.map_err(|err| {
            tracing::debug!(error = %err, "staff access token refused");
            Problem::unauthorized("The token is not valid for staff access (invalid or expired).")
        })?;
        let principal = Principal(claims);
        if principal.is_staff() {
            Ok(Staff { user: Some(principal) })
        } else {
            tracing::debug!(subject = principal.subject(), "access token without a staff role on a staff endpoint");
            Err(Problem::forbidden("staff only"))
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
    use std::collections::BTreeMap;

    use axum::http::{Request, StatusCode};
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    use super::*;
    use crate::client::{ClientPolicy, ServiceClient};
    use crate::discovery::Discovery;
    use crate::jwt::{AUDIENCE, ISSUER, JWKS_PATH, Jwks, PublicJwk};

    /// Test-only Ed25519 keys (PKCS#8 DER, base64); only the first is published.
    const PUBLISHED_KEY: &str = "MC4CAQAwBQYDK2VwBCIEINtCebwKT3RVSEl87rqxrYfs54UfEyOF/1xFGiKmQGCr";
    const PUBLISHED_X: &str = "4-Ze2wMsTG2l0nbB6mB5oijMRWi1HMLd_ezIbhdBMT8";
    const OTHER_KEY: &str = "MC4CAQAwBQYDK2VwBCIEIHpT7N+9BDYeY4FEv18SDXXtLoOb4k29o0JsIKgGb1fx";
    const KID: &str = "key_test";
    const STATIC: &str = "static-staff-token-0123456789";

    #[test]
    fn compares_whole_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    fn sign(key: &str, kid: &str, roles: &[&str], expires_in: i64) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "stf_0193a4c1e7d27c3a9b1f4e2d8c6a5b40".into(),
            exp: now + expires_in,
            iat: now,
            jti: "t".into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            customer_group: None,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.into());
        let der = STANDARD.decode(key).expect("test key");
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&der)).expect("signs")
    }

    /// Serves a JWKS with the published key, as identity would, and returns its client.
    async fn identity_client() -> ServiceClient {
        crate::init_process();
        let jwks = Jwks {
            keys: vec![PublicJwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                alg: "EdDSA".into(),
                usage: "sig".into(),
                kid: KID.into(),
                x: PUBLISHED_X.into(),
            }],
        };
        let app = axum::Router::new().route(JWKS_PATH, axum::routing::get(move || async move { axum::Json(jwks) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let http = reqwest::Client::new();
        let discovery = Discovery::fixed(BTreeMap::from([("identity".to_owned(), base)]), http.clone());
        ServiceClient::new(http, discovery, ClientPolicy::default())
    }

    async fn check(auth: &StaffAuth, authorization: Option<&str>) -> Result<Staff, Problem> {
        let mut request = Request::builder().uri("/v1/staff-thing");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let (mut parts, ()) = request.body(()).expect("request").into_parts();
        Staff::from_request_parts(&mut parts, auth).await
    }

    fn refused(result: Result<Staff, Problem>, status: StatusCode) -> Problem {
        let problem = result.expect_err("refused");
        assert_eq!(problem.status(), status);
        problem
    }

    #[tokio::test]
    async fn staff_accepts_the_static_token_and_staff_access_tokens_only() {
        let auth = StaffAuth::new(Some(Secret::new(STATIC))).with_verifier(JwtVerifier::new(identity_client().await));
        assert!(auth.verifies_access_tokens());

        let operator = check(&auth, Some(&format!("Bearer {STATIC}"))).await.expect("static token");
        assert!(operator.is_static_token() && operator.is_admin() && operator.subject().is_none());

        let staff = check(&auth, Some(&format!("Bearer {}", sign(PUBLISHED_KEY, KID, &["staff"], 600)))).await;
        let staff = staff.expect("staff token");
        assert_eq!(staff.subject(), Some("stf_0193a4c1e7d27c3a9b1f4e2d8c6a5b40"));
        assert!(!staff.is_static_token() && !staff.is_admin());

        let admin = check(&auth, Some(&format!("Bearer {}", sign(PUBLISHED_KEY, KID, &["staff", "admin"], 600))))
            .await
            .expect("admin token");
        assert!(admin.is_admin() && admin.principal().is_some_and(|p| p.has_role("admin")));

        // A customer is authenticated but not allowed.
        let customer = sign(PUBLISHED_KEY, KID, &["customer"], 600);
        let problem = refused(check(&auth, Some(&format!("Bearer {customer}"))).await, StatusCode::FORBIDDEN);
        assert_eq!(problem.code(), "forbidden");

        // Tampered: a customer's token whose payload now claims `admin`.
        let mut parts: Vec<String> = customer.split('.').map(str::to_owned).collect();
        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("b64")).expect("json");
        payload["roles"] = serde_json::json!(["staff", "admin"]);
        parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        let tampered = parts.join(".");

        for bad in [
            None,
            Some("Basic c3RhZmY6c3RhZmY=".to_owned()),
            Some("Bearer ".to_owned()),
            Some("Bearer not-the-token".to_owned()),
            Some("Bearer not.a.jwt".to_owned()),
            Some(format!("Bearer {tampered}")),
            Some(format!("Bearer {}", sign(PUBLISHED_KEY, KID, &["staff"], -3600))),
            Some(format!("Bearer {}", sign(OTHER_KEY, KID, &["staff"], 600))),
            Some(format!("Bearer {}", sign(OTHER_KEY, "key_unpublished", &["staff"], 600))),
        ] {
            let problem = refused(check(&auth, bad.as_deref()).await, StatusCode::UNAUTHORIZED);
            assert_eq!(problem.code(), "unauthorized", "{bad:?}");
        }
    }

    #[tokio::test]
    async fn without_a_verifier_only_the_static_token_is_staff() {
        let auth = StaffAuth::new(Some(Secret::new(STATIC)));
        assert!(check(&auth, Some(&format!("Bearer {STATIC}"))).await.is_ok());
        let token = sign(PUBLISHED_KEY, KID, &["staff", "admin"], 600);
        refused(check(&auth, Some(&format!("Bearer {token}"))).await, StatusCode::UNAUTHORIZED);
        // No static token configured: the static path accepts nothing, not even an empty one.
        let verifier = JwtVerifier::new(identity_client().await);
        let auth = StaffAuth::default().with_verifier(verifier);
        refused(check(&auth, Some("Bearer ")).await, StatusCode::UNAUTHORIZED);
        assert!(check(&auth, Some(&format!("Bearer {token}"))).await.is_ok());
    }

    #[tokio::test]
    async fn the_builder_shares_one_verifier_with_its_staff_check() {
        let mut settings = crate::Settings::for_service("staff-test", "sqlite::memory:");
        settings.staff_token = Some(Secret::new(STATIC));
        let builder = crate::ServiceBuilder::new(settings).expect("settings");
        assert!(Arc::ptr_eq(&builder.jwt_verifier(), &builder.jwt_verifier()));
        let auth = builder.staff_auth();
        assert!(auth.verifies_access_tokens());
        assert!(check(&auth, Some(&format!("Bearer {STATIC}"))).await.is_ok());
    }
}
