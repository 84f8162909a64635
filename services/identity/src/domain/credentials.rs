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

/// A display name: trimmed, 1 to 100 characters.
pub fn display_name(s: &str) -> Result<String, &'static str> {
    let name = s.trim();
    let n = name.chars().count();
    if n == 0 || n > 100 { Err("must be 1–100 characters") } else { Ok(name.to_owned()) }
}

/// The `LIKE` pattern (escape character `\`) for "email contains `needle`": trimmed and
/// lower-cased like stored emails, wildcards taken literally. `None` for an empty filter.
pub fn email_contains_pattern(needle: &str) -> Result<Option<String>, &'static str> {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return Ok(None);
    }
    if needle.len() > 254 || needle.chars().any(char::is_control) {
        return Err("must be at most 254 characters, without control characters");
    }
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(Some(pattern))
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
    fn names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  Ada "), Ok("Ada".to_owned()));
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn email_filters_match_literally() {
        assert_eq!(email_contains_pattern("  "), Ok(None));
        assert_eq!(email_contains_pattern(" Ada@"), Ok(Some("%ada@%".to_owned())));
        assert_eq!(email_contains_pattern("a_b%c\\"), Ok(Some("%a\\_b\\%c\\\\%".to_owned())));
        assert!(email_contains_pattern(&"a".repeat(255)).is_err());
        assert!(email_contains_pattern("a\nb").is_err());
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
