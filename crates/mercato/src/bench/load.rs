//! The driver every scenario runs on, in one of two models, sharing one connection pool, one
//! histogram per step and per kind of flow, a warm-up that is not counted, and a status line.
//!
//! **Closed** (`--users N`): N virtual users, each a task running flows back to back with no
//! think time. A sample counts when its request *completes* inside the measured window, so
//! count divided by the window is the rate the platform sustained. When the window closes no
//! user starts another request; requests in flight finish (bounded by the request timeout)
//! uncounted.
//!
//! **Open** (`--rate R`): flows *arrive* on a fixed schedule, the k-th at `start + k/R`,
//! whether or not earlier ones have finished, each its own task (at most `--max-in-flight`
//! at once; an arrival finding them all busy is *dropped* and counted, never queued). A
//! flow's first request is timed from its *scheduled* start, not from when it was sent, and
//! each later request from when the previous one ended. That is what makes the percentiles
//! honest past saturation: in a closed loop a stalled response also stalls the requests its
//! user would have sent meanwhile, so the stall is recorded once instead of for every request
//! that would have waited behind it ("coordinated omission"). Here an arrival the scheduler
//! (or the machine) could only start late carries that lateness in its latency, and is also
//! counted as *late*. A flow counts when it was *scheduled* inside the window; after the
//! window no flow starts and those in flight are waited for, so slow ones are not lost.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::report::Stats;

/// No request of a flow may take longer than this; it then counts as a `timeout` error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A user pauses this long after a failed flow, so that a platform answering errors at once
/// (connection refused, 503) is not hammered in a tight loop.
const PAUSE_AFTER_ERROR: Duration = Duration::from_millis(50);
/// An arrival launched more than this after its scheduled time counts as late (tokio's timer
/// has a 1 ms granularity; a few ms of wake-up jitter on a busy machine is normal).
const LATE_AFTER: Duration = Duration::from_millis(10);

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

/// How load is offered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Model {
    /// `users` flows at a time, each started when the previous one of its user ended.
    Closed {
        /// Virtual users.
        users: usize,
    },
    /// `rate` flows a second on a fixed schedule, at most `max_in_flight` at once.
    Open {
        /// Arrivals per second.
        rate: f64,
        /// The cap on flows in progress.
        max_in_flight: usize,
    },
}

impl Model {
    /// Most requests in flight at once: the connection pool keeps that many idle.
    pub fn concurrency(&self) -> usize {
        match *self {
            Model::Closed { users } => users,
            Model::Open { max_in_flight, .. } => max_in_flight,
        }
    }
}

/// The scheduled start of arrival `k` (from 0) of `rate` per second after `origin`; computed
/// from `k` rather than added up, so the schedule does not drift.
pub fn arrival(origin: Instant, rate: f64, k: u64) -> Instant {
    origin + Duration::from_secs_f64(k as f64 / rate)
}

/// What every flow shares: the HTTP client (one pool) and the gateway's base URL.
pub struct Ctx {
    /// The client; its pool keeps one idle connection per concurrent flow.
    pub http: reqwest::Client,
    base: String,
}

impl Ctx {
    /// A client for `concurrency` flows at once against `gateway`.
    pub fn new(gateway: &str, concurrency: usize) -> anyhow::Result<Ctx> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
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

/// A workload: named steps and kinds of flow, and one flow.
pub trait Scenario: Send + Sync + 'static {
    /// Its name in the report (`checkout (W3)`).
    fn name(&self) -> &'static str;
    /// Its steps: the rows of the report, indexes for [`Run::step`].
    fn steps(&self) -> &'static [&'static str];
    /// Its kinds of flow, indexes for [`Run::kind`]; one for most scenarios.
    fn kinds(&self) -> &'static [&'static str] {
        &["whole flow"]
    }
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
    /// The window closed before the next step (closed model only).
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

/// A 2xx answer, read to the end (so its connection goes back to the pool).
pub struct Answer {
    /// Its headers.
    pub headers: reqwest::header::HeaderMap,
    /// Its body.
    pub body: Bytes,
}

/// Sends `request` and reads a 2xx answer; anything else is a [`StepError`].
pub async fn fetch(request: reqwest::RequestBuilder) -> Result<Answer, StepError> {
    let mut response = request.send().await?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await?;
    if !status.is_success() {
        return Err(StepError::Status(status.as_u16(), problem_code(&body)));
    }
    Ok(Answer { headers, body })
}

