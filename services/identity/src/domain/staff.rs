//! Staff users: what a new one must satisfy, and the roles their access tokens carry.

use contracts::identity::{NewStaffUser, StaffRole};
use runtime::auth::{ADMIN_ROLE, STAFF_ROLE};
use runtime::http::FieldError;

use super::{Email, Password, display_name};

/// The prefix of staff user ids (`stf_…`), which are the `sub` of their access tokens.
pub const STAFF_ID_PREFIX: &str = "stf";

/// The roles in a staff user's access tokens: every staff user is `staff`; an admin is also
/// `admin`. (Customers' tokens carry `customer` and never these.)
pub fn staff_token_roles(role: StaffRole) -> &'static [&'static str] {
    match role {
        StaffRole::Staff => &[STAFF_ROLE],
        StaffRole::Admin => &[STAFF_ROLE, ADMIN_ROLE],
    }
}

/// A new staff user that passed validation.
#[derive(Debug)]
pub struct ValidStaffUser {
    /// Normalised email.
    pub email: Email,
    /// A password meeting the policy.
    pub password: Password,
    /// Trimmed display name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
}

impl ValidStaffUser {
    /// Checks every field, reporting all that fail.
    pub fn parse(dto: NewStaffUser) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = Email::parse(&dto.email);
        if email.is_none() {
            errors.push(FieldError::new("email", "is not a valid email address"));
        }
        let password = Password::parse(&dto.password).map_err(|e| errors.push(FieldError::new("password", e))).ok();
        let name = display_name(&dto.name).map_err(|e| errors.push(FieldError::new("name", e))).ok();
        match (email, password, name) {
            (Some(email), Some(password), Some(name)) if errors.is_empty() => {
                Ok(Self { email, password, name, role: dto.role })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(email: &str, password: &str, name: &str) -> NewStaffUser {
        NewStaffUser { email: email.into(), password: password.into(), name: name.into(), role: StaffRole::Admin }
    }

    #[test]
    fn new_staff_users_are_validated_like_customers() {
        let valid = ValidStaffUser::parse(dto(" Root@Example.com", "correct horse battery", " Root ")).expect("valid");
        assert_eq!(
            (valid.email.as_str(), valid.name.as_str(), valid.role),
            ("root@example.com", "Root", StaffRole::Admin)
        );
        let errors = ValidStaffUser::parse(dto("nope", "short", "  ")).expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["email", "password", "name"]);
    }

    #[test]
    fn admins_are_also_staff() {
        assert_eq!(staff_token_roles(StaffRole::Staff), ["staff"]);
        assert_eq!(staff_token_roles(StaffRole::Admin), ["staff", "admin"]);
    }
}
