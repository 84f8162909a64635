//! `mercato bench`: puts a running platform under load through its public gateway and
//! reports throughput and latency percentiles per step.
//!
//! One module per scenario: `product_page` (W1), `browse` (W2), `checkout` (W3) and `mix`
//! (a shop's blend of the three), each prepared from what `shop` finds through the public
//! API. All run on one driver (`load`), in a closed model (`--users N`: N virtual users, each
//! running flows back to back with no think time) or an open one (`--rate R`: flows arrive on
//! a fixed schedule whatever the latency, timed from their scheduled start; see `load` for
//! why that avoids coordinated omission), with a warm-up that is not measured, then a
//! measured window, and a status line on stderr. Every step's latency goes into an HDR
//! histogram (`report`); failures are counted by status and problem type. When the platform
//! was found through its data directory, the CPU time and memory of each service's processes
//! are read from `/proc` around the window (`procs`), and the result is written as JSON to
//! the data directory's `bench/` folder. Such a run first waits (`--settle`) for the
//! platform to go idle, so that work of its own is not measured as the load's cost.
//!
//! A closed loop measures what the platform sustains with N requests in flight; its
//! percentiles describe service time under that concurrency, not the latency an open stream
//! of arrivals would see past saturation. The open model measures that latency.

mod browse;
mod checkout;
mod load;
mod mix;
mod procs;
mod product_page;
mod report;
mod shop;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use tokio::time::Instant;

use crate::cli::{BenchArgs, BenchScenario, LoadArgs};
use crate::control::StatusReport;
use load::{Ctx, Model, Scenario, Window};
use report::Report;

/// `mercato bench SCENARIO`.
pub async fn command(args: BenchArgs) -> anyhow::Result<()> {
    let (key, opts) = match &args.scenario {
        BenchScenario::ProductPage(opts) => ("product-page", opts),
        BenchScenario::Browse(opts) => ("browse", opts),
        BenchScenario::Checkout(opts) => ("checkout", opts),
        BenchScenario::Mix(opts) => ("mix", opts),
    };
    let target = Target::resolve(opts)?;
    let model = model(opts);
    let ctx = Ctx::new(&target.gateway, model.concurrency())?;
    let run = Planned { key, target: &target, model, opts };
    match args.scenario {
        BenchScenario::ProductPage(_) => run.execute(product_page::ProductPage::prepare(&ctx).await?, ctx).await,
        BenchScenario::Browse(_) => run.execute(browse::Browse::prepare(&ctx).await?, ctx).await,
        BenchScenario::Checkout(_) => run.execute(checkout::Checkout::prepare(&ctx).await?, ctx).await,
        BenchScenario::Mix(_) => run.execute(mix::Mix::prepare(&ctx).await?, ctx).await,
    }
}

/// The load model the options ask for.
fn model(opts: &LoadArgs) -> Model {
    match opts.rate {
        Some(rate) => Model::Open { rate, max_in_flight: usize::from(opts.max_in_flight) },
        None => Model::Closed { users: usize::from(opts.users) },
    }
}

/// Where the platform under load is.
struct Target {
    gateway: String,
    /// The supervisor's control API, when the platform was found through its data directory;
    /// it lists the service processes whose CPU and memory are then reported.
    control_url: Option<String>,
    supervisor_pid: Option<u32>,
}

impl Target {
    fn resolve(opts: &LoadArgs) -> anyhow::Result<Target> {
        let state = crate::state::read(&opts.data.data_dir);
        let given = opts.gateway.as_deref().map(|g| g.trim_end_matches('/').to_owned());
        match (given, state) {
            (Some(gateway), Ok(state)) if gateway == state.gateway_url.trim_end_matches('/') => {
                Ok(Target { gateway, control_url: Some(state.control_url), supervisor_pid: Some(state.pid) })
            }
            (Some(gateway), _) => {
                if !gateway.starts_with("http://") && !gateway.starts_with("https://") {
                    bail!("--gateway must be a URL such as http://127.0.0.1:8080");
                }
                Ok(Target { gateway, control_url: None, supervisor_pid: None })
            }
            (None, Ok(state)) => Ok(Target {
                gateway: state.gateway_url.trim_end_matches('/').to_owned(),
                control_url: Some(state.control_url),
                supervisor_pid: Some(state.pid),
            }),
            (None, Err(err)) => Err(err.context("give --gateway, or --data-dir of a running platform")),
        }
    }

    /// The supervisor's status report, if it answers.
    async fn status(&self) -> Option<StatusReport> {
        let url = format!("{}/v1/status", self.control_url.as_deref()?);
        let response = reqwest::Client::new().get(url).timeout(Duration::from_secs(3)).send().await.ok()?;
        response.error_for_status().ok()?.json().await.ok()
    }
}

/// A run as the command line asked for it.
struct Planned<'a> {
    key: &'static str,
    target: &'a Target,
    model: Model,
    opts: &'a LoadArgs,
}

