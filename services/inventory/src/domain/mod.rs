//! Inventory's rules, free of IO.

mod location;
mod reservation;
mod stock;

pub use location::{LocationCode, ValidLocation};
pub use reservation::{
    Action, Candidate, DEFAULT_TTL_SECONDS, Decision, MAX_LINE_QUANTITY, MAX_LINES, MAX_TTL_SECONDS, Plan,
    ValidReservation, WantedLine, allocate, decide, refused_after,
};
pub use stock::{MAX_ON_HAND, OnHand, StockError, available};
