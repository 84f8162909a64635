//! The only module that speaks SQL. Queries are written once for both backends.

pub mod coupons;
pub mod price_lists;
pub mod promotions;
pub mod rules;
pub mod shipping;
pub mod skus;
pub mod tax;

use contracts::money::Currency;
use runtime::db::DbError;

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> DbError {
    DbError::Query(sqlx::Error::Decode(Box::new(e)))
}

fn currency(code: &str) -> Result<Currency, DbError> {
    Currency::parse(code).map_err(decode_err)
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(decode_err)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Our own types (string keys, integers) always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
