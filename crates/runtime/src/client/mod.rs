//! The service client: the one way a service calls another, and where resilience lives.
//!
//! Every call: picks a healthy instance (round robin, skipping ones that just refused a
//! connection), carries a deadline (the smaller of its own timeout and what is left of the
//! inbound request's), propagates `traceparent` and `x-request-id`, passes a bulkhead
//! (bounded in-flight calls per dependency) and a circuit breaker, and is retried — on
//! another instance, with jittered backoff, within a retry budget — only when that is safe:
//! the request never left (connection refused) or the call is idempotent.

mod breaker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

pub use breaker::{Breaker, BreakerPolicy, BreakerState};

use crate::discovery::{Discovery, Endpoint};
use crate::http::{DEADLINE_HEADER, Problem, REQUEST_ID_HEADER};
use crate::trace::{RequestContext, TraceContext};

/// Limits applied to every dependency.
#[derive(Clone, Copy, Debug)]
pub struct ClientPolicy {
    /// Deadline of a call that does not set its own.
    pub timeout: Duration,
    /// Attempts per call, first included.
    pub max_attempts: u32,
    /// Calls in flight per dependency before new ones are refused.
    pub max_in_flight: usize,
    /// Circuit breaker settings.
    pub breaker: BreakerPolicy,
    /// How long an instance that refused a connection is skipped.
    pub eject_for: Duration,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_attempts: 3,
            max_in_flight: 256,
            breaker: BreakerPolicy::default(),
            eject_for: Duration::from_secs(2),
        }
    }
}

/// One outbound request.
#[derive(Clone, Debug)]
pub struct Call {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
    timeout: Option<Duration>,
    idempotent: bool,
    internal: bool,
}

impl Call {
    /// A request; idempotent by default for GET, HEAD, PUT, DELETE and OPTIONS.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS);
        Self {
            method,
            path: path.into(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout: None,
            idempotent,
            internal: false,
        }
    }

    /// A GET of `path` (with its query string).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize>(mut self, body: &T) -> Self {
        self.body = serde_json::to_vec(body).unwrap_or_default().into();
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self
    }

    /// Sets a raw body.
    pub fn body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }

    /// Adds headers.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers.extend(headers);
        self
    }

    /// Overrides the deadline of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Presents this service's internal credential: for endpoints only services may call.
    /// Never set on calls made on behalf of an outside caller (the gateway's proxying).
    pub fn internal(mut self) -> Self {
        self.internal = true;
        self
    }

    /// Declares whether repeating this call is harmless (e.g. a POST with an Idempotency-Key).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

/// A response from another service.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// The instance that answered.
    pub instance: String,
}

impl Reply {
    /// Decodes a 2xx JSON body; other statuses become [`ClientError::Status`].
    pub fn json<T: DeserializeOwned>(self) -> Result<T, ClientError> {
        if !self.status.is_success() {
            return Err(ClientError::Status { status: self.status });
        }
        serde_json::from_slice(&self.body).map_err(ClientError::Decode)
    }
}

