//! The HTTP side of a service: problem+json errors, extractors that answer bad input with
//! field-level problems, cursor pagination, and the middleware every request passes through.

mod extract;
pub(crate) mod middleware;
mod pagination;
mod problem;

pub use extract::{Json, Query, body_problem};
pub use pagination::{Cursor, MAX_PAGE_SIZE, Page, PageParams};
pub use problem::{FieldError, Problem, ProblemSchema};

/// Header carrying the caller's remaining time budget in milliseconds.
pub const DEADLINE_HEADER: &str = "x-mercato-deadline-ms";
/// Header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
