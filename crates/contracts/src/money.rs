//! Money: an integer amount of minor units (cents) and an ISO 4217 currency. Never a float.
//!
//! Arithmetic is checked (overflow is an error, not a wrap), and amounts of different
//! currencies never mix. Rounding happens in one place, [`Money::percent`], half away from
//! zero in minor units, which is how merchants and tax authorities round a line.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// An ISO 4217 currency code the platform supports, with its number of minor-unit digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(into = "&'static str")]
pub enum Currency {
    /// Euro, 2 decimals.
    Eur,
    /// US dollar, 2 decimals.
    Usd,
    /// Pound sterling, 2 decimals.
    Gbp,
    /// Swiss franc, 2 decimals.
    Chf,
    /// Japanese yen, no decimals.
    Jpy,
}

/// Not a currency the platform supports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a supported currency (EUR, USD, GBP, CHF, JPY)")]
pub struct UnknownCurrency(pub String);

impl Currency {
    /// Parses an upper-case ISO code.
    pub fn parse(code: &str) -> Result<Self, UnknownCurrency> {
        match code {
            "EUR" => Ok(Self::Eur),
            "USD" => Ok(Self::Usd),
            "GBP" => Ok(Self::Gbp),
            "CHF" => Ok(Self::Chf),
            "JPY" => Ok(Self::Jpy),
            other => Err(UnknownCurrency(other.to_owned())),
        }
    }

    /// The ISO code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Eur => "EUR",
            Self::Usd => "USD",
            Self::Gbp => "GBP",
            Self::Chf => "CHF",
            Self::Jpy => "JPY",
        }
    }

    /// Digits after the decimal point.
    pub fn minor_digits(self) -> u32 {
        match self {
            Self::Jpy => 0,
            _ => 2,
        }
    }
}

