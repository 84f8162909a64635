//! Where other services' instances are.
//!
//! Embedded mode: the supervisor's registry. Instances register when ready, the supervisor
//! health-checks them and drops the unhealthy, and every client long-polls the registry so
//! that its view changes within milliseconds. Kubernetes: static upstreams naming Service
//! DNS names, which already load-balance.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// One instance as the registry reports it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InstanceInfo {
    /// Instance id.
    pub id: String,
    /// Service name.
    pub service: String,
    /// `host:port`.
    pub addr: String,
    /// Whether its last health checks passed.
    pub healthy: bool,
    /// Process id, when known.
    #[serde(default)]
    pub pid: Option<u32>,
}

/// The registry's answer to a watch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegistrySnapshot {
    /// Increases on every change.
    pub version: u64,
    /// All registered instances.
    pub instances: Vec<InstanceInfo>,
}

/// What an instance tells the registry about itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Registration {
    /// Service name.
    pub service: String,
    /// `host:port` it serves on.
    pub addr: String,
    /// Its process id.
    pub pid: u32,
}

/// An address a call can go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Instance id (or the upstream name for static upstreams).
    pub id: String,
    /// `http://host:port`.
    pub base_url: String,
    /// `base_url` parsed once, so that a call only sets its path on a copy.
    url: reqwest::Url,
}

impl Endpoint {
    /// The endpoint `id` at `base_url`; `None` when that is not a URL.
    pub fn new(id: impl Into<String>, base_url: impl Into<String>) -> Option<Self> {
        let base_url = base_url.into();
        let url = reqwest::Url::parse(&base_url).ok()?;
        Some(Self { id: id.into(), base_url, url })
    }

    /// The URL of `path_and_query` (`/v1/quotes`, `/v1/products?limit=5`) at this endpoint,
    /// below the base URL's own path if it has one (an upstream behind a path prefix).
    pub fn url(&self, path_and_query: &str) -> reqwest::Url {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        let mut url = self.url.clone();
        match self.url.path().trim_end_matches('/') {
            "" => url.set_path(path),
            prefix => url.set_path(&format!("{prefix}{path}")),
        }
        url.set_query(query);
        url
    }
}

/// Each service's endpoints, shared with every call that reads them.
type Table = HashMap<String, Arc<[Endpoint]>>;

#[derive(Debug)]
enum Source {
    Registry(String),
    Static(Table),
}

#[derive(Debug)]
struct Inner {
    source: Source,
    http: reqwest::Client,
    table: RwLock<(u64, Table)>,
}

/// The service's view of where everything else runs.
#[derive(Clone, Debug)]
pub struct Discovery {
    inner: Arc<Inner>,
}

