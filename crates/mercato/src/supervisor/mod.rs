//! The local supervisor behind `mercato up`: starts every service as its own process,
//! keeps the desired number of instances running (restarting crashes with backoff), hosts
//! the registry, and stops everything in order.

mod instance;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::chaos::{self, Action, ChaosRequest};
use crate::cli::UpArgs;
use crate::control::{InstanceStatus, ServiceStatus, StatusReport};
use crate::registry::Registry;
use crate::services::{SERVICES, ServiceSpec};
use crate::state::{self, PlatformState};
use instance::Slot;

/// How long a service gets to become ready before `up` gives up.
const READY_DEADLINE: Duration = Duration::from_secs(60);

/// Everything a service process is started with.
#[derive(Debug)]
pub struct RunConfig {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The public gateway address.
    pub gateway_addr: SocketAddr,
    /// Database URL per stateful service.
    pub database_urls: BTreeMap<&'static str, String>,
    /// NATS, when used.
    pub nats: Option<String>,
    /// NATS prefix.
    pub nats_prefix: String,
    /// The staff token.
    pub staff_token: String,
    /// The internal (service-to-service) token; never printed.
    pub internal_token: String,
    /// The control API.
    pub control_url: String,
    /// The binary to run services with.
    pub exe: PathBuf,
}

/// The running supervisor.
#[derive(Debug)]
pub struct Supervisor {
    config: Arc<RunConfig>,
    registry: Arc<Registry>,
    mode: String,
    slots: Mutex<BTreeMap<&'static str, Vec<Slot>>>,
    /// Services a `chaos kill --for` scaled to zero, with the replicas to bring back (at the
    /// end of the period, or at `heal`, whichever comes first).
    killed: Mutex<BTreeMap<&'static str, usize>>,
}

