//! The console's only way to the platform's data: the public API, through the gateway.
//!
//! Every call goes to the service named `gateway` through the runtime's client (discovery,
//! breaker, deadline) and carries the signed-in staff user's access token, so each service
//! authorises the user itself, exactly as for any other API client. Never `.internal()`.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use runtime::client::{Call, ClientError, ServiceClient};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The service every call goes to.
pub const GATEWAY: &str = "gateway";
/// Deadline of one API call; a page makes a few, well within the request's own deadline.
const CALL_DEADLINE: Duration = Duration::from_secs(5);

/// One invalid field, as the API names it (`variants[0].sku`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct FieldProblem {
    /// The API's field path.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// The parts of an RFC 9457 problem the console shows.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ProblemBody {
    /// Short summary.
    #[serde(default)]
    pub title: String,
    /// What happened.
    #[serde(default)]
    pub detail: Option<String>,
    /// Field-level errors.
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
    /// The stable code's URN (`urn:mercato:problem:<code>`).
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// Why an API call did not give the console what it asked for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API refused with a problem (4xx, or a 5xx it explained).
    #[error("the API answered {status}")]
    Problem {
        /// The status.
        status: StatusCode,
        /// The problem body (empty if there was none).
        problem: ProblemBody,
    },
    /// The gateway, or the service behind it, could not be reached in time.
    #[error("the API is unavailable")]
    Unavailable(#[source] ClientError),
    /// A 2xx whose body was not what the console expected.
    #[error("the API's answer did not decode")]
    Decode(#[source] serde_json::Error),
}

impl ApiError {
    /// The HTTP status of a problem answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Problem { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A sentence for the person in front of the page.
    pub fn message(&self) -> String {
        match self {
            ApiError::Problem { problem, status } => problem
                .detail
                .clone()
                .filter(|d| !d.is_empty())
                .or_else(|| (!problem.title.is_empty()).then(|| problem.title.clone()))
                .unwrap_or_else(|| format!("The request failed ({status}).")),
            ApiError::Unavailable(err) => match err {
                ClientError::Timeout { .. } => "The platform did not answer in time; try again.".into(),
                _ => "The platform is unavailable right now; try again in a few seconds.".into(),
            },
            ApiError::Decode(_) => "The platform answered unexpectedly.".into(),
        }
    }

    /// The field-level errors of a problem answer.
    pub fn fields(&self) -> &[FieldProblem] {
        match self {
            ApiError::Problem { problem, .. } => &problem.errors,
            _ => &[],
        }
    }

    /// Whether the problem has the stable code `code`.
    pub fn is(&self, code: &str) -> bool {
        matches!(self, ApiError::Problem { problem, .. } if problem.kind.rsplit(':').next() == Some(code))
    }
}

/// A client of the public API on behalf of one user.
#[derive(Clone, Debug)]
pub struct Api {
    client: ServiceClient,
}

impl Api {
    /// An API client over the runtime's service client.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// Sends `method path` with an optional JSON body and bearer token; a 2xx body decodes as `T`.
    pub async fn send<T: DeserializeOwned>(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        extra: HeaderMap,
    ) -> Result<T, ApiError> {
        let mut call = Call::new(method, format!("/api{path}")).timeout(CALL_DEADLINE).headers(extra);
        if let Some(token) = token
            && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            let mut headers = HeaderMap::new();
            headers.insert(axum::http::header::AUTHORIZATION, value);
            call = call.headers(headers);
        }
        if let Some(body) = body {
            call = call.json(body);
        }
        let reply = self.client.send(GATEWAY, call).await.map_err(ApiError::Unavailable)?;
        if !reply.status.is_success() {
            let problem = serde_json::from_slice(&reply.body).unwrap_or_default();
            return Err(ApiError::Problem { status: reply.status, problem });
        }
        // 204 and other empty answers decode as JSON `null` (for `()` or `Option<_>`).
        let body: &[u8] = if reply.body.is_empty() { b"null" } else { &reply.body };
        serde_json::from_slice(body).map_err(ApiError::Decode)
    }

    /// `GET path` as `token`'s user.
    pub async fn get<T: DeserializeOwned>(&self, token: &str, path: &str) -> Result<T, ApiError> {
        self.send(Some(token), Method::GET, path, None::<&()>, HeaderMap::new()).await
    }

    /// `method path` with a JSON body as `token`'s user.
    pub async fn write<T: DeserializeOwned>(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        self.send(Some(token), method, path, Some(body), HeaderMap::new()).await
    }

    /// `POST path` creating something, with an `Idempotency-Key`, so that a form submitted
    /// twice (a double click, a retried request) creates it once.
    pub async fn create<T: DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        key: &str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(key) {
            headers.insert("idempotency-key", value);
        }
        self.send(Some(token), Method::POST, path, Some(body), headers).await
    }
}

/// `s` percent-encoded for a path segment or a query value.
pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_read_as_sentences_and_codes() {
        let err = ApiError::Problem {
            status: StatusCode::CONFLICT,
            problem: ProblemBody {
                title: "Conflict".into(),
                detail: Some("The order cannot do that now.".into()),
                errors: vec![FieldProblem { field: "amount".into(), message: "too much".into() }],
                kind: "urn:mercato:problem:invalid-order-state".into(),
            },
        };
        assert_eq!(err.message(), "The order cannot do that now.");
        assert!(err.is("invalid-order-state"));
        assert!(!err.is("state"));
        assert_eq!(err.fields().len(), 1);
        let bare = ApiError::Problem { status: StatusCode::NOT_FOUND, problem: ProblemBody::default() };
        assert_eq!(bare.message(), "The request failed (404 Not Found).");
    }

    #[test]
    fn values_are_encoded_for_paths_and_queries() {
        assert_eq!(encode("a b/c?d&e"), "a%20b%2Fc%3Fd%26e");
        assert_eq!(encode("SKU-1.2_x"), "SKU-1.2_x");
    }
}
