//! Login attempt counters.

use runtime::db::{DbError, Tx};
use sqlx::Row as _;

/// Counts one attempt for `key` in the current window (starting a new window when the last
/// one ended before `window_floor`); returns the window start and the attempts in it.
pub async fn hit(tx: &mut Tx, key: &str, now: i64, window_floor: i64) -> Result<(i64, i64), DbError> {
    let row = sqlx::query(
        "INSERT INTO login_attempts (key, window_start, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET
           attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 ELSE login_attempts.attempts + 1 END,
           window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 ELSE login_attempts.window_start END
         RETURNING window_start, attempts",
    )
    .bind(key)
    .bind(now)
    .bind(window_floor)
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.try_get("window_start")?, row.try_get("attempts")?))
}

/// Forgets an account's failed attempts after a successful login.
pub async fn clear(tx: &mut Tx, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(&mut **tx).await?;
    Ok(())
}
