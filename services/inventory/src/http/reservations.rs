//! `/v1/reservations` (internal): the checkout holds stock for all its lines, then commits or
//! releases it; orders returns a committed one when the order is cancelled.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::ids::ReservationId;
use contracts::inventory::{NewReservation, Reservation};
use runtime::auth::Internal;
use runtime::http::{Json, Problem, ProblemSchema};
use runtime::idempotency::{Begun, Creation, IdempotencyKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, AppState};
use crate::domain::{Action, ValidReservation};
use crate::reservations::{self, ReservationError};
use crate::store;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_reservation))
        .routes(routes!(get_reservation))
        .routes(routes!(commit_reservation))
        .routes(routes!(release_reservation))
        .routes(routes!(return_reservation))
}

const CREATE_SCOPE: &str = "POST /v1/reservations";

/// The problem a failed reservation call answers with.
pub(super) fn problem(err: ReservationError) -> Problem {
    match err {
        ReservationError::Insufficient(lines) => {
            let skus: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
            Problem::conflict(
                "insufficient-stock",
                format!("Not enough stock for {}; nothing was reserved.", skus.join(", ")),
            )
            .with_extension("lines", serde_json::to_value(&lines).unwrap_or_default())
        }
        ReservationError::NotFound => Problem::not_found("No such reservation."),
        ReservationError::NotHeld { reservation, action } => {
            let status = reservation.status.as_str();
            let (code, detail) = match action {
                Action::Return => (
                    "reservation-not-committed",
                    format!("The reservation is {status}; only a committed reservation can be returned."),
                ),
                Action::Release => {
                    ("reservation-not-held", format!("The reservation is {status}; it can no longer be released."))
                }
                Action::Commit | Action::Expire => {
                    ("reservation-not-held", format!("The reservation is {status}; it can no longer be committed."))
                }
            };
            Problem::conflict(code, detail).with_extension("reservation_status", status.into())
        }
        ReservationError::Busy => Problem::unavailable("Stock is changing quickly; retry the reservation.", 1),
        ReservationError::Inconsistent { .. } => {
            tracing::error!(error = %runtime::error_chain(&err), "reservation bookkeeping is inconsistent");
            Problem::internal()
        }
        ReservationError::Db(err) => {
            tracing::error!(error = %runtime::error_chain(&err), "inventory request failed");
            err.to_problem(crate::SERVICE)
        }
    }
}