/// Why a call did not produce a response.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No healthy instance is registered.
    #[error("no healthy instance of `{service}`")]
    NoInstance {
        /// The dependency.
        service: String,
    },
    /// The circuit breaker is open.
    #[error("circuit open for `{service}`")]
    CircuitOpen {
        /// The dependency.
        service: String,
    },
    /// Too many calls to this dependency are in flight.
    #[error("too many calls in flight to `{service}`")]
    Overloaded {
        /// The dependency.
        service: String,
    },
    /// The deadline passed.
    #[error("`{service}` did not answer in time")]
    Timeout {
        /// The dependency.
        service: String,
    },
    /// The connection failed.
    #[error("calling `{service}` failed")]
    Transport {
        /// The dependency.
        service: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// A non-2xx answer where a 2xx was required.
    #[error("unexpected status {status}")]
    Status {
        /// The status.
        status: StatusCode,
    },
    /// The body was not what was expected.
    #[error("response body did not decode")]
    Decode(#[source] serde_json::Error),
}

impl ClientError {
    /// The problem an edge returns for this failure: 503 (504 for a timeout) with Retry-After.
    pub fn to_problem(&self) -> Problem {
        match self {
            ClientError::Timeout { service } => {
                Problem::new(StatusCode::GATEWAY_TIMEOUT, "dependency-timeout", "Dependency timed out")
                    .with_detail(format!("The {service} service did not answer in time."))
                    .with_retry_after(1)
            }
            ClientError::CircuitOpen { service } => {
                Problem::unavailable(format!("The {service} service is failing; calls are paused briefly."), 5)
            }
            ClientError::NoInstance { service } | ClientError::Transport { service, .. } => {
                Problem::unavailable(format!("The {service} service is unavailable."), 2)
            }
            ClientError::Overloaded { service } => {
                Problem::unavailable(format!("The {service} service is saturated."), 1)
            }
            ClientError::Status { .. } | ClientError::Decode(_) => Problem::internal(),
        }
    }
}

#[derive(Debug)]
struct Dependency {
    breaker: Breaker,
    bulkhead: Arc<Semaphore>,
    next: AtomicUsize,
    ejected: Mutex<HashMap<String, Instant>>,
    /// Retry tokens ×1000: each first attempt earns 100, each retry costs 1000, so retries stay
    /// under ~10 % of traffic (plus a small reserve) however bad things get.
    retry_tokens: AtomicI64,
    /// Its metrics' handles, looked up once rather than by name and labels on every call.
    metrics: CallMetrics,
}

/// A dependency's metric handles.
#[derive(Debug)]
struct CallMetrics {
    duration: metrics::Histogram,
    retries: metrics::Counter,
    service: String,
    /// `client_requests_total` by outcome.
    outcomes: Mutex<HashMap<CallOutcome, metrics::Counter>>,
}

/// How a call ended, as `client_requests_total` labels it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum CallOutcome {
    Status(StatusCode),
    NoInstance,
    CircuitOpen,
    Timeout,
    Error,
}

impl CallOutcome {
    fn of(result: &Result<Reply, ClientError>) -> Self {
        match result {
            Ok(reply) => Self::Status(reply.status),
            Err(ClientError::NoInstance { .. }) => Self::NoInstance,
            Err(ClientError::CircuitOpen { .. }) => Self::CircuitOpen,
            Err(ClientError::Timeout { .. }) => Self::Timeout,
            Err(_) => Self::Error,
        }
    }

    fn label(self) -> String {
        match self {
            Self::Status(status) => status.as_str().to_owned(),
            Self::NoInstance => "no_instance".into(),
            Self::CircuitOpen => "circuit_open".into(),
            Self::Timeout => "timeout".into(),
            Self::Error => "error".into(),
        }
    }
}

impl CallMetrics {
    fn new(service: &str) -> Self {
        Self {
            duration: metrics::histogram!("client_request_duration_seconds", "dependency" => service.to_owned()),
            retries: metrics::counter!("client_retries_total", "dependency" => service.to_owned()),
            service: service.to_owned(),
            outcomes: Mutex::new(HashMap::new()),
        }
    }

    fn count(&self, outcome: CallOutcome) {
        let mut outcomes = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        outcomes
            .entry(outcome)
            .or_insert_with(|| {
                metrics::counter!("client_requests_total", "dependency" => self.service.clone(), "outcome" => outcome.label())
            })
            .increment(1);
    }
}

const RETRY_TOKEN_CAP: i64 = 10_000;

impl Dependency {
    fn earn(&self) {
        let _ = self
            .retry_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| Some((t + 100).min(RETRY_TOKEN_CAP)));
    }
    fn spend(&self) -> bool {
        self.retry_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| (t >= 1000).then_some(t - 1000))
            .is_ok()
    }
    /// The next endpoint in turn that this call has not tried and that has not just refused a
    /// connection; failing that one not tried; failing that any.
    fn pick<'e>(&self, endpoints: &'e [Endpoint], tried: &[String], eject_for: Duration) -> Option<&'e Endpoint> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = endpoints.len();
        let mut fresh = (0..n).map(|i| &endpoints[(start + i) % n]).filter(|e| !tried.contains(&e.id));
        let first_fresh = fresh.next();
        let mut ejected = self.ejected.lock().unwrap_or_else(|p| p.into_inner());
        if !ejected.is_empty() {
            let now = Instant::now();
            ejected.retain(|_, at| now.duration_since(*at) < eject_for);
        }
        first_fresh
            .into_iter()
            .chain(fresh)
            .find(|e| !ejected.contains_key(&e.id))
            .or(first_fresh)
            .or_else(|| endpoints.get(start % n.max(1)))
    }
    fn eject(&self, id: &str) {
        self.ejected.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_owned(), Instant::now());
    }
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    discovery: Discovery,
    policy: ClientPolicy,
    internal_token: Option<crate::settings::Secret>,
    deps: Mutex<HashMap<String, Arc<Dependency>>>,
}

