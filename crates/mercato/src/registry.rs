//! The service registry: which instances exist, where, and whether they are healthy.
//! Instances register themselves when ready; the supervisor health-checks them and removes
//! them when their process exits; clients long-poll for changes.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use runtime::discovery::{InstanceInfo, Registration, RegistrySnapshot};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Failed probes in a row before an instance is marked unhealthy.
const UNHEALTHY_AFTER: u32 = 2;

#[derive(Debug)]
struct Entry {
    info: InstanceInfo,
    failures: u32,
}

#[derive(Debug, Default)]
struct Inner {
    version: u64,
    entries: BTreeMap<String, Entry>,
}

/// The registry.
#[derive(Debug, Default)]
pub struct Registry {
    inner: Mutex<Inner>,
    changed: Notify,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bump(&self, inner: &mut Inner) {
        inner.version += 1;
        self.changed.notify_waiters();
    }

    /// Adds or replaces an instance; it counts as healthy (it registers once ready).
    pub fn register(&self, id: &str, registration: Registration) {
        let mut inner = self.lock();
        let info = InstanceInfo {
            id: id.to_owned(),
            service: registration.service,
            addr: registration.addr,
            healthy: true,
            pid: Some(registration.pid),
        };
        inner.entries.insert(id.to_owned(), Entry { info, failures: 0 });
        self.bump(&mut inner);
    }

    /// Removes an instance.
    pub fn remove(&self, id: &str) {
        let mut inner = self.lock();
        if inner.entries.remove(id).is_some() {
            self.bump(&mut inner);
        }
    }

    /// The current view.
    pub fn snapshot(&self) -> RegistrySnapshot {
        let inner = self.lock();
        RegistrySnapshot { version: inner.version, instances: inner.entries.values().map(|e| e.info.clone()).collect() }
    }

    /// Waits up to `wait` for a version newer than `after`, then returns the view.
    pub async fn watch(&self, after: u64, wait: Duration) -> RegistrySnapshot {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let snapshot = self.snapshot();
            if snapshot.version != after {
                return snapshot;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.snapshot();
            }
        }
    }

    /// Healthy instances of `service`.
    pub fn healthy(&self, service: &str) -> Vec<InstanceInfo> {
        self.lock()
            .entries
            .values()
            .filter(|e| e.info.service == service && e.info.healthy)
            .map(|e| e.info.clone())
            .collect()
    }

    /// An instance by id.
    pub fn get(&self, id: &str) -> Option<InstanceInfo> {
        self.lock().entries.get(id).map(|e| e.info.clone())
    }

    fn record_probe(&self, id: &str, ok: bool) {
        let mut inner = self.lock();
        let Some(entry) = inner.entries.get_mut(id) else { return };
        let was = entry.info.healthy;
        entry.failures = if ok { 0 } else { entry.failures + 1 };
        entry.info.healthy = ok || entry.failures < UNHEALTHY_AFTER;
        if was != entry.info.healthy {
            tracing::info!(instance = id, healthy = entry.info.healthy, "instance health changed");
            self.bump(&mut inner);
        }
    }

    /// Probes every instance's readiness twice a second until `stop`.
    pub async fn health_check(&self, stop: CancellationToken) {
        let http = reqwest::Client::builder().timeout(Duration::from_millis(800)).build().unwrap_or_default();
        while !stop.is_cancelled() {
            let targets: Vec<(String, String)> =
                self.lock().entries.values().map(|e| (e.info.id.clone(), e.info.addr.clone())).collect();
            let probes = targets.into_iter().map(|(id, addr)| {
                let http = http.clone();
                async move {
                    let ok = http
                        .get(format!("http://{addr}/health/ready"))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    (id, ok)
                }
            });
            for (id, ok) in futures::future::join_all(probes).await {
                self.record_probe(&id, ok);
            }
            tokio::select! { _ = stop.cancelled() => break, _ = tokio::time::sleep(Duration::from_millis(500)) => {} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(service: &str, port: u16) -> Registration {
        Registration { service: service.into(), addr: format!("127.0.0.1:{port}"), pid: 1 }
    }

    #[test]
    fn unhealthy_after_consecutive_failures_and_back() {
        let r = Registry::default();
        r.register("inventory-1", reg("inventory", 1));
        r.record_probe("inventory-1", false);
        assert_eq!(r.healthy("inventory").len(), 1, "one failure is tolerated");
        r.record_probe("inventory-1", false);
        assert!(r.healthy("inventory").is_empty());
        r.record_probe("inventory-1", true);
        assert_eq!(r.healthy("inventory").len(), 1);
    }

    #[tokio::test]
    async fn watchers_wake_on_change() {
        let r = std::sync::Arc::new(Registry::default());
        let version = r.snapshot().version;
        let watcher = {
            let r = r.clone();
            tokio::spawn(async move { r.watch(version, Duration::from_secs(30)).await })
        };
        tokio::task::yield_now().await;
        r.register("catalog-1", reg("catalog", 2));
        let snapshot = watcher.await.expect("joined");
        assert_eq!(snapshot.instances.len(), 1);
    }
}
