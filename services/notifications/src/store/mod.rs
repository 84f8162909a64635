//! The only module that speaks SQL. Queries are written once for both backends.
//!
//! Background work (the e-mail sender, the webhook dispatcher) claims rows with one
//! conditional statement: a due row's `next_attempt_at` moves a lease ahead and it gets a
//! fresh `lease_token`; every outcome is written only while the token still matches. Two
//! replicas can therefore never claim the same row at once (SQLite serialises writers; on
//! PostgreSQL the claim's conditions are re-checked on the row the other replica just
//! changed), and a sender that died leaves its rows due again once the lease has passed.

pub mod deliveries;
pub mod messages;
pub mod templates;
pub mod webhooks;

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

fn id<T>(text: &str, parse: impl Fn(&str) -> Result<T, contracts::ids::InvalidId>) -> Result<T, DbError> {
    parse(text).map_err(|_| unexpected("id", text))
}

/// A fresh lease token.
pub fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
