//! The only module that speaks SQL. Queries are written once for both backends.

pub mod carts;
