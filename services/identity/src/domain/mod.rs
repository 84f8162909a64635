//! Identity's rules, free of IO.

mod credentials;
mod limits;
mod tokens;

pub use credentials::{Email, Password, hash_password, verify_password};
pub use limits::LoginLimits;
pub use tokens::{ACCESS_TTL_SECONDS, REFRESH_TTL_DAYS, new_refresh_token, refresh_token_hash};
