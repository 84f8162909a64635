//! Token lifetimes and refresh tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// Access tokens live 15 minutes: short enough that revocation is by expiry.
pub const ACCESS_TTL_SECONDS: i64 = 15 * 60;
/// Refresh tokens live 30 days and rotate on every use.
pub const REFRESH_TTL_DAYS: i64 = 30;

/// A new opaque refresh token: 256 random bits.
pub fn new_refresh_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("mrt_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// How a refresh token is stored: only its hash, so a database leak yields no sessions.
pub fn refresh_token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_refresh_token().expect("rng"), new_refresh_token().expect("rng"));
        assert_ne!(a, b);
        assert_eq!(refresh_token_hash(&a).len(), 64);
        assert!(!refresh_token_hash(&a).contains(&a));
    }
}
