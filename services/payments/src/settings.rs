//! The payments service's own settings, beside the runtime's [`runtime::Settings`]: which
//! provider to use and how long to wait for it. Read from the environment by [`build`];
//! tests pass them to [`build_with`] directly.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `MERCATO_PAYMENTS_PROVIDER` | `test` | the provider adapter; `test` is the built-in [`TestProvider`] |
//! | `MERCATO_PAYMENTS_PROVIDER_TIMEOUT_MS` | `3000` | how long one provider call may take (1–60000) |
//!
//! [`build`]: crate::build
//! [`build_with`]: crate::build_with
//! [`TestProvider`]: crate::provider::TestProvider

use std::time::Duration;

use runtime::settings::SettingsError;

/// Which provider adapter the service talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ProviderKind {
    /// The built-in test provider: behaviour decided by test card numbers, authorisations
    /// kept in the payments database.
    #[default]
    Test,
}

/// Settings of the payments service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentSettings {
    /// The provider adapter.
    pub provider: ProviderKind,
    /// The longest one provider call may take before it counts as a timeout.
    pub provider_timeout: Duration,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        Self { provider: ProviderKind::Test, provider_timeout: Duration::from_millis(3_000) }
    }
}

const PROVIDER_VAR: &str = "MERCATO_PAYMENTS_PROVIDER";
const TIMEOUT_VAR: &str = "MERCATO_PAYMENTS_PROVIDER_TIMEOUT_MS";

impl PaymentSettings {
    /// The defaults, overridden by the `MERCATO_PAYMENTS_*` environment variables.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        if let Some(provider) = var(PROVIDER_VAR) {
            settings.provider = match provider.trim() {
                "test" => ProviderKind::Test,
                other => return Err(SettingsError::Value(format!("{PROVIDER_VAR}: unknown provider `{other}`"))),
            };
        }
        if let Some(ms) = var(TIMEOUT_VAR) {
            let ms = ms
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=60_000).contains(ms))
                .ok_or_else(|| SettingsError::Value(format!("{TIMEOUT_VAR} must be 1 to 60000 milliseconds")))?;
            settings.provider_timeout = Duration::from_millis(ms);
        }
        Ok(settings)
    }

    /// How long an authorisation (or a capture, void, refund) may stay claimed by one
    /// request before another may take it over: longer than the claimant can legitimately
    /// need (the provider call, a compensating void with one retry, the database), so a
    /// take-over only happens when the claimant died.
    pub fn claim_ttl(&self) -> Duration {
        self.provider_timeout * 4 + Duration::from_secs(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(PaymentSettings::from_lookup(|_| None).ok(), Some(PaymentSettings::default()));
        let s = PaymentSettings::from_lookup(|n| (n == TIMEOUT_VAR).then(|| "250".to_owned())).ok();
        assert_eq!(s.map(|s| s.provider_timeout), Some(Duration::from_millis(250)));
        assert!(PaymentSettings::from_lookup(|n| (n == TIMEOUT_VAR).then(|| "0".to_owned())).is_err());
        assert!(PaymentSettings::from_lookup(|n| (n == PROVIDER_VAR).then(|| "stripe".to_owned())).is_err());
    }
}
