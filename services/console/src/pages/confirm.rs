//! The second step of a destructive action (archive, cancel, refund): a page that says what
//! will happen, with the one button that does it. Works without script.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Form, render};

/// What a confirmation page asks.
pub struct Confirm {
    /// The navigation section it belongs to.
    pub section: &'static str,
    /// The question.
    pub title: String,
    /// What will happen.
    pub text: String,
    /// Where the form posts.
    pub action: String,
    /// The button's words.
    pub button: String,
    /// Where "Keep it" leads.
    pub back: String,
    /// For refunds: the amount field's hint (what can be refunded).
    pub amount: Option<String>,
    /// The amount as typed, and errors.
    pub form: Form,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    section: &'static str,
    signed_in: bool,
    c: Confirm,
}

/// Renders the confirmation page.
pub fn page(status: StatusCode, confirm: Confirm) -> Response {
    render(status, &ConfirmPage { section: confirm.section, signed_in: true, c: confirm })
}
