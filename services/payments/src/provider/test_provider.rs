//! The built-in test provider: a PSP whose behaviour is decided by the card number (the table
//! is in the crate docs and the README), and whose side of the story — authorisations and
//! the operations applied to them — lives in the payments database (`provider_authorizations`,
//! `provider_operations`), so that tests and developers can see what "the PSP" holds.

use std::time::Duration;

use contracts::ids::PaymentId;
use runtime::db::{Db, DbError};

use super::{Authorization, AuthorizeRequest, OperationRequest, PaymentProvider, ProviderError, ProviderFuture};
use crate::store::psp::{self, PspOutcome};

/// What the test provider does with a card number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestCard {
    /// Authorises.
    Approve,
    /// Declines with this code.
    Decline(&'static str),
    /// Answers that it is unavailable (nothing authorised).
    Unavailable,
    /// Authorises, but answers too late (after the service's provider timeout).
    Late,
}

impl TestCard {
    /// The behaviour of `number`; every number not in the table is approved.
    pub fn of(number: &str) -> Self {
        match number {
            "4000000000000002" => Self::Decline("card_declined"),
            "4000000000009995" => Self::Decline("insufficient_funds"),
            "4000000000000069" => Self::Decline("expired_card"),
            "4000000000000119" => Self::Unavailable,
            "4000000000000259" => Self::Late,
            _ => Self::Approve,
        }
    }
}

/// How late a [`TestCard::Late`] answer is: longer than any allowed provider timeout.
const LATE_BY: Duration = Duration::from_secs(90);

/// The built-in test provider.
#[derive(Clone, Debug)]
pub struct TestProvider {
    db: Db,
}

impl TestProvider {
    /// A test provider keeping its records in `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The test provider's id of the authorisation of `payment_id`: derived from it, as the
/// authorisation is unique per payment.
fn provider_ref(payment_id: &PaymentId) -> String {
    format!("tpa_{}", payment_id.as_str().trim_start_matches("pay_"))
}

fn unavailable(err: &DbError) -> ProviderError {
    tracing::error!(error = %runtime::error_chain(err), "test provider storage failed");
    ProviderError::Unavailable
}

fn outcome(result: Result<PspOutcome, DbError>) -> Result<(), ProviderError> {
    match result {
        Ok(PspOutcome::Done) => Ok(()),
        Ok(PspOutcome::Refused(code)) => Err(ProviderError::Declined { code: code.to_owned() }),
        Err(err) => Err(unavailable(&err)),
    }
}

impl PaymentProvider for TestProvider {
    fn authorize<'a>(&'a self, request: AuthorizeRequest<'a>) -> ProviderFuture<'a, Authorization> {
        Box::pin(async move {
            let behaviour = TestCard::of(request.card.number.expose());
            match behaviour {
                TestCard::Decline(code) => return Err(ProviderError::Declined { code: code.to_owned() }),
                TestCard::Unavailable => return Err(ProviderError::Unavailable),
                TestCard::Approve | TestCard::Late => {}
            }
            let record = psp::NewAuthorization {
                payment_id: request.payment_id.clone(),
                provider_ref: provider_ref(request.payment_id),
                amount: request.amount,
                card: request.card.summary(),
            };
            // A PSP finishes what it started even when its caller hangs up (as the service
            // does after its timeout): record on a task of its own.
            let db = self.db.clone();
            let recorded = tokio::spawn(async move { psp::authorize(&db, &record).await })
                .await
                .map_err(|_| ProviderError::Unavailable)?
                .map_err(|err| unavailable(&err))?;
            if recorded.status != "authorized" {
                // Voided before it was granted (a compensation overtook a slow authorise).
                return Err(ProviderError::Declined { code: "authorization_voided".into() });
            }
            if behaviour == TestCard::Late {
                tokio::time::sleep(LATE_BY).await;
            }
            Ok(Authorization { provider_ref: recorded.provider_ref })
        })
    }

    fn capture<'a>(&'a self, request: OperationRequest<'a>) -> ProviderFuture<'a, ()> {
        Box::pin(async move {
            outcome(psp::capture(&self.db, request.payment_id, request.amount, request.idempotency_key).await)
        })
    }

    fn void<'a>(&'a self, request: OperationRequest<'a>) -> ProviderFuture<'a, ()> {
        Box::pin(async move {
            let reference = provider_ref(request.payment_id);
            outcome(psp::void(&self.db, request.payment_id, &reference, request.idempotency_key).await)
        })
    }

    fn refund<'a>(&'a self, request: OperationRequest<'a>) -> ProviderFuture<'a, ()> {
        Box::pin(async move {
            outcome(psp::refund(&self.db, request.payment_id, request.amount, request.idempotency_key).await)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::luhn;

    #[test]
    fn the_documented_test_cards() {
        let table = [
            ("4242424242424242", TestCard::Approve),
            ("5555555555554444", TestCard::Approve),
            ("4000000000000002", TestCard::Decline("card_declined")),
            ("4000000000009995", TestCard::Decline("insufficient_funds")),
            ("4000000000000069", TestCard::Decline("expired_card")),
            ("4000000000000119", TestCard::Unavailable),
            ("4000000000000259", TestCard::Late),
        ];
        for (number, expected) in table {
            assert!(luhn(number), "{number} passes validation");
            assert_eq!(TestCard::of(number), expected, "{number}");
        }
    }
}
