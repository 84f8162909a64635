//! Locations and their codes.

use contracts::inventory::{LocationKind, NewLocation};
use runtime::http::FieldError;

/// A location code: 2–40 lowercase letters, digits and `-` (`berlin-dc`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationCode(String);

impl LocationCode {
    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = (2..=40).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        ok.then(|| Self(s.to_owned()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A location ready to be stored.
#[derive(Clone, Debug)]
pub struct ValidLocation {
    /// Code.
    pub code: LocationCode,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: LocationKind,
}

impl TryFrom<NewLocation> for ValidLocation {
    type Error = Vec<FieldError>;

    fn try_from(dto: NewLocation) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let code = LocationCode::parse(&dto.code);
        if code.is_none() {
            errors.push(FieldError::new("code", "must be 2–40 lowercase letters, digits and '-'"));
        }
        let name = dto.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new("name", "must be 1–100 characters"));
        }
        match code {
            Some(code) if errors.is_empty() => Ok(Self { code, name, kind: dto.kind }),
            _ => Err(errors),
        }
    }
}
