//! Latency histograms, and the report: a table for people, JSON for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::load::{Arrivals, Measured, Model};
use super::procs::{Settle, Usage};

/// The largest latency a histogram holds, in microseconds (an hour); larger ones saturate.
const MAX_MICROS: u64 = 3_600_000_000;

/// One step's latencies (microseconds, three significant digits), failures, and notes on
/// successes (a degraded product page).
#[derive(Debug, Clone)]
pub struct Stats {
    latency: Histogram<u64>,
    errors: BTreeMap<String, u64>,
    notes: BTreeMap<String, u64>,
}

impl Stats {
    /// Empty.
    pub fn new() -> Stats {
        // Constant bounds that `new_with_bounds` accepts (low ≥ 1, high ≥ 2·low, 3 digits).
        let latency = Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds");
        Stats { latency, errors: BTreeMap::new(), notes: BTreeMap::new() }
    }

    /// Records one success that took `latency`.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(micros.max(1));
    }

    /// Counts one failure of kind `key`.
    pub fn error(&mut self, key: String) {
        *self.errors.entry(key).or_default() += 1;
    }

    /// Counts one success that came with `what` (`degraded: recommendations`).
    pub fn note(&mut self, what: &str) {
        match self.notes.get_mut(what) {
            Some(n) => *n += 1,
            None => {
                self.notes.insert(what.to_owned(), 1);
            }
        }
    }

    /// Adds `other`'s samples, failures and notes to these.
    pub fn merge(&mut self, other: &Stats) {
        // Same bounds on both sides, so adding cannot fail; saturate like `record` anyway.
        if self.latency.add(&other.latency).is_err() {
            for v in other.latency.iter_recorded() {
                self.latency.saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
        for (key, n) in &other.errors {
            *self.errors.entry(key.clone()).or_default() += n;
        }
        for (key, n) in &other.notes {
            *self.notes.entry(key.clone()).or_default() += n;
        }
    }

    /// Counts and percentiles over a window of `seconds`.
    pub fn summary(&self, step: &str, seconds: f64) -> StepReport {
        let h = &self.latency;
        let ms = |micros: u64| micros as f64 / 1000.0;
        let count = h.len();
        let empty = count == 0;
        StepReport {
            step: step.to_owned(),
            count,
            per_second: if seconds > 0.0 { count as f64 / seconds } else { 0.0 },
            mean_ms: if empty { 0.0 } else { h.mean() / 1000.0 },
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
            errors: self.errors.values().sum(),
            error_kinds: self.errors.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Step name.
    pub step: String,
    /// Successes completed in the window.
    pub count: u64,
    /// Successes per second.
    pub per_second: f64,
    /// Mean latency of successes.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Failures in the window.
    pub errors: u64,
    /// Failures by kind (`409 insufficient-stock`, `timeout`; for the flow `step: kind`).
    pub error_kinds: BTreeMap<String, u64>,
    /// Successes that came with a remark, by remark (`degraded: recommendations`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, u64>,
}

/// How the run was made.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The scenario as named on the command line (`product-page`).
    pub key: &'static str,
    /// The gateway loaded.
    pub gateway: String,
    /// The platform's storage and event mode, when the supervisor told it.
    pub mode: Option<String>,
    /// How load was offered.
    pub model: Model,
    /// Warm-up, not measured.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// The machine's load averages (1, 5, 15 minutes) before and after the run.
    pub load_before: Option<[f64; 3]>,
    /// After the run.
    pub load_after: Option<[f64; 3]>,
    /// How busy the platform was before the warm-up, when its processes could be read.
    pub settle: Option<Settle>,
}

/// The machine the run was made on, as far as `/proc` tells.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPUs this process may use.
    pub cores: usize,
    /// Load averages (1, 5, 15 minutes) when the run started: other work on the machine.
    pub load_before: Option<[f64; 3]>,
    /// The same when it ended (includes the run itself).
    pub load_after: Option<[f64; 3]>,
    /// How busy the platform was before the warm-up, and how long the run waited for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settle: Option<Settle>,
}

/// The result of a run, as written to `bench/` and with `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario (`product-page (W1)`).
    pub scenario: &'static str,
    /// The scenario as named on the command line (`product-page`).
    pub key: &'static str,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// The gateway loaded.
    pub gateway: String,
    /// Storage and event mode (`sqlite`, `postgres+nats`), if known.
    pub mode: Option<String>,
    /// `closed` (`users` flows at a time) or `open` (`rate_per_s` arrivals a second).
    pub model: &'static str,
    /// Virtual users (closed model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<usize>,
    /// Arrivals a second (open model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<f64>,
    /// Most flows in progress at once (open model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<usize>,
    /// What happened to the arrivals scheduled in the window (open model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<Arrivals>,
    /// Warm-up in seconds.
    pub warmup_s: f64,
    /// Measured window in seconds.
    pub duration_s: f64,
    /// What the scenario prepared.
    pub setup: serde_json::Value,
    /// What a completed flow is (`checkouts`).
    pub unit: &'static str,
    /// Completed flows per second over the window.
    pub throughput_per_s: f64,
    /// Successful requests in the window, all steps.
    pub requests: u64,
    /// The same per second.
    pub requests_per_s: f64,
    /// One row per step.
    pub steps: Vec<StepReport>,
    /// One row per kind of flow (`browse`, `cart`, `checkout` in `mix`; else one).
    pub flows: Vec<StepReport>,
    /// All flows together.
    pub flow: StepReport,
    /// Failures in the window, all steps.
    pub errors: u64,
    /// Failures during the warm-up or after the window.
    pub errors_outside_window: u64,
    /// The same by step and error (`checkout: 503 dependency-unavailable`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub error_kinds_outside_window: BTreeMap<String, u64>,
    /// The machine.
    pub machine: Machine,
    /// CPU and memory of the platform's processes, when they could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processes: Option<Usage>,
    #[serde(skip)]
    description: String,
}

