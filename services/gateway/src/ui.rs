//! Forwarding browser requests to the UI services, so the shop, the console and the API share
//! one origin (and so one set of cookies): `/admin` and below go to `console`, every other path
//! outside `/api` to `storefront`. The path is forwarded unchanged.
//!
//! Unlike the API, a browser page carries cookies and sets them, so those pass through here
//! (and only here). When the UI service is down, the answer is a small HTML page with
//! `Retry-After`, not problem+json: a person is reading it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use runtime::client::Call;

use super::Gateway;

/// The service serving the storefront.
pub const STOREFRONT: &str = "storefront";
/// The service serving the admin console under `/admin`.
pub const CONSOLE: &str = "console";

/// Request headers a page needs: the browser's cookies and form posts.
const FORWARDED_REQUEST: &[&str] =
    &["cookie", "content-type", "accept", "accept-language", "if-none-match", "user-agent", "referer"];
/// Response headers a page sets.
const FORWARDED_RESPONSE: &[&str] = &[
    "content-type",
    "location",
    "set-cookie",
    "cache-control",
    "etag",
    "retry-after",
    "vary",
    "x-mercato-degraded",
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
];

/// The UI service owning a browser path.
pub fn owner(path: &str) -> &'static str {
    if path == "/admin" || path.starts_with("/admin/") { CONSOLE } else { STOREFRONT }
}

/// `ANY /` and `ANY /{*path}` outside `/api`.
pub(crate) async fn forward(
    State(gateway): State<Gateway>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return runtime::http::body_problem(rejection).into_response(),
    };
    let service = owner(uri.path());
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    let mut forwarded = HeaderMap::new();
    for name in FORWARDED_REQUEST {
        for value in headers.get_all(*name) {
            forwarded.append(HeaderName::from_static(name), value.clone());
        }
    }
    match gateway.client.send(service, Call::new(method, path).headers(forwarded).body(body)).await {
        Ok(reply) => {
            metrics::counter!("gateway_requests_total", "upstream" => service, "status" => reply.status.as_str().to_owned()).increment(1);
            let mut response = (reply.status, reply.body).into_response();
            for name in FORWARDED_RESPONSE {
                for value in reply.headers.get_all(*name) {
                    response.headers_mut().append(HeaderName::from_static(name), value.clone());
                }
            }
            response
        }
        Err(err) => {
            metrics::counter!("gateway_requests_total", "upstream" => service, "status" => "unavailable").increment(1);
            tracing::warn!(upstream = service, error = %err, "UI call failed");
            unavailable(service)
        }
    }
}

fn unavailable(service: &str) -> Response {
    let what = if service == CONSOLE { "The admin console" } else { "The shop" };
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Back soon</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body><main><h1>Back in a moment</h1><p>{what} is briefly unavailable. \
         Please try again in a few seconds.</p></main></body></html>"
    );
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths_go_to_the_console_and_the_rest_to_the_shop() {
        assert_eq!(owner("/admin"), CONSOLE);
        assert_eq!(owner("/admin/products/1"), CONSOLE);
        assert_eq!(owner("/administrator"), STOREFRONT);
        assert_eq!(owner("/"), STOREFRONT);
        assert_eq!(owner("/products/red-shoe"), STOREFRONT);
    }
}
