//! The closed-loop driver every scenario runs on: virtual users as tokio tasks sharing one
//! connection pool and one histogram per step, a warm-up that is not counted, and a progress
//! line once a second.
//!
//! A sample counts when its request *completes* inside the measured window, so count divided
//! by the window is the rate the platform sustained. When the window closes no user starts
//! another request; requests in flight finish (bounded by the request timeout) uncounted.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::report::Stats;

/// No request of a flow may take longer than this; it then counts as a `timeout` error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A user pauses this long after a failed flow, so that a platform answering errors at once
/// (connection refused, 503) is not hammered in a tight loop.
const PAUSE_AFTER_ERROR: Duration = Duration::from_millis(50);

/// The measured part of a run.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Where the warm-up ends and measuring starts.
    pub start: Instant,
    /// Where measuring (and the run) ends.
    pub end: Instant,
}

impl Window {
    fn contains(&self, at: Instant) -> bool {
        at >= self.start && at < self.end
    }
}

/// What every user shares: the HTTP client (one pool) and the gateway's base URL.
pub struct Ctx {
    /// The client; its pool keeps one idle connection per user.
    pub http: reqwest::Client,
    base: String,
}

impl Ctx {
    /// A client for `users` concurrent users of `gateway`.
    pub fn new(gateway: &str, users: usize) -> anyhow::Result<Ctx> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(users)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Ctx { http, base: gateway.trim_end_matches('/').to_owned() })
    }

    /// The gateway URL of `path` (`/api/v1/…`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A workload: named steps, and one flow of a virtual user.
pub trait Scenario: Send + Sync + 'static {
    /// Its name in the report (`checkout (W3)`).
    fn name(&self) -> &'static str;
    /// Its steps in the order a flow takes them: the rows of the report, indexes for
    /// [`Run::step`].
    fn steps(&self) -> &'static [&'static str];
    /// What one completed flow is called, plural (`checkouts`).
    fn unit(&self) -> &'static str;
    /// What the preparation found, for the report (`{"skus": 6012}`).
    fn setup(&self) -> serde_json::Value;
    /// The same, in a few words for the table's header.
    fn describe(&self) -> String;
    /// One whole flow. Each request goes through [`Run::step`], which times and records it;
    /// the first failure ends the flow with its error.
    fn flow(&self, ctx: &Ctx, run: &mut Run) -> impl Future<Output = Result<(), Abort>> + Send;
}

/// Why a flow ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// A step failed (already counted).
    Failed,
    /// The window closed before the next step.
    Stopped,
}

/// Why one step failed; [`StepError::key`] is what errors are counted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// An answer other than 2xx, with the problem's code if it had one (`insufficient-stock`).
    Status(u16, Option<String>),
    /// No answer within the request timeout.
    Timeout,
    /// No connection.
    Connect,
    /// Any other transport failure.
    Transport,
    /// A 2xx answer the scenario could not use.
    Answer(&'static str),
}

impl StepError {
    /// `409 insufficient-stock`, `503`, `timeout`, …
    pub fn key(&self) -> String {
        match self {
            StepError::Status(status, Some(code)) => format!("{status} {code}"),
            StepError::Status(status, None) => status.to_string(),
            StepError::Timeout => "timeout".into(),
            StepError::Connect => "connect".into(),
            StepError::Transport => "transport".into(),
            StepError::Answer(what) => (*what).into(),
        }
    }
}

impl From<reqwest::Error> for StepError {
    fn from(err: reqwest::Error) -> Self {
        if err.is_timeout() {
            StepError::Timeout
        } else if err.is_connect() {
            StepError::Connect
        } else {
            StepError::Transport
        }
    }
}

/// Sends `request` and decodes a 2xx JSON answer; anything else is a [`StepError`].
pub async fn json<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, StepError> {
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        return Err(StepError::Status(status.as_u16(), problem_code(&body)));
    }
    serde_json::from_slice(&body).map_err(|_| StepError::Answer("unexpected answer"))
}

/// The code of an RFC 9457 problem (`urn:mercato:problem:<code>`).
fn problem_code(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Problem {
        #[serde(rename = "type")]
        kind: String,
    }
    let problem: Problem = serde_json::from_slice(body).ok()?;
    Some(problem.kind.rsplit(':').next().unwrap_or_default().to_owned())
}

/// Where every user records: one histogram per step behind a lock. A request takes
/// milliseconds, so the lock is taken a few thousand times a second at most and never
/// contended for long; per-user histograms would cost ~200 KB each per step instead.
struct Recorder {
    names: &'static [&'static str],
    window: Window,
    steps: Vec<Mutex<Stats>>,
    flow: Mutex<Stats>,
    /// Completed flows, warm-up included (for the progress line).
    flows: AtomicU64,
    /// Failed steps, warm-up included (for the progress line).
    errors: AtomicU64,
    /// Failed steps outside the window.
    late_errors: AtomicU64,
}

fn lock(stats: &Mutex<Stats>) -> MutexGuard<'_, Stats> {
    // A panic while recording leaves the histogram as usable as it was.
    stats.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    fn new(names: &'static [&'static str], window: Window) -> Recorder {
        Recorder {
            names,
            window,
            steps: names.iter().map(|_| Mutex::new(Stats::new())).collect(),
            flow: Mutex::new(Stats::new()),
            flows: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            late_errors: AtomicU64::new(0),
        }
    }
}

/// One user: its random numbers, and where it records.
pub struct Run {
    /// The user's own random numbers.
    pub rng: fastrand::Rng,
    recorder: Arc<Recorder>,
}

