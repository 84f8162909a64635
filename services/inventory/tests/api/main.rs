//! The inventory service's API, tested against the real service on a random port with a
//! fresh database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`).

mod helpers;
mod locations;
mod reservations;
mod stock;
