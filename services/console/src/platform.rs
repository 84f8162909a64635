//! The Platform page's data: every service's instances (from discovery), each one's health
//! (`/health/ready`) and what its `/metrics` say, turned into rates and latency quantiles
//! by comparing the latest scrape with the one before.
//!
//! The previous scrape is a cache in this process's memory, not state: a restarted console
//! (or another replica) shows rates again from its second scrape on. Scrapes happen when
//! someone looks, at most once per [`MIN_SCRAPE_INTERVAL`], however many staff watch.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime::discovery::Discovery;
use serde::Serialize;
use tokio::sync::Mutex;

use crate::prometheus::{self, Sample};

/// How long one instance may take to answer `/metrics` or `/health/ready`.
const SCRAPE_DEADLINE: Duration = Duration::from_millis(1_500);
/// Views younger than this are served from the cache.
const MIN_SCRAPE_INTERVAL: Duration = Duration::from_millis(1_000);
/// Routes that are the platform watching itself, not traffic.
const OWN_ROUTES: &[&str] = &["/metrics", "/health/live", "/health/ready"];

/// What the platform runs when nothing else is configured (`MERCATO_CONSOLE_SERVICES`).
pub const DEFAULT_SERVICES: &[&str] = &[
    "gateway",
    "identity",
    "catalog",
    "pricing",
    "inventory",
    "payments",
    "cart",
    "orders",
    "notifications",
    "search",
    "recommendations",
    "storefront",
    "console",
];

/// One scrape of one instance.
#[derive(Debug)]
struct Scrape {
    at: Instant,
    samples: Vec<Sample>,
}

#[derive(Debug, Default)]
struct Cache {
    view: Option<(Instant, Arc<PlatformView>)>,
    /// Latest scrape per instance id.
    scrapes: HashMap<String, Scrape>,
}

/// Watches the platform's instances.
#[derive(Clone, Debug)]
pub struct Watcher {
    http: reqwest::Client,
    discovery: Discovery,
    services: Arc<Vec<String>>,
    cache: Arc<Mutex<Cache>>,
}

/// Everything the Platform page shows.
#[derive(Clone, Debug, Serialize)]
pub struct PlatformView {
    /// Every service watched, in the configured order.
    pub services: Vec<ServiceView>,
}

/// One service.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceView {
    /// Its name.
    pub name: String,
    /// `up`, `degraded` (some instance not ready) or `down` (no ready instance).
    pub status: &'static str,
    /// Its registered, healthy-to-the-registry instances.
    pub instances: Vec<InstanceView>,
}

/// One instance: raw numbers for machines, and the same as the table shows them.
#[derive(Clone, Debug, Serialize)]
pub struct InstanceView {
    /// Registry id.
    pub id: String,
    /// Base URL.
    pub address: String,
    /// `ready`, `not ready` or `unreachable`.
    pub health: &'static str,
    /// Requests per second since the previous scrape (own health and metrics routes excluded).
    pub request_rate: Option<f64>,
    /// Median latency in milliseconds over the same interval.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency in milliseconds.
    pub p99_ms: Option<f64>,
    /// Share of 5xx answers, 0 to 1.
    pub error_rate: Option<f64>,
    /// Circuit breakers towards its dependencies.
    pub breakers: Vec<BreakerView>,
    /// The largest `*_lag_seconds` gauge it exports (outbox or index lag), if any.
    pub lag_seconds: Option<f64>,
    /// Events consumed per second.
    pub events_rate: Option<f64>,
    /// The same values formatted as the page shows them.
    pub display: InstanceDisplay,
}

/// A breaker's state.
#[derive(Clone, Debug, Serialize)]
pub struct BreakerView {
    /// The dependency it guards.
    pub dependency: String,
    /// `closed`, `open` or `half-open`.
    pub state: &'static str,
}

/// An instance's values as text.
#[derive(Clone, Debug, Serialize)]
pub struct InstanceDisplay {
    /// Requests per second.
    pub rate: String,
    /// p50.
    pub p50: String,
    /// p99.
    pub p99: String,
    /// Error share.
    pub errors: String,
    /// Breakers, `dependency: state`, open ones first.
    pub breakers: String,
    /// Lag.
    pub lag: String,
}

