//! Emails and passwords.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

/// A normalised (trimmed, lower-case) email address of plausible shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, at most 254 bytes.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_lowercase();
        let (local, domain) = s.split_once('@')?;
        let ok = s.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then_some(Self(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy: 10 to 128 characters.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Checks the policy. Length is what protects most; composition rules mostly annoy.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let n = s.chars().count();
        if n < 10 {
            Err("must be at least 10 characters")
        } else if n > 128 {
            Err("must be at most 128 characters")
        } else {
            Ok(Self(s.to_owned()))
        }
    }
}

/// Hashes with argon2id (the crate's defaults follow the OWASP recommendation).
/// CPU-heavy: call from a blocking thread.
pub fn hash_password(password: &Password) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default().hash_password(password.0.as_bytes())?.to_string())
}

/// Whether `password` matches the stored `hash`. CPU-heavy: call from a blocking thread.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("  Ada@Example.COM ").map(|e| e.0), Some("ada@example.com".into()));
        for bad in ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@@example.com"] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn passwords_hash_and_verify() {
        assert!(Password::parse("short").is_err());
        let password = Password::parse("correct horse battery").expect("valid");
        let hash = hash_password(&password).expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!format!("{password:?}").contains("horse"));
    }
}
