//! The storefront's own configuration, beside the runtime's `Settings`: what a shop shows
//! that the public API does not (yet) tell an anonymous client.

use contracts::money::Currency;

/// Storefront options, from `MERCATO_STOREFRONT_*` environment variables.
#[derive(Clone, Debug)]
pub struct ShopSettings {
    /// The shop's currency (`MERCATO_STOREFRONT_CURRENCY`, default `EUR`).
    pub currency: Currency,
    /// Countries shipped to, ISO codes, the first the default
    /// (`MERCATO_STOREFRONT_COUNTRIES`, default `DE,FR,IT,NL,AT,ES`).
    pub countries: Vec<String>,
    /// Shipping methods offered when pricing's rate list is not public, in order of preference
    /// (`MERCATO_STOREFRONT_SHIPPING_METHODS`, default `standard,express`). Each is still
    /// checked against pricing with a quote before it is offered.
    pub shipping_methods: Vec<String>,
    /// Mark cookies `Secure` (`MERCATO_STOREFRONT_SECURE_COOKIES=true` behind HTTPS; off by
    /// default because the laptop platform serves plain HTTP on loopback).
    pub secure_cookies: bool,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            currency: Currency::Eur,
            countries: ["DE", "FR", "IT", "NL", "AT", "ES"].map(str::to_owned).to_vec(),
            shipping_methods: vec!["standard".into(), "express".into()],
            secure_cookies: false,
        }
    }
}

/// A storefront variable that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid {name}: {reason}")]
pub struct ShopSettingsError {
    name: &'static str,
    reason: String,
}

fn list(value: &str, upper: bool) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| if upper { s.to_ascii_uppercase() } else { s.to_ascii_lowercase() })
        .collect()
}

impl ShopSettings {
    /// Reads the variables through `var` (the process environment in production).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ShopSettingsError> {
        let mut settings = Self::default();
        if let Some(code) = var("MERCATO_STOREFRONT_CURRENCY") {
            settings.currency = Currency::parse(code.trim())
                .map_err(|e| ShopSettingsError { name: "MERCATO_STOREFRONT_CURRENCY", reason: e.to_string() })?;
        }
        if let Some(value) = var("MERCATO_STOREFRONT_COUNTRIES") {
            let countries = list(&value, true);
            if countries.is_empty()
                || countries.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
            {
                return Err(ShopSettingsError {
                    name: "MERCATO_STOREFRONT_COUNTRIES",
                    reason: "expected ISO 3166-1 alpha-2 codes separated by commas".into(),
                });
            }
            settings.countries = countries;
        }
        if let Some(value) = var("MERCATO_STOREFRONT_SHIPPING_METHODS") {
            let methods = list(&value, false);
            if methods.is_empty() {
                return Err(ShopSettingsError {
                    name: "MERCATO_STOREFRONT_SHIPPING_METHODS",
                    reason: "expected at least one method".into(),
                });
            }
            settings.shipping_methods = methods;
        }
        if let Some(value) = var("MERCATO_STOREFRONT_SECURE_COOKIES") {
            settings.secure_cookies = match value.trim() {
                "true" | "1" => true,
                "false" | "0" | "" => false,
                _ => {
                    return Err(ShopSettingsError {
                        name: "MERCATO_STOREFRONT_SECURE_COOKIES",
                        reason: "expected true or false".into(),
                    });
                }
            };
        }
        Ok(settings)
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ShopSettingsError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_defaults_and_garbage_is_refused() {
        let settings = ShopSettings::from_vars(|name| match name {
            "MERCATO_STOREFRONT_COUNTRIES" => Some("de, at".into()),
            "MERCATO_STOREFRONT_SHIPPING_METHODS" => Some("Express".into()),
            _ => None,
        })
        .expect("valid");
        assert_eq!(settings.countries, ["DE", "AT"]);
        assert_eq!(settings.shipping_methods, ["express"]);
        assert_eq!(settings.currency, Currency::Eur);
        assert!(ShopSettings::from_vars(|n| (n == "MERCATO_STOREFRONT_COUNTRIES").then(|| "GER".into())).is_err());
        assert!(ShopSettings::from_vars(|n| (n == "MERCATO_STOREFRONT_CURRENCY").then(|| "XXX".into())).is_err());
    }
}
