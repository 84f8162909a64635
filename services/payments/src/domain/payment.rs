//! Payments: validation of a new payment, and the state machine of what may happen to one.
//!
//! ```text
//! pending ──► authorized ──► captured ──► refunded (refunds reach the captured amount)
//!    │            │             └─► captured (a partial refund)
//!    │            └─► voided
//!    ├─► declined
//!    └─► failed
//! ```
//!
//! A payment is captured once, fully or partly (the rest of the authorisation is released,
//! as with the well-known providers); refunds may be several, up to what was captured.

use contracts::money::Money;
use contracts::payments::{NewPayment, Payment, PaymentStatus};
use runtime::http::FieldError;

use super::card::{CardNumber, Cvc, ValidCard};

/// The largest amount one payment may authorise, in minor units.
pub const MAX_AMOUNT: i64 = 100_000_000;

const MAX_REFERENCE: usize = 100;

/// A calendar month, to tell whether a card has expired. The caller supplies today's: the
/// domain does no IO, not even reading the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    /// The year.
    pub year: i64,
    /// The month, 1–12.
    pub month: i64,
}

/// A payment request that passed validation.
#[derive(Clone, Debug)]
pub struct ValidPayment {
    /// The checkout id (or whatever the caller pays for).
    pub reference: String,
    /// More than zero, at most [`MAX_AMOUNT`].
    pub amount: Money,
    /// The card, with its secrets.
    pub card: ValidCard,
}

fn amount_errors(field: &str, amount: Money, max: Money, max_what: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if amount.currency != max.currency {
        errors.push(FieldError::new(
            format!("{field}.currency"),
            format!("must be {}, the payment's currency", max.currency),
        ));
    } else if amount.amount <= 0 {
        errors.push(FieldError::new(format!("{field}.amount"), "must be more than zero"));
    } else if amount.amount > max.amount {
        errors.push(FieldError::new(format!("{field}.amount"), format!("must be at most {max_what}, {max}")));
    }
    errors
}

impl ValidPayment {
    /// Validates a new payment as of `today`; every invalid field is named
    /// (`reference`, `amount.amount`, `card.number`, `card.exp_month`, `card.exp_year`,
    /// `card.cvc`).
    pub fn parse(dto: NewPayment, today: YearMonth) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let reference_ok = !dto.reference.is_empty()
            && dto.reference.chars().count() <= MAX_REFERENCE
            && dto.reference.chars().all(|c| !c.is_control() && !c.is_whitespace());
        if !reference_ok {
            errors.push(FieldError::new("reference", "must be 1 to 100 visible characters, without spaces"));
        }
        errors.extend(amount_errors(
            "amount",
            dto.amount,
            Money::new(MAX_AMOUNT, dto.amount.currency),
            "the largest payment",
        ));
        let number = CardNumber::parse(&dto.card.number)
            .map_err(|message| errors.push(FieldError::new("card.number", message)))
            .ok();
        let month_ok = (1..=12).contains(&dto.card.exp_month);
        if !month_ok {
            errors.push(FieldError::new("card.exp_month", "must be 1 to 12"));
        }
        if !(1000..=9999).contains(&dto.card.exp_year) {
            errors.push(FieldError::new("card.exp_year", "must be a four-digit year"));
        } else if dto.card.exp_year < today.year {
            errors.push(FieldError::new("card.exp_year", "the card has expired"));
        } else if month_ok && (YearMonth { year: dto.card.exp_year, month: dto.card.exp_month }) < today {
            errors.push(FieldError::new("card.exp_month", "the card has expired"));
        }
        let cvc = Cvc::parse(&dto.card.cvc).map_err(|message| errors.push(FieldError::new("card.cvc", message))).ok();
        match (number, cvc) {
            (Some(number), Some(cvc)) if errors.is_empty() => Ok(Self {
                reference: dto.reference,
                amount: dto.amount,
                card: ValidCard { number, exp_month: dto.card.exp_month, exp_year: dto.card.exp_year, cvc },
            }),
            _ => Err(errors),
        }
    }

    /// The fingerprint of the request for its `Idempotency-Key`: everything but the card's
    /// secrets. A hash of a card number is itself sensitive (the space of valid numbers is
    /// small enough to search), so the idempotency table never holds one; the brand, last
    /// four and expiry tell two cards apart well enough to catch a reused key.
    pub fn fingerprint(&self) -> String {
        let card = self.card.summary();
        let projection = serde_json::json!({
            "reference": self.reference,
            "amount": self.amount,
            "card": { "brand": card.brand, "last4": card.last4, "exp_month": card.exp_month, "exp_year": card.exp_year },
        });
        runtime::idempotency::fingerprint(projection.to_string().as_bytes())
    }
}

