//! Tax rules.

use contracts::pricing::TaxRule;
use runtime::db::{DbError, Tx};
use sqlx::{AnyConnection, Row as _};

/// Sets the rule of `country`.
pub async fn upsert(tx: &mut Tx, country: &str, rate_bp: i64, inclusive: bool) -> Result<TaxRule, DbError> {
    let updated_at = runtime::db::now();
    sqlx::query(
        "INSERT INTO tax_rules (country, rate_bp, inclusive, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (country) DO UPDATE SET rate_bp = excluded.rate_bp, inclusive = excluded.inclusive, \
         updated_at = excluded.updated_at",
    )
    .bind(country)
    .bind(rate_bp)
    .bind(i64::from(inclusive))
    .bind(&updated_at)
    .execute(&mut **tx)
    .await?;
    super::rules::bump(tx).await?;
    Ok(TaxRule { country: country.to_owned(), rate_bp, inclusive, updated_at })
}

/// Every rule.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<TaxRule>, DbError> {
    let rows = sqlx::query("SELECT country, rate_bp, inclusive, updated_at FROM tax_rules").fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            Ok(TaxRule {
                country: row.try_get("country")?,
                rate_bp: row.try_get("rate_bp")?,
                inclusive: row.try_get::<i64, _>("inclusive")? != 0,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect()
}
