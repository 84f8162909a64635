//! Latency histograms, and the report: a table for people, JSON for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::load::Measured;
use super::procs::Usage;

/// The largest latency a histogram holds, in microseconds (an hour); larger ones saturate.
const MAX_MICROS: u64 = 3_600_000_000;

/// One step's latencies (microseconds, three significant digits) and failures.
#[derive(Debug, Clone)]
pub struct Stats {
    latency: Histogram<u64>,
    errors: BTreeMap<String, u64>,
}

impl Stats {
    /// Empty.
    pub fn new() -> Stats {
        // Constant bounds that `new_with_bounds` accepts (low ≥ 1, high ≥ 2·low, 3 digits).
        let latency = Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds");
        Stats { latency, errors: BTreeMap::new() }
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
}

/// How the run was made.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The gateway loaded.
    pub gateway: String,
    /// The platform's storage and event mode, when the supervisor told it.
    pub mode: Option<String>,
    /// Virtual users.
    pub users: usize,
    /// Warm-up, not measured.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
}

/// The result of a run, as written with `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario.
    pub scenario: &'static str,
    /// The gateway loaded.
    pub gateway: String,
    /// Storage and event mode (`sqlite`, `postgres+nats`), if known.
    pub mode: Option<String>,
    /// Virtual users (closed loop).
    pub users: usize,
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
    /// One row per step.
    pub steps: Vec<StepReport>,
    /// Whole flows.
    pub flow: StepReport,
    /// Failures in the window, all steps.
    pub errors: u64,
    /// Failures during the warm-up or after the window.
    pub errors_outside_window: u64,
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
        let flow = measured.flow.summary("whole flow", seconds);
        Report {
            scenario: measured.name,
            gateway: info.gateway,
            mode: info.mode,
            users: info.users,
            warmup_s: info.warmup.as_secs_f64(),
            duration_s: seconds,
            setup: measured.setup.clone(),
            unit: measured.unit,
            throughput_per_s: flow.per_second,
            errors: steps.iter().map(|s| s.errors).sum(),
            steps,
            flow,
            errors_outside_window: measured.late_errors,
            processes,
            description: measured.description.clone(),
        }
    }

    /// The human-readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mode = self.mode.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
        let _ = writeln!(out, "\nmercato bench {}: {}{mode}", self.scenario, self.gateway);
        let _ = writeln!(
            out,
            "  {} users, closed loop; {:.0}s warm-up, {:.0}s measured; {}",
            self.users, self.warmup_s, self.duration_s, self.description
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {:<14} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7}",
            "STEP", "COUNT", "RATE/s", "P50 ms", "P90 ms", "P99 ms", "MAX ms", "ERRORS"
        );
        for row in self.steps.iter().chain(std::iter::once(&self.flow)) {
            let _ = writeln!(
                out,
                "  {:<14} {:>8} {:>9.1} {:>9} {:>9} {:>9} {:>9} {:>7}",
                row.step,
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
            "  {:.1} {}/s; {} errors in the window, {} outside it",
            self.throughput_per_s, self.unit, self.errors, self.errors_outside_window
        );
        for (kind, n) in &self.flow.error_kinds {
            let _ = writeln!(out, "    {n:>6} × {kind}");
        }
        if let Some(usage) = &self.processes {
            let _ = writeln!(out);
            out.push_str(&usage.render());
        }
        out
    }
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
    use std::time::Duration;

    use super::{Report, RunInfo, Stats};
    use crate::bench::load::Measured;

    fn stats(latencies_ms: impl IntoIterator<Item = u64>) -> Stats {
        let mut stats = Stats::new();
        for ms in latencies_ms {
            stats.record(Duration::from_millis(ms));
        }
        stats
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
    fn the_table_has_a_row_per_step_and_the_throughput() {
        let measured = Measured {
            name: "checkout (W3)",
            unit: "checkouts",
            setup: serde_json::json!({ "skus": 10 }),
            description: "10 SKUs in stock".into(),
            steps: vec![("cart create", stats([2, 4])), ("checkout", stats(std::iter::empty()))],
            flow: stats([20, 40]),
            late_errors: 1,
        };
        let info = RunInfo {
            gateway: "http://127.0.0.1:8080".into(),
            mode: Some("sqlite".into()),
            users: 4,
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(2),
        };
        let report = Report::new(&measured, info, None);
        assert!((report.throughput_per_s - 1.0).abs() < 1e-9);
        let table = report.render();
        let row = table.lines().find(|l| l.trim_start().starts_with("cart create")).expect("a cart create row");
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[2..], ["2", "1.0", "2.00", "4.00", "4.00", "4.00", "0"], "{table}");
        let empty = table.lines().find(|l| l.trim_start().starts_with("checkout ")).expect("a checkout row");
        assert!(empty.contains(" - "), "no samples, no percentiles: {table}");
        assert!(table.contains("whole flow"), "{table}");
        assert!(table.contains("1.0 checkouts/s; 0 errors in the window, 1 outside it"), "{table}");
        assert!(table.contains("(sqlite)"), "{table}");
        let json = serde_json::to_value(&report).expect("json");
        assert_eq!(json["steps"][0]["count"], 2);
        assert_eq!(json["flow"]["count"], 2);
        assert_eq!(json["setup"]["skus"], 10);
    }
}
