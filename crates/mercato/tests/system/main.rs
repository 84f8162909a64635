//! Whole-platform tests: `mercato up` started as a user starts it, one platform per test, on
//! SQLite with the embedded feed, or on PostgreSQL with NATS JetStream when
//! `MERCATO_TEST_BACKEND=postgres`.
//!
//! They live in the `mercato` package because Cargo hands the built binary's path
//! (`CARGO_BIN_EXE_mercato`) only to the owning package's integration tests.

mod accounts;
mod bench;
mod browser;
mod chaos;
mod checkout;
mod console;
mod degradation;
mod events;
mod notifications;
mod pages;
mod platform;
mod resilience;
mod search;
mod seed;
mod shop;
mod storefront;
