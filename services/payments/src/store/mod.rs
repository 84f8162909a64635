//! The only module that speaks SQL. Queries are written once for both backends.

pub mod payments;
pub mod psp;

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