impl Watcher {
    /// A watcher of `services` found through `discovery`.
    pub fn new(http: reqwest::Client, discovery: Discovery, services: Vec<String>) -> Self {
        Self { http, discovery, services: Arc::new(services), cache: Arc::new(Mutex::new(Cache::default())) }
    }

    /// The current view: cached if fresh, else a new scrape of every instance.
    pub async fn view(&self) -> Arc<PlatformView> {
        // One scrape at a time: viewers arriving meanwhile wait and share its result.
        let mut cache = self.cache.lock().await;
        if let Some((at, view)) = &cache.view
            && at.elapsed() < MIN_SCRAPE_INTERVAL
        {
            return view.clone();
        }
        let mut targets: Vec<(String, runtime::discovery::Endpoint)> = Vec::new();
        for service in self.services.iter() {
            targets.extend(self.discovery.endpoints(service).iter().map(|e| (service.clone(), e.clone())));
        }
        let fetched =
            futures::future::join_all(targets.iter().map(|(_, endpoint)| self.scrape(&endpoint.base_url))).await;
        let mut services: BTreeMap<&str, Vec<InstanceView>> = BTreeMap::new();
        let mut latest = HashMap::new();
        for ((service, endpoint), (health, scrape)) in targets.iter().zip(fetched) {
            let previous = cache.scrapes.get(&endpoint.id);
            let view = instance_view(endpoint, health, previous, scrape.as_ref());
            services.entry(service.as_str()).or_default().push(view);
            if let Some(scrape) = scrape {
                latest.insert(endpoint.id.clone(), scrape);
            }
        }
        // Instances that went away are forgotten with their scrapes.
        cache.scrapes = latest;
        let view = Arc::new(PlatformView {
            services: self
                .services
                .iter()
                .map(|name| {
                    let instances = services.remove(name.as_str()).unwrap_or_default();
                    ServiceView { name: name.clone(), status: service_status(&instances), instances }
                })
                .collect(),
        });
        cache.view = Some((Instant::now(), view.clone()));
        view
    }

    async fn scrape(&self, base_url: &str) -> (&'static str, Option<Scrape>) {
        let health = self.http.get(format!("{base_url}/health/ready")).timeout(SCRAPE_DEADLINE).send();
        let metrics = self.http.get(format!("{base_url}/metrics")).timeout(SCRAPE_DEADLINE).send();
        let (health, metrics) = futures::join!(health, metrics);
        let health = match health {
            Ok(r) if r.status().is_success() => "ready",
            Ok(_) => "not ready",
            Err(_) => "unreachable",
        };
        let scrape = match metrics {
            Ok(r) if r.status().is_success() => match r.text().await {
                Ok(text) => match prometheus::parse(&text) {
                    Ok(samples) => Some(Scrape { at: Instant::now(), samples }),
                    Err(err) => {
                        tracing::warn!(instance = base_url, error = %err, "unreadable /metrics");
                        None
                    }
                },
                Err(_) => None,
            },
            _ => None,
        };
        (health, scrape)
    }
}

fn service_status(instances: &[InstanceView]) -> &'static str {
    let ready = instances.iter().filter(|i| i.health == "ready").count();
    match ready {
        0 => "down",
        n if n == instances.len() => "up",
        _ => "degraded",
    }
}

fn is_traffic(sample: &Sample) -> bool {
    !sample.label("route").is_some_and(|route| OWN_ROUTES.contains(&route))
}

/// A series' identity within one metric: its labels, sorted.
fn series_key(sample: &Sample) -> String {
    let mut labels: Vec<_> = sample.labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    labels.sort();
    labels.join(",")
}

/// The increase of every series of `name` between two scrapes (a reset counts from zero),
/// with the sample it belongs to.
fn increases<'a>(name: &str, before: &Scrape, after: &'a Scrape) -> Vec<(&'a Sample, f64)> {
    let old: HashMap<String, f64> =
        before.samples.iter().filter(|s| s.name == name).map(|s| (series_key(s), s.value)).collect();
    after
        .samples
        .iter()
        .filter(|s| s.name == name && is_traffic(s))
        .map(|s| {
            let base = old.get(&series_key(s)).copied().unwrap_or(0.0);
            (s, prometheus::rate(base, s.value, 1.0))
        })
        .collect()
}

/// Traffic figures between two scrapes of one instance.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Traffic {
    pub request_rate: f64,
    pub error_rate: Option<f64>,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub events_rate: f64,
}