impl From<Currency> for &'static str {
    fn from(c: Currency) -> Self {
        c.code()
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units of a currency: `{ "amount": 1999, "currency": "EUR" }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Minor units (cents); may be negative for discounts and refunds.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: Currency,
}

/// Money arithmetic that cannot be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The two amounts are in different currencies.
    #[error("cannot combine {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
    /// The result does not fit.
    #[error("amount out of range")]
    Overflow,
}

impl Money {
    /// `amount` minor units of `currency`.
    pub fn new(amount: i64, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Zero of `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    fn same(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// `self + other`.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same(other)?;
        Ok(Money::new(self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?, self.currency))
    }

    /// `self - other`.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same(other)?;
        Ok(Money::new(self.amount.checked_sub(other.amount).ok_or(MoneyError::Overflow)?, self.currency))
    }

    /// `self × quantity`.
    pub fn times(self, quantity: i64) -> Result<Money, MoneyError> {
        Ok(Money::new(self.amount.checked_mul(quantity).ok_or(MoneyError::Overflow)?, self.currency))
    }

    /// `basis_points / 10 000` of `self` (e.g. 1 900 bp = 19 % tax), rounded half away from
    /// zero to a whole minor unit. The one rounding rule of the platform.
    pub fn percent(self, basis_points: i64) -> Result<Money, MoneyError> {
        let product = i128::from(self.amount) * i128::from(basis_points);
        let (quotient, remainder) = (product / 10_000, product % 10_000);
        let rounded = if remainder.abs() * 2 >= 10_000 { quotient + product.signum() } else { quotient };
        Ok(Money::new(i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?, self.currency))
    }

    /// Splits `self` into parts proportional to `weights`, the parts summing exactly to
    /// `self` (largest-remainder method): for spreading an order discount over its lines.
    pub fn allocate(self, weights: &[i64]) -> Result<Vec<Money>, MoneyError> {
        let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
        if total <= 0 || weights.iter().any(|w| *w < 0) {
            return Ok(weights.iter().map(|_| Money::zero(self.currency)).collect());
        }
        let amount = i128::from(self.amount);
        let mut parts: Vec<i128> = weights.iter().map(|w| amount * i128::from(*w) / total).collect();
        let mut rest = amount - parts.iter().sum::<i128>();
        let mut order: Vec<usize> = (0..weights.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse((amount * i128::from(weights[i]) % total).abs()));
        let step = rest.signum();
        for &i in order.iter().cycle().take(weights.len() * 2) {
            if rest == 0 {
                break;
            }
            parts[i] += step;
            rest -= step;
        }
        parts
            .into_iter()
            .map(|p| i64::try_from(p).map(|a| Money::new(a, self.currency)).map_err(|_| MoneyError::Overflow))
            .collect()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        if digits == 0 {
            return write!(f, "{} {}", self.amount, self.currency);
        }
        let scale = 10i64.pow(digits);
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale as u64,
            abs % scale as u64,
            self.currency,
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EUR: Currency = Currency::Eur;

    #[test]
    fn serialises_as_minor_units_and_code() {
        let m = Money::new(1999, EUR);
        assert_eq!(serde_json::to_string(&m).ok().as_deref(), Some(r#"{"amount":1999,"currency":"EUR"}"#));
        assert!(serde_json::from_str::<Money>(r#"{"amount":19.99,"currency":"EUR"}"#).is_err(), "no floats");
        assert!(serde_json::from_str::<Money>(r#"{"amount":1,"currency":"XXX"}"#).is_err());
        assert_eq!(m.to_string(), "19.99 EUR");
        assert_eq!(Money::new(-5, EUR).to_string(), "-0.05 EUR");
        assert_eq!(Money::new(1500, Currency::Jpy).to_string(), "1500 JPY");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(Money::new(1050, EUR).percent(1900).map(|m| m.amount), Ok(200)); // 199.5 → 200
        assert_eq!(Money::new(1049, EUR).percent(1900).map(|m| m.amount), Ok(199)); // 199.31 → 199
        assert_eq!(Money::new(-1050, EUR).percent(1900).map(|m| m.amount), Ok(-200));
        assert_eq!(Money::new(1, EUR).percent(5000).map(|m| m.amount), Ok(1)); // 0.5 → 1
    }

    #[test]
    fn currencies_never_mix_and_overflow_is_an_error() {
        let usd = Money::new(1, Currency::Usd);
        assert_eq!(Money::new(1, EUR).checked_add(usd), Err(MoneyError::CurrencyMismatch(EUR, Currency::Usd)));
        assert_eq!(Money::new(i64::MAX, EUR).checked_add(Money::new(1, EUR)), Err(MoneyError::Overflow));
        assert_eq!(Money::new(i64::MAX, EUR).times(2), Err(MoneyError::Overflow));
    }

    proptest! {
        #[test]
        fn addition_and_subtraction_are_inverse(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            let (x, y) = (Money::new(a, EUR), Money::new(b, EUR));
            prop_assert_eq!(x.checked_add(y).and_then(|s| s.checked_sub(y)), Ok(x));
        }

        #[test]
        fn percent_is_within_half_a_unit_of_the_exact_value(a in -1_000_000_000i64..1_000_000_000, bp in 0i64..=10_000) {
            let got = Money::new(a, EUR).percent(bp).map(|m| i128::from(m.amount)).unwrap_or(i128::MAX);
            let exact_times_10000 = i128::from(a) * i128::from(bp);
            prop_assert!((got * 10_000 - exact_times_10000).abs() <= 5_000);
        }

        #[test]
        fn allocation_is_exact_and_proportional(a in -10_000_000i64..10_000_000, weights in proptest::collection::vec(1i64..10_000, 1..12)) {
            let parts = Money::new(a, EUR).allocate(&weights).unwrap_or_default();
            prop_assert_eq!(parts.iter().map(|p| p.amount).sum::<i64>(), a);
            let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (p, w) in parts.iter().zip(&weights) {
                let exact = i128::from(a) * i128::from(*w);
                prop_assert!((i128::from(p.amount) * total - exact).abs() < total * 2);
            }
        }
    }
}