/// Why a payment failed without the issuer's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCode {
    /// The provider refused to be asked (down, overloaded): nothing was authorised.
    ProviderUnavailable,
    /// The provider did not answer in time; its authorisation, if any, was voided.
    ProviderTimeout,
    /// The provider did not answer in time, and voiding its authorisation failed too: the
    /// hold (if any) lapses at the provider; staff should void it there.
    ProviderTimeoutUnresolved,
}

impl FailureCode {
    /// The code as stored and published.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProviderUnavailable => "provider_unavailable",
            Self::ProviderTimeout => "provider_timeout",
            Self::ProviderTimeoutUnresolved => "provider_timeout_unresolved",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::ProviderUnavailable, Self::ProviderTimeout, Self::ProviderTimeoutUnresolved]
            .into_iter()
            .find(|c| c.as_str() == code)
    }
}

/// How an authorisation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizationOutcome {
    /// The provider holds the amount.
    Authorized {
        /// The provider's id of the authorisation.
        provider_ref: String,
    },
    /// The issuer refused.
    Declined {
        /// Why (`card_declined`, `insufficient_funds`, …).
        code: String,
    },
    /// No answer from the issuer.
    Failed(FailureCode),
}

impl AuthorizationOutcome {
    /// The status the payment takes.
    pub fn status(&self) -> PaymentStatus {
        match self {
            Self::Authorized { .. } => PaymentStatus::Authorized,
            Self::Declined { .. } => PaymentStatus::Declined,
            Self::Failed(_) => PaymentStatus::Failed,
        }
    }
}

/// An operation on an existing payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Take (some of) the authorised amount.
    Capture,
    /// Cancel the authorisation.
    Void,
    /// Give (some of) the captured amount back.
    Refund,
}

impl Operation {
    /// The verb, as in URLs and claims.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capture => "capture",
            Self::Void => "void",
            Self::Refund => "refund",
        }
    }

    /// The status the operation needs.
    pub fn requires(self) -> PaymentStatus {
        match self {
            Self::Capture | Self::Void => PaymentStatus::Authorized,
            Self::Refund => PaymentStatus::Captured,
        }
    }
}

/// Why an operation may not happen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The payment is not in a status that allows it.
    #[error("cannot {} a payment that is {status}", operation.as_str())]
    InvalidState {
        /// What was asked.
        operation: Operation,
        /// The payment's status.
        status: PaymentStatus,
    },
    /// The amount is not acceptable.
    #[error("invalid amount")]
    Invalid(Vec<FieldError>),
}

/// What an operation would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planned {
    /// Nothing: it is already done (voiding a voided payment).
    Already,
    /// Change the payment to `next`, moving `amount`.
    Change {
        /// The amount captured or refunded (zero for a void).
        amount: Money,
        /// The payment after the operation (its version and time set by the store).
        next: Box<Payment>,
    },
}

fn require(payment: &Payment, operation: Operation) -> Result<(), RuleError> {
    if payment.status == operation.requires() {
        Ok(())
    } else {
        Err(RuleError::InvalidState { operation, status: payment.status })
    }
}