impl Supervisor {
    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn spec(name: &str) -> Option<ServiceSpec> {
        SERVICES.iter().copied().find(|s| s.name == name)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Vec<Slot>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current report.
    pub fn status(&self) -> StatusReport {
        let slots = self.lock();
        let services = SERVICES
            .iter()
            .map(|spec| {
                let list = slots.get(spec.name).map(Vec::as_slice).unwrap_or_default();
                let instances = list
                    .iter()
                    .map(|slot| {
                        let registered = self.registry.get(&slot.id);
                        let health = match &registered {
                            Some(i) if i.healthy => "ready",
                            Some(_) => "unhealthy",
                            None => "starting",
                        };
                        InstanceStatus {
                            id: slot.id.clone(),
                            pid: slot.pid(),
                            addr: registered.map(|i| i.addr),
                            health: health.into(),
                            restarts: slot.restarts(),
                        }
                    })
                    .collect();
                ServiceStatus { name: spec.name.into(), desired: list.len(), instances }
            })
            .collect();
        let gateway_url =
            self.registry.healthy("gateway").first().map(|i| format!("http://{}", i.addr)).unwrap_or_default();
        StatusReport { mode: self.mode.clone(), gateway_url, services }
    }

    /// Sets the number of instances of `name`; returns when removed instances have stopped.
    pub async fn scale(&self, name: &str, replicas: usize) {
        let Some(spec) = Self::spec(name) else { return };
        let removed: Vec<Slot> = {
            let mut slots = self.lock();
            let list = slots.entry(spec.name).or_default();
            while list.len() < replicas {
                let index = list.iter().map(|s| s.index).max().unwrap_or(0) + 1;
                list.push(Slot::start(self.config.clone(), self.registry.clone(), spec, index));
            }
            let keep = list.len().min(replicas);
            list.split_off(keep)
        };
        for slot in removed {
            slot.stop().await;
        }
    }

    /// Waits until `name` has `n` healthy instances.
    async fn wait_ready(&self, name: &str, n: usize) -> bool {
        let deadline = tokio::time::Instant::now() + READY_DEADLINE;
        let mut version = 0;
        while tokio::time::Instant::now() < deadline {
            if self.registry.healthy(name).len() >= n {
                return true;
            }
            version = self.registry.watch(version, Duration::from_millis(500)).await.version;
        }
        false
    }

    /// Ends a `chaos kill --for` of `name`, if one is on: its replicas come back.
    async fn revive(&self, name: &'static str) {
        let replicas = self.killed.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
        if let Some(replicas) = replicas {
            self.scale(name, replicas).await;
        }
    }

    /// Applies a chaos `request` to every instance of `name`; returns how many it reached.
    pub async fn chaos(self: &Arc<Self>, name: &str, request: &ChaosRequest) -> Result<usize, String> {
        let Some(spec) = Self::spec(name) else { return Err(format!("No service named `{name}`.")) };
        let targets: Vec<(Option<u32>, Option<String>)> = {
            let slots = self.lock();
            slots
                .get(spec.name)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|slot| (slot.pid(), self.registry.get(&slot.id).map(|i| i.addr)))
                .collect()
        };
        let pids: Vec<Pid> = targets.iter().filter_map(|(pid, _)| pid.map(|p| Pid::from_raw(p as i32))).collect();
        let duration = request.duration_ms.map(Duration::from_millis);
        let signal_all = |signal: Signal| {
            for pid in &pids {
                let _ = kill(*pid, signal);
            }
        };
        match request.action {
            Action::Kill => match duration {
                None => signal_all(Signal::SIGKILL),
                Some(down_for) => {
                    let replicas = targets.len();
                    self.killed.lock().unwrap_or_else(|p| p.into_inner()).entry(spec.name).or_insert(replicas);
                    self.scale(spec.name, 0).await;
                    let me = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(down_for).await;
                        me.revive(spec.name).await;
                    });
                }
            },
            Action::Hang => {
                signal_all(Signal::SIGSTOP);
                let stopped = pids.clone();
                let hang_for = duration.unwrap_or(chaos::DEFAULT_FAULT);
                tokio::spawn(async move {
                    tokio::time::sleep(hang_for).await;
                    for pid in &stopped {
                        let _ = kill(*pid, Signal::SIGCONT);
                    }
                });
            }
            Action::Slow | Action::Fail | Action::Heal => {
                if request.action == Action::Heal {
                    signal_all(Signal::SIGCONT);
                    self.revive(spec.name).await;
                }
                let client = reqwest::Client::new();
                let body = serde_json::json!({
                    "kind": if request.action == Action::Slow { "slow" } else { "fail" },
                    "delay_ms": request.delay_ms.unwrap_or(1_000),
                    "duration_ms": duration.unwrap_or(chaos::DEFAULT_FAULT).as_millis() as u64,
                });
                for addr in targets.iter().filter_map(|(_, addr)| addr.as_ref()) {
                    let url = format!("http://{addr}/v1/chaos");
                    let call =
                        if request.action == Action::Heal { client.delete(&url) } else { client.put(&url).json(&body) };
                    let sent = call
                        .header(runtime::auth::INTERNAL_HEADER, &self.config.internal_token)
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().is_success() => {}
                        Ok(r) => return Err(format!("{addr} refused the fault: {}", r.status())),
                        // A hung instance cannot be told to heal; SIGCONT already did.
                        Err(_) if request.action == Action::Heal => {}
                        Err(err) => return Err(format!("{addr} cannot be reached: {err}")),
                    }
                }
            }
        }
        tracing::warn!(service = name, action = ?request.action, instances = targets.len(), "chaos");
        Ok(targets.len())
    }

    async fn stop_all(&self) {
        // The edge first, so that no new work arrives while the rest drain.
        for edge_first in [true, false] {
            let slots: Vec<Slot> = {
                let mut all = self.lock();
                SERVICES
                    .iter()
                    .filter(|s| s.edge == edge_first)
                    .flat_map(|s| all.remove(s.name).unwrap_or_default())
                    .collect()
            };
            futures::future::join_all(slots.into_iter().map(Slot::stop)).await;
        }
    }
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

