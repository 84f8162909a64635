//! The only module that speaks SQL. Queries are written once for both backends.

pub mod locations;
pub mod reservations;
pub mod skus;
pub mod stock;

/// `$start, $start+1, …` for an `IN (…)` list of `n` values.
fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
