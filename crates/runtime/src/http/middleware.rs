//! What every request passes through: request id, trace context, deadline, span, metrics.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

use super::problem::Problem;
use super::{DEADLINE_HEADER, REQUEST_ID_HEADER};
use crate::trace::{RequestContext, TraceContext};

/// Per-service values the middleware needs.
#[derive(Debug)]
pub(crate) struct Observe {
    pub service: String,
    pub default_timeout: Duration,
}

fn valid_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())).then(|| s.to_owned())
}

/// Outer layer: establishes the request's context and enforces its deadline.
pub(crate) async fn context(State(observe): State<Arc<Observe>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let request_id =
        headers.get(REQUEST_ID_HEADER).and_then(valid_request_id).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let trace = headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(TraceContext::parse)
        .map_or_else(TraceContext::new_root, |parent| parent.child());
    let budget = headers
        .get(DEADLINE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(observe.default_timeout, |ms| Duration::from_millis(ms).min(observe.default_timeout));
    let span = tracing::info_span!(
        "request",
        service = %observe.service,
        method = %req.method(),
        path = %req.uri().path(),
        request_id = %request_id,
        trace_id = %trace.trace_id(),
        span_id = %trace.span_id(),
    );
    let ctx = RequestContext { trace, request_id: request_id.clone(), deadline: Some(Instant::now() + budget) };
    let started = Instant::now();
    let mut response = ctx
        .scope(async move {
            match tokio::time::timeout(budget, next.run(req)).await {
                Ok(response) => response,
                // A deadline that ran out here (often at the same instant as a dependency call's
                // own, which would have said the same) is as transient as an unavailable
                // dependency: tell the caller when to retry.
                Err(_) => Problem::new(StatusCode::GATEWAY_TIMEOUT, "deadline-exceeded", "Deadline exceeded")
                    .with_detail("The request did not complete within its deadline.")
                    .with_retry_after(1)
                    .into_response(),
            }
        })
        .instrument(span.clone())
        .await;
    let status = response.status();
    let _enter = span.enter();
    if status.is_server_error() {
        tracing::warn!(status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request failed");
    } else {
        tracing::debug!(status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request done");
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Inner (route) layer: request count and latency per route, method and status.
pub(crate) async fn metrics(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let route = matched.as_ref().map_or("unmatched", |m| m.as_str());
    let handles = RouteMetrics::of(route, req.method());
    let started = Instant::now();
    let in_flight = InFlight::enter(handles.clone());
    let response = next.run(req).await;
    drop(in_flight);
    handles.duration.record(started.elapsed().as_secs_f64());
    handles.count(response.status());
    response
}

/// One route and method's metric handles, made on its first request: looking a metric up by
/// name and labels costs allocations and hashing that every request would otherwise pay.
#[derive(Debug)]
struct RouteMetrics {
    route: String,
    method: String,
    in_flight: metrics::Gauge,
    duration: metrics::Histogram,
    statuses: Mutex<HashMap<StatusCode, metrics::Counter>>,
}

/// Handles by route, then method.
type Routes = HashMap<String, Vec<(Method, Arc<RouteMetrics>)>>;

/// Every route's handles. Process-wide, as the recorder is.
static ROUTES: LazyLock<RwLock<Routes>> = LazyLock::new(Default::default);

impl RouteMetrics {
    fn of(route: &str, method: &Method) -> Arc<RouteMetrics> {
        let find =
            |routes: &Routes| routes.get(route)?.iter().find(|(m, _)| m == method).map(|(_, handles)| handles.clone());
        if let Some(handles) = find(&ROUTES.read().unwrap_or_else(|p| p.into_inner())) {
            return handles;
        }
        let mut routes = ROUTES.write().unwrap_or_else(|p| p.into_inner());
        if let Some(handles) = find(&routes) {
            return handles;
        }
        let (route, method_name) = (route.to_owned(), method.as_str().to_owned());
        let handles = Arc::new(RouteMetrics {
            in_flight: metrics::gauge!("http_server_requests_in_flight", "route" => route.clone()),
            duration: metrics::histogram!("http_server_request_duration_seconds", "route" => route.clone(), "method" => method_name.clone()),
            route: route.clone(),
            method: method_name,
            statuses: Mutex::new(HashMap::new()),
        });
        routes.entry(route).or_default().push((method.clone(), handles.clone()));
        handles
    }

    fn count(&self, status: StatusCode) {
        let mut statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        statuses
            .entry(status)
            .or_insert_with(|| {
                metrics::counter!("http_server_requests_total", "route" => self.route.clone(), "method" => self.method.clone(), "status" => status.as_str().to_owned())
            })
            .increment(1);
    }
}

/// Counts a request in `http_server_requests_in_flight` until dropped, also when the client
/// goes away and the handler's future is cancelled.
struct InFlight(Arc<RouteMetrics>);

impl InFlight {
    fn enter(handles: Arc<RouteMetrics>) -> Self {
        handles.in_flight.increment(1.0);
        Self(handles)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt as _;

    #[tokio::test]
    async fn a_request_past_its_deadline_is_a_504_that_says_when_to_retry() {
        let observe = Arc::new(Observe { service: "test".into(), default_timeout: Duration::from_secs(5) });
        let app = axum::Router::new()
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }))
            .layer(axum::middleware::from_fn_with_state(observe, context));
        let request = Request::get("/slow").header(DEADLINE_HEADER, "50").body(Body::empty()).expect("request");
        let response = app.oneshot(request).await.expect("answer");
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
        assert!(response.headers().contains_key(REQUEST_ID_HEADER));
    }
}