/// Capturing `requested` (default: the whole authorised amount) of an authorised payment.
pub fn plan_capture(payment: &Payment, requested: Option<Money>) -> Result<Planned, RuleError> {
    require(payment, Operation::Capture)?;
    let amount = requested.unwrap_or(payment.amount);
    let errors = amount_errors("amount", amount, payment.amount, "the authorized amount");
    if !errors.is_empty() {
        return Err(RuleError::Invalid(errors));
    }
    let next = Payment { status: PaymentStatus::Captured, captured: amount, ..payment.clone() };
    Ok(Planned::Change { amount, next: Box::new(next) })
}

/// Voiding an authorised payment; a voided one stays as it is.
pub fn plan_void(payment: &Payment) -> Result<Planned, RuleError> {
    if payment.status == PaymentStatus::Voided {
        return Ok(Planned::Already);
    }
    require(payment, Operation::Void)?;
    let next = Payment { status: PaymentStatus::Voided, ..payment.clone() };
    Ok(Planned::Change { amount: Money::zero(payment.amount.currency), next: Box::new(next) })
}

/// Refunding `requested` (default: everything not yet refunded) of a captured payment.
pub fn plan_refund(payment: &Payment, requested: Option<Money>) -> Result<Planned, RuleError> {
    require(payment, Operation::Refund)?;
    let remaining = payment
        .captured
        .checked_sub(payment.refunded)
        .map_err(|_| RuleError::InvalidState { operation: Operation::Refund, status: payment.status })?;
    let amount = requested.unwrap_or(remaining);
    let errors = amount_errors("amount", amount, remaining, "what was captured and not yet refunded");
    if !errors.is_empty() {
        return Err(RuleError::Invalid(errors));
    }
    let refunded = payment
        .refunded
        .checked_add(amount)
        .map_err(|_| RuleError::InvalidState { operation: Operation::Refund, status: payment.status })?;
    let status = if refunded == payment.captured { PaymentStatus::Refunded } else { PaymentStatus::Captured };
    Ok(Planned::Change { amount, next: Box::new(Payment { status, refunded, ..payment.clone() }) })
}

#[cfg(test)]
mod tests {
    use contracts::ids::PaymentId;
    use contracts::money::Currency;
    use contracts::payments::{CardBrand, CardSummary, NewCard};

    use super::*;

    const TODAY: YearMonth = YearMonth { year: 2030, month: 6 };

    fn eur(amount: i64) -> Money {
        Money::new(amount, Currency::Eur)
    }

