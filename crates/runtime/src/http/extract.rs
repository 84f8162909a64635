//! Extractors that turn bad input into problem+json with the offending field named.

use axum::body::Body;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::problem::{FieldError, Problem};

/// A JSON body. Rejections are 400 (malformed, unknown or mistyped fields, each named),
/// 413 (too large) or 415 (not JSON).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// A query string. Rejections are 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

fn field_path(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." { String::new() } else { p }
}

/// Serde's message without its "at line 1 column 7" suffix, which means nothing to a caller
/// who sent compact JSON; the position is added back only for syntax errors.
fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

fn json_problem(err: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let mut path = field_path(err.path());
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return Problem::bad_request(format!(
            "The body is not valid JSON: {} (line {}, column {}).",
            strip_position(&inner.to_string()),
            inner.line(),
            inner.column()
        ));
    }
    let message = strip_position(&inner.to_string()).to_owned();
    // Serde may report an unknown or missing field against its parent; name the field itself.
    for prefix in ["unknown field `", "missing field `"] {
        if let Some(name) = message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()) {
            let already_named = path == name || path.ends_with(&format!(".{name}"));
            if !already_named {
                path = if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
            }
        }
    }
    let field = if path.is_empty() { "body".to_owned() } else { path };
    Problem::bad_request("The body does not match the expected shape; see `errors`.")
        .with_errors(vec![FieldError::new(field, message)])
}

/// Parses `bytes` as `T`, with the same problems as the [`Json`] extractor.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(json_problem)?;
    de.end().map_err(|e| {
        Problem::bad_request(format!("Trailing data after the JSON body: {}.", strip_position(&e.to_string())))
    })?;
    Ok(value)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim();
                v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            )
            .with_detail("Send the body as `Content-Type: application/json`."));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(body_problem)?;
        parse_json(&bytes).map(Json)
    }
}

/// `Option<Json<T>>`: `None` for an empty body (`POST …/capture` with no body captures
/// everything), otherwise exactly the checks and problems of [`Json`].
impl<S: Send + Sync, T: DeserializeOwned> OptionalFromRequest<S> for Json<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let (parts, body) = req.into_parts();
        // Reading through `Bytes` keeps the configured body limit.
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await.map_err(body_problem)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(Request::from_parts(parts, Body::from(bytes)), state).await.map(Some)
    }
}

/// The problem for a request body that could not be read: 413 over the size limit, else 400.
pub fn body_problem(rejection: BytesRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large")
            .with_detail("The body exceeds this endpoint's size limit.")
    } else {
        Problem::bad_request(format!("The body could not be read: {}.", rejection.body_text()))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|err| {
            let path = field_path(err.path());
            let message = err.into_inner().to_string();
            let field = if path.is_empty() {
                message.strip_prefix("unknown field `").and_then(|r| r.split('`').next()).unwrap_or("query").to_owned()
            } else {
                path
            };
            Problem::bad_request("A query parameter is invalid; see `errors`.")
                .with_errors(vec![FieldError::new(field, message)])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        sku: String,
        quantity: i64,
        nested: Option<Vec<Inner>>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    fn errors_of(p: &Problem) -> serde_json::Value {
        let resp = p.clone().into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        serde_json::to_value(p.errors()).expect("serializable")
    }

    #[test]
    fn names_the_unknown_field_even_when_nested() {
        let p = parse_json::<Item>(br#"{"sku":"A","quantity":1,"nested":[{"name":"x","colour":"red"}]}"#)
            .expect_err("rejected");
        assert_eq!(errors_of(&p)[0]["field"], "nested[0].colour");
        let p = parse_json::<Item>(br#"{"sku":"A","quantity":1,"extra":1}"#).expect_err("rejected");
        assert_eq!(errors_of(&p)[0]["field"], "extra");
    }

    #[test]
    fn names_mistyped_and_missing_fields() {
        let p = parse_json::<Item>(br#"{"sku":"A","quantity":"one"}"#).expect_err("rejected");
        assert_eq!(errors_of(&p)[0]["field"], "quantity");
        let p = parse_json::<Item>(br#"{"sku":"A"}"#).expect_err("rejected");
        assert_eq!(errors_of(&p)[0]["field"], "quantity");
    }

    #[test]
    fn malformed_json_is_a_bad_request_without_field() {
        let p = parse_json::<Item>(br#"{"sku":"#).expect_err("rejected");
        assert_eq!(p.status(), StatusCode::BAD_REQUEST);
        assert!(p.errors().is_empty());
        let p = parse_json::<Item>(br#"{"sku":"A","quantity":1} trailing"#).expect_err("rejected");
        assert_eq!(p.status(), StatusCode::BAD_REQUEST);
    }
}
