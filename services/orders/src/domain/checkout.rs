//! A checkout: what the shopper asked for, validated, and where its saga stands.

use contracts::orders::{Address, NewCheckout};
use runtime::http::FieldError;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where a checkout's saga stands. Every step is persisted before the next side effect, so a
/// restarted process knows what may have happened and either finishes or undoes it. (Reading
/// the cart and pricing it have no side effects: a checkout is first written once priced.)
/// Whether the card was authorised is payments' to say: a checkout that stopped at
/// `reserved` asks it (by reference, the checkout id) before going forward or back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Claimed for its key and priced: the authoritative quote is stored. Stock may be being
    /// reserved.
    Quoted,
    /// Stock is held (`reservation_id`). The card may be being authorised.
    Reserved,
    /// The order exists (`order_id`, `payment_id` authorised); its reservation is being
    /// committed.
    Placed,
    /// Done: the order stands, and `outcome` is its 201.
    Completed,
    /// Done without an order: nothing is held or authorised, and `outcome` says why.
    Failed,
}

impl Step {
    /// The step as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Quoted => "quoted",
            Step::Reserved => "reserved",
            Step::Placed => "placed",
            Step::Completed => "completed",
            Step::Failed => "failed",
        }
    }

    /// Parses a stored step.
    pub fn parse(s: &str) -> Option<Step> {
        Some(match s {
            "quoted" => Step::Quoted,
            "reserved" => Step::Reserved,
            "placed" => Step::Placed,
            "completed" => Step::Completed,
            "failed" => Step::Failed,
            _ => return None,
        })
    }

    /// Whether the saga is over.
    pub fn is_final(self) -> bool {
        matches!(self, Step::Completed | Step::Failed)
    }
}

fn visible(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, min: usize, max: usize) {
    let len = value.trim().chars().count();
    if len < min || value.chars().count() > max || !visible(value) {
        errors.push(FieldError::new(field, format!("must be {min} to {max} characters without control characters")));
    }
}

fn is_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks a checkout request's own fields (the card's are the payment service's to judge).
pub fn validate(request: &NewCheckout) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = request.email.trim();
    if email.len() < 3 || email.len() > 254 || !email.contains('@') || email.contains(char::is_whitespace) {
        errors.push(FieldError::new("email", "must be an e-mail address"));
    }
    validate_address(&mut errors, "shipping_address", &request.shipping_address);
    let method = &request.shipping_method;
    if method.is_empty()
        || method.len() > 32
        || !method.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        errors.push(FieldError::new("shipping_method", "must be 1 to 32 lower-case letters, digits, '-' or '_'"));
    }
    let signature = &request.quote_signature;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        errors.push(FieldError::new("quote_signature", "must be the `signature` of the quote the cart showed"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn validate_address(errors: &mut Vec<FieldError>, prefix: &str, address: &Address) {
    text(errors, &format!("{prefix}.name"), &address.name, 1, 100);
    text(errors, &format!("{prefix}.line1"), &address.line1, 1, 200);
    if let Some(line2) = &address.line2 {
        text(errors, &format!("{prefix}.line2"), line2, 0, 200);
    }
    text(errors, &format!("{prefix}.postal_code"), &address.postal_code, 1, 20);
    text(errors, &format!("{prefix}.city"), &address.city, 1, 100);
    if !is_country(&address.country) {
        errors.push(FieldError::new(format!("{prefix}.country"), "must be an ISO 3166-1 alpha-2 code, upper-case"));
    }
}

/// The fingerprint of a checkout request for its `Idempotency-Key`. The card's number and CVC
/// stay out: a hash of a card number is itself sensitive, and a retry must match without them.
pub fn fingerprint(request: &NewCheckout) -> String {
    #[derive(Serialize)]
    struct Redacted<'a> {
        cart_id: &'a str,
        email: &'a str,
        shipping_address: &'a Address,
        shipping_method: &'a str,
        quote_signature: &'a str,
        card_last4: String,
        exp_month: i64,
        exp_year: i64,
    }
    let number = &request.payment.card.number;
    let redacted = Redacted {
        cart_id: request.cart_id.as_str(),
        email: &request.email,
        shipping_address: &request.shipping_address,
        shipping_method: &request.shipping_method,
        quote_signature: &request.quote_signature,
        card_last4: number.chars().rev().take(4).collect(),
        exp_month: request.payment.card.exp_month,
        exp_year: request.payment.card.exp_year,
    };
    let bytes = serde_json::to_vec(&redacted).unwrap_or_default();
    format!("{:x}", Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::ids::CartId;
    use contracts::orders::CheckoutPayment;
    use contracts::payments::NewCard;

    fn request() -> NewCheckout {
        NewCheckout {
            cart_id: CartId::generate(),
            email: "ada@example.com".into(),
            shipping_address: Address {
                name: "Ada Lovelace".into(),
                line1: "Unter den Linden 1".into(),
                line2: None,
                postal_code: "10117".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            shipping_method: "standard".into(),
            quote_signature: "a".repeat(64),
            payment: CheckoutPayment {
                card: NewCard { number: "4242424242424242".into(), exp_month: 12, exp_year: 2030, cvc: "123".into() },
            },
        }
    }

    #[test]
    fn a_good_request_passes() {
        assert!(validate(&request()).is_ok());
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut r = request();
        r.email = "nope".into();
        r.shipping_address.country = "de".into();
        r.shipping_address.name = String::new();
        r.shipping_method = "Express!".into();
        r.quote_signature = "x".into();
        let fields: Vec<String> = validate(&r).expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["email", "shipping_address.name", "shipping_address.country", "shipping_method", "quote_signature"]
        );
    }

    #[test]
    fn fingerprint_ignores_card_secrets_but_not_the_order() {
        let a = request();
        let mut b = a.clone();
        b.payment.card.cvc = "999".into();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.shipping_method = "express".into();
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let mut c = a.clone();
        c.payment.card.number = "5555555555554444".into();
        assert_ne!(fingerprint(&a), fingerprint(&c), "another card is another request");
    }

    #[test]
    fn steps_round_trip() {
        for step in [Step::Quoted, Step::Reserved, Step::Placed, Step::Completed, Step::Failed] {
            assert_eq!(Step::parse(step.as_str()), Some(step));
        }
        assert!(Step::Failed.is_final() && !Step::Placed.is_final());
    }
}
