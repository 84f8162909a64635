//! Money as a shopper reads it: `€19.99`, `CHF 5.00`, `¥1500`. Integer arithmetic only.

use contracts::money::{Currency, Money};

fn symbol(currency: Currency) -> (&'static str, &'static str) {
    match currency {
        Currency::Eur => ("€", ""),
        Currency::Usd => ("$", ""),
        Currency::Gbp => ("£", ""),
        Currency::Chf => ("CHF ", ""),
        Currency::Jpy => ("¥", ""),
    }
}

/// `amount` minor units of `currency` in major units with the currency's digits, no sign and
/// no symbol.
fn major_units(amount: u64, currency: Currency) -> String {
    let digits = currency.minor_digits();
    if digits == 0 {
        return amount.to_string();
    }
    let scale = 10u64.pow(digits);
    format!("{}.{:0width$}", amount / scale, amount % scale, width = digits as usize)
}

/// `money` for people: symbol and amount, the sign in front (`-€5.00`).
pub fn format(money: Money) -> String {
    let (before, after) = symbol(money.currency);
    let text = major_units(money.amount.unsigned_abs(), money.currency);
    let sign = if money.amount < 0 { "-" } else { "" };
    format!("{sign}{before}{text}{after}")
}

/// A price range of the search facets (`min` inclusive, `max` exclusive, minor units).
pub fn range(min: i64, max: Option<i64>, currency: Currency) -> String {
    let (before, _) = symbol(currency);
    let whole = |amount: i64| {
        let text = major_units(amount.unsigned_abs(), currency);
        text.split('.').next().unwrap_or_default().to_owned()
    };
    match max {
        Some(max) => format!("{before}{}–{}", whole(min), whole(max)),
        None => format!("{before}{} and more", whole(min)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units_without_floats() {
        assert_eq!(format(Money::new(1999, Currency::Eur)), "€19.99");
        assert_eq!(format(Money::new(5, Currency::Eur)), "€0.05");
        assert_eq!(format(Money::new(-500, Currency::Eur)), "-€5.00");
        assert_eq!(format(Money::new(1500, Currency::Jpy)), "¥1500");
        assert_eq!(format(Money::new(100, Currency::Chf)), "CHF 1.00");
        assert_eq!(format(Money::new(i64::MIN, Currency::Usd)), "-$92233720368547758.08");
        assert_eq!(range(2500, Some(5000), Currency::Eur), "€25–50");
        assert_eq!(range(20000, None, Currency::Eur), "€200 and more");
    }
}
