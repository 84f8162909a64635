//! The pricing service's API, tested against the real service on a random port with a
//! fresh database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`).

mod admin;
mod coupons;
mod helpers;
mod prices;
mod promotions;
mod quotes;
