//! The embedded event feed: `GET /v1/events?after=SEQ&limit=&wait=&types=`, a long poll over
//! the outbox. Consumers keep their position in their own database.

use std::time::{Duration, Instant};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::envelope::Event;
use super::outbox::Outbox;
use crate::auth::{Internal, InternalAuth};
use crate::client::ClientError;
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
    /// Comma-separated event types to return (default: all). The others are skipped and
    /// `next` moves past them, so a reader that wants few of a producer's events neither
    /// receives nor decodes the rest.
    types: Option<String>,
}

/// A reader's `types` filter, as the feed's query asks it. A producer from before the filter
/// refuses it (400): the reader then drops it and reads everything, skipping what it does not
/// want, so that either may be upgraded first.
#[derive(Debug)]
pub(crate) struct TypeFilter {
    query: String,
}

impl TypeFilter {
    /// Asks for `types` only (everything when empty).
    pub(crate) fn new<S: AsRef<str>>(types: &[S]) -> Self {
        let list: Vec<&str> = types.iter().map(AsRef::as_ref).collect();
        Self { query: if list.is_empty() { String::new() } else { format!("&types={}", list.join(",")) } }
    }

    /// The query parameter to append (`&types=…`), or nothing.
    pub(crate) fn query(&self) -> &str {
        &self.query
    }

    /// Whether `err` is the producer refusing the filter; if so, the filter is dropped.
    pub(crate) fn refused(&mut self, err: &ClientError) -> bool {
        let refused = !self.query.is_empty()
            && matches!(err, ClientError::Status { status } if *status == StatusCode::BAD_REQUEST);
        if refused {
            self.query.clear();
        }
        refused
    }
}

/// At most this many types in one `types` filter.
const MAX_TYPES: usize = 32;

/// The event types of a `types` filter, or what is wrong with it.
fn parse_types(list: &str) -> Result<Vec<String>, &'static str> {
    let types: Vec<String> = list.split(',').map(str::to_owned).collect();
    if types.len() > MAX_TYPES {
        return Err("at most 32 event types");
    }
    let valid = |t: &String| {
        (1..=100).contains(&t.len())
            && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-')
    };
    if !types.iter().all(valid) {
        return Err("must be event types such as `stock.changed`, separated by commas");
    }
    Ok(types)
}

/// A page of the feed.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedPage {
    /// Events, oldest first.
    pub data: Vec<Event>,
    /// Position to ask `after` next time: past every event read, returned or skipped.
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
    let types = match params.types.as_deref().map(parse_types).transpose() {
        Ok(types) => types,
        Err(message) => {
            errors.push(FieldError::new("types", message));
            None
        }
    };
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
    // Where the read has got to: events of other types move it on without being returned.
    let mut position = after;
    loop {
        let appended = outbox.appended().notified();
        tokio::pin!(appended);
        appended.as_mut().enable();
        let scan = outbox.read_after(position, limit, types.as_deref()).await.map_err(|err| {
            tracing::error!(error = %err, "reading the outbox failed");
            Problem::unavailable("The event feed is temporarily unavailable.", 1)
        })?;
        position = scan.scanned_to.unwrap_or(position);
        let now = Instant::now();
        if !scan.events.is_empty() || now >= until {
            return Ok(Json(FeedPage { data: scan.events, next: position }));
        }
        if scan.scanned as i64 == limit {
            // A full page of skipped events: more may follow at once.
            continue;
        }
        tokio::select! {
            _ = appended => {}
            _ = tokio::time::sleep(POLL_INTERVAL.min(until - now)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_types_filter_is_a_comma_separated_list_of_event_types() {
        assert_eq!(parse_types("stock.changed").expect("valid"), ["stock.changed"]);
        assert_eq!(
            parse_types("order.placed,payment_v2.captured").expect("valid"),
            ["order.placed", "payment_v2.captured"]
        );
        for bad in ["", "stock.changed,", "Stock.Changed", "stock changed", "a,,b", &"x".repeat(101)] {
            assert!(parse_types(bad).is_err(), "{bad:?}");
        }
        assert!(parse_types(&vec!["a"; 32].join(",")).is_ok());
        assert!(parse_types(&vec!["a"; 33].join(",")).is_err());
    }

    #[test]
    fn a_reader_drops_its_filter_when_the_producer_refuses_it() {
        let mut filter = TypeFilter::new(&["stock.changed", "price.changed"]);
        assert_eq!(filter.query(), "&types=stock.changed,price.changed");
        assert!(!filter.refused(&ClientError::Status { status: StatusCode::SERVICE_UNAVAILABLE }));
        assert_eq!(filter.query(), "&types=stock.changed,price.changed");
        assert!(filter.refused(&ClientError::Status { status: StatusCode::BAD_REQUEST }));
        assert_eq!(filter.query(), "");
        assert!(!filter.refused(&ClientError::Status { status: StatusCode::BAD_REQUEST }), "nothing left to drop");
        assert_eq!(TypeFilter::new::<&str>(&[]).query(), "");
    }
}
