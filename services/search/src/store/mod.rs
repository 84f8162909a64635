//! The only module that speaks SQL. Queries are written once for both backends.
//!
//! [`products`] is the read model's products with their SKUs, prices and stock (written by
//! the consumers, read whole by the indexer); [`changes`] is the log of products to reindex.

pub mod changes;
pub mod products;