impl Report {
    /// The report of `measured`.
    pub fn new(measured: &Measured, info: RunInfo, processes: Option<Usage>) -> Report {
        let seconds = info.duration.as_secs_f64();
        let steps: Vec<StepReport> = measured.steps.iter().map(|(name, stats)| stats.summary(name, seconds)).collect();
        let flows: Vec<StepReport> = measured.kinds.iter().map(|(name, stats)| stats.summary(name, seconds)).collect();
        let mut all = Stats::new();
        for (_, stats) in &measured.kinds {
            all.merge(stats);
        }
        let flow = all.summary("whole flow", seconds);
        let requests: u64 = steps.iter().map(|s| s.count).sum();
        let (users, rate_per_s, max_in_flight) = match info.model {
            Model::Closed { users } => (Some(users), None, None),
            Model::Open { rate, max_in_flight } => (None, Some(rate), Some(max_in_flight)),
        };
        Report {
            scenario: measured.name,
            key: info.key,
            started_at: info.started_at,
            gateway: info.gateway,
            mode: info.mode,
            model: if users.is_some() { "closed" } else { "open" },
            users,
            rate_per_s,
            max_in_flight,
            arrivals: measured.arrivals,
            warmup_s: info.warmup.as_secs_f64(),
            duration_s: seconds,
            setup: measured.setup.clone(),
            unit: measured.unit,
            throughput_per_s: flow.per_second,
            requests,
            requests_per_s: if seconds > 0.0 { requests as f64 / seconds } else { 0.0 },
            errors: steps.iter().map(|s| s.errors).sum(),
            steps,
            flows,
            flow,
            errors_outside_window: measured.late_errors.values().sum(),
            error_kinds_outside_window: measured.late_errors.clone(),
            machine: Machine {
                cores: std::thread::available_parallelism().map_or(1, usize::from),
                load_before: info.load_before,
                load_after: info.load_after,
                settle: info.settle,
            },
            processes,
            description: measured.description.clone(),
        }
    }