/// Calls other services by name.
#[derive(Clone, Debug)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

enum Outcome {
    Done(Reply),
    /// Worth another attempt; `last` is the dependency's own answer (a 502/503), returned
    /// as is when the attempts run out.
    Retry {
        error: ClientError,
        last: Option<Reply>,
    },
    Fail(ClientError),
}

impl ServiceClient {
    /// A client resolving names through `discovery`.
    pub fn new(http: reqwest::Client, discovery: Discovery, policy: ClientPolicy) -> Self {
        Self::with_internal_token(http, discovery, policy, None)
    }

    /// A client that can make internal calls with `token`.
    pub fn with_internal_token(
        http: reqwest::Client,
        discovery: Discovery,
        policy: ClientPolicy,
        internal_token: Option<crate::settings::Secret>,
    ) -> Self {
        Self { inner: Arc::new(Inner { http, discovery, policy, internal_token, deps: Mutex::new(HashMap::new()) }) }
    }

    /// The discovery this client resolves through.
    pub fn discovery(&self) -> &Discovery {
        &self.inner.discovery
    }

    fn dependency(&self, service: &str) -> Arc<Dependency> {
        let mut deps = self.inner.deps.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(dep) = deps.get(service) {
            return dep.clone();
        }
        let dep = Arc::new(Dependency {
            breaker: Breaker::new(service, self.inner.policy.breaker),
            bulkhead: Arc::new(Semaphore::new(self.inner.policy.max_in_flight)),
            next: AtomicUsize::new(fastrand::usize(..)),
            ejected: Mutex::new(HashMap::new()),
            retry_tokens: AtomicI64::new(RETRY_TOKEN_CAP),
            metrics: CallMetrics::new(service),
        });
        deps.insert(service.to_owned(), dep.clone());
        dep
    }

    /// The breaker state of `service`, for dashboards and tests.
    pub fn breaker_state(&self, service: &str) -> BreakerState {
        self.dependency(service).breaker.state()
    }

