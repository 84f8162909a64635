//! Typed service configuration, layered: defaults, then a TOML file named by
//! `MERCATO_CONFIG`, then `MERCATO_*` environment variables (12-factor).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use serde::Deserialize;

/// A value that must never be printed: `Debug` and `Display` show `***`. Shared, not
/// copied, when cloned: services' states hold credentials and are cloned per request.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(from = "String")]
pub struct Secret(Arc<str>);

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value.into())
    }
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().into())
    }
    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Log output format.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line, with trace ids: for machines.
    #[default]
    Json,
    /// Human-readable lines: for a developer's terminal.
    Pretty,
}

/// Everything the runtime needs to run one service instance.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The service's name (`catalog`, `inventory`, …); set by the service, not by config.
    #[serde(skip)]
    pub service: String,
    /// This instance's id in the registry; unique per process.
    pub instance_id: String,
    /// Address to listen on; port 0 lets the OS choose.
    pub bind: SocketAddr,
    /// Bind with `SO_REUSEPORT`, so that several replicas (or old and new during a rolling
    /// deploy) can share one public port.
    pub reuse_port: bool,
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// The supervisor's registry; when set the instance registers itself and discovers
    /// others through it.
    pub registry_url: Option<String>,
    /// Static upstreams (`catalog=http://catalog:8080,inventory=…`), used on Kubernetes where
    /// a Service name already load-balances.
    pub upstreams: String,
    /// NATS server; when set, events travel through JetStream instead of the embedded feed.
    pub nats_url: Option<String>,
    /// Subject and stream prefix on NATS; lets several platforms share one server.
    pub nats_prefix: String,
    /// The embedded-mode staff token (until identity issues staff JWTs).
    pub staff_token: Option<Secret>,
    /// The credential services present to each other on internal endpoints (reservations,
    /// payments, the event feed). Only the service client sends it, only when a call asks.
    pub internal_token: Option<Secret>,
    /// Log output format.
    pub log_format: LogFormat,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// Deadline for a request that does not bring a shorter one.
    pub request_timeout_ms: u64,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace_ms: u64,
    /// How long an instance keeps serving after it failed readiness and left the registry,
    /// before it closes its listener: the time callers (or Kubernetes endpoints) need to
    /// stop choosing it.
    pub drain_delay_ms: u64,
    /// Largest database pool.
    pub db_max_connections: u32,
    /// The supervising process; when it goes away this instance shuts down, so that a
    /// killed supervisor never leaves orphans behind.
    pub supervisor_pid: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            service: String::new(),
            instance_id: String::new(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            reuse_port: false,
            database_url: String::new(),
            registry_url: None,
            upstreams: String::new(),
            nats_url: None,
            nats_prefix: "mercato".into(),
            staff_token: None,
            internal_token: None,
            log_format: LogFormat::Json,
            body_limit_bytes: 256 * 1024,
            request_timeout_ms: 10_000,
            shutdown_grace_ms: 10_000,
            drain_delay_ms: 200,
            db_max_connections: 8,
            supervisor_pid: None,
        }
    }
}

/// Configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file or an environment variable did not parse.
    #[error("invalid configuration")]
    Invalid(#[from] config::ConfigError),
    /// A value parsed but makes no sense.
    #[error("invalid configuration: {0}")]
    Value(String),
}

impl Settings {
    /// Loads the settings of `service` from the layers described in the module docs.
    pub fn load(service: &str) -> Result<Self, SettingsError> {
        let mut builder = config::Config::builder();
        if let Ok(path) = std::env::var("MERCATO_CONFIG") {
            builder = builder.add_source(config::File::with_name(&path));
        }
        let raw = builder
            .add_source(config::Environment::with_prefix("MERCATO").prefix_separator("_").try_parsing(true))
            .build()?;
        let mut settings: Settings = raw.try_deserialize()?;
        settings.service = service.to_owned();
        settings.fill_defaults();
        Ok(settings)
    }

    /// Settings for a test or an embedded caller: defaults plus the given database.
    pub fn for_service(service: &str, database_url: impl Into<String>) -> Self {
        let mut settings = Self { service: service.to_owned(), database_url: database_url.into(), ..Self::default() };
        settings.fill_defaults();
        settings
    }

    fn fill_defaults(&mut self) {
        if self.instance_id.is_empty() {
            let id = uuid::Uuid::now_v7().simple().to_string();
            self.instance_id = format!("{}-{}", self.service, &id[id.len() - 8..]);
        }
        if self.database_url.is_empty() {
            self.database_url = format!("sqlite://mercato-data/{}.db?mode=rwc", self.service);
        }
    }

    /// The static upstream table parsed from [`Settings::upstreams`].
    pub fn upstream_map(&self) -> Result<BTreeMap<String, String>, SettingsError> {
        let mut map = BTreeMap::new();
        for pair in self.upstreams.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, url) = pair
                .split_once('=')
                .ok_or_else(|| SettingsError::Value(format!("upstream `{pair}` is not `name=url`")))?;
            let url = url.trim().trim_end_matches('/');
            if !matches!(reqwest::Url::parse(url), Ok(parsed) if matches!(parsed.scheme(), "http" | "https")) {
                return Err(SettingsError::Value(format!("upstream `{}`: `{url}` is not an http(s) URL", name.trim())));
            }
            map.insert(name.trim().to_owned(), url.to_owned());
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        let settings = Settings { staff_token: Some(s), ..Settings::default() };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn upstreams_parse_and_reject_garbage() {
        let s = Settings { upstreams: "catalog=http://c:80/, inventory = http://i:80".into(), ..Settings::default() };
        let map = s.upstream_map().expect("valid");
        assert_eq!(map["catalog"], "http://c:80");
        assert_eq!(map["inventory"], "http://i:80");
        for bad in ["catalog", "catalog=c:80", "catalog=ftp://c", "catalog=http://"] {
            let bad = Settings { upstreams: bad.into(), ..Settings::default() };
            assert!(bad.upstream_map().is_err(), "{}", bad.upstreams);
        }
    }
}
