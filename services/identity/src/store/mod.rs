//! The only module that speaks SQL.

pub mod attempts;
pub mod customers;
pub mod keys;
pub mod refresh_tokens;
pub mod staff_users;
