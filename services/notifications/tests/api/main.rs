//! The notifications service's API, tested against the real service on a random port with a
//! fresh database (SQLite, or PostgreSQL when `MERCATO_TEST_BACKEND=postgres`), retry delays
//! of a few milliseconds, a temporary mail directory, and loopback fixtures standing in for
//! orders' event feed, merchants' webhook endpoints and an SMTP server (see `helpers`).

mod email;
mod helpers;
mod replicas;
mod security;
mod templates;
mod webhooks;
