//! `Idempotency-Key`: a replay of a creating request returns the first response; the same key
//! with a different body is a 409. The key is recorded in the same transaction as the change
//! it made, so a replay can never observe one without the other.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;

use serde::Serialize;

use crate::db::{Db, DbError, Tx};
use crate::events::Outbox;
use crate::http::{FieldError, Problem};

/// A validated `Idempotency-Key` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else { return Ok(None) };
        match value.to_str() {
            Ok(key) if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) => {
                Ok(Some(IdempotencyKey(key.to_owned())))
            }
            _ => Err(Problem::bad_request("Invalid Idempotency-Key header.")
                .with_errors(vec![FieldError::new("Idempotency-Key", "must be 1 to 255 visible ASCII characters")])),
        }
    }
}

/// Where the key is required (`IdempotencyKey` rather than `Option<IdempotencyKey>`), its
/// absence is a 400 naming the header: these endpoints must never apply a retry twice.
impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state).await?.ok_or_else(|| {
            Problem::bad_request(
                "This request needs an Idempotency-Key header, so that a retry is never applied twice.",
            )
            .with_errors(vec![FieldError::new("Idempotency-Key", "is required")])
        })
    }
}

/// A response recorded for a key.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Its status.
    pub status: StatusCode,
    /// Its JSON body.
    pub body: String,
}

impl Recorded {
    /// The response as first sent (`replayed: false`), or as a replay of it (marked
    /// `idempotent-replayed: true`). An error is problem+json, as it was when first sent.
    pub fn response(self, replayed: bool) -> Response {
        let content_type = if self.status.is_client_error() || self.status.is_server_error() {
            "application/problem+json"
        } else {
            "application/json"
        };
        let mut response = (self.status, self.body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if replayed {
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}

impl IntoResponse for Recorded {
    fn into_response(self) -> Response {
        self.response(true)
    }
}

/// What a key says about a request.
#[derive(Debug)]
pub enum Prior {
    /// Never seen: do the work and [`remember`] the response.
    Fresh,
    /// Seen with the same body: return this.
    Replay(Recorded),
    /// Seen with a different body.
    Mismatch,
}

/// The fingerprint of a request body.
pub fn fingerprint(body: &[u8]) -> String {
    Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}

impl Prior {
    /// The 409 for a reused key.
    pub fn mismatch_problem() -> Problem {
        Problem::conflict(
            "idempotency-key-reused",
            "This Idempotency-Key was already used with a different request body.",
        )
    }
}

/// Looks `key` up within `scope` (e.g. `POST /v1/products`).
pub async fn check(tx: &mut Tx, scope: &str, key: &IdempotencyKey, fingerprint: &str) -> Result<Prior, DbError> {
    let row = sqlx::query("SELECT fingerprint, status, body FROM mercato_idempotency WHERE scope = $1 AND key = $2")
        .bind(scope)
        .bind(&key.0)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(Prior::Fresh) };
    let stored: String = row.try_get("fingerprint")?;
    if stored != fingerprint {
        return Ok(Prior::Mismatch);
    }
    let status: i64 = row.try_get("status")?;
    Ok(Prior::Replay(Recorded {
        status: StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
        body: row.try_get("body")?,
    }))
}

/// Records the response to `key` in the transaction that made the change.
pub async fn remember(
    tx: &mut Tx,
    scope: &str,
    key: &IdempotencyKey,
    fingerprint: &str,
    status: StatusCode,
    body: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO mercato_idempotency (scope, key, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(scope)
    .bind(&key.0)
    .bind(fingerprint)
    .bind(i64::from(status.as_u16()))
    .bind(body)
    .bind(crate::db::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A creating request under an optional `Idempotency-Key`, done in one transaction:
/// [`Creation::begin`] opens it and looks the key up, [`Creation::finish`] records the
/// response beside the change and commits. What to do when a concurrent request with the
/// same key commits first (a unique violation from `finish` on PostgreSQL) is the caller's
/// policy: retry to replay it, or answer 409.
#[derive(Debug)]
pub struct Creation {
    scope: &'static str,
    key: Option<IdempotencyKey>,
    fingerprint: String,
}

/// What [`Creation::begin`] found.
#[derive(Debug)]
pub enum Begun {
    /// Do the work in this transaction, then [`Creation::finish`].
    Fresh(Tx),
    /// Nothing to do: the first response (a replay) or the 409 for a reused key.
    Answered(Response),
}

impl Creation {
    /// A creation in `scope` (e.g. `POST /v1/products`) with `body` as the request.
    pub fn new(scope: &'static str, key: Option<IdempotencyKey>, body: &impl Serialize) -> Self {
        let fingerprint = fingerprint(serde_json::to_string(body).unwrap_or_default().as_bytes());
        Self { scope, key, fingerprint }
    }

    /// Opens the write transaction and looks the key up.
    pub async fn begin(&self, db: &Db) -> Result<Begun, DbError> {
        let mut tx = db.begin().await?;
        if let Some(key) = &self.key {
            match check(&mut tx, self.scope, key, &self.fingerprint).await? {
                Prior::Replay(recorded) => return Ok(Begun::Answered(recorded.into_response())),
                Prior::Mismatch => return Ok(Begun::Answered(Prior::mismatch_problem().into_response())),
                Prior::Fresh => {}
            }
        }
        Ok(Begun::Fresh(tx))
    }

    /// Records `created` as the response (with `status`) for the key and commits through the
    /// outbox; returns the serialised body.
    pub async fn finish(
        &self,
        outbox: &Outbox,
        mut tx: Tx,
        status: StatusCode,
        created: &impl Serialize,
    ) -> Result<String, DbError> {
        let body = serde_json::to_string(created).unwrap_or_default();
        if let Some(key) = &self.key {
            remember(&mut tx, self.scope, key, &self.fingerprint, status, &body).await?;
        }
        outbox.commit(tx).await?;
        Ok(body)
    }
}

/// Forgets keys older than a day, as payment APIs do.
pub async fn purge_expired(db: &Db) -> Result<u64, DbError> {
    let cutoff = crate::db::timestamp(time::OffsetDateTime::now_utc() - time::Duration::days(1));
    let result = sqlx::query("DELETE FROM mercato_idempotency WHERE created_at < $1")
        .bind(cutoff)
        .execute(&mut *db.acquire().await?)
        .await?;
    Ok(result.rows_affected())
}