    /// The human-readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mode = self.mode.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
        let _ = writeln!(out, "\nmercato bench {}: {}{mode}", self.scenario, self.gateway);
        let model = match (self.users, self.rate_per_s, self.max_in_flight) {
            (Some(users), _, _) => format!("{users} users, closed loop"),
            (None, Some(rate), Some(cap)) => format!("{rate} arrivals/s, open model (at most {cap} in flight)"),
            _ => "open model".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {model}; {:.0}s warm-up, {:.0}s measured; {}",
            self.warmup_s, self.duration_s, self.description
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {:<18} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
            "STEP", "COUNT", "RATE/s", "P50 ms", "P90 ms", "P99 ms", "MAX ms", "ERRORS"
        );
        let mut rows: Vec<(String, &StepReport)> = self.steps.iter().map(|r| (r.step.clone(), r)).collect();
        let first_flow = rows.len();
        if self.flows.len() > 1 {
            rows.extend(self.flows.iter().map(|r| (format!("flow: {}", r.step), r)));
        }
        rows.push((self.flow.step.clone(), &self.flow));
        for (i, (name, row)) in rows.into_iter().enumerate() {
            if i == first_flow {
                let _ = writeln!(out, "  {}", "-".repeat(87));
            }
            let _ = writeln!(
                out,
                "  {:<18} {:>8} {:>9.1} {:>9} {:>9} {:>9} {:>9} {:>7}",
                name,
                row.count,
                row.per_second,
                millis(row.count, row.p50_ms),
                millis(row.count, row.p90_ms),
                millis(row.count, row.p99_ms),
                millis(row.count, row.max_ms),
                row.errors
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {:.1} {}/s, {:.1} requests/s; {} errors in the window, {} outside it",
            self.throughput_per_s, self.unit, self.requests_per_s, self.errors, self.errors_outside_window
        );
        if let Some(a) = &self.arrivals {
            let _ = writeln!(
                out,
                "  arrivals in the window: {} scheduled, {} dropped (too many in flight), {} started late (>10 ms)",
                a.scheduled, a.dropped, a.late
            );
        }
        for (kind, n) in &self.flow.error_kinds {
            let _ = writeln!(out, "    {n:>6} × {kind}");
        }
        for step in &self.steps {
            for (note, n) in &step.notes {
                let _ = writeln!(out, "  {}: {n} × {note}", step.step);
            }
        }
        if let Some(usage) = &self.processes {
            let _ = writeln!(out);
            out.push_str(&usage.render());
        }
        let load = |l: Option<[f64; 3]>| l.map_or_else(|| "?".into(), |[a, b, c]| format!("{a:.2} {b:.2} {c:.2}"));
        let _ = writeln!(
            out,
            "  load average before {}, after {}",
            load(self.machine.load_before),
            load(self.machine.load_after)
        );
        if let Some(settle) = &self.machine.settle {
            let _ = writeln!(out, "  {}", settle.render());
        }
        out
    }
}

