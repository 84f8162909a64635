//! Forwarding one public request to its owner.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use runtime::client::Call;
use runtime::http::Problem;

use super::Gateway;

/// Request headers a service may need; everything else (cookies, hop-by-hop) stays here.
const FORWARDED_REQUEST: &[&str] =
    &["authorization", "content-type", "accept", "idempotency-key", "if-match", "if-none-match"];
/// Response headers worth passing back.
const FORWARDED_RESPONSE: &[&str] =
    &["content-type", "etag", "location", "retry-after", "idempotent-replayed", "cache-control", "www-authenticate"];

/// `ANY /api/v1/{*rest}`.
pub(crate) async fn forward(
    State(gateway): State<Gateway>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return runtime::http::body_problem(rejection).into_response(),
    };
    let upstream_path = uri.path().strip_prefix("/api").unwrap_or(uri.path());
    let resource = upstream_path.strip_prefix("/v1/").and_then(|r| r.split('/').next()).unwrap_or_default();
    let Some(service) = gateway.routes.owner(resource) else {
        return Problem::not_found("No such API resource.").into_response();
    };
    let path = match uri.query() {
        Some(query) => format!("{upstream_path}?{query}"),
        None => upstream_path.to_owned(),
    };
    let mut forwarded = HeaderMap::new();
    for name in FORWARDED_REQUEST {
        for value in headers.get_all(*name) {
            forwarded.append(HeaderName::from_static(name), value.clone());
        }
    }
    if let Some(client) =
        client_address(&headers, peer.map(|Extension(ConnectInfo(addr))| addr), gateway.trusted_proxy_hops)
        && let Ok(value) = HeaderValue::from_str(&client)
    {
        forwarded.insert("x-forwarded-for", value);
    }
    let mut call = Call::new(method, path).headers(forwarded).body(body);
    if headers.contains_key("idempotency-key") {
        call = call.idempotent(true);
    }
    match gateway.client.send(service, call).await {
        Ok(reply) => {
            metrics::counter!("gateway_requests_total", "upstream" => service, "status" => reply.status.as_str().to_owned()).increment(1);
            let has_body = !reply.body.is_empty();
            let mut response = (reply.status, reply.body).into_response();
            for name in FORWARDED_RESPONSE {
                if let Some(value) = reply.headers.get(*name) {
                    let value = if *name == "location" { public_location(value) } else { value.clone() };
                    response.headers_mut().insert(HeaderName::from_static(name), value);
                }
            }
            if !response.headers().contains_key(header::CONTENT_TYPE) && has_body {
                response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            response
        }
        Err(err) => {
            metrics::counter!("gateway_requests_total", "upstream" => service, "status" => "unavailable").increment(1);
            tracing::warn!(upstream = service, error = %err, "upstream call failed");
            err.to_problem().into_response()
        }
    }
}

/// Services answer with their own `/v1/...` locations; callers of the gateway need `/api/v1/...`.
fn public_location(value: &HeaderValue) -> HeaderValue {
    match value.to_str() {
        Ok(text) if text.starts_with("/v1/") => {
            HeaderValue::from_str(&format!("/api{text}")).unwrap_or_else(|_| value.clone())
        }
        _ => value.clone(),
    }
}

/// The client's address as services should see it. Without trusted proxies in front, that is
/// the peer: a client-sent `X-Forwarded-For` is ignored, so nobody can pick an address to
/// dodge per-address limits. With `hops` trusted proxies (an ingress), it is the entry that
/// many places from the right of their chain.
fn client_address(headers: &HeaderMap, peer: Option<SocketAddr>, hops: usize) -> Option<String> {
    let peer = peer?.ip().to_string();
    if hops == 0 {
        return Some(peer);
    }
    let mut chain: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_owned()))
        .filter(|s| !s.is_empty())
        .collect();
    chain.push(peer);
    let index = chain.len().saturating_sub(hops + 1);
    chain.get(index).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(value).expect("ascii"));
        h
    }

    #[test]
    fn a_client_cannot_choose_its_address() {
        let peer = Some(SocketAddr::from(([198, 51, 100, 9], 4000)));
        assert_eq!(client_address(&xff("1.2.3.4"), peer, 0).as_deref(), Some("198.51.100.9"));
        // Behind one trusted ingress: the ingress (peer) appended the real client last.
        assert_eq!(client_address(&xff("1.2.3.4, 203.0.113.5"), peer, 1).as_deref(), Some("203.0.113.5"));
        assert_eq!(client_address(&HeaderMap::new(), peer, 3).as_deref(), Some("198.51.100.9"));
    }
}
