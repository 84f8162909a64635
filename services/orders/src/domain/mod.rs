//! The orders domain, without IO: checkout validation, the saga's steps, and the order's
//! lifecycle rules.

pub mod checkout;
pub mod order;