impl Run {
    /// Runs one request of step `step` (an index into [`Scenario::steps`]), timing it.
    pub async fn step<T>(&mut self, step: usize, call: impl Future<Output = Result<T, StepError>>) -> Result<T, Abort> {
        let recorder = &*self.recorder;
        let started = Instant::now();
        if started >= recorder.window.end {
            return Err(Abort::Stopped);
        }
        let result = call.await;
        let done = Instant::now();
        let counted = recorder.window.contains(done);
        match result {
            Ok(value) => {
                if counted {
                    lock(&recorder.steps[step]).record(done - started);
                }
                Ok(value)
            }
            Err(err) => {
                recorder.errors.fetch_add(1, Ordering::Relaxed);
                if counted {
                    let key = err.key();
                    lock(&recorder.flow).error(format!("{}: {key}", recorder.names[step]));
                    lock(&recorder.steps[step]).error(key);
                } else {
                    recorder.late_errors.fetch_add(1, Ordering::Relaxed);
                }
                Err(Abort::Failed)
            }
        }
    }

    fn flow_done(&mut self, started: Instant) {
        self.recorder.flows.fetch_add(1, Ordering::Relaxed);
        let done = Instant::now();
        if self.recorder.window.contains(done) {
            lock(&self.recorder.flow).record(done - started);
        }
    }
}

/// What a run measured.
pub struct Measured {
    /// The scenario's name.
    pub name: &'static str,
    /// What one flow is called.
    pub unit: &'static str,
    /// What preparation found.
    pub setup: serde_json::Value,
    /// The same in words.
    pub description: String,
    /// Each step, in flow order.
    pub steps: Vec<(&'static str, Stats)>,
    /// Whole flows: completed ones timed, failed ones counted by step and error.
    pub flow: Stats,
    /// Failures during the warm-up or after the window closed.
    pub late_errors: u64,
}

/// Runs `users` users of `scenario` until `window` closes and returns what they recorded.
pub async fn drive<S: Scenario>(scenario: S, ctx: Ctx, users: usize, window: Window) -> anyhow::Result<Measured> {
    let scenario = Arc::new(scenario);
    let ctx = Arc::new(ctx);
    let recorder = Arc::new(Recorder::new(scenario.steps(), window));
    let ticker = tokio::spawn(show_progress(Arc::clone(&recorder), scenario.unit()));
    let mut tasks = JoinSet::new();
    for user in 0..users {
        let (scenario, ctx) = (Arc::clone(&scenario), Arc::clone(&ctx));
        let mut run =
            Run { rng: fastrand::Rng::with_seed(fastrand::u64(..) ^ user as u64), recorder: Arc::clone(&recorder) };
        tasks.spawn(async move {
            while Instant::now() < window.end {
                let started = Instant::now();
                match scenario.flow(&ctx, &mut run).await {
                    Ok(()) => run.flow_done(started),
                    Err(Abort::Stopped) => break,
                    Err(Abort::Failed) => tokio::time::sleep(PAUSE_AFTER_ERROR).await,
                }
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a virtual user failed")?;
    }
    let _ = ticker.await;
    let steps =
        scenario.steps().iter().zip(&recorder.steps).map(|(name, stats)| (*name, lock(stats).clone())).collect();
    let flow = lock(&recorder.flow).clone();
    Ok(Measured {
        name: scenario.name(),
        unit: scenario.unit(),
        setup: scenario.setup(),
        description: scenario.describe(),
        steps,
        flow,
        late_errors: recorder.late_errors.load(Ordering::Relaxed),
    })
}

/// Prints elapsed time, completed flows and errors on stderr once a second until the window
/// closes: one line rewritten in place on a terminal, a line per second otherwise.
async fn show_progress(recorder: Arc<Recorder>, unit: &'static str) {
    let window = recorder.window;
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut tick = tokio::time::interval_at(started + Duration::from_secs(1), Duration::from_secs(1));
    let mut last = 0;
    loop {
        let now = tick.tick().await.min(window.end);
        let flows = recorder.flows.load(Ordering::Relaxed);
        let errors = recorder.errors.load(Ordering::Relaxed);
        let phase = if now < window.start { "warm-up  " } else { "measuring" };
        let line = format!(
            "  {:>4}s {phase} {flows:>8} {unit} ({:>5}/s)  {errors} errors",
            (now - started).as_secs_f64().round(),
            flows - last
        );
        last = flows;
        if terminal {
            eprint!("\r{line}\x1b[K");
        } else {
            eprintln!("{line}");
        }
        if now >= window.end {
            if terminal {
                eprintln!();
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{StepError, Window, problem_code};

    #[test]
    fn errors_are_keyed_by_status_and_problem() {
        assert_eq!(StepError::Status(409, Some("insufficient-stock".into())).key(), "409 insufficient-stock");
        assert_eq!(StepError::Status(503, None).key(), "503");
        assert_eq!(StepError::Timeout.key(), "timeout");
        assert_eq!(
            problem_code(br#"{"type":"urn:mercato:problem:price-changed","title":"x"}"#).as_deref(),
            Some("price-changed")
        );
        assert_eq!(problem_code(b"<html>bad gateway</html>"), None);
    }

    #[test]
    fn the_window_counts_what_completes_inside_it() {
        let start = Instant::now();
        let window = Window { start, end: start + Duration::from_secs(1) };
        assert!(window.contains(start));
        assert!(window.contains(start + Duration::from_millis(999)));
        assert!(!window.contains(start + Duration::from_secs(1)));
    }
}
