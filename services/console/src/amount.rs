//! Amounts as staff type them (`12.50`, `12,5`, `7`) and as the console shows them, to and
//! from the API's integer minor units. Never a float.

use contracts::money::{Currency, Money};

/// Why a typed amount is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Empty input.
    #[error("is required")]
    Missing,
    /// Not digits with at most one decimal separator.
    #[error("must be a number like 12.50")]
    Malformed,
    /// More decimals than the currency has.
    #[error("has more than {0} decimals")]
    TooPrecise(u32),
    /// Larger than any price the platform takes.
    #[error("is too large")]
    TooLarge,
}

/// The largest amount the console accepts, in major units: far beyond any price, far below
/// overflow.
const MAX_MAJOR: i64 = 1_000_000_000;

/// Parses a non-negative decimal amount of `currency` into minor units.
pub fn parse(input: &str, currency: Currency) -> Result<Money, AmountError> {
    let digits = currency.minor_digits();
    let text = input.trim();
    if text.is_empty() {
        return Err(AmountError::Missing);
    }
    let (major, minor) = match text.split_once(['.', ',']) {
        Some((major, minor)) => (major, minor),
        None => (text, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (major.is_empty() && minor.is_empty()) || !all_digits(major) || !all_digits(minor) {
        return Err(AmountError::Malformed);
    }
    if minor.len() > digits as usize {
        return Err(AmountError::TooPrecise(digits));
    }
    let major: i64 = if major.is_empty() { 0 } else { major.parse().map_err(|_| AmountError::TooLarge)? };
    if major > MAX_MAJOR {
        return Err(AmountError::TooLarge);
    }
    let scale = 10i64.pow(digits);
    let minor: i64 = if minor.is_empty() {
        0
    } else {
        // "5" after the separator is 50 cents: pad to the currency's digits.
        format!("{minor:0<width$}", width = digits as usize).parse().map_err(|_| AmountError::Malformed)?
    };
    Ok(Money::new(major * scale + minor, currency))
}

/// Minor units as the decimal staff type (`1250` EUR → `12.50`), without the currency.
pub fn format_plain(money: Money) -> String {
    let digits = money.currency.minor_digits();
    if digits == 0 {
        return money.amount.to_string();
    }
    let scale = 10i64.pow(digits).unsigned_abs();
    let sign = if money.amount < 0 { "-" } else { "" };
    let abs = money.amount.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
}

/// A percentage as staff type it (`10`, `12.5`) in basis points (1,250).
pub fn parse_percent(input: &str) -> Result<i64, AmountError> {
    // Two decimals of a percent are exactly basis points: reuse the money grammar.
    let points = parse(input, Currency::Eur)?.amount;
    if points > 10_000 { Err(AmountError::TooLarge) } else { Ok(points) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUR: Currency = Currency::Eur;

    #[test]
    fn typed_amounts_become_minor_units() {
        assert_eq!(parse("12.50", EUR).map(|m| m.amount), Ok(1250));
        assert_eq!(parse("12,5", EUR).map(|m| m.amount), Ok(1250));
        assert_eq!(parse(" 7 ", EUR).map(|m| m.amount), Ok(700));
        assert_eq!(parse(".99", EUR).map(|m| m.amount), Ok(99));
        assert_eq!(parse("0", EUR).map(|m| m.amount), Ok(0));
        assert_eq!(parse("1500", Currency::Jpy).map(|m| m.amount), Ok(1500));
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        assert_eq!(parse("", EUR), Err(AmountError::Missing));
        assert_eq!(parse("-1", EUR), Err(AmountError::Malformed));
        assert_eq!(parse("1.2.3", EUR), Err(AmountError::Malformed));
        assert_eq!(parse("12e3", EUR), Err(AmountError::Malformed));
        assert_eq!(parse(".", EUR), Err(AmountError::Malformed));
        assert_eq!(parse("1.999", EUR), Err(AmountError::TooPrecise(2)));
        assert_eq!(parse("1.5", Currency::Jpy), Err(AmountError::TooPrecise(0)));
        assert_eq!(parse("99999999999999999999", EUR), Err(AmountError::TooLarge));
        assert_eq!(parse("1000000001", EUR), Err(AmountError::TooLarge));
    }

    #[test]
    fn amounts_round_trip_through_their_display() {
        for cents in [0, 5, 99, 100, 1250, 123_456_789] {
            let money = Money::new(cents, EUR);
            assert_eq!(parse(&format_plain(money), EUR), Ok(money));
        }
        assert_eq!(format_plain(Money::new(-5, EUR)), "-0.05");
        assert_eq!(format_plain(Money::new(1500, Currency::Jpy)), "1500");
    }

    #[test]
    fn percentages_are_basis_points() {
        assert_eq!(parse_percent("10"), Ok(1000));
        assert_eq!(parse_percent("12.5"), Ok(1250));
        assert_eq!(parse_percent("100"), Ok(10_000));
        assert_eq!(parse_percent("100.01"), Err(AmountError::TooLarge));
    }
}
