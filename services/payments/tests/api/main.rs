//! The payments service's API, tested against the real service on a random port with a
//! fresh database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`), and the
//! built-in test provider with a 200 ms timeout.

mod authorize;
mod claims;
mod events;
mod helpers;
mod lifecycle;
mod security;
