//! One supervised instance: a slot that keeps its process running, restarting it with
//! exponential backoff after a crash, until told to stop.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::RunConfig;
use crate::registry::Registry;
use crate::services::ServiceSpec;

/// How long a stopping instance gets to drain before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(12);
/// A process that ran this long before crashing starts over with a short backoff.
const STABLE_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
struct Shared {
    pid: AtomicU32,
    restarts: AtomicU32,
}

/// A supervised instance.
#[derive(Debug)]
pub struct Slot {
    /// Its number within the service (1-based).
    pub index: usize,
    /// Instance id, stable across restarts: `<service>-<index>`.
    pub id: String,
    shared: Arc<Shared>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Slot {
    /// Starts the instance.
    pub fn start(config: Arc<RunConfig>, registry: Arc<Registry>, spec: ServiceSpec, index: usize) -> Self {
        let id = format!("{}-{index}", spec.name);
        let shared = Arc::new(Shared::default());
        let stop = CancellationToken::new();
        let task = tokio::spawn(keep_running(config, registry, spec, id.clone(), shared.clone(), stop.clone()));
        Slot { index, id, shared, stop, task }
    }

    /// The running process id.
    pub fn pid(&self) -> Option<u32> {
        Some(self.shared.pid.load(Ordering::Relaxed)).filter(|p| *p != 0)
    }

    /// Restarts so far.
    pub fn restarts(&self) -> u32 {
        self.shared.restarts.load(Ordering::Relaxed)
    }

    /// Stops the instance gracefully and waits for it.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

fn spawn(config: &RunConfig, spec: ServiceSpec, id: &str) -> std::io::Result<Child> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(config.data_dir.join("logs").join(format!("{id}.log")))?;
    let bind = if spec.edge { config.gateway_addr.to_string() } else { "127.0.0.1:0".to_owned() };
    let mut command = Command::new(&config.exe);
    command
        .arg("service")
        .arg(spec.name)
        .env("MERCATO_INSTANCE_ID", id)
        .env("MERCATO_BIND", bind)
        .env("MERCATO_REUSE_PORT", if spec.edge { "true" } else { "false" })
        .env("MERCATO_REGISTRY_URL", &config.control_url)
        .env("MERCATO_STAFF_TOKEN", &config.staff_token)
        .env("MERCATO_INTERNAL_TOKEN", &config.internal_token)
        .env("MERCATO_LOG_FORMAT", "json")
        .env("MERCATO_SUPERVISOR_PID", std::process::id().to_string())
        // Where notifications writes e-mails when no SMTP server is configured.
        .env("MERCATO_NOTIFICATIONS_MAILDIR", config.data_dir.join("mail"))
        // glibc raises its mmap threshold after freeing a large block, so later large blocks
        // (argon2's 19 MiB in identity, big responses) come from arenas that keep them: a
        // fixed threshold gives them back on free. Kept as the operator set it, if they did.
        .env("MALLOC_MMAP_THRESHOLD_", std::env::var("MALLOC_MMAP_THRESHOLD_").unwrap_or_else(|_| "1048576".into()))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own process group: a Ctrl-C in the terminal reaches the supervisor only, which
        // then stops the services in order.
        .process_group(0)
        .kill_on_drop(true);
    // A dozen processes share the machine's cores: with a scheduler thread per core in each,
    // their threads wake and steal work across processes for nothing (W3 did 8 % fewer
    // checkouts). The edge, which carries every request, keeps one per core; the others,
    // whose heavy work runs on their own threads (SQLite's, search's queries, identity's
    // hashing), get one. Kept as the operator set it, if they did.
    if !spec.edge && std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        command.env("TOKIO_WORKER_THREADS", "1");
    }
    if let Some(url) = config.database_urls.get(spec.name) {
        command.env("MERCATO_DATABASE_URL", url);
    }
    if let Some(nats) = &config.nats {
        command.env("MERCATO_NATS_URL", nats).env("MERCATO_NATS_PREFIX", &config.nats_prefix);
    }
    command.spawn()
}

async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id() {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
        // A process stopped by `mercato chaos hang` handles the SIGTERM only once continued.
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGCONT);
        if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_ok() {
            return;
        }
        tracing::warn!(pid, "instance did not stop in time; killing it");
    }
    let _ = child.kill().await;
}

async fn keep_running(
    config: Arc<RunConfig>,
    registry: Arc<Registry>,
    spec: ServiceSpec,
    id: String,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    let mut backoff = Duration::from_millis(250);
    while !stop.is_cancelled() {
        let started = Instant::now();
        let mut child = match spawn(&config, spec, &id) {
            Ok(child) => child,
            Err(err) => {
                tracing::error!(instance = %id, error = %err, "cannot start instance");
                tokio::select! { _ = stop.cancelled() => break, _ = tokio::time::sleep(backoff) => {} }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        shared.pid.store(child.id().unwrap_or(0), Ordering::Relaxed);
        tokio::select! {
            status = child.wait() => {
                shared.pid.store(0, Ordering::Relaxed);
                registry.remove(&id);
                if stop.is_cancelled() {
                    break;
                }
                if started.elapsed() > STABLE_AFTER {
                    backoff = Duration::from_millis(250);
                }
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                shared.restarts.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(instance = %id, %status, retry_in_ms = backoff.as_millis() as u64, "instance exited; restarting");
                tokio::select! { _ = stop.cancelled() => break, _ = tokio::time::sleep(backoff) => {} }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            _ = stop.cancelled() => {
                // Leave the registry first so callers stop choosing it, then drain.
                registry.remove(&id);
                terminate(&mut child).await;
                shared.pid.store(0, Ordering::Relaxed);
                break;
            }
        }
    }
}