fn traffic(before: &Scrape, after: &Scrape) -> Traffic {
    let seconds = after.at.duration_since(before.at).as_secs_f64();
    let requests = increases("http_server_requests_total", before, after);
    let total: f64 = requests.iter().map(|(_, d)| d).sum();
    let errors: f64 =
        requests.iter().filter(|(s, _)| s.label("status").is_some_and(|c| c.starts_with('5'))).map(|(_, d)| d).sum();
    let mut buckets: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (sample, delta) in increases("http_server_request_duration_seconds_bucket", before, after) {
        let Some(le) = sample.label("le") else { continue };
        let Ok(bound) = le.parse::<f64>().or_else(|_| if le == "+Inf" { Ok(f64::INFINITY) } else { Err(()) }) else {
            continue;
        };
        buckets.entry(le.to_owned()).or_insert((bound, 0.0)).1 += delta;
    }
    let buckets: Vec<(f64, f64)> = buckets.into_values().collect();
    let events: f64 = increases("events_consumed_total", before, after).iter().map(|(_, d)| d).sum();
    Traffic {
        request_rate: if seconds > 0.0 { total / seconds } else { 0.0 },
        error_rate: (total > 0.0).then(|| errors / total),
        p50: prometheus::quantile(0.5, &buckets),
        p99: prometheus::quantile(0.99, &buckets),
        events_rate: if seconds > 0.0 { events / seconds } else { 0.0 },
    }
}

fn breakers(scrape: &Scrape) -> Vec<BreakerView> {
    let mut out: Vec<BreakerView> = scrape
        .samples
        .iter()
        .filter(|s| s.name == "client_circuit_state")
        .filter_map(|s| {
            let state = match s.value as i64 {
                0 => "closed",
                1 => "open",
                2 => "half-open",
                _ => return None,
            };
            Some(BreakerView { dependency: s.label("dependency")?.to_owned(), state })
        })
        .collect();
    out.sort_by(|a, b| (a.state == "closed", &a.dependency).cmp(&(b.state == "closed", &b.dependency)));
    out
}

fn lag(scrape: &Scrape) -> Option<f64> {
    scrape
        .samples
        .iter()
        .filter(|s| s.name.ends_with("_lag_seconds") && s.value.is_finite())
        .map(|s| s.value)
        .reduce(f64::max)
}

fn instance_view(
    endpoint: &runtime::discovery::Endpoint,
    health: &'static str,
    previous: Option<&Scrape>,
    latest: Option<&Scrape>,
) -> InstanceView {
    let traffic = match (previous, latest) {
        (Some(before), Some(after)) => Some(traffic(before, after)),
        _ => None,
    };
    let breakers = latest.map(breakers).unwrap_or_default();
    let lag_seconds = latest.and_then(lag);
    let request_rate = traffic.as_ref().map(|t| t.request_rate);
    let p50_ms = traffic.as_ref().and_then(|t| t.p50).map(|s| s * 1000.0);
    let p99_ms = traffic.as_ref().and_then(|t| t.p99).map(|s| s * 1000.0);
    let error_rate = traffic.as_ref().and_then(|t| t.error_rate);
    let display = InstanceDisplay {
        rate: request_rate.map_or_else(dash, |r| format!("{r:.1}/s")),
        p50: p50_ms.map_or_else(dash, milliseconds),
        p99: p99_ms.map_or_else(dash, milliseconds),
        errors: error_rate.map_or_else(dash, |e| format!("{:.1} %", e * 100.0)),
        breakers: if breakers.is_empty() {
            dash()
        } else {
            breakers.iter().map(|b| format!("{}: {}", b.dependency, b.state)).collect::<Vec<_>>().join(", ")
        },
        lag: lag_seconds.map_or_else(dash, |l| format!("{l:.1} s")),
    };
    InstanceView {
        id: endpoint.id.clone(),
        address: endpoint.base_url.clone(),
        health,
        request_rate,
        p50_ms,
        p99_ms,
        error_rate,
        breakers,
        lag_seconds,
        events_rate: traffic.map(|t| t.events_rate),
        display,
    }
}

fn dash() -> String {
    "—".to_owned()
}

