//! The cart service's API, tested against the real service on a random port with a fresh
//! database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`). Identity's key
//! document and pricing's quotes are served by small fixtures (see `helpers`).

mod carts;
mod connections;
mod conversion;
mod helpers;
mod lines;
mod merge;
mod ownership;
mod quotes;