    fn request(number: &str, exp_month: i64, exp_year: i64, cvc: &str, amount: i64) -> NewPayment {
        NewPayment {
            reference: "chk_1".into(),
            amount: eur(amount),
            card: NewCard { number: number.into(), exp_month, exp_year, cvc: cvc.into() },
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    fn payment(status: PaymentStatus, captured: i64, refunded: i64) -> Payment {
        Payment {
            id: PaymentId::generate(),
            reference: "chk_1".into(),
            amount: eur(5000),
            status,
            card: CardSummary { brand: CardBrand::Visa, last4: "4242".into(), exp_month: 12, exp_year: 2031 },
            captured: eur(captured),
            refunded: eur(refunded),
            decline_code: None,
            failure_code: None,
            provider_ref: Some("tpa_1".into()),
            created_at: String::new(),
            updated_at: String::new(),
            version: 2,
        }
    }

    #[test]
    fn a_valid_request_parses() {
        let valid = ValidPayment::parse(request("4242424242424242", 6, 2030, "123", 4990), TODAY).expect("valid");
        assert_eq!(valid.card.summary().last4, "4242");
        assert_eq!(valid.amount, eur(4990));
    }

    #[test]
    fn every_invalid_field_is_named() {
        let errors = ValidPayment::parse(request("4242424242424241", 13, 2030, "12", 0), TODAY).expect_err("invalid");
        assert_eq!(fields(&errors), ["amount.amount", "card.number", "card.exp_month", "card.cvc"]);
        let errors =
            ValidPayment::parse(request("4242424242424242", 5, 2030, "1234", MAX_AMOUNT + 1), TODAY).expect_err("x");
        assert_eq!(fields(&errors), ["amount.amount", "card.exp_month"], "last month expired");
        let errors = ValidPayment::parse(request("4242424242424242", 12, 2029, "123", 1), TODAY).expect_err("x");
        assert_eq!(fields(&errors), ["card.exp_year"]);
        let errors = ValidPayment::parse(request("4242424242424242", 12, 30, "123", 1), TODAY).expect_err("x");
        assert_eq!(fields(&errors), ["card.exp_year"]);
        let mut bad_reference = request("4242424242424242", 12, 2031, "123", MAX_AMOUNT);
        bad_reference.reference = "chk 1".into();
        assert_eq!(fields(&ValidPayment::parse(bad_reference, TODAY).expect_err("x")), ["reference"]);
    }

    #[test]
    fn the_fingerprint_ignores_the_secrets_but_not_the_amount() {
        let a = ValidPayment::parse(request("4242424242424242", 12, 2031, "123", 100), TODAY).expect("valid");
        let b = ValidPayment::parse(request("4242424242424242", 12, 2031, "999", 100), TODAY).expect("valid");
        let c = ValidPayment::parse(request("4242424242424242", 12, 2031, "123", 101), TODAY).expect("valid");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn capture_once_up_to_the_authorized_amount() {
        let authorized = payment(PaymentStatus::Authorized, 0, 0);
        let Ok(Planned::Change { amount, next }) = plan_capture(&authorized, None) else { panic!("capturable") };
        assert_eq!((amount, next.status, next.captured), (eur(5000), PaymentStatus::Captured, eur(5000)));
        assert!(
            matches!(plan_capture(&authorized, Some(eur(3000))), Ok(Planned::Change { amount, .. }) if amount == eur(3000))
        );
        let Err(RuleError::Invalid(errors)) = plan_capture(&authorized, Some(eur(5001))) else { panic!("too much") };
        assert_eq!(fields(&errors), ["amount.amount"]);
        let Err(RuleError::Invalid(errors)) = plan_capture(&authorized, Some(Money::new(10, Currency::Usd))) else {
            panic!("other currency")
        };
        assert_eq!(fields(&errors), ["amount.currency"]);
        assert_eq!(
            plan_capture(&next, None),
            Err(RuleError::InvalidState { operation: Operation::Capture, status: PaymentStatus::Captured })
        );
    }

    #[test]
    fn void_only_before_capture_and_twice_is_harmless() {
        let Ok(Planned::Change { next, .. }) = plan_void(&payment(PaymentStatus::Authorized, 0, 0)) else {
            panic!("voidable")
        };
        assert_eq!(next.status, PaymentStatus::Voided);
        assert_eq!(plan_void(&next), Ok(Planned::Already));
        for status in [PaymentStatus::Captured, PaymentStatus::Declined, PaymentStatus::Failed, PaymentStatus::Pending]
        {
            assert!(matches!(plan_void(&payment(status, 0, 0)), Err(RuleError::InvalidState { .. })), "{status}");
        }
    }

    #[test]
    fn refunds_add_up_to_the_captured_amount_and_no_further() {
        let captured = payment(PaymentStatus::Captured, 4000, 0);
        let Ok(Planned::Change { next, .. }) = plan_refund(&captured, Some(eur(1500))) else { panic!("refundable") };
        assert_eq!((next.status, next.refunded), (PaymentStatus::Captured, eur(1500)));
        let Err(RuleError::Invalid(errors)) = plan_refund(&next, Some(eur(2501))) else { panic!("over-refund") };
        assert_eq!(fields(&errors), ["amount.amount"]);
        let Ok(Planned::Change { amount, next }) = plan_refund(&next, None) else { panic!("the rest") };
        assert_eq!((amount, next.status, next.refunded), (eur(2500), PaymentStatus::Refunded, eur(4000)));
        assert!(matches!(plan_refund(&next, None), Err(RuleError::InvalidState { .. })));
        assert!(matches!(
            plan_refund(&payment(PaymentStatus::Authorized, 0, 0), None),
            Err(RuleError::InvalidState { .. })
        ));
    }
}