impl Planned<'_> {
    /// Runs `scenario`, prints the report and writes it as JSON.
    async fn execute<S: Scenario>(self, scenario: S, ctx: Ctx) -> anyhow::Result<()> {
        let Planned { key, target, model, opts } = self;
        let status = target.status().await;
        let watched = status.as_ref().map(|s| procs::Watched::new(s, target.supervisor_pid));
        let settle = match &watched {
            Some(watched) => Some(watched.settle(opts.settle).await),
            None => None,
        };
        if let Some(settle) = settle.as_ref().filter(|s| !s.idle) {
            eprintln!("{}", settle.render());
        }
        let offered = match model {
            Model::Closed { users } => format!("{users} users"),
            Model::Open { rate, max_in_flight } => format!("{rate} arrivals/s (at most {max_in_flight} in flight)"),
        };
        eprintln!(
            "Running {} with {offered} against {}: {} warm-up, {} measured …",
            scenario.name(),
            target.gateway,
            human_duration(opts.warmup),
            human_duration(opts.duration),
        );

        let started_at = runtime::db::now();
        let load_before = report::load_average();
        let before = watched.as_ref().map(procs::Watched::sample);
        let started = Instant::now();
        let window = Window { start: started + opts.warmup, end: started + opts.warmup + opts.duration };
        // CPU is counted over the measured window only: sampled when it opens and when it closes.
        let sampler = watched.clone().map(|watched| {
            tokio::spawn(async move {
                tokio::time::sleep_until(window.start).await;
                let open = watched.sample();
                tokio::time::sleep_until(window.end).await;
                (open, watched.sample())
            })
        });
        let measured = load::drive(scenario, ctx, model, window).await?;
        let processes = match (watched, before, sampler) {
            (Some(watched), Some(before), Some(sampler)) => {
                let (open, close) = sampler.await.context("the process sampler failed")?;
                Some(watched.report(&before, &open, &close))
            }
            _ => None,
        };

        let report = Report::new(
            &measured,
            report::RunInfo {
                key,
                gateway: target.gateway.clone(),
                mode: status.map(|s| s.mode),
                model,
                warmup: opts.warmup,
                duration: opts.duration,
                started_at,
                load_before,
                load_after: report::load_average(),
                settle,
            },
            processes,
        );
        println!("{}", report.render());
        let json = serde_json::to_vec_pretty(&report)?;
        if let Some(path) = &opts.json {
            std::fs::write(path, &json).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote {}.", path.display());
        }
        if opts.data.data_dir.is_dir() {
            let path = archive_path(&opts.data.data_dir, key, &report.started_at);
            let written = std::fs::create_dir_all(path.parent().unwrap_or(&opts.data.data_dir))
                .and_then(|()| std::fs::write(&path, &json));
            match written {
                Ok(()) => eprintln!("Wrote {}.", path.display()),
                Err(err) => eprintln!("Could not write {}: {err}", path.display()),
            }
        }
        Ok(())
    }
}

/// `<data dir>/bench/<scenario>-<YYYYMMDDTHHMMSSZ>.json` for a run started at `started_at`
/// (RFC 3339).
fn archive_path(data_dir: &Path, key: &str, started_at: &str) -> PathBuf {
    let stamp: String =
        started_at.chars().take_while(|c| *c != '.' && *c != 'Z').filter(|c| c.is_ascii_alphanumeric()).collect();
    data_dir.join("bench").join(format!("{key}-{stamp}Z.json"))
}

/// Parses an arrival rate: a positive number of flows per second, at most 100,000.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number (flows per second)"))?;
    if !(rate.is_finite() && rate > 0.0 && rate <= 100_000.0) {
        return Err(format!("`{text}`: the rate must be above 0 and at most 100000 per second"));
    }
    Ok(rate)
}

/// Parses a duration such as `20s`, `500ms`, `2m`, `1h` or `1m30s`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a duration such as 20s, 500ms or 2m".into());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("`{text}`: expected a number before `{rest}`"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| format!("`{text}`: number too large"))?;
        rest = &rest[digits..];
        let unit = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" | "min" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            "" => return Err(format!("`{text}`: a unit (ms, s, m, h) is missing after {number}")),
            other => return Err(format!("`{text}`: unknown unit `{other}` (ms, s, m, h)")),
        };
        total = total.saturating_add(part);
        rest = &rest[unit..];
    }
    Ok(total)
}

/// `20s`, `1.5s`, `250ms`.
fn human_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{archive_path, human_duration, parse_duration, parse_rate};

    #[test]
    fn durations_parse_with_units_and_combinations() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1s250ms"), Ok(Duration::from_millis(1250)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration(" 3s "), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_durations_are_refused_with_a_reason() {
        for bad in ["", "s", "20x", "1m30", "-5s", "1.5s", "ms20"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_duration("20x").is_err_and(|e| e.contains("unknown unit")));
    }

    #[test]
    fn rates_are_positive_and_bounded() {
        assert_eq!(parse_rate("500"), Ok(500.0));
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        for bad in ["0", "-3", "abc", "inf", "NaN", "100001", ""] {
            assert!(parse_rate(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn results_are_archived_by_scenario_and_time() {
        let path = archive_path(std::path::Path::new("/d"), "mix", "2026-06-01T12:03:04.123456Z");
        assert_eq!(path, std::path::Path::new("/d/bench/mix-20260601T120304Z.json"));
    }

    #[test]
    fn durations_print_briefly() {
        assert_eq!(human_duration(Duration::from_secs(20)), "20s");
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
    }
}
