//! The payments rules, without IO: validation of what callers send (parse, then act) and the
//! payment state machine.

mod card;
mod payment;

pub use card::{CardNumber, Cvc, ValidCard, brand_of, luhn};
pub use payment::{
    AuthorizationOutcome, FailureCode, MAX_AMOUNT, Operation, Planned, RuleError, ValidPayment, YearMonth,
    plan_capture, plan_refund, plan_void,
};