/// The load averages of `/proc/loadavg` (1, 5 and 15 minutes).
pub fn load_average() -> Option<[f64; 3]> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// A latency for the table: two decimals under 100 ms, one above; `-` without samples.
fn millis(count: u64, ms: f64) -> String {
    if count == 0 {
        "-".into()
    } else if ms < 100.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::{Report, RunInfo, Stats, parse_loadavg};
    use crate::bench::load::{Arrivals, Measured, Model};

    fn stats(latencies_ms: impl IntoIterator<Item = u64>) -> Stats {
        let mut stats = Stats::new();
        for ms in latencies_ms {
            stats.record(Duration::from_millis(ms));
        }
        stats
    }

    fn info(model: Model) -> RunInfo {
        RunInfo {
            key: "checkout",
            gateway: "http://127.0.0.1:8080".into(),
            mode: Some("sqlite".into()),
            model,
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(2),
            started_at: "2026-06-01T12:00:00.000000Z".into(),
            load_before: Some([0.5, 0.25, 0.125]),
            load_after: None,
            settle: None,
        }
    }

    #[test]
    fn a_summary_has_counts_rates_and_percentiles() {
        // 1..=100 ms: the percentiles are the values themselves (within 0.1 %).
        let mut s = stats(1..=100);
        s.error("409 insufficient-stock".into());
        s.error("409 insufficient-stock".into());
        s.error("timeout".into());
        let row = s.summary("checkout", 10.0);
        assert_eq!(row.count, 100);
        assert!((row.per_second - 10.0).abs() < 1e-9);
        assert!((row.p50_ms - 50.0).abs() < 0.1, "{}", row.p50_ms);
        assert!((row.p90_ms - 90.0).abs() < 0.1, "{}", row.p90_ms);
        assert!((row.p99_ms - 99.0).abs() < 0.1, "{}", row.p99_ms);
        assert!((row.max_ms - 100.0).abs() < 0.1, "{}", row.max_ms);
        assert_eq!(row.errors, 3);
        assert_eq!(row.error_kinds["409 insufficient-stock"], 2);
    }

    #[test]
    fn merged_stats_hold_both_samples_errors_and_notes() {
        // 1..=50 and 51..=100 merged are 1..=100: same percentiles as recorded together.
        let mut a = stats(1..=50);
        a.error("503".into());
        a.note("degraded: pricing");
        let mut b = stats(51..=100);
        b.error("503".into());
        b.error("timeout".into());
        b.note("degraded: pricing");
        b.note("degraded: recommendations");
        a.merge(&b);
        let row = a.summary("all", 1.0);
        assert_eq!(row.count, 100);
        assert!((row.p50_ms - 50.0).abs() < 0.1, "{}", row.p50_ms);
        assert!((row.p99_ms - 99.0).abs() < 0.1, "{}", row.p99_ms);
        assert!((row.max_ms - 100.0).abs() < 0.1, "{}", row.max_ms);
        assert_eq!((row.errors, row.error_kinds["503"], row.error_kinds["timeout"]), (3, 2, 1));
        assert_eq!(row.notes["degraded: pricing"], 2);
        assert_eq!(row.notes["degraded: recommendations"], 1);
    }

    #[test]
    fn the_table_has_a_row_per_step_and_the_throughput() {
        let measured = Measured {
            name: "checkout (W3)",
            unit: "checkouts",
            setup: serde_json::json!({ "skus": 10 }),
            description: "10 SKUs in stock".into(),
            steps: vec![("cart create", stats([2, 4])), ("checkout", stats(std::iter::empty()))],
            kinds: vec![("whole flow", stats([20, 40]))],
            late_errors: BTreeMap::from([("checkout: 503".to_owned(), 1)]),
            arrivals: None,
        };
        let report = Report::new(&measured, info(Model::Closed { users: 4 }), None);
        assert!((report.throughput_per_s - 1.0).abs() < 1e-9);
        assert!((report.requests_per_s - 1.0).abs() < 1e-9);
        let table = report.render();
        let row = table.lines().find(|l| l.trim_start().starts_with("cart create")).expect("a cart create row");
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[2..], ["2", "1.0", "2.00", "4.00", "4.00", "4.00", "0"], "{table}");
        let empty = table.lines().find(|l| l.trim_start().starts_with("checkout ")).expect("a checkout row");
        assert!(empty.contains(" - "), "no samples, no percentiles: {table}");
        assert!(table.contains("whole flow"), "{table}");
        assert!(!table.contains("flow: "), "one kind of flow, one flow row: {table}");
        assert!(table.contains("4 users, closed loop"), "{table}");
        assert!(table.contains("1.0 checkouts/s, 1.0 requests/s; 0 errors in the window, 1 outside it"), "{table}");
        assert!(table.contains("(sqlite)"), "{table}");
        assert!(table.contains("load average before 0.50 0.25 0.12, after ?"), "{table}");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["model"], "closed");
        assert_eq!(json["users"], 4);
        assert!(json.get("rate_per_s").is_none());
        assert_eq!(json["steps"][0]["count"], 2);
        assert_eq!(json["flow"]["count"], 2);
        assert_eq!(json["flows"][0]["count"], 2);
        assert_eq!(json["setup"]["skus"], 10);
        assert_eq!(json["machine"]["load_before"][0], 0.5);
    }

    #[test]
    fn a_mix_has_a_row_per_kind_of_flow_and_all_flows_together() {
        let mut page = stats([1, 2, 3]);
        page.note("degraded: recommendations");
        let measured = Measured {
            name: "mix",
            unit: "flows",
            setup: serde_json::json!({}),
            description: "a shop".into(),
            steps: vec![("product page", page), ("checkout", stats([50]))],
            kinds: vec![("browse", stats([1, 2, 3])), ("checkout", stats([80]))],
            late_errors: BTreeMap::new(),
            arrivals: Some(Arrivals { scheduled: 10, dropped: 2, late: 1 }),
        };
        let report = Report::new(&measured, info(Model::Open { rate: 5.0, max_in_flight: 64 }), None);
        assert_eq!(report.flow.count, 4, "all flows together");
        assert!((report.throughput_per_s - 2.0).abs() < 1e-9);
        let table = report.render();
        assert!(table.contains("flow: browse"), "{table}");
        assert!(table.contains("flow: checkout"), "{table}");
        assert!(table.contains("5 arrivals/s, open model (at most 64 in flight)"), "{table}");
        assert!(table.contains("10 scheduled, 2 dropped"), "{table}");
        assert!(table.contains("product page: 1 × degraded: recommendations"), "{table}");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["model"], "open");
        assert_eq!(json["rate_per_s"], 5.0);
        assert_eq!(json["arrivals"]["dropped"], 2);
        assert!(json.get("users").is_none());
        assert_eq!(json["flows"].as_array().map(Vec::len), Some(2));
        assert_eq!(json["steps"][0]["notes"]["degraded: recommendations"], 1);
        assert!(json["steps"][1].get("notes").is_none(), "no notes, no field");
    }

    #[test]
    fn load_averages_are_read() {
        assert_eq!(parse_loadavg("2.63 1.53 0.63 3/412 9876\n"), Some([2.63, 1.53, 0.63]));
        assert_eq!(parse_loadavg("garbage"), None);
    }
}
