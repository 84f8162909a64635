//! Refresh tokens (stored hashed).

use runtime::db::{DbError, Tx};
use sqlx::Row as _;

/// A stored refresh token.
pub struct StoredRefresh {
    /// The login it belongs to.
    pub family: String,
    /// Whose.
    pub customer_id: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
    /// Set once exchanged for a new one.
    pub rotated_at: Option<String>,
    /// Set on logout or reuse detection.
    pub revoked_at: Option<String>,
}

/// Stores a token hash.
pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    family: &str,
    customer_id: &str,
    expires_at: &str,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, family, customer_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(family)
        .bind(customer_id)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A token by hash.
pub async fn find(tx: &mut Tx, token_hash: &str) -> Result<Option<StoredRefresh>, DbError> {
    let row = sqlx::query(
        "SELECT family, customer_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(StoredRefresh {
            family: r.try_get("family")?,
            customer_id: r.try_get("customer_id")?,
            expires_at: r.try_get("expires_at")?,
            rotated_at: r.try_get("rotated_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    })
    .transpose()
}

/// Marks a token used; `false` if it already was (a concurrent exchange won).
pub async fn mark_rotated(tx: &mut Tx, token_hash: &str) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE refresh_tokens SET rotated_at = $1 WHERE token_hash = $2 AND rotated_at IS NULL")
        .bind(runtime::db::now())
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token of a login.
pub async fn revoke_family(tx: &mut Tx, family: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL")
        .bind(runtime::db::now())
        .bind(family)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
