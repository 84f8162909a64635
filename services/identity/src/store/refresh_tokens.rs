//! Refresh tokens (stored hashed), customers' and staff users' in separate tables: a token
//! works only at the endpoint of the kind of account it was issued to.

use runtime::db::{DbError, Tx};
use sqlx::Row as _;

/// Whose refresh tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Customers (`refresh_tokens`).
    Customer,
    /// Staff users (`staff_refresh_tokens`).
    Staff,
}

impl Holder {
    fn table(self) -> &'static str {
        match self {
            Holder::Customer => "refresh_tokens",
            Holder::Staff => "staff_refresh_tokens",
        }
    }

    fn owner_column(self) -> &'static str {
        match self {
            Holder::Customer => "customer_id",
            Holder::Staff => "staff_user_id",
        }
    }
}

/// A stored refresh token.
pub struct StoredRefresh {
    /// The login it belongs to.
    pub family: String,
    /// Whose: the customer or staff user id.
    pub owner_id: String,
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
    holder: Holder,
    token_hash: &str,
    family: &str,
    owner_id: &str,
    expires_at: &str,
) -> Result<(), DbError> {
    let sql = format!(
        "INSERT INTO {} (token_hash, family, {}, expires_at) VALUES ($1, $2, $3, $4)",
        holder.table(),
        holder.owner_column()
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .bind(family)
        .bind(owner_id)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A token by hash.
pub async fn find(tx: &mut Tx, holder: Holder, token_hash: &str) -> Result<Option<StoredRefresh>, DbError> {
    let sql = format!(
        "SELECT family, {} AS owner_id, expires_at, rotated_at, revoked_at FROM {} WHERE token_hash = $1",
        holder.owner_column(),
        holder.table()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&mut **tx).await?;
    row.map(|r| {
        Ok(StoredRefresh {
            family: r.try_get("family")?,
            owner_id: r.try_get("owner_id")?,
            expires_at: r.try_get("expires_at")?,
            rotated_at: r.try_get("rotated_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    })
    .transpose()
}

/// Marks a token used; `false` if it already was (a concurrent exchange won).
pub async fn mark_rotated(tx: &mut Tx, holder: Holder, token_hash: &str) -> Result<bool, DbError> {
    let sql = format!("UPDATE {} SET rotated_at = $1 WHERE token_hash = $2 AND rotated_at IS NULL", holder.table());
    let done =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(runtime::db::now()).bind(token_hash).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token of a login.
pub async fn revoke_family(tx: &mut Tx, holder: Holder, family: &str) -> Result<(), DbError> {
    let sql = format!("UPDATE {} SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL", holder.table());
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(runtime::db::now()).bind(family).execute(&mut **tx).await?;
    Ok(())
}
