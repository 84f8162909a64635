//! The search service's API, tested against the real service on a random port with a fresh
//! database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`). Catalog's,
//! pricing's and inventory's events are applied through search's own handlers, as its
//! consumers apply them; searches wait for the background indexer with a deadline.

mod facets;
mod filters;
mod helpers;
mod pagination;
mod rebuild;
mod text;
mod updates;
mod validation;