/// Hold stock for every line of a checkout, or for none (internal). Requires
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/reservations",
    tag = "reservations",
    request_body = NewReservation,
    params(("Idempotency-Key" = String, Header, description = "Required: a replay returns the first response")),
    responses(
        (status = 201, description = "Held; `Location` names the reservation", body = Reservation),
        (status = 400, description = "Malformed body, unknown fields, or no Idempotency-Key", body = ProblemSchema),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 409, description = "`insufficient-stock` (with the short `lines`; nothing was reserved), or the Idempotency-Key was used with another body", body = ProblemSchema),
        (status = 422, description = "Invalid fields", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn create_reservation(
    State(state): State<AppState>,
    _internal: Internal,
    key: IdempotencyKey,
    Json(dto): Json<NewReservation>,
) -> Result<Response, ApiError> {
    let creation = Creation::new(CREATE_SCOPE, Some(key), &dto);
    let valid = ValidReservation::try_from(dto).map_err(ApiError::Invalid)?;
    let mut rechecked = false;
    let mut deadlocks = 0;
    loop {
        match try_create(&state, &creation, &valid).await {
            // On PostgreSQL a concurrent request with the same key may commit while this one
            // runs: then its key shows up as a unique violation, or the stock it took as a
            // shortage. Look at the key once more, and replay its response if that is it.
            Err(ApiError::Db(err)) if err.is_unique_violation() && !rechecked => rechecked = true,
            Err(ApiError::Reservation(ReservationError::Insufficient(_))) if !rechecked => rechecked = true,
            // PostgreSQL broke a lock cycle with another transaction by aborting this one.
            Err(ApiError::Db(err)) if err.is_contention() && deadlocks < 3 => deadlocks += 1,
            other => return other,
        }
    }
}

async fn try_create(state: &AppState, creation: &Creation, valid: &ValidReservation) -> Result<Response, ApiError> {
    let mut tx = match creation.begin(&state.db).await? {
        Begun::Answered(response) => return Ok(response),
        Begun::Fresh(tx) => tx,
    };
    // On a shortage `tx` is dropped here, which rolls back every line already held.
    let reservation = reservations::hold(&mut tx, &state.outbox, valid).await?;
    creation.finish(&state.outbox, tx, StatusCode::CREATED, &reservation).await?;
    tracing::info!(reservation_id = %reservation.id, reference = %reservation.reference, "stock reserved");
    let mut response = (StatusCode::CREATED, axum::Json(&reservation)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/reservations/{}", reservation.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn parse_id(id: &str) -> Result<ReservationId, ApiError> {
    ReservationId::parse(id).map_err(|_| ReservationError::NotFound.into())
}

/// Read a reservation (internal).
#[utoipa::path(
    get,
    path = "/v1/reservations/{id}",
    tag = "reservations",
    params(("id" = String, Path, description = "Reservation id (`res_…`)")),
    responses(
        (status = 200, description = "The reservation", body = Reservation),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 404, description = "No such reservation", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn get_reservation(
    State(state): State<AppState>,
    _internal: Internal,
    Path(id): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    let id = parse_id(&id)?;
    let mut conn = state.db.acquire().await?;
    let stored = store::reservations::find(&mut conn, &id).await?.ok_or(ReservationError::NotFound)?;
    Ok(Json(stored.reservation))
}

/// Commit a held reservation: its units leave stock (internal). Idempotent.
#[utoipa::path(
    post,
    path = "/v1/reservations/{id}/commit",
    tag = "reservations",
    params(("id" = String, Path, description = "Reservation id (`res_…`)")),
    responses(
        (status = 200, description = "Committed (now or before)", body = Reservation),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 404, description = "No such reservation", body = ProblemSchema),
        (status = 409, description = "`reservation-not-held`: released, expired or returned", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn commit_reservation(
    State(state): State<AppState>,
    _internal: Internal,
    Path(id): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(reservations::commit(&state.db, &state.outbox, &id).await?))
}

/// Release a held reservation: its units become available again (internal). Idempotent.
#[utoipa::path(
    post,
    path = "/v1/reservations/{id}/release",
    tag = "reservations",
    params(("id" = String, Path, description = "Reservation id (`res_…`)")),
    responses(
        (status = 200, description = "Released (now or before), or already expired", body = Reservation),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 404, description = "No such reservation", body = ProblemSchema),
        (status = 409, description = "`reservation-not-held`: already committed (or returned)", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn release_reservation(
    State(state): State<AppState>,
    _internal: Internal,
    Path(id): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(reservations::release(&state.db, &state.outbox, &id).await?))
}

/// Return a committed reservation whose order was cancelled: its units go back on hand where
/// they were taken (internal). Idempotent.
#[utoipa::path(
    post,
    path = "/v1/reservations/{id}/return",
    tag = "reservations",
    params(("id" = String, Path, description = "Reservation id (`res_…`)")),
    responses(
        (status = 200, description = "Returned (now or before)", body = Reservation),
        (status = 403, description = "Not called by a platform service", body = ProblemSchema),
        (status = 404, description = "No such reservation", body = ProblemSchema),
        (status = 409, description = "`reservation-not-committed`: held, released or expired (`reservation_status` says which)", body = ProblemSchema),
    ),
    security(("internal" = []))
)]
async fn return_reservation(
    State(state): State<AppState>,
    _internal: Internal,
    Path(id): Path<String>,
) -> Result<Json<Reservation>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(reservations::give_back(&state.db, &state.outbox, &id).await?))
}