/// Sends `request` and decodes a 2xx JSON answer; anything else is a [`StepError`].
pub async fn json<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, StepError> {
    let answer = fetch(request).await?;
    serde_json::from_slice(&answer.body).map_err(|_| StepError::Answer("unexpected answer"))
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

/// Where every flow records: one histogram per step and per kind of flow, each behind a
/// lock. A request takes a millisecond or more and the lock is held for a few hundred
/// nanoseconds, so contention stays negligible at the rates one load generator reaches;
/// per-task histograms would cost ~200 KB each per step instead.
struct Recorder {
    names: &'static [&'static str],
    window: Window,
    steps: Vec<Mutex<Stats>>,
    kinds: Vec<Mutex<Stats>>,
    /// Completed flows, warm-up included (for the status line).
    flows: AtomicU64,
    /// Completed requests, warm-up included (for the status line).
    requests: AtomicU64,
    /// Failed steps, warm-up included (for the status line).
    errors: AtomicU64,
    /// Failed steps that were not counted (warm-up, after the window), by step and error.
    late_errors: Mutex<BTreeMap<String, u64>>,
    /// Flows in progress (for the status line).
    in_flight: AtomicU64,
    /// Open model: arrivals scheduled inside the window.
    scheduled: AtomicU64,
    /// Open model: of those, dropped because `max_in_flight` flows were in progress.
    dropped: AtomicU64,
    /// Open model: of those, launched more than [`LATE_AFTER`] after their scheduled start.
    late: AtomicU64,
}

fn lock<T>(stats: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while recording leaves the histogram (or count) as usable as it was.
    stats.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    fn new(names: &'static [&'static str], kinds: usize, window: Window) -> Recorder {
        Recorder {
            names,
            window,
            steps: names.iter().map(|_| Mutex::new(Stats::new())).collect(),
            kinds: (0..kinds).map(|_| Mutex::new(Stats::new())).collect(),
            flows: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            late_errors: Mutex::new(BTreeMap::new()),
            in_flight: AtomicU64::new(0),
            scheduled: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            late: AtomicU64::new(0),
        }
    }
}

/// One flow in progress (open model) or one user (closed): its random numbers, and where
/// and how it records.
pub struct Run {
    /// Its own random numbers.
    pub rng: fastrand::Rng,
    recorder: Arc<Recorder>,
    /// The kind of the current flow (an index into [`Scenario::kinds`]).
    kind: usize,
    /// Open model: the current flow's scheduled start, taken by its first step as its start.
    scheduled: Option<Instant>,
    /// Open model: whether the current flow counts (it was scheduled inside the window);
    /// closed model: `None`, each sample counts when it completes inside the window.
    counted: Option<bool>,
}

impl Run {
    fn new(rng: fastrand::Rng, recorder: Arc<Recorder>) -> Run {
        Run { rng, recorder, kind: 0, scheduled: None, counted: None }
    }

    /// Says which kind of flow this one is (mixed scenarios; the default is the first).
    pub fn kind(&mut self, kind: usize) {
        self.kind = kind;
    }

    fn counts(&self, done: Instant) -> bool {
        self.counted.unwrap_or_else(|| self.recorder.window.contains(done))
    }

