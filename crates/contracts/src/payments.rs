//! The payments service's published language: payments (an authorisation and what happened
//! to it afterwards), the bodies of its API, and the `payment.*` events, which carry the full
//! payment snapshot.
//!
//! A card number or CVC never leaves the request that brings it: the snapshot holds only the
//! card's brand, last four digits and expiry, and [`NewCard`]'s `Debug` hides the secrets.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::EventType;
use crate::ids::PaymentId;
use crate::money::Money;

/// Where a payment is in its life.
///
/// `pending` → `authorized` | `declined` | `failed`; `authorized` → `captured` | `voided`;
/// `captured` → `refunded` (once the refunds reach the captured amount).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// The authorisation is being asked of the provider (for at most a few seconds).
    Pending,
    /// The provider holds the amount on the card.
    Authorized,
    /// The provider (the card's issuer) refused; see `decline_code`.
    Declined,
    /// Some or all of the authorised amount was taken; partial refunds keep this status.
    Captured,
    /// The authorisation was cancelled before capture; nothing was taken.
    Voided,
    /// Everything captured was given back.
    Refunded,
    /// The provider could not be asked or did not answer in time; nothing was taken (see
    /// `failure_code`).
    Failed,
}

impl PaymentStatus {
    /// The status as it appears on the wire (`authorized`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Authorized => "authorized",
            Self::Declined => "declined",
            Self::Captured => "captured",
            Self::Voided => "voided",
            Self::Refunded => "refunded",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The card network, from the number's leading digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    /// Visa (4…).
    Visa,
    /// Mastercard (51–55…, 2221–2720…).
    Mastercard,
    /// American Express (34…, 37…).
    Amex,
    /// Discover (6011…, 644–649…, 65…).
    Discover,
    /// Any other network (and, when reading, any brand added after this version).
    #[serde(other)]
    Other,
}

impl CardBrand {
    /// The brand as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visa => "visa",
            Self::Mastercard => "mastercard",
            Self::Amex => "amex",
            Self::Discover => "discover",
            Self::Other => "other",
        }
    }
}

/// What a payment keeps of its card: never the number or the CVC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CardSummary {
    /// Network.
    pub brand: CardBrand,
    /// The last four digits of the number.
    pub last4: String,
    /// Expiry month, 1–12.
    pub exp_month: i64,
    /// Expiry year, four digits.
    pub exp_year: i64,
}

/// A payment: one authorisation of an amount on a card, and its capture, void or refunds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    /// Id.
    pub id: PaymentId,
    /// What the payment is for: the checkout id.
    pub reference: String,
    /// The authorised amount.
    pub amount: Money,
    /// Where the payment is in its life.
    pub status: PaymentStatus,
    /// The card, without its secrets.
    pub card: CardSummary,
    /// How much was taken (at most `amount`).
    pub captured: Money,
    /// How much of the captured amount was given back (at most `captured`).
    pub refunded: Money,
    /// Why the issuer declined (`card_declined`, `insufficient_funds`, `expired_card`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_code: Option<String>,
    /// Why the payment failed without an answer from the issuer (`provider_unavailable`,
    /// `provider_timeout`, `provider_timeout_unresolved`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    /// The provider's id of the authorisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Increases with every change.
    pub version: i64,
}

/// A page of payments.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PaymentList {
    /// The payments, oldest first.
    pub data: Vec<Payment>,
    /// Cursor for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The card of `POST /v1/payments`. Its `Debug` shows neither the number nor the CVC.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    /// The card number (PAN): 12–19 digits, Luhn-valid.
    pub number: String,
    /// Expiry month, 1–12.
    pub exp_month: i64,
    /// Expiry year, four digits; the card must not have expired.
    pub exp_year: i64,
    /// The card verification code: 3 or 4 digits.
    pub cvc: String,
}

impl fmt::Debug for NewCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewCard")
            .field("number", &"***")
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("cvc", &"***")
            .finish()
    }
}

/// Body of `POST /v1/payments`: authorise `amount` on `card` for `reference`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// What the payment is for (the checkout id): 1–100 visible characters.
    pub reference: String,
    /// The amount to authorise: more than zero, at most 100 000 000 minor units.
    pub amount: Money,
    /// The card.
    pub card: NewCard,
}

/// Body of `POST /v1/payments/{id}/capture`; without it the whole authorised amount is taken.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapturePayment {
    /// How much to take, at most the authorised amount. The rest of the authorisation is
    /// released: a payment is captured once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

/// Body of `POST /v1/payments/{id}/refund`; without an amount, everything not yet refunded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundPayment {
    /// How much to give back, at most what was captured and not yet refunded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

/// `payment.authorized`: the provider holds the amount on the card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentAuthorized {
    /// The payment after the change.
    pub payment: Payment,
}

/// `payment.declined`: the issuer refused the authorisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentDeclined {
    /// The payment after the change.
    pub payment: Payment,
}

/// `payment.failed`: the provider could not be asked, or did not answer in time (and the
/// authorisation was cancelled); nothing was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentFailed {
    /// The payment after the change.
    pub payment: Payment,
}

/// `payment.captured`: money was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentCaptured {
    /// The payment after the change.
    pub payment: Payment,
    /// The amount this capture took.
    pub amount: Money,
}

/// `payment.voided`: the authorisation was cancelled; nothing was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentVoided {
    /// The payment after the change.
    pub payment: Payment,
}

/// `payment.refunded`: money was given back; one event per refund, partial or full (the
/// snapshot's status is `refunded` once everything captured was given back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentRefunded {
    /// The payment after the change.
    pub payment: Payment,
    /// The amount this refund gave back.
    pub amount: Money,
}

macro_rules! payment_event {
    ($name:ident, $type:literal) => {
        impl EventType for $name {
            const TYPE: &'static str = $type;
            const VERSION: u32 = 1;
            fn subject(&self) -> String {
                self.payment.id.to_string()
            }
        }
    };
}

payment_event!(PaymentAuthorized, "payment.authorized");
payment_event!(PaymentDeclined, "payment.declined");
payment_event!(PaymentFailed, "payment.failed");
payment_event!(PaymentCaptured, "payment.captured");
payment_event!(PaymentVoided, "payment.voided");
payment_event!(PaymentRefunded, "payment.refunded");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_card_debug_hides_the_secrets() {
        let card = NewCard { number: "4242424242424242".into(), exp_month: 12, exp_year: 2040, cvc: "123".into() };
        let printed = format!(
            "{:?}",
            NewPayment { reference: "chk_1".into(), amount: Money::new(100, crate::money::Currency::Eur), card }
        );
        assert!(!printed.contains("4242424242424242"), "{printed}");
        assert!(!printed.contains("123"), "{printed}");
    }

    #[test]
    fn unknown_brands_read_as_other() {
        assert_eq!(serde_json::from_str::<CardBrand>("\"unionpay\"").ok(), Some(CardBrand::Other));
        assert_eq!(serde_json::to_string(&CardBrand::Mastercard).ok().as_deref(), Some("\"mastercard\""));
    }
}
