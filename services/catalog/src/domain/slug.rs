//! Slugs: the URL-friendly unique names of products and categories.

use std::fmt;

/// 1–100 characters of lowercase letters, digits and single hyphens, not at either end.
#[derive(Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug as given.
    pub fn parse(s: &str) -> Option<Self> {
        let valid = !s.is_empty()
            && s.len() <= 100
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        valid.then(|| Self(s.to_owned()))
    }

    /// Derives a slug from a display name (`Organic Cotton Tee` → `organic-cotton-tee`).
    pub fn from_name(name: &str) -> Option<Self> {
        let mut out = String::with_capacity(name.len());
        for c in name.chars().flat_map(char::to_lowercase) {
            let mapped = match c {
                'a'..='z' | '0'..='9' => Some(c),
                'ä' | 'à' | 'á' | 'â' | 'å' => Some('a'),
                'ö' | 'ò' | 'ó' | 'ô' | 'ø' => Some('o'),
                'ü' | 'ù' | 'ú' | 'û' => Some('u'),
                'é' | 'è' | 'ê' | 'ë' => Some('e'),
                'ß' => Some('s'),
                'ç' => Some('c'),
                'ñ' => Some('n'),
                _ => None,
            };
            match mapped {
                Some(c) => out.push(c),
                None if !out.is_empty() && !out.ends_with('-') => out.push('-'),
                None => {}
            }
        }
        let trimmed = out.trim_end_matches('-');
        let truncated = if trimmed.len() > 100 { trimmed[..100].trim_end_matches('-') } else { trimmed };
        Self::parse(truncated)
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_readable_slugs() {
        assert_eq!(Slug::from_name("Organic Cotton Tee").map(|s| s.0), Some("organic-cotton-tee".into()));
        assert_eq!(Slug::from_name("  Café — Crème Brûlée!! ").map(|s| s.0), Some("cafe-creme-brulee".into()));
        assert_eq!(Slug::from_name("!!!"), None);
    }

    #[test]
    fn rejects_malformed_slugs() {
        for bad in ["", "-a", "a-", "a--b", "A", "a b", &"a".repeat(101)] {
            assert!(Slug::parse(bad).is_none(), "{bad}");
        }
        assert!(Slug::parse("t-shirts-2").is_some());
    }
}
