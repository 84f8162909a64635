//! The webhook dispatcher: a background loop that claims due deliveries and POSTs each
//! event to its endpoint, signed with the endpoint's secret.
//!
//! The HTTP client is its own, not the platform's `ServiceClient`: endpoints are outside the
//! platform, and no internal credential, trace or request header of ours may reach them. It
//! follows no redirects, uses no proxy, gives up after the configured timeout, and resolves
//! host names through [`GuardedResolver`], which refuses a name that resolves to an internal
//! address (unless allowed) — the check happens on the very addresses the connection uses,
//! so a name re-pointed between registration and delivery cannot slip through. URLs with a
//! literal address are checked again before every attempt.
//!
//! Delivery is at least once: receivers de-duplicate on `Mercato-Event-Id`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use contracts::notifications::{
    DELIVERY_ID_HEADER, DeliveryStatus, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER,
};
use futures::StreamExt as _;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use runtime::app::AppError;
use runtime::db::{Db, DbError};

use crate::domain::retry::{self, Next};
use crate::domain::webhooks::{check_resolved, check_url, signature};
use crate::settings::NotificationSettings;
use crate::store::deliveries::{self, Claimed, Outcome};
use crate::store::webhooks;

/// Deliveries claimed at once.
const BATCH: i64 = 20;
/// Deliveries sent at once.
const CONCURRENCY: usize = 8;
/// The user agent endpoints see.
const USER_AGENT: &str = concat!("Mercato-Webhooks/", env!("CARGO_PKG_VERSION"));

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A name resolved to an address endpoints must not have.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Resolves host names for webhook calls, refusing names that resolve to internal addresses.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    allow_internal: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_internal;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // One internal address among public ones is refused too: the connection could use it.
            for addr in &addrs {
                check_resolved(&host, addr.ip(), allow).map_err(Refused)?;
            }
            Ok::<Addrs, BoxError>(Box::new(addrs.into_iter()))
        })
    }
}