fn log_tail(path: &std::path::Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `mercato up`.
pub async fn up(args: UpArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MERCATO_LOG").unwrap_or_else(|_| "mercato=info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().try_init();

    let data_dir = args.data.data_dir.clone();
    std::fs::create_dir_all(data_dir.join("logs")).with_context(|| format!("cannot create {}", data_dir.display()))?;
    if let Ok(previous) = state::read(&data_dir) {
        let alive = reqwest::Client::new()
            .get(format!("{}/v1/status", previous.control_url))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_ok();
        anyhow::ensure!(!alive, "Mercato is already running from {} (pid {})", data_dir.display(), previous.pid);
    }

    let mut database_urls = BTreeMap::new();
    for spec in SERVICES.iter().filter(|s| s.stateful) {
        let url = match &args.postgres {
            Some(pg) => crate::postgres::ensure_database(pg, spec.name).await?,
            None => format!("sqlite://{}/{}.db?mode=rwc", data_dir.display(), spec.name),
        };
        database_urls.insert(spec.name, url);
    }
    let mode = format!(
        "{}{}",
        if args.postgres.is_some() { "PostgreSQL" } else { "embedded, SQLite" },
        if args.nats.is_some() { ", NATS JetStream" } else { "" }
    );

    let control = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot bind the control API")?;
    let control_url = format!("http://{}", control.local_addr()?);
    let config = Arc::new(RunConfig {
        data_dir: data_dir.clone(),
        gateway_addr: args.gateway_addr,
        database_urls,
        nats: args.nats.clone(),
        nats_prefix: args.nats_prefix.clone(),
        staff_token: random_token("mst"),
        internal_token: random_token("mit"),
        control_url: control_url.clone(),
        exe: std::env::current_exe().context("cannot locate the mercato binary")?,
    });
    let registry = Arc::new(Registry::default());
    let supervisor = Arc::new(Supervisor {
        config: config.clone(),
        registry: registry.clone(),
        mode: mode.clone(),
        slots: Mutex::new(BTreeMap::new()),
        killed: Mutex::new(BTreeMap::new()),
    });
    let stop = CancellationToken::new();
    {
        let router = crate::control::router(supervisor.clone());
        let stop = stop.clone();
        tokio::spawn(async move {
            axum::serve(control, router).with_graceful_shutdown(async move { stop.cancelled().await }).await
        });
    }
    {
        let registry = registry.clone();
        let stop = stop.clone();
        tokio::spawn(async move { registry.health_check(stop).await });
    }

    let desired: BTreeMap<&str, usize> = SERVICES
        .iter()
        .map(|s| (s.name, args.replicas.iter().rev().find(|(n, _)| n == s.name).map_or(1, |(_, r)| *r)))
        .collect();
    eprintln!("Starting Mercato ({mode}), data in {}/ …", data_dir.display());
    // One instance of each first: replicas share a database, and the first applies its
    // migrations alone.
    let started = tokio::select! {
        ok = start_all(&supervisor, &desired) => ok,
        _ = shutdown_signal() => Err(anyhow::anyhow!("interrupted while starting")),
    };
    if let Err(err) = started {
        supervisor.stop_all().await;
        stop.cancel();
        return Err(err);
    }

    let report = supervisor.status();
    let state = PlatformState {
        pid: std::process::id(),
        control_url,
        gateway_url: report.gateway_url.clone(),
        staff_token: config.staff_token.clone(),
        mode,
    };
    state::write(&data_dir, &state)?;
    crate::status::print_report(&report);
    print_urls(&state, &data_dir);

    let marker = data_dir.join("seeded");
    let seeding = async {
        if args.no_seed || marker.exists() {
            return;
        }
        eprintln!("First start: loading the demo catalog ({} products) …", args.seed_products);
        // In a child process (`mercato seed`), so that what loading takes (hundreds of MiB for
        // a large catalog) goes back to the system when it is done.
        let seed = tokio::process::Command::new(&config.exe)
            .arg("seed")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--products")
            .arg(args.seed_products.to_string())
            .kill_on_drop(true)
            .status()
            .await;
        match seed {
            Ok(status) if status.success() => {}
            Ok(status) => eprintln!("Loading the demo catalog failed ({status}). Run `mercato seed` to retry."),
            Err(err) => eprintln!("Could not start the demo catalog's loader: {err}. Run `mercato seed` to retry."),
        }
    };
    tokio::select! {
        _ = async { seeding.await; shutdown_signal().await } => {}
        _ = shutdown_signal() => {}
    }
    eprintln!("Stopping Mercato …");
    supervisor.stop_all().await;
    stop.cancel();
    state::remove(&data_dir);
    eprintln!("Stopped.");
    Ok(())
}

async fn start_all(supervisor: &Arc<Supervisor>, desired: &BTreeMap<&str, usize>) -> anyhow::Result<()> {
    for (phase, count) in [("first", 1usize), ("all", usize::MAX)] {
        for spec in SERVICES {
            let running = supervisor.lock().get(spec.name).map_or(0, Vec::len);
            supervisor.scale(spec.name, desired[spec.name].min(count).max(running)).await;
        }
        let waits = SERVICES.iter().map(|spec| {
            let n = desired[spec.name].min(count);
            async move { (spec.name, supervisor.wait_ready(spec.name, n).await) }
        });
        for (name, ready) in futures::future::join_all(waits).await {
            if !ready {
                let log = supervisor.config.data_dir.join("logs").join(format!("{name}-1.log"));
                anyhow::bail!(
                    "{name} did not become ready ({phase} instances); last log lines:\n{}",
                    log_tail(&log, 15)
                );
            }
        }
    }
    Ok(())
}

fn print_urls(state: &PlatformState, data_dir: &std::path::Path) {
    let g = &state.gateway_url;
    println!();
    println!("  Storefront   {g}/");
    println!("  Console      {g}/admin   (staff sign-in)");
    println!("  API          {g}/api/v1/products");
    println!("  OpenAPI      {g}/api/openapi.json");
    println!("  Staff token  {}   (Authorization: Bearer <token>)", state.staff_token);
    println!("  Logs         {}/logs/", data_dir.display());
    println!();
    println!("Press Ctrl-C to stop. `mercato status` shows the platform from another terminal.");
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}
