//! The only module that speaks SQL. Queries are written once for both backends.

pub mod locations;
pub mod reservations;
pub mod skus;
pub mod stock;
