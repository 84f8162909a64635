//! Inventory's rules, free of IO.

mod location;
mod stock;

pub use location::{LocationCode, ValidLocation};
pub use stock::{MAX_ON_HAND, OnHand, StockError, available};
