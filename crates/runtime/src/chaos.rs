//! Fault injection for chaos experiments (`mercato chaos slow|fail SERVICE`): an instance told
//! to be slow delays every API request by a fixed time; one told to fail answers every API
//! request with a 500. Health, metrics and this endpoint itself stay untouched, so the
//! instance stays registered and callers meet the fault (their deadlines and circuit
//! breakers are what is being tested). Faults end by themselves after their duration.
//!
//! `PUT /v1/chaos` and `DELETE /v1/chaos` take the internal credential: only the platform's
//! own tooling (the supervisor) may inject faults.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde::Deserialize;

use crate::auth::{Internal, InternalAuth};
use crate::http::{FieldError, Json, Problem};

/// The fault an instance is told to inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Delay every API request by `delay_ms`.
    Slow,
    /// Answer every API request with a 500.
    Fail,
}

/// Body of `PUT /v1/chaos`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// What to inject.
    pub kind: FaultKind,
    /// For `slow`: the delay, 1 to 60,000 ms.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How long, 1 ms to 1 hour.
    pub duration_ms: u64,
}

#[derive(Clone, Copy, Debug)]
struct Fault {
    kind: FaultKind,
    delay: Duration,
    until: Instant,
}

/// The instance's current fault, if any.
#[derive(Clone, Debug, Default)]
pub struct Chaos {
    fault: Arc<RwLock<Option<Fault>>>,
}

impl Chaos {
    fn current(&self) -> Option<Fault> {
        let fault = *self.fault.read().unwrap_or_else(|p| p.into_inner());
        fault.filter(|f| Instant::now() < f.until)
    }

    fn set(&self, fault: Option<Fault>) {
        *self.fault.write().unwrap_or_else(|p| p.into_inner()) = fault;
    }
}

#[derive(Clone, Debug)]
struct ChaosState {
    chaos: Chaos,
    internal: InternalAuth,
}

impl axum::extract::FromRef<ChaosState> for InternalAuth {
    fn from_ref(state: &ChaosState) -> Self {
        state.internal.clone()
    }
}

/// The `/v1/chaos` endpoints.
pub(crate) fn router(chaos: Chaos, internal: InternalAuth) -> Router {
    Router::new().route("/v1/chaos", put(inject).delete(heal)).with_state(ChaosState { chaos, internal })
}

async fn inject(State(state): State<ChaosState>, _internal: Internal, Json(body): Json<FaultRequest>) -> Response {
    let mut errors = Vec::new();
    if !(1..=3_600_000).contains(&body.duration_ms) {
        errors.push(FieldError::new("duration_ms", "must be between 1 and 3,600,000"));
    }
    let delay = match (body.kind, body.delay_ms) {
        (FaultKind::Slow, Some(ms)) if (1..=60_000).contains(&ms) => Duration::from_millis(ms),
        (FaultKind::Slow, _) => {
            errors.push(FieldError::new("delay_ms", "`slow` needs a delay between 1 and 60,000 ms"));
            Duration::ZERO
        }
        (FaultKind::Fail, _) => Duration::ZERO,
    };
    if !errors.is_empty() {
        return Problem::validation(errors).into_response();
    }
    let until = Instant::now() + Duration::from_millis(body.duration_ms);
    state.chaos.set(Some(Fault { kind: body.kind, delay, until }));
    tracing::warn!(kind = ?body.kind, delay_ms = delay.as_millis() as u64, duration_ms = body.duration_ms, "chaos: fault injected");
    StatusCode::NO_CONTENT.into_response()
}

async fn heal(State(state): State<ChaosState>, _internal: Internal) -> Response {
    state.chaos.set(None);
    tracing::warn!("chaos: fault cleared");
    StatusCode::NO_CONTENT.into_response()
}

/// The middleware that applies the current fault to API requests.
pub(crate) async fn apply(State(chaos): State<Chaos>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let exempt = path.starts_with("/health/") || path == "/metrics" || path == "/v1/chaos";
    match chaos.current() {
        Some(fault) if !exempt => match fault.kind {
            FaultKind::Slow => {
                tokio::time::sleep(fault.delay).await;
                next.run(request).await
            }
            FaultKind::Fail => Problem::internal().with_detail("Injected failure (chaos experiment).").into_response(),
        },
        _ => next.run(request).await,
    }
}