/// The client for endpoints: no redirects, no proxy, the configured timeout, host names
/// resolved through [`GuardedResolver`].
pub fn client(settings: &NotificationSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(settings.webhook_timeout)
        .connect_timeout(settings.webhook_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(GuardedResolver { allow_internal: settings.allow_private_webhooks })
        .pool_idle_timeout(Duration::from_secs(30))
        .build()
}

/// Delivers webhook events.
#[derive(Debug)]
pub struct Dispatcher {
    db: Db,
    http: reqwest::Client,
    allow_internal: bool,
    timeout: Duration,
    retry_base: Duration,
    max_attempts: u32,
    lease: Duration,
}

impl Dispatcher {
    /// A dispatcher with its own HTTP client.
    pub fn new(db: Db, settings: &NotificationSettings) -> Result<Arc<Self>, AppError> {
        Ok(Arc::new(Self {
            db,
            http: client(settings).map_err(AppError::Client)?,
            allow_internal: settings.allow_private_webhooks,
            timeout: settings.webhook_timeout,
            retry_base: settings.retry_base,
            max_attempts: settings.webhook_max_attempts,
            lease: retry::claim_lease(settings.webhook_timeout, BATCH as u32, CONCURRENCY as u32),
        }))
    }

    /// One run of the loop: attempts every delivery due now, a batch at a time.
    pub async fn run(self: Arc<Self>) {
        crate::drain::drain("webhook deliveries", BATCH as usize, || self.send_due()).await;
    }

    async fn send_due(&self) -> Result<usize, DbError> {
        let token = crate::store::token();
        let lease_until = runtime::db::timestamp(time::OffsetDateTime::now_utc() + self.lease);
        let claimed = {
            let mut conn = self.db.write().await?;
            deliveries::claim(&mut conn, &runtime::db::now(), &lease_until, &token, BATCH).await?
        };
        let count = claimed.len();
        futures::stream::iter(claimed).for_each_concurrent(CONCURRENCY, |d| self.attempt(d, &token)).await;
        Ok(count)
    }

    async fn attempt(&self, delivery: Claimed, token: &str) {
        let target = async {
            let mut conn = self.db.acquire().await?;
            webhooks::target(&mut conn, &delivery.webhook_id).await
        };
        let (url, secret) = match target.await {
            Ok(Some(target)) => target,
            Ok(None) => {
                // Deleted or paused since the claim: nothing to send; the claim lapses.
                tracing::debug!(delivery_id = %delivery.id, "webhook gone or paused; delivery skipped");
                return;
            }
            Err(err) => {
                tracing::warn!(delivery_id = %delivery.id, error = %runtime::error_chain(&err), "reading the webhook failed");
                return;
            }
        };
        let result = self.post(&delivery, &url, secret.expose()).await;
        let attempts = u32::try_from(delivery.attempts).unwrap_or(u32::MAX).saturating_add(1);
        let next_at;
        let outcome = match &result {
            Ok(status) => Outcome {
                status: DeliveryStatus::Delivered,
                http_status: Some(*status),
                error: None,
                next_attempt_at: None,
            },
            Err((http_status, error)) => {
                match retry::webhook(attempts, self.max_attempts, self.retry_base, fastrand::f64()) {
                    Next::RetryIn(delay) => {
                        next_at = runtime::db::timestamp(time::OffsetDateTime::now_utc() + delay);
                        Outcome {
                            status: DeliveryStatus::Pending,
                            http_status: *http_status,
                            error: Some(error),
                            next_attempt_at: Some(&next_at),
                        }
                    }
                    Next::GiveUp => Outcome {
                        status: DeliveryStatus::Failed,
                        http_status: *http_status,
                        error: Some(error),
                        next_attempt_at: None,
                    },
                }
            }
        };
        metrics::counter!("notifications_webhook_attempts_total", "result" => outcome.status.as_str()).increment(1);
        match &result {
            Ok(status) => {
                tracing::info!(delivery_id = %delivery.id, webhook_id = %delivery.webhook_id, status, attempts, "webhook delivered")
            }
            Err((status, error)) => tracing::warn!(
                delivery_id = %delivery.id, webhook_id = %delivery.webhook_id, status = ?status, attempts,
                next = outcome.status.as_str(), error = %error, "webhook attempt failed"
            ),
        }
        let settled = async {
            let mut conn = self.db.write().await?;
            deliveries::settle(&mut conn, &delivery.id, token, outcome).await
        };
        match settled.await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(delivery_id = %delivery.id, "delivery claim lapsed before its outcome was recorded")
            }
            Err(err) => {
                tracing::warn!(delivery_id = %delivery.id, error = %runtime::error_chain(&err), "recording a webhook attempt failed")
            }
        }
    }

    /// One POST; the endpoint's status if it answered 2xx, else its status (if it answered)
    /// and why the attempt failed.
    async fn post(&self, delivery: &Claimed, url: &str, secret: &str) -> Result<u16, (Option<u16>, String)> {
        // A literal address never reaches the resolver: check it here (the setting may have
        // changed since the webhook was registered).
        check_url(url, self.allow_internal).map_err(|m| (None, format!("refused: the URL {m}")))?;
        let body = delivery.payload.clone().into_bytes();
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature(secret, timestamp, &body))
            .header(EVENT_ID_HEADER, &delivery.event_id)
            .header(DELIVERY_ID_HEADER, delivery.id.as_str())
            .header(EVENT_TYPE_HEADER, &delivery.event_type)
            .body(body)
            .send()
            .await
            .map_err(|e| (None, self.describe(e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err((Some(status.as_u16()), format!("the endpoint answered {status}")))
        }
    }

    fn describe(&self, err: reqwest::Error) -> String {
        let mut source: Option<&dyn std::error::Error> = Some(&err);
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<Refused>() {
                return format!("refused: {refused}");
            }
            source = cause.source();
        }
        if err.is_timeout() {
            return format!("no answer within {} ms", self.timeout.as_millis());
        }
        let what = if err.is_connect() { "could not connect" } else { "the request failed" };
        format!("{what}: {}", runtime::error_chain(&err.without_url()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(err: &reqwest::Error) -> Option<String> {
        let mut source: Option<&dyn std::error::Error> = Some(err);
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<Refused>() {
                return Some(refused.to_string());
            }
            source = cause.source();
        }
        None
    }

    #[tokio::test]
    async fn names_resolving_inside_are_refused_before_connecting() {
        runtime::init_process();
        let guarded = GuardedResolver { allow_internal: false };
        let name: Name = "localhost".parse().expect("a name");
        let err = match guarded.resolve(name).await {
            Ok(_) => panic!("localhost must be refused"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains("`localhost` resolves to") && err.contains("loopback"), "{err}");

        // Through the client the dispatcher uses: refused by the resolver, no connection made.
        let settings = NotificationSettings::defaults("sqlite::memory:");
        let err = client(&settings).expect("client").post("http://localhost:9/hook").send().await.expect_err("refused");
        assert!(refusal(&err).is_some_and(|r| r.contains("localhost")), "{err:?}");

        let open = GuardedResolver { allow_internal: true };
        let addrs: Vec<SocketAddr> =
            open.resolve("localhost".parse().expect("a name")).await.expect("allowed").collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
