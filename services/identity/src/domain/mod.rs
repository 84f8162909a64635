//! Identity's rules, free of IO.

mod credentials;
mod limits;
mod staff;
mod tokens;

pub use credentials::{Email, Password, display_name, email_contains_pattern, hash_password, verify_password};
pub use limits::LoginLimits;
pub use staff::{STAFF_ID_PREFIX, ValidStaffUser, staff_token_roles};
pub use tokens::{ACCESS_TTL_SECONDS, REFRESH_TTL_DAYS, new_refresh_token, refresh_token_hash};