/// The registry could not be reached or answered nonsense.
#[derive(Debug, thiserror::Error)]
#[error("service registry unavailable")]
pub struct RegistryError(#[source] reqwest::Error);

impl Discovery {
    /// Discovery through the supervisor's registry at `url`.
    pub fn registry(url: &str, http: reqwest::Client) -> Self {
        Self::with(Source::Registry(url.trim_end_matches('/').to_owned()), http)
    }

    /// Fixed upstreams (`name → base url`); one whose url does not parse has no endpoint
    /// (settings reject those before this is called).
    pub fn fixed(upstreams: BTreeMap<String, String>, http: reqwest::Client) -> Self {
        let table = upstreams
            .into_iter()
            .filter_map(|(name, url)| {
                let endpoint = Endpoint::new(name.clone(), url)?;
                Some((name, Arc::from([endpoint])))
            })
            .collect();
        Self::with(Source::Static(table), http)
    }

    fn with(source: Source, http: reqwest::Client) -> Self {
        Self { inner: Arc::new(Inner { source, http, table: RwLock::new((0, HashMap::new())) }) }
    }

    /// Healthy endpoints of `service` (shared, not copied: every call asks).
    pub fn endpoints(&self, service: &str) -> Arc<[Endpoint]> {
        match &self.inner.source {
            Source::Static(map) => map.get(service).cloned().unwrap_or_else(|| Arc::from([])),
            Source::Registry(_) => {
                let table = self.inner.table.read().unwrap_or_else(|p| p.into_inner());
                table.1.get(service).cloned().unwrap_or_else(|| Arc::from([]))
            }
        }
    }

    fn apply(&self, snapshot: RegistrySnapshot) {
        let mut map: HashMap<String, Vec<Endpoint>> = HashMap::new();
        for instance in snapshot.instances.into_iter().filter(|i| i.healthy) {
            let Some(endpoint) = Endpoint::new(instance.id, format!("http://{}", instance.addr)) else {
                tracing::warn!(service = %instance.service, addr = %instance.addr, "registry listed an address that is not one; skipped");
                continue;
            };
            map.entry(instance.service).or_default().push(endpoint);
        }
        let map = map.into_iter().map(|(service, endpoints)| (service, Arc::from(endpoints))).collect();
        let mut table = self.inner.table.write().unwrap_or_else(|p| p.into_inner());
        *table = (snapshot.version, map);
    }

    fn version(&self) -> u64 {
        self.inner.table.read().unwrap_or_else(|p| p.into_inner()).0
    }

    /// Fetches the registry once (or waits up to `wait` for a change after what we have).
    pub async fn refresh(&self, wait: Duration) -> Result<(), RegistryError> {
        let Source::Registry(url) = &self.inner.source else { return Ok(()) };
        let snapshot: RegistrySnapshot = self
            .inner
            .http
            .get(format!("{url}/v1/registry?after={}&wait={}", self.version(), wait.as_secs()))
            .timeout(wait + Duration::from_secs(5))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(RegistryError)?
            .json()
            .await
            .map_err(RegistryError)?;
        self.apply(snapshot);
        Ok(())
    }

    /// Keeps the view current until `shutdown`.
    pub fn spawn_watch(&self, shutdown: CancellationToken) {
        if !matches!(self.inner.source, Source::Registry(_)) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut failures = 0u32;
            while !shutdown.is_cancelled() {
                let result = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    r = this.refresh(Duration::from_secs(20)) => r,
                };
                match result {
                    Ok(()) => failures = 0,
                    Err(err) => {
                        failures += 1;
                        if failures == 3 {
                            tracing::warn!(error = %err, "registry unreachable; keeping the last known instances");
                        }
                        let wait = Duration::from_millis(200 * u64::from(failures.min(10)));
                        tokio::select! { _ = shutdown.cancelled() => break, _ = tokio::time::sleep(wait) => {} }
                    }
                }
            }
        });
    }

    /// Registers this instance (embedded mode only).
    pub async fn register(&self, instance_id: &str, registration: &Registration) -> Result<(), RegistryError> {
        let Source::Registry(url) = &self.inner.source else { return Ok(()) };
        self.inner
            .http
            .put(format!("{url}/v1/registry/instances/{instance_id}"))
            .json(registration)
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(RegistryError)?;
        Ok(())
    }

    /// Removes this instance, so that callers stop choosing it before it stops serving.
    pub async fn deregister(&self, instance_id: &str) -> Result<(), RegistryError> {
        let Source::Registry(url) = &self.inner.source else { return Ok(()) };
        self.inner
            .http
            .delete(format!("{url}/v1/registry/instances/{instance_id}"))
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(RegistryError)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_url_is_the_endpoint_with_the_path_and_query() {
        let endpoint = Endpoint::new("catalog-1", "http://127.0.0.1:4001").expect("a url");
        assert_eq!(endpoint.url("/v1/products").as_str(), "http://127.0.0.1:4001/v1/products");
        assert_eq!(
            endpoint.url("/v1/search?q=red%20shirt&in_stock=true").as_str(),
            "http://127.0.0.1:4001/v1/search?q=red%20shirt&in_stock=true"
        );
        // A path is only ever a path: it cannot name another host.
        assert_eq!(endpoint.url("//evil.example/x").host_str(), Some("127.0.0.1"));
        let prefixed = Endpoint::new("catalog", "http://ingress:8080/shop").expect("a url");
        assert_eq!(prefixed.url("/v1/products?limit=5").as_str(), "http://ingress:8080/shop/v1/products?limit=5");
        assert!(Endpoint::new("x", "not a url").is_none());
    }

    #[test]
    fn fixed_upstreams_are_shared_endpoints() {
        crate::init_process();
        let http = reqwest::Client::new();
        let upstreams = BTreeMap::from([("catalog".to_owned(), "http://catalog:8080".to_owned())]);
        let discovery = Discovery::fixed(upstreams, http);
        let endpoints = discovery.endpoints("catalog");
        assert_eq!(endpoints.len(), 1);
        assert_eq!(endpoints[0].id, "catalog");
        assert!(Arc::ptr_eq(&endpoints, &discovery.endpoints("catalog")));
        assert!(discovery.endpoints("search").is_empty());
    }
}
