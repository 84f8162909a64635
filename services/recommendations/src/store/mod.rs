//! The only module that speaks SQL. Queries are written once for both backends.
//!
//! [`sequence`] numbers every change in commit order; [`products`], [`baskets`] and
//! [`views`] are what the models learn from (written by the consumers and the view
//! flusher, read in `seq` ranges by the learner).

pub mod baskets;
pub mod products;
pub mod sequence;
pub mod views;

use runtime::db::DbError;

/// A stored timestamp as unix seconds.
fn unix(text: &str) -> Result<i64, DbError> {
    runtime::db::parse_timestamp(text).map(|t| t.unix_timestamp()).ok_or_else(|| {
        DbError::decode(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad timestamp {text:?}")))
    })
}

/// Unix seconds as stored.
pub fn timestamp(unix: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    runtime::db::timestamp(at)
}
