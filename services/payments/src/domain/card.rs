//! Cards: the number (PAN) and CVC as validated secrets that never print, the brand from the
//! number's leading digits, and the Luhn check.

use std::fmt;

use contracts::payments::{CardBrand, CardSummary};

/// A validated card number: 12–19 digits passing the Luhn check. `Debug` shows only the
/// brand and last four; [`CardNumber::expose`] is for the provider call alone.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// Parses a card number; the error is the message for the caller.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if !(12..=19).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 12 to 19 digits");
        }
        if !luhn(text) {
            return Err("is not a valid card number (check digit)");
        }
        Ok(Self(text.to_owned()))
    }

    /// The full number, for the provider call only: never store or log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four digits.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The network, from the leading digits.
    pub fn brand(&self) -> CardBrand {
        brand_of(&self.0)
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ****{}", self.brand().as_str(), self.last4())
    }
}

/// A validated card verification code (3–4 digits). Never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Cvc(String);

impl Cvc {
    /// Parses a CVC.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if (3..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be 3 or 4 digits")
        }
    }

    /// The code, for the provider call only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Cvc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A validated card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCard {
    /// The number.
    pub number: CardNumber,
    /// Expiry month, 1–12.
    pub exp_month: i64,
    /// Expiry year, four digits.
    pub exp_year: i64,
    /// The verification code.
    pub cvc: Cvc,
}

impl ValidCard {
    /// What a payment keeps of the card.
    pub fn summary(&self) -> CardSummary {
        CardSummary {
            brand: self.number.brand(),
            last4: self.number.last4().to_owned(),
            exp_month: self.exp_month,
            exp_year: self.exp_year,
        }
    }
}

/// The Luhn (mod 10) check of a string of ASCII digits.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The network of a card number, from its issuer identification prefix.
pub fn brand_of(digits: &str) -> CardBrand {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    match () {
        _ if digits.starts_with('4') => CardBrand::Visa,
        _ if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) => CardBrand::Mastercard,
        _ if matches!(prefix(2), 34 | 37) => CardBrand::Amex,
        _ if prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)) => CardBrand::Discover,
        _ => CardBrand::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_the_test_cards_and_rejects_a_changed_digit() {
        for number in
            ["4242424242424242", "5555555555554444", "4000000000000002", "378282246310005", "6011111111111117"]
        {
            assert!(luhn(number), "{number}");
        }
        assert!(!luhn("4242424242424241"));
        assert!(!luhn("4242424242424224"), "a transposition is caught");
    }

    #[test]
    fn numbers_are_digits_of_the_right_length() {
        assert!(CardNumber::parse("4242424242424242").is_ok());
        assert_eq!(CardNumber::parse("4242 4242 4242 4242"), Err("must be 12 to 19 digits"));
        assert_eq!(CardNumber::parse("42424"), Err("must be 12 to 19 digits"));
        assert_eq!(CardNumber::parse("42424242424242424242"), Err("must be 12 to 19 digits"));
        assert!(CardNumber::parse("4242424242424241").is_err());
    }

    #[test]
    fn brands_from_prefixes() {
        assert_eq!(brand_of("4242424242424242"), CardBrand::Visa);
        assert_eq!(brand_of("5555555555554444"), CardBrand::Mastercard);
        assert_eq!(brand_of("2223003122003222"), CardBrand::Mastercard);
        assert_eq!(brand_of("378282246310005"), CardBrand::Amex);
        assert_eq!(brand_of("6011111111111117"), CardBrand::Discover);
        assert_eq!(brand_of("3566002020360505"), CardBrand::Other);
    }

    #[test]
    fn secrets_never_print() {
        let number = CardNumber::parse("4242424242424242").expect("valid");
        let cvc = Cvc::parse("123").expect("valid");
        let card = ValidCard { number, exp_month: 1, exp_year: 2099, cvc };
        let printed = format!("{card:?}");
        assert!(!printed.contains("4242424242424242") && !printed.contains("123"), "{printed}");
        assert!(printed.contains("visa ****4242"), "{printed}");
        assert!(Cvc::parse("12").is_err() && Cvc::parse("12345").is_err() && Cvc::parse("12a").is_err());
    }
}