    /// Runs one request of step `step` (an index into [`Scenario::steps`]), timing it.
    pub async fn step<T>(&mut self, step: usize, call: impl Future<Output = Result<T, StepError>>) -> Result<T, Abort> {
        let recorder = Arc::clone(&self.recorder);
        let now = Instant::now();
        if self.counted.is_none() && now >= recorder.window.end {
            return Err(Abort::Stopped);
        }
        let started = self.scheduled.take().unwrap_or(now);
        let result = call.await;
        let done = Instant::now();
        recorder.requests.fetch_add(1, Ordering::Relaxed);
        let counted = self.counts(done);
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
                    lock(&recorder.kinds[self.kind]).error(format!("{}: {key}", recorder.names[step]));
                    lock(&recorder.steps[step]).error(key);
                } else {
                    *lock(&recorder.late_errors)
                        .entry(format!("{}: {}", recorder.names[step], err.key()))
                        .or_default() += 1;
                }
                Err(Abort::Failed)
            }
        }
    }

    /// Notes something about a successful answer of step `step` that is not a failure (a
    /// product page without recommendations), counted by `what`.
    pub fn note(&mut self, step: usize, what: &str) {
        if self.counts(Instant::now()) {
            lock(&self.recorder.steps[step]).note(what);
        }
    }

    fn flow_done(&mut self, started: Instant) {
        self.recorder.flows.fetch_add(1, Ordering::Relaxed);
        let done = Instant::now();
        if self.counts(done) {
            lock(&self.recorder.kinds[self.kind]).record(done - started);
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
    /// Each step, in the scenario's order.
    pub steps: Vec<(&'static str, Stats)>,
    /// Whole flows by kind: completed ones timed, failed ones counted by step and error.
    pub kinds: Vec<(&'static str, Stats)>,
    /// Failures during the warm-up or after the window closed, by step and error.
    pub late_errors: BTreeMap<String, u64>,
    /// Open model: what happened to the arrivals scheduled in the window.
    pub arrivals: Option<Arrivals>,
}

/// What happened to the arrivals of an open-model run scheduled inside the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Arrivals {
    /// Scheduled inside the window.
    pub scheduled: u64,
    /// Not started: `max_in_flight` flows were in progress.
    pub dropped: u64,
    /// Started more than 10 ms after their scheduled time (their latency includes it).
    pub late: u64,
}

/// Runs `scenario` as `model` says until `window` closes and returns what it recorded.
pub async fn drive<S: Scenario>(scenario: S, ctx: Ctx, model: Model, window: Window) -> anyhow::Result<Measured> {
    let scenario = Arc::new(scenario);
    let ctx = Arc::new(ctx);
    let recorder = Arc::new(Recorder::new(scenario.steps(), scenario.kinds().len(), window));
    let ticker = tokio::spawn(show_progress(Arc::clone(&recorder), scenario.unit(), model));
    match model {
        Model::Closed { users } => closed(&scenario, &ctx, &recorder, users).await?,
        Model::Open { rate, max_in_flight } => open(&scenario, &ctx, &recorder, rate, max_in_flight).await?,
    }
    let _ = ticker.await;
    let steps =
        scenario.steps().iter().zip(&recorder.steps).map(|(name, stats)| (*name, lock(stats).clone())).collect();
    let kinds =
        scenario.kinds().iter().zip(&recorder.kinds).map(|(name, stats)| (*name, lock(stats).clone())).collect();
    let arrivals = matches!(model, Model::Open { .. }).then(|| Arrivals {
        scheduled: recorder.scheduled.load(Ordering::Relaxed),
        dropped: recorder.dropped.load(Ordering::Relaxed),
        late: recorder.late.load(Ordering::Relaxed),
    });
    Ok(Measured {
        name: scenario.name(),
        unit: scenario.unit(),
        setup: scenario.setup(),
        description: scenario.describe(),
        steps,
        kinds,
        late_errors: std::mem::take(&mut *lock(&recorder.late_errors)),
        arrivals,
    })
}

async fn closed<S: Scenario>(
    scenario: &Arc<S>,
    ctx: &Arc<Ctx>,
    recorder: &Arc<Recorder>,
    users: usize,
) -> anyhow::Result<()> {
    let end = recorder.window.end;
    let mut tasks = JoinSet::new();
    for user in 0..users {
        let (scenario, ctx) = (Arc::clone(scenario), Arc::clone(ctx));
        let mut run = Run::new(fastrand::Rng::with_seed(fastrand::u64(..) ^ user as u64), Arc::clone(recorder));
        tasks.spawn(async move {
            run.recorder.in_flight.fetch_add(1, Ordering::Relaxed);
            while Instant::now() < end {
                let started = Instant::now();
                run.kind = 0;
                match scenario.flow(&ctx, &mut run).await {
                    Ok(()) => run.flow_done(started),
                    Err(Abort::Stopped) => break,
                    Err(Abort::Failed) => tokio::time::sleep(PAUSE_AFTER_ERROR).await,
                }
            }
            run.recorder.in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a virtual user failed")?;
    }
    Ok(())
}

async fn open<S: Scenario>(
    scenario: &Arc<S>,
    ctx: &Arc<Ctx>,
    recorder: &Arc<Recorder>,
    rate: f64,
    max_in_flight: usize,
) -> anyhow::Result<()> {
    let window = recorder.window;
    let slots = Arc::new(Semaphore::new(max_in_flight));
    let origin = Instant::now();
    let seed = fastrand::u64(..);
    let mut tasks = JoinSet::new();
    for k in 0.. {
        let at = arrival(origin, rate, k);
        if at >= window.end {
            break;
        }
        // Returns at once when the schedule is behind: the arrivals due are launched in a
        // burst, each still timed from its own scheduled start.
        tokio::time::sleep_until(at).await;
        let counted = window.contains(at);
        if counted {
            recorder.scheduled.fetch_add(1, Ordering::Relaxed);
        }
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            if counted {
                recorder.dropped.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        };
        if counted && Instant::now().saturating_duration_since(at) > LATE_AFTER {
            recorder.late.fetch_add(1, Ordering::Relaxed);
        }
        let (scenario, ctx) = (Arc::clone(scenario), Arc::clone(ctx));
        let mut run = Run::new(fastrand::Rng::with_seed(seed ^ k), Arc::clone(recorder));
        run.scheduled = Some(at);
        run.counted = Some(counted);
        tasks.spawn(async move {
            run.recorder.in_flight.fetch_add(1, Ordering::Relaxed);
            if scenario.flow(&ctx, &mut run).await.is_ok() {
                run.flow_done(at);
            }
            run.recorder.in_flight.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
        // Reap finished flows as we go, so the set does not grow with the run.
        while let Some(joined) = tasks.try_join_next() {
            joined.context("a flow failed")?;
        }
    }
    // Flows scheduled in the window finish (each request is bounded by the timeout) and count.
    while let Some(joined) = tasks.join_next().await {
        joined.context("a flow failed")?;
    }
    Ok(())
}

/// The status line: elapsed time, phase, requests and their rate over the last second,
/// completed flows and errors (and, open model, flows in progress and dropped arrivals).
/// Rewritten in place once a second on a terminal; otherwise a line every 5 seconds, so a
/// log keeps a trace without filling up.
async fn show_progress(recorder: Arc<Recorder>, unit: &'static str, model: Model) {
    let window = recorder.window;
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let every = if terminal { Duration::from_secs(1) } else { Duration::from_secs(5) };
    let (mut last_requests, mut last_at) = (0, started);
    let mut next = started + every;
    loop {
        // The last line comes when the window closes, not at the next full period.
        let now = next.min(window.end);
        tokio::time::sleep_until(now).await;
        next += every;
        let requests = recorder.requests.load(Ordering::Relaxed);
        let flows = recorder.flows.load(Ordering::Relaxed);
        let errors = recorder.errors.load(Ordering::Relaxed);
        let rate = (requests - last_requests) as f64 / (now - last_at).as_secs_f64().max(1e-3);
        (last_requests, last_at) = (requests, now);
        let phase = if now < window.start { "warm-up  " } else { "measuring" };
        let mut line = format!(
            "  {:>4.0}s {phase} {requests:>9} requests ({rate:>7.0}/s) {flows:>8} {unit}  {errors} errors",
            (now - started).as_secs_f64(),
        );
        if let Model::Open { .. } = model {
            let in_flight = recorder.in_flight.load(Ordering::Relaxed);
            let dropped = recorder.dropped.load(Ordering::Relaxed);
            line.push_str(&format!("  {in_flight} in flight, {dropped} dropped"));
        }
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

    use super::{Abort, Ctx, Model, Run, Scenario, StepError, Window, arrival, drive, problem_code};

    /// A workload without a server: each flow is one step that waits until `busy_until` (a
    /// stalled server) and then takes `service` (its work).
    struct Stalled {
        busy_until: Instant,
        service: Duration,
    }

    impl Scenario for Stalled {
        fn name(&self) -> &'static str {
            "stalled"
        }
        fn steps(&self) -> &'static [&'static str] {
            &["wait"]
        }
        fn unit(&self) -> &'static str {
            "flows"
        }
        fn setup(&self) -> serde_json::Value {
            serde_json::Value::Null
        }
        fn describe(&self) -> String {
            String::new()
        }
        async fn flow(&self, _: &Ctx, run: &mut Run) -> Result<(), Abort> {
            let (busy_until, service) = (self.busy_until, self.service);
            run.step(0, async move {
                tokio::time::sleep_until(busy_until).await;
                tokio::time::sleep(service).await;
                Ok::<_, StepError>(())
            })
            .await
        }
    }

    fn ctx() -> Ctx {
        runtime::init_process();
        Ctx::new("http://127.0.0.1:9", 1).expect("client")
    }

    #[tokio::test]
    async fn open_arrivals_are_timed_from_their_schedule_so_a_stall_shows_in_every_one_it_delayed() {
        // 1,000 arrivals/s for 200 ms; the "server" is stalled for the first 100 ms. Arrival k
        // (k ms in) waits until the stall ends: its latency is at least 100 − k ms, however
        // late the machine runs it. Timed from when it was sent instead, an arrival launched
        // late (as a closed loop would) would not show its wait.
        let ctx = ctx();
        let start = Instant::now();
        let window = Window { start, end: start + Duration::from_millis(200) };
        let scenario = Stalled { busy_until: start + Duration::from_millis(100), service: Duration::ZERO };
        let model = Model::Open { rate: 1000.0, max_in_flight: 1000 };
        let measured = drive(scenario, ctx, model, window).await.expect("runs");
        let arrivals = measured.arrivals.expect("open model");
        // Arrival k is at origin + k ms with origin just after `start`: about 200 fall inside.
        assert!((190..=200).contains(&arrivals.scheduled), "{arrivals:?}");
        assert_eq!(arrivals.dropped, 0);
        let row = measured.steps[0].1.summary("wait", 0.2);
        assert_eq!(row.count, arrivals.scheduled, "every scheduled flow is counted, none lost");
        assert_eq!(row.errors, 0);
        // Sorted, the 90th percentile is about the 80th-slowest stalled arrival: ≥ ~80 ms.
        assert!(row.p90_ms >= 70.0, "p90 {} ms", row.p90_ms);
        assert!(row.max_ms >= 95.0, "max {} ms", row.max_ms);
        assert_eq!(measured.kinds[0].1.summary("flow", 0.2).count, arrivals.scheduled);
    }

    #[tokio::test]
    async fn open_arrivals_beyond_the_cap_are_dropped_not_queued() {
        // Flows take 2 s; at most 10 in flight: of the ~100 arrivals in a 100 ms window, the
        // first 10 start and every later one is dropped (no slot frees up before the end).
        let ctx = ctx();
        let start = Instant::now();
        let window = Window { start, end: start + Duration::from_millis(100) };
        let scenario = Stalled { busy_until: start, service: Duration::from_secs(2) };
        let model = Model::Open { rate: 1000.0, max_in_flight: 10 };
        let measured = drive(scenario, ctx, model, window).await.expect("runs");
        let arrivals = measured.arrivals.expect("open model");
        assert!((90..=100).contains(&arrivals.scheduled), "{arrivals:?}");
        assert_eq!(arrivals.dropped, arrivals.scheduled - 10);
        let row = measured.steps[0].1.summary("wait", 0.1);
        assert_eq!(row.count, 10, "the started flows finish after the window and still count");
        assert!(row.p50_ms >= 2000.0, "p50 {} ms", row.p50_ms);
    }

    #[tokio::test]
    async fn a_closed_loop_runs_its_users_back_to_back_until_the_window_closes() {
        let ctx = ctx();
        let start = Instant::now();
        let window = Window { start, end: start + Duration::from_millis(100) };
        let scenario = Stalled { busy_until: start, service: Duration::from_millis(10) };
        let measured = drive(scenario, ctx, Model::Closed { users: 2 }, window).await.expect("runs");
        assert!(measured.arrivals.is_none());
        let row = measured.steps[0].1.summary("wait", 0.1);
        // Two users of 10 ms flows in 100 ms: at most 20 complete; at least one each.
        assert!((2..=20).contains(&row.count), "{}", row.count);
        assert!(row.p50_ms >= 10.0, "p50 {} ms", row.p50_ms);
    }

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

    #[test]
    fn arrivals_follow_the_rate_without_drifting() {
        let origin = Instant::now();
        assert_eq!(arrival(origin, 1000.0, 0), origin);
        assert_eq!(arrival(origin, 1000.0, 1), origin + Duration::from_millis(1));
        assert_eq!(arrival(origin, 4.0, 3), origin + Duration::from_millis(750));
        // A rate whose period is not a whole number of nanoseconds: summing 3 µs… periods
        // would drift by a nanosecond per arrival; computed from k it stays exact.
        let k = 3_000_000;
        let at = arrival(origin, 3000.0, k);
        assert_eq!(at - origin, Duration::from_secs(1000));
        // Fractional rates: one arrival every two seconds.
        assert_eq!(arrival(origin, 0.5, 3), origin + Duration::from_secs(6));
    }
}
