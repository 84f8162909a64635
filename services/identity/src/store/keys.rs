//! Signing keys.

use runtime::db::{Db, DbError};
use sqlx::Row as _;

/// A stored key.
pub struct StoredKey {
    /// Key id.
    pub kid: String,
    /// PKCS#8 DER, base64.
    pub private_pkcs8: String,
    /// Public key, base64url.
    pub public_x: String,
}

/// All keys, oldest first.
pub async fn all(db: &Db) -> Result<Vec<StoredKey>, DbError> {
    let rows = sqlx::query("SELECT kid, private_pkcs8, public_x FROM signing_keys ORDER BY created_at, kid")
        .fetch_all(&mut *db.acquire().await?)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredKey {
                kid: r.try_get("kid")?,
                private_pkcs8: r.try_get("private_pkcs8")?,
                public_x: r.try_get("public_x")?,
            })
        })
        .collect()
}

/// Stores a new key.
pub async fn insert(db: &Db, kid: &str, private_pkcs8: &str, public_x: &str) -> Result<(), DbError> {
    sqlx::query("INSERT INTO signing_keys (kid, private_pkcs8, public_x, created_at) VALUES ($1, $2, $3, $4)")
        .bind(kid)
        .bind(private_pkcs8)
        .bind(public_x)
        .bind(runtime::db::now())
        .execute(&mut *db.acquire().await?)
        .await?;
    Ok(())
}
