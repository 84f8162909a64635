//! Asking pricing what a cart costs (`POST /v1/quotes`), through the service client.
//!
//! Prices are never stored with a cart: every response that carries a cart asks pricing, with
//! a short deadline (within the inbound request's). Pricing is optional for the cart: when it
//! cannot answer, the cart is still served (and changes are still stored), with `quote: null`
//! and `degraded: ["pricing"]`.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use contracts::pricing::{Quote, QuoteRequest};
use runtime::client::{Call, ServiceClient};

/// The pricing service's name in discovery.
pub const PRICING: &str = "pricing";

/// How long a quote may take; a cart read never waits longer for its prices.
pub const QUOTE_TIMEOUT: Duration = Duration::from_millis(800);

/// What pricing said about a cart.
#[derive(Clone, Debug)]
pub enum Priced {
    /// The quote.
    Quote(Box<Quote>),
    /// Pricing refused to price it (422): what it named.
    Refused(Refusal),
    /// Pricing could not be asked or failed (no instance, breaker open, timeout, 5xx, nonsense).
    Unavailable,
}

/// Why pricing refused a cart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refusal {
    /// SKUs without a price.
    pub unpriced_skus: Vec<String>,
    /// The fields pricing named (`lines[0].sku`, `shipping_method`, …).
    pub fields: Vec<String>,
}

impl Refusal {
    fn from_problem(body: &[u8]) -> Self {
        let problem: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let strings = |value: &serde_json::Value| -> Vec<String> {
            value
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let fields = problem["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Self { unpriced_skus: strings(&problem["unpriced_skus"]), fields }
    }

    /// Whether pricing has no rate for the shipping method (to the country, in the currency).
    pub fn no_shipping_rate(&self) -> bool {
        self.fields.iter().any(|f| f == "shipping_method")
    }
}

/// Asks pricing to quote `request`. Never fails: see [`Priced`].
pub async fn quote(client: &ServiceClient, request: &QuoteRequest) -> Priced {
    // A quote changes nothing: retrying it on another instance is harmless.
    let call = Call::new(Method::POST, "/v1/quotes").json(request).timeout(QUOTE_TIMEOUT).idempotent(true);
    let reply = match client.send(PRICING, call).await {
        Ok(reply) => reply,
        Err(err) => {
            tracing::warn!(error = %runtime::error_chain(&err), "pricing unavailable; serving the cart without prices");
            return Priced::Unavailable;
        }
    };
    match reply.status {
        StatusCode::OK => match reply.json::<Quote>() {
            Ok(quote) => Priced::Quote(Box::new(quote)),
            Err(err) => {
                tracing::warn!(error = %runtime::error_chain(&err), "pricing answered a quote that does not decode");
                Priced::Unavailable
            }
        },
        StatusCode::UNPROCESSABLE_ENTITY => Priced::Refused(Refusal::from_problem(&reply.body)),
        status => {
            tracing::warn!(status = status.as_u16(), "pricing refused a quote; serving the cart without prices");
            Priced::Unavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_unpriced_skus_and_fields() {
        let body = br#"{"type":"urn:mercato:problem:validation","status":422,
            "errors":[{"field":"lines[1].sku","message":"has no price"}],"unpriced_skus":["GHOST"]}"#;
        let refusal = Refusal::from_problem(body);
        assert_eq!(refusal.unpriced_skus, ["GHOST"]);
        assert_eq!(refusal.fields, ["lines[1].sku"]);
        assert!(!refusal.no_shipping_rate());
        assert_eq!(Refusal::from_problem(b"not json"), Refusal::default());
    }
}
