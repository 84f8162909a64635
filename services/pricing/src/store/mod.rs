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

fn currency(code: &str) -> Result<Currency, DbError> {
    Currency::parse(code).map_err(DbError::decode)
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(DbError::decode)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Our own types (string keys, integers) always serialise.
    serde_json::to_string(value).unwrap_or_default()
}
