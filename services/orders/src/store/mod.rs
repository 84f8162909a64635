//! The only module that speaks SQL. Queries are written once for both backends.

pub mod checkouts;
pub mod orders;

use runtime::db::DbError;

/// A stored value this code did not write.
#[derive(Debug, thiserror::Error)]
#[error("unexpected stored {what} `{value}`")]
struct Unexpected {
    what: &'static str,
    value: String,
}

fn unexpected(what: &'static str, value: &str) -> DbError {
    DbError::decode(Unexpected { what, value: value.to_owned() })
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(DbError::decode)
}

fn id<T>(text: &str, parse: impl Fn(&str) -> Result<T, contracts::ids::InvalidId>) -> Result<T, DbError> {
    parse(text).map_err(|_| unexpected("id", text))
}
