//! The only module that speaks SQL. Queries are written once for both backends.

pub mod carts;

use runtime::db::DbError;

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> DbError {
    DbError::Query(sqlx::Error::Decode(Box::new(e)))
}
