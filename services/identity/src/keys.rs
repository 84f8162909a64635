//! The signing key ring: Ed25519 keys, generated on first start and kept in identity's
//! database. The newest key signs; every stored key is published in the JWKS and verifies,
//! so a new key can be introduced without invalidating tokens already issued.

use std::collections::HashMap;
use std::pin::Pin;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use runtime::auth::AccessTokenVerifier;
use runtime::db::{Db, DbError};
use runtime::jwt::{AUDIENCE, Claims, ISSUER, Jwks, PublicJwk, TokenError};

use crate::store::keys as store;

/// The keys identity signs and verifies with.
pub struct KeyRing {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: Jwks,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// A key could not be created or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The operating system's random source failed.
    #[error("no randomness for a new signing key")]
    Random(#[from] getrandom::Error),
    /// A stored key does not decode.
    #[error("stored signing key {0} is corrupt")]
    Corrupt(String),
}

impl From<KeyError> for runtime::app::AppError {
    fn from(err: KeyError) -> Self {
        match err {
            KeyError::Db(db) => runtime::app::AppError::Db(db),
            other => runtime::app::AppError::Db(DbError::Query(sqlx::Error::Configuration(Box::new(other)))),
        }
    }
}

fn generate() -> Result<(String, String), KeyError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)?;
    let key = SigningKey::from_bytes(&secret);
    let der = key.to_pkcs8_der().map_err(|_| KeyError::Corrupt("new".into()))?;
    Ok((STANDARD.encode(der.as_bytes()), URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes())))
}

impl KeyRing {
    /// Loads the stored keys, creating the first one on a fresh database.
    pub async fn load_or_create(db: &Db) -> Result<Self, KeyError> {
        let mut keys = store::all(db).await?;
        if keys.is_empty() {
            let (private, public) = generate()?;
            let kid = format!("key_{}", uuid::Uuid::now_v7().simple());
            // Replicas starting together may each generate one; all are kept and published.
            store::insert(db, &kid, &private, &public).await?;
            keys = store::all(db).await?;
        }
        let newest = keys.last().ok_or_else(|| KeyError::Corrupt("none".into()))?;
        let der = STANDARD.decode(&newest.private_pkcs8).map_err(|_| KeyError::Corrupt(newest.kid.clone()))?;
        let mut verifying = HashMap::new();
        let mut published = Vec::new();
        for key in &keys {
            let decoding =
                DecodingKey::from_ed_components(&key.public_x).map_err(|_| KeyError::Corrupt(key.kid.clone()))?;
            verifying.insert(key.kid.clone(), decoding);
            published.push(PublicJwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                alg: "EdDSA".into(),
                usage: "sig".into(),
                kid: key.kid.clone(),
                x: key.public_x.clone(),
            });
        }
        Ok(Self {
            kid: newest.kid.clone(),
            signing: EncodingKey::from_ed_der(&der),
            verifying,
            jwks: Jwks { keys: published },
        })
    }

    /// Signs an access token for `subject` with `roles` (and a customer's `customer_group`),
    /// valid `ttl_seconds`.
    pub fn sign(
        &self,
        subject: &str,
        roles: &[&str],
        customer_group: Option<&str>,
        ttl_seconds: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.into(),
            exp: now + ttl_seconds,
            iat: now,
            jti: uuid::Uuid::now_v7().simple().to_string(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            customer_group: customer_group.map(str::to_owned),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.signing)
    }

    /// Verifies a token signed by one of our keys: the same checks as
    /// [`runtime::jwt::JwtVerifier`] (EdDSA, key id, signature, expiry, issuer, audience).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.ok_or(TokenError::Malformed)?;
        let key = self.verifying.get(&kid).ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Claims>(token, key, &validation).map(|d| d.claims).map_err(TokenError::Invalid)
    }

    /// The public keys.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }
}

/// Identity checks staff users' access tokens with its own keys: fetching its own JWKS
/// through discovery would need identity to be registered (and reachable) before it can
/// serve a staff request, and a network round trip to itself.
impl AccessTokenVerifier for KeyRing {
    fn verify_access_token<'a>(
        &'a self,
        token: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Claims, TokenError>> + Send + 'a>> {
        Box::pin(std::future::ready(self.verify(token)))
    }
}
