//! The supervisor's control API on loopback: the registry for services, status, scaling and
//! fault injection for `mercato status`/`scale`/`chaos`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use runtime::discovery::{Registration, RegistrySnapshot};
use runtime::http::Problem;
use serde::{Deserialize, Serialize};

use crate::supervisor::Supervisor;

/// Routes of the control API.
pub fn router(supervisor: Arc<Supervisor>) -> Router {
    Router::new()
        .route("/v1/registry", get(watch))
        .route("/v1/registry/instances/{id}", put(register).delete(deregister))
        .route("/v1/status", get(status))
        .route("/v1/services/{name}/scale", post(scale))
        .route("/v1/services/{name}/chaos", post(chaos))
        .with_state(supervisor)
}

#[derive(Debug, Deserialize)]
struct WatchParams {
    after: Option<u64>,
    wait: Option<u64>,
}

async fn watch(State(s): State<Arc<Supervisor>>, Query(p): Query<WatchParams>) -> Json<RegistrySnapshot> {
    let wait = Duration::from_secs(p.wait.unwrap_or(0).min(30));
    Json(s.registry().watch(p.after.unwrap_or(u64::MAX), wait).await)
}

async fn register(State(s): State<Arc<Supervisor>>, Path(id): Path<String>, Json(r): Json<Registration>) -> StatusCode {
    s.registry().register(&id, r);
    StatusCode::NO_CONTENT
}

async fn deregister(State(s): State<Arc<Supervisor>>, Path(id): Path<String>) -> StatusCode {
    s.registry().remove(&id);
    StatusCode::NO_CONTENT
}

/// One instance in the status report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceStatus {
    /// Instance id.
    pub id: String,
    /// Process id, while running.
    pub pid: Option<u32>,
    /// Address, once registered.
    pub addr: Option<String>,
    /// `ready`, `unhealthy` or `starting`.
    pub health: String,
    /// Restarts after crashes.
    pub restarts: u32,
}

/// One service in the status report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Service name.
    pub name: String,
    /// Instances wanted.
    pub desired: usize,
    /// Instances.
    pub instances: Vec<InstanceStatus>,
}

/// The whole status report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusReport {
    /// Storage and event mode.
    pub mode: String,
    /// The public gateway.
    pub gateway_url: String,
    /// Services.
    pub services: Vec<ServiceStatus>,
}

async fn status(State(s): State<Arc<Supervisor>>) -> Json<StatusReport> {
    Json(s.status())
}

#[derive(Debug, Deserialize)]
struct ScaleBody {
    replicas: usize,
}

async fn scale(State(s): State<Arc<Supervisor>>, Path(name): Path<String>, Json(body): Json<ScaleBody>) -> Response {
    if !crate::services::exists(&name) {
        return Problem::not_found(format!("No service named `{name}`.")).into_response();
    }
    if body.replicas > 16 {
        return Problem::validation(vec![runtime::http::FieldError::new("replicas", "at most 16")]).into_response();
    }
    s.scale(&name, body.replicas).await;
    Json(s.status()).into_response()
}

async fn chaos(
    State(s): State<Arc<Supervisor>>,
    Path(name): Path<String>,
    Json(body): Json<crate::chaos::ChaosRequest>,
) -> Response {
    match s.chaos(&name, &body).await {
        Ok(instances) => {
            Json(serde_json::json!({ "service": name, "action": body.action, "instances": instances })).into_response()
        }
        Err(detail) if !crate::services::exists(&name) => Problem::not_found(detail).into_response(),
        Err(detail) => Problem::unavailable(detail, 1).into_response(),
    }
}
