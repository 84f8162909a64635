//! The recommendations service's API, tested against the real service on a random port with
//! a fresh database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`). Catalog's
//! and orders' events are applied through the service's own handlers, as its consumers
//! apply them (one test feeds them through the real subscriptions); answers wait for the
//! background learner with a deadline.

mod bought_together;
mod evaluation;
mod for_you;
mod helpers;
mod restart;
mod similar;
mod validation;
mod views;
