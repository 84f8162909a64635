//! The public API, as the storefront calls it: through the runtime's service client to the
//! `gateway` (discovery, deadline, breaker), never with the internal credential. A signed-in
//! shopper's access token goes in `Authorization`, so every service authorises the shopper
//! itself, exactly as for any other client of the API.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use runtime::client::{Call, ClientError, ServiceClient};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The service the storefront calls.
const GATEWAY: &str = "gateway";

/// One invalid field, as the API names it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FieldProblem {
    /// Path of the field (`shipping_address.city`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// A problem+json answer of the API.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Problem {
    /// `urn:mercato:problem:<code>`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Short summary.
    #[serde(default)]
    pub title: String,
    /// What happened.
    #[serde(default)]
    pub detail: Option<String>,
    /// Invalid fields.
    #[serde(default)]
    pub errors: Vec<FieldProblem>,
    /// Extension members (`quote`, `lines`, `decline_code`, …).
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// The stable code (last segment of `type`).
    pub fn code(&self) -> &str {
        self.kind.rsplit(':').next().unwrap_or_default()
    }

    /// The message for `field`, if the API named it.
    pub fn field(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// Why an API call gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The gateway (or the service behind it) could not be reached in time.
    #[error("the API is unavailable")]
    Unavailable(#[source] ClientError),
    /// The API answered with an error status.
    #[error("the API answered {status}")]
    Status {
        /// The status.
        status: StatusCode,
        /// Its problem body (empty when it had none).
        problem: Box<Problem>,
    },
    /// A success whose body was not what the contract says.
    #[error("the API answered with an unexpected body")]
    Decode(#[source] serde_json::Error),
}

impl ApiError {
    /// The status, for an error answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The problem, for an error answer.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ApiError::Status { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// Whether this is the platform being unavailable (unreachable, 502–504, 503 with
    /// `Retry-After`) rather than an answer about the request.
    pub fn is_unavailable(&self) -> bool {
        match self {
            ApiError::Unavailable(_) | ApiError::Decode(_) => true,
            ApiError::Status { status, .. } => status.is_server_error(),
        }
    }
}

/// A request to the public API.
#[derive(Debug)]
pub struct Request {
    method: Method,
    path: String,
    body: Option<serde_json::Value>,
    token: Option<String>,
    timeout: Duration,
    idempotency_key: Option<String>,
}

impl Request {
    /// `GET /api/v1{path}`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST /api/v1{path}` with a JSON body.
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(Method::POST, path).body(body)
    }

    /// `method /api/v1{path}`.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            token: None,
            timeout: Duration::from_secs(2),
            idempotency_key: None,
        }
    }

    /// Sets a JSON body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Acts for the shopper holding `token` (or a guest for `None`).
    pub fn token(mut self, token: Option<&str>) -> Self {
        self.token = token.map(str::to_owned);
        self
    }

    /// Sets the deadline (still never past the inbound request's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends an `Idempotency-Key`, which also makes the call safe to retry.
    pub fn idempotency_key(mut self, key: &str) -> Self {
        self.idempotency_key = Some(key.to_owned());
        self
    }
}

/// The public API behind the gateway.
#[derive(Clone, Debug)]
pub struct Api {
    client: ServiceClient,
}

impl Api {
    /// An API client calling through `client`.
    pub fn new(client: ServiceClient) -> Self {
        Self { client }
    }

    /// Sends `request` and decodes a 2xx JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, request: Request) -> Result<T, ApiError> {
        let (_, body) = self.send(request).await?;
        serde_json::from_slice(&body).map_err(ApiError::Decode)
    }

    /// Sends `request`; a 2xx answer's status and body, or the error.
    pub async fn send(&self, request: Request) -> Result<(StatusCode, bytes::Bytes), ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(token) = &request.token
            && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            headers.insert(header::AUTHORIZATION, value);
        }
        let idempotent = request.idempotency_key.is_some();
        if let Some(key) = &request.idempotency_key
            && let Ok(value) = HeaderValue::from_str(key)
        {
            headers.insert("idempotency-key", value);
        }
        let mut call = Call::new(request.method.clone(), format!("/api/v1{}", request.path))
            .headers(headers)
            .timeout(request.timeout);
        if let Some(body) = &request.body {
            call = call.json(body);
        }
        if idempotent {
            call = call.idempotent(true);
        }
        let reply = self.client.send(GATEWAY, call).await.map_err(ApiError::Unavailable)?;
        if reply.status.is_success() {
            return Ok((reply.status, reply.body));
        }
        let problem = serde_json::from_slice::<Problem>(&reply.body).unwrap_or_default();
        if reply.status.is_server_error() {
            tracing::warn!(path = %request.path, status = reply.status.as_u16(), code = problem.code(), "API call failed");
        }
        Err(ApiError::Status { status: reply.status, problem: Box::new(problem) })
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
    fn problems_keep_their_code_fields_and_extensions() {
        let body = r#"{"type":"urn:mercato:problem:price-changed","title":"Conflict","status":409,
            "errors":[{"field":"email","message":"is not valid"}],"quote":{"total":1}}"#;
        let problem: Problem = serde_json::from_str(body).expect("decodes");
        assert_eq!(problem.code(), "price-changed");
        assert_eq!(problem.field("email"), Some("is not valid"));
        assert!(problem.extensions.contains_key("quote"));
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}
