//! The console's pages, one module per area, and what they share: rendering with the right
//! headers, redirects after a successful form, forms that keep their input and show the
//! API's field errors, and the error pages.

pub mod assets;
pub mod confirm;
pub mod customers;
pub mod login;
pub mod orders;
pub mod platform;
pub mod pricing;
pub mod products;
pub mod stock;

use std::collections::HashMap;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;

/// Every page's response headers: private data is never cached, and nothing but our own
/// stylesheet and script may load.
fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' https: data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Renders `template` as an HTML page with `status`.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => secure(
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html)
                .into_response(),
        ),
        Err(err) => {
            tracing::error!(error = %err, "page did not render");
            message(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "This page could not be shown.")
        }
    }
}

/// `303 See Other` to `path`: the answer to every successful form.
pub fn see_other(path: &str) -> Response {
    let location = HeaderValue::from_str(path).unwrap_or_else(|_| HeaderValue::from_static("/admin"));
    secure((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// A page that only says something.
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    section: &'static str,
    signed_in: bool,
    title: &'a str,
    text: &'a str,
}

/// A page with a title and a sentence.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    let signed_in = status != StatusCode::FORBIDDEN;
    render(status, &MessagePage { section: "", signed_in, title, text })
}

/// 403: signed in, but not as staff.
pub fn forbidden() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "No console access",
        "This account is not a staff account. Sign in with a staff account to use the console.",
    )
}

/// 404.
pub fn not_found(what: &str) -> Response {
    message(StatusCode::NOT_FOUND, "Not found", what)
}

/// The page for an API call that failed where no form can show it.
pub fn api_failure(err: &ApiError) -> Response {
    match err.status() {
        Some(StatusCode::NOT_FOUND) => not_found(&err.message()),
        Some(StatusCode::UNAUTHORIZED) => see_other("/admin/login"),
        Some(StatusCode::FORBIDDEN) => forbidden(),
        Some(status) if status.is_client_error() => message(status, "That did not work", &err.message()),
        _ => {
            tracing::warn!(error = %runtime::error_chain(err), "API call failed");
            let mut response = message(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", &err.message());
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            response
        }
    }
}

/// A form as submitted: the values typed (shown again on error) and what is wrong with them.
#[derive(Debug, Default)]
pub struct Form {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// Errors not tied to one field.
    pub notes: Vec<String>,
}

impl Form {
    /// A form showing `values`.
    pub fn with(values: HashMap<String, String>) -> Self {
        Self { values, ..Self::default() }
    }

    /// The value of `field` (empty if none).
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", |v| v.trim())
    }

    /// Sets the value of `field`.
    pub fn set(&mut self, field: &str, value: impl Into<String>) {
        self.values.insert(field.to_owned(), value.into());
    }

    /// Whether a checkbox `field` was ticked.
    pub fn checked(&self, field: &str) -> bool {
        matches!(self.value(field), "on" | "true" | "yes" | "1")
    }

    /// The error of `field`, if any.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    /// Marks `field` invalid.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// Whether anything is wrong.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.notes.is_empty()
    }

    /// Takes the API's answer onto the form: each field error next to the input `to_input`
    /// names for the API's field, the rest (and the problem's detail) as notes.
    pub fn absorb(&mut self, err: &ApiError, to_input: impl Fn(&str) -> Option<String>) {
        let mut unplaced = Vec::new();
        for problem in err.fields() {
            match to_input(&problem.field) {
                Some(input) => self.fail(&input, problem.message.clone()),
                None => unplaced.push(format!("{}: {}", problem.field, problem.message)),
            }
        }
        if err.fields().is_empty() || !unplaced.is_empty() {
            self.notes.push(err.message());
        }
        self.notes.extend(unplaced);
    }

    /// The status of a page re-shown because of this form's errors.
    pub fn status(err: &ApiError) -> StatusCode {
        match err.status() {
            Some(status) if status.is_client_error() => status,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A link target with the query kept, for "next page" links.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", crate::api::encode(v))).collect();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{}", query.join("&")) }
}

/// A fresh key for a create form, so that submitting it twice creates one thing.
pub fn new_key() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{FieldProblem, ProblemBody};

    #[test]
    fn api_field_errors_land_next_to_their_inputs() {
        let err = ApiError::Problem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: ProblemBody {
                title: "The request has invalid fields".into(),
                detail: Some("See `errors`.".into()),
                errors: vec![
                    FieldProblem { field: "variants[0].sku".into(), message: "is taken".into() },
                    FieldProblem { field: "media".into(), message: "too many".into() },
                ],
                kind: "urn:mercato:problem:validation".into(),
            },
        };
        let mut form = Form::with(HashMap::from([("sku".to_owned(), " A-1 ".to_owned())]));
        form.absorb(&err, |f| (f == "variants[0].sku").then(|| "sku".to_owned()));
        assert_eq!(form.error("sku"), Some("is taken"));
        assert_eq!(form.value("sku"), "A-1", "input is kept");
        assert_eq!(form.notes, ["See `errors`.", "media: too many"]);
        assert!(form.has_errors());
        assert_eq!(Form::status(&err), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn links_keep_only_set_parameters() {
        assert_eq!(with_query("/admin/orders", &[("status", "placed"), ("email", "")]), "/admin/orders?status=placed");
        assert_eq!(with_query("/admin/orders", &[("email", "a b@x")]), "/admin/orders?email=a%20b%40x");
        assert_eq!(with_query("/admin/orders", &[]), "/admin/orders");
    }
}