fn milliseconds(ms: f64) -> String {
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.0} ms") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(at: Instant, text: &str) -> Scrape {
        Scrape { at, samples: prometheus::parse(text).expect("valid exposition") }
    }

    #[test]
    fn traffic_is_the_difference_between_two_scrapes_without_own_routes() {
        let t0 = Instant::now();
        let before = scrape(
            t0,
            r#"http_server_requests_total{route="/v1/products",method="GET",status="200"} 100
http_server_requests_total{route="/metrics",method="GET",status="200"} 7
http_server_request_duration_seconds_bucket{route="/v1/products",method="GET",le="0.01"} 90
http_server_request_duration_seconds_bucket{route="/v1/products",method="GET",le="0.1"} 100
http_server_request_duration_seconds_bucket{route="/v1/products",method="GET",le="+Inf"} 100
"#,
        );
        let after = scrape(
            t0 + Duration::from_secs(2),
            r#"http_server_requests_total{route="/v1/products",method="GET",status="200"} 118
http_server_requests_total{route="/v1/products",method="GET",status="503"} 2
http_server_requests_total{route="/metrics",method="GET",status="200"} 500
http_server_request_duration_seconds_bucket{route="/v1/products",method="GET",le="0.01"} 100
http_server_request_duration_seconds_bucket{route="/v1/products",method="GET",le="0.1"} 120
http_server_request_duration_seconds_bucket{route="/v1/products",method="GET",le="+Inf"} 120
http_server_request_duration_seconds_bucket{route="/metrics",method="GET",le="0.01"} 0
http_server_request_duration_seconds_bucket{route="/metrics",method="GET",le="0.1"} 0
http_server_request_duration_seconds_bucket{route="/metrics",method="GET",le="+Inf"} 500
events_consumed_total{consumer="search.products"} 8
"#,
        );
        let t = traffic(&before, &after);
        assert_eq!(t.request_rate, 10.0, "20 requests in 2 s; /metrics excluded");
        assert_eq!(t.error_rate, Some(0.1));
        // 20 new observations: 10 ≤ 10 ms, 10 in (10, 100] ms.
        let p50 = t.p50.expect("observations");
        assert!((p50 - 0.01).abs() < 1e-9, "{p50}");
        let p99 = t.p99.expect("observations");
        assert!((p99 - 0.0982).abs() < 1e-9, "{p99}");
        assert_eq!(t.events_rate, 4.0, "a new series counts from zero");
    }

    #[test]
    fn an_idle_interval_has_no_error_rate_or_latency() {
        let t0 = Instant::now();
        let text = r#"http_server_requests_total{route="/v1/x",method="GET",status="200"} 5"#;
        let t = traffic(&scrape(t0, text), &scrape(t0 + Duration::from_secs(1), text));
        assert_eq!(t, Traffic { request_rate: 0.0, error_rate: None, p50: None, p99: None, events_rate: 0.0 });
    }

    #[test]
    fn breakers_and_lag_come_from_the_latest_scrape() {
        let s = scrape(
            Instant::now(),
            r#"client_circuit_state{dependency="pricing"} 0
client_circuit_state{dependency="catalog"} 1
client_circuit_state{dependency="identity"} 2
search_index_lag_seconds 0.5
outbox_lag_seconds 3
"#,
        );
        let states: Vec<(String, &str)> = breakers(&s).into_iter().map(|b| (b.dependency, b.state)).collect();
        assert_eq!(
            states,
            [("catalog".into(), "open"), ("identity".into(), "half-open"), ("pricing".into(), "closed")]
        );
        assert_eq!(lag(&s), Some(3.0));
    }

    #[test]
    fn an_instance_without_a_previous_scrape_shows_dashes() {
        let endpoint = runtime::discovery::Endpoint::new("catalog-1", "http://127.0.0.1:1").expect("a url");
        let latest = scrape(Instant::now(), r#"client_circuit_state{dependency="x"} 1"#);
        let view = instance_view(&endpoint, "ready", None, Some(&latest));
        assert_eq!(view.request_rate, None);
        assert_eq!(view.display.rate, "—");
        assert_eq!(view.display.breakers, "x: open");
        assert_eq!(service_status(std::slice::from_ref(&view)), "up");
        let down = InstanceView { health: "unreachable", ..view };
        assert_eq!(service_status(&[down]), "down");
        assert_eq!(service_status(&[]), "down");
    }
}