    /// Sends `call` to `service`.
    pub async fn send(&self, service: &str, call: Call) -> Result<Reply, ClientError> {
        let dep = self.dependency(service);
        let _permit = dep
            .bulkhead
            .clone()
            .try_acquire_owned()
            .map_err(|_| ClientError::Overloaded { service: service.to_owned() })?;
        let ctx = RequestContext::current();
        let mut deadline = Instant::now() + call.timeout.unwrap_or(self.inner.policy.timeout);
        if let Some(inbound) = ctx.as_ref().and_then(|c| c.deadline) {
            deadline = deadline.min(inbound);
        }
        dep.earn();
        let started = Instant::now();
        let mut tried: Vec<String> = Vec::new();
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            let outcome = self.attempt(service, &dep, &call, ctx.as_ref(), deadline, &mut tried).await;
            let (err, last) = match outcome {
                Outcome::Done(reply) => break Ok(reply),
                Outcome::Fail(err) => break Err(err),
                Outcome::Retry { error, last } => (error, last),
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            if attempt >= self.inner.policy.max_attempts || remaining < Duration::from_millis(5) || !dep.spend() {
                break last.ok_or(err);
            }
            dep.metrics.retries.increment(1);
            let cap = (10u64 << attempt).min(remaining.as_millis() as u64 / 4);
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..=cap.max(1)))).await;
        };
        dep.metrics.duration.record(started.elapsed().as_secs_f64());
        dep.metrics.count(CallOutcome::of(&result));
        result
    }

    async fn attempt(
        &self,
        service: &str,
        dep: &Dependency,
        call: &Call,
        ctx: Option<&RequestContext>,
        deadline: Instant,
        tried: &mut Vec<String>,
    ) -> Outcome {
        let endpoints = self.inner.discovery.endpoints(service);
        if endpoints.is_empty() {
            return Outcome::Fail(ClientError::NoInstance { service: service.to_owned() });
        }
        if !dep.breaker.allow() {
            return Outcome::Fail(ClientError::CircuitOpen { service: service.to_owned() });
        }
        let Some(endpoint) = dep.pick(&endpoints, tried, self.inner.policy.eject_for) else {
            return Outcome::Fail(ClientError::NoInstance { service: service.to_owned() });
        };
        tried.push(endpoint.id.clone());
        let remaining = deadline.saturating_duration_since(Instant::now());
        let trace = ctx.map_or_else(TraceContext::new_root, |c| c.trace.child());
        let mut headers = call.headers.clone();
        if let Ok(value) = HeaderValue::from_bytes(&trace.header_bytes()) {
            headers.insert(HeaderName::from_static("traceparent"), value);
        }
        headers.insert(HeaderName::from_static(DEADLINE_HEADER), HeaderValue::from(remaining.as_millis() as u64));
        if let Some(ctx) = ctx {
            insert(&mut headers, REQUEST_ID_HEADER, &ctx.request_id);
        }
        if call.internal
            && let Some(token) = &self.inner.internal_token
        {
            insert(&mut headers, crate::auth::INTERNAL_HEADER, token.expose());
        }
        let request = self
            .inner
            .http
            .request(call.method.clone(), endpoint.url(&call.path))
            .headers(headers)
            .body(call.body.clone())
            .timeout(remaining);
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(err) => return self.failed(service, dep, endpoint, call, err),
        };
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(err) => return self.failed(service, dep, endpoint, call, err),
        };
        let reply = Reply { status, headers, body, instance: endpoint.id.clone() };
        if status.is_server_error() {
            dep.breaker.on_failure();
            if call.idempotent && matches!(status, StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE) {
                return Outcome::Retry { error: ClientError::Status { status }, last: Some(reply) };
            }
        } else {
            dep.breaker.on_success();
        }
        Outcome::Done(reply)
    }

    fn failed(
        &self,
        service: &str,
        dep: &Dependency,
        endpoint: &Endpoint,
        call: &Call,
        err: reqwest::Error,
    ) -> Outcome {
        dep.breaker.on_failure();
        if err.is_connect() {
            // Nothing reached the instance: safe to retry anywhere, whatever the method.
            dep.eject(&endpoint.id);
            return Outcome::Retry {
                error: ClientError::Transport { service: service.to_owned(), source: err },
                last: None,
            };
        }
        let error = if err.is_timeout() {
            ClientError::Timeout { service: service.to_owned() }
        } else {
            ClientError::Transport { service: service.to_owned(), source: err }
        };
        if call.idempotent { Outcome::Retry { error, last: None } } else { Outcome::Fail(error) }
    }
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dependency() -> Dependency {
        Dependency {
            breaker: Breaker::new("catalog", BreakerPolicy::default()),
            bulkhead: Arc::new(Semaphore::new(1)),
            next: AtomicUsize::new(0),
            ejected: Mutex::new(HashMap::new()),
            retry_tokens: AtomicI64::new(RETRY_TOKEN_CAP),
            metrics: CallMetrics::new("catalog"),
        }
    }

    fn endpoints(ids: &[&str]) -> Vec<Endpoint> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| Endpoint::new(*id, format!("http://127.0.0.1:{}", 4000 + i)).expect("url"))
            .collect()
    }

    fn pick(dep: &Dependency, endpoints: &[Endpoint], tried: &[&str]) -> String {
        let tried: Vec<String> = tried.iter().map(|t| (*t).to_owned()).collect();
        dep.pick(endpoints, &tried, Duration::from_secs(60)).expect("an endpoint").id.clone()
    }

    #[test]
    fn picks_take_turns_and_skip_the_tried_and_the_ejected() {
        let dep = dependency();
        let all = endpoints(&["a", "b", "c"]);
        assert_eq!([pick(&dep, &all, &[]), pick(&dep, &all, &[]), pick(&dep, &all, &[])], ["a", "b", "c"]);
        // A retry goes to one not tried yet.
        assert_eq!(pick(&dep, &all, &["a", "b"]), "c");
        // One that just refused a connection is skipped while another is fresh…
        dep.eject("b");
        dep.next.store(1, Ordering::Relaxed);
        assert_eq!(pick(&dep, &all, &[]), "c");
        // …and still chosen when it is the only one not tried.
        assert_eq!(pick(&dep, &all, &["a", "c"]), "b");
        // With every one tried, some instance is better than none.
        assert!(!pick(&dep, &all, &["a", "b", "c"]).is_empty());
        assert!(dep.pick(&[], &[], Duration::from_secs(60)).is_none());
    }
}
