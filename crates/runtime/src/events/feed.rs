//! The embedded event feed: `GET /v1/events?after=SEQ&limit=&wait=`, a long poll over the
//! outbox. Consumers keep their position in their own database.

use std::time::{Duration, Instant};

use axum::extract::{FromRef, State};
use serde::{Deserialize, Serialize};

use super::envelope::Event;
use super::outbox::Outbox;
use crate::auth::{Internal, InternalAuth};
use crate::http::{FieldError, Json, Problem, Query};

/// What the feed handler needs.
#[derive(Clone, Debug, FromRef)]
pub(crate) struct FeedState {
    pub outbox: Outbox,
    pub internal: InternalAuth,
}
use crate::trace::RequestContext;

/// Query of the feed.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// Position already seen (0 for the beginning).
    after: Option<i64>,
    /// Events per page, 1 to 500 (default 100).
    limit: Option<i64>,
    /// Seconds to wait for new events when there are none (0 to 25, default 0).
    wait: Option<u64>,
    /// `true`: answer at once with no events and the newest position as `next`, where a
    /// reader that only wants what happens from now on starts.
    latest: Option<bool>,
}

/// A page of the feed.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedPage {
    /// Events, oldest first.
    pub data: Vec<Event>,
    /// Position to ask `after` next time.
    pub next: i64,
}

/// How often a waiting reader looks again when no local write woke it: another replica of
/// the producer may have written to the shared database.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Long-poll read of the outbox.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    params(FeedParams),
    responses(
        (status = 200, description = "Events after the position", body = FeedPage),
        (status = 400, description = "Invalid parameters", body = crate::http::ProblemSchema),
        (status = 403, description = "Not called by a platform service", body = crate::http::ProblemSchema),
    )
)]
pub(crate) async fn feed(
    State(outbox): State<Outbox>,
    _caller: Internal,
    Query(params): Query<FeedParams>,
) -> Result<Json<FeedPage>, Problem> {
    let mut errors = Vec::new();
    let after = params.after.unwrap_or(0);
    if after < 0 {
        errors.push(FieldError::new("after", "must be zero or more"));
    }
    let limit = params.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        errors.push(FieldError::new("limit", "must be between 1 and 500"));
    }
    let wait = params.wait.unwrap_or(0);
    if wait > 25 {
        errors.push(FieldError::new("wait", "must be between 0 and 25 seconds"));
    }
    if !errors.is_empty() {
        return Err(Problem::bad_request("Invalid feed parameters; see `errors`.").with_errors(errors));
    }
    if params.latest == Some(true) {
        let next = outbox.head().await.map_err(|err| {
            tracing::error!(error = %err, "reading the outbox failed");
            Problem::unavailable("The event feed is temporarily unavailable.", 1)
        })?;
        return Ok(Json(FeedPage { data: Vec::new(), next }));
    }
    // Answer a little before the request's own deadline, so that an empty page is not a timeout.
    let mut until = Instant::now() + Duration::from_secs(wait);
    if let Some(deadline) = RequestContext::current().and_then(|c| c.deadline) {
        until = until.min(deadline.checked_sub(Duration::from_millis(500)).unwrap_or(deadline));
    }
    loop {
        let appended = outbox.appended().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        let events = outbox.read_after(after, limit).await.map_err(|err| {
            tracing::error!(error = %err, "reading the outbox failed");
            Problem::unavailable("The event feed is temporarily unavailable.", 1)
        })?;
        let now = Instant::now();
        if !events.is_empty() || now >= until {
            let next = events.last().and_then(|e| e.seq).unwrap_or(after);
            return Ok(Json(FeedPage { data: events, next }));
        }
        tokio::select! {
            _ = appended => {}
            _ = tokio::time::sleep(POLL_INTERVAL.min(until - now)) => {}
        }
    }
}
