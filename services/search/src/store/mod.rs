//! The only module that speaks SQL. Queries are written once for both backends.
//!
//! [`products`] is the read model's products with their SKUs, prices and stock (written by
//! the consumers, read whole by the indexer); [`changes`] is the log of products to reindex.

pub mod changes;
pub mod products;

use runtime::db::DbError;

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> DbError {
    DbError::Query(sqlx::Error::Decode(Box::new(e)))
}

/// `$first, $first+1, …` for `count` values of an `IN (…)` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
