//! The generation of the quote rules (promotions, shipping rates, tax rules): see
//! [`crate::rules`].

use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

/// The current generation.
pub async fn generation(conn: &mut AnyConnection) -> Result<i64, DbError> {
    let row = sqlx::query("SELECT generation FROM rules_generation WHERE id = 1").fetch_one(conn).await?;
    Ok(row.try_get("generation")?)
}

/// Moves the generation on, in the transaction that changes a rule.
pub(super) async fn bump(tx: &mut Tx) -> Result<(), DbError> {
    sqlx::query("UPDATE rules_generation SET generation = generation + 1 WHERE id = 1").execute(&mut **tx).await?;
    Ok(())
}
