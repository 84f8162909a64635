//! CPU time and memory of the platform's processes, read from `/proc` (Linux) for
//! the pids the supervisor reports, plus the supervisor, this load generator (it shares the
//! machine) and the machine as a whole. Elsewhere, or for a process that is gone, the numbers
//! are simply missing.
//!
//! Memory is shown two ways. RSS counts every page a process maps, so the pages of the one
//! `mercato` binary all services run (15–20 MiB each) count once per process. PSS shares each
//! page among the processes mapping it, so the platform's PSS adds up to the memory it
//! really occupies.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::control::StatusReport;

/// Clock ticks per second of `/proc/<pid>/stat`: `USER_HZ`, 100 on every Linux architecture
/// this runs on (it is part of the kernel's user-space ABI).
const USER_HZ: f64 = 100.0;

/// Below this share of one core the platform counts as idle: its consumers' polls and
/// timers, without work of its own.
pub const IDLE_PERCENT: f64 = 20.0;

/// The processes to watch, grouped by what they are (a service, `supervisor`, `bench`).
#[derive(Debug, Clone)]
pub struct Watched {
    groups: Vec<(String, Vec<u32>)>,
}

/// One reading of every watched process.
#[derive(Debug, Clone)]
pub struct Sample {
    at: Instant,
    pids: BTreeMap<u32, PidStat>,
    machine: Option<CpuTimes>,
}

#[derive(Debug, Clone, Copy)]
struct PidStat {
    cpu_ticks: u64,
    rss_kib: u64,
    pss_kib: u64,
}

/// The machine's CPU time, in ticks: all of it, and the idle part.
#[derive(Debug, Clone, Copy)]
struct CpuTimes {
    total: u64,
    idle: u64,
}

/// How busy the platform was just before a run, and how long the run waited for it to go
/// idle. Work of its own (a seed's events still being indexed, a model being rebuilt)
/// would otherwise be measured as the cost of the load.
#[derive(Debug, Clone, Serialize)]
pub struct Settle {
    /// CPU of the services and the supervisor over the last second before the warm-up, as a
    /// share of one core.
    pub busy_percent: f64,
    /// The busiest service then, and its share of one core.
    pub busiest: Option<Busiest>,
    /// Seconds waited.
    pub waited_s: f64,
    /// Whether the platform was idle (below [`IDLE_PERCENT`]) when the run started.
    pub idle: bool,
}

impl Settle {
    /// One line for the report.
    pub fn render(&self) -> String {
        let busiest = self
            .busiest
            .as_ref()
            .map_or_else(String::new, |b| format!("; busiest {} {:.0} %", b.service, b.cpu_percent));
        if self.idle {
            format!("platform idle before the run ({:.0} % of a core, waited {:.0}s)", self.busy_percent, self.waited_s)
        } else {
            format!(
                "WARNING: the platform was still busy when the run started ({:.0} % of a core{busiest}, after waiting {:.0}s): \
                 the figures include its own work",
                self.busy_percent, self.waited_s
            )
        }
    }
}

/// The service that used the most CPU.
#[derive(Debug, Clone, Serialize)]
pub struct Busiest {
    /// Its name.
    pub service: String,
    /// Its share of one core.
    pub cpu_percent: f64,
}

/// What the processes used during the measured window.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    /// Seconds between the two CPU readings.
    pub window_s: f64,
    /// CPUs of the machine.
    pub cores: usize,
    /// Share of the machine's CPU time that was busy during the window.
    pub machine_busy_percent: Option<f64>,
    /// One row per service (all its instances together), the supervisor, and `bench`.
    pub processes: Vec<ProcessUsage>,
}

/// One group's use.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessUsage {
    /// Service name, `supervisor` or `bench`.
    pub name: String,
    /// Its pids.
    pub pids: Vec<u32>,
    /// CPU seconds (user + system) used in the window.
    pub cpu_s: f64,
    /// The same as a share of one core (100 % = one core busy all the window).
    pub cpu_percent: f64,
    /// Resident memory before the warm-up, MiB.
    pub rss_before_mib: f64,
    /// Resident memory when the window closed, MiB.
    pub rss_after_mib: f64,
    /// Proportional set size when the window closed (shared pages divided among the
    /// processes sharing them), MiB.
    pub pss_after_mib: f64,
    /// False when a process was missing from a reading (it exited or was restarted).
    pub complete: bool,
}

impl Watched {
    /// Every instance's pid in `status`, then `supervisor` and this process.
    pub fn new(status: &StatusReport, supervisor: Option<u32>) -> Watched {
        let mut groups: Vec<(String, Vec<u32>)> = status
            .services
            .iter()
            .map(|s| (s.name.clone(), s.instances.iter().filter_map(|i| i.pid).collect::<Vec<_>>()))
            .filter(|(_, pids)| !pids.is_empty())
            .collect();
        if let Some(pid) = supervisor {
            groups.push(("supervisor".into(), vec![pid]));
        }
        groups.push(("bench".into(), vec![std::process::id()]));
        Watched { groups }
    }

    /// Reads every watched process now.
    pub fn sample(&self) -> Sample {
        let pids = self.groups.iter().flat_map(|(_, pids)| pids).filter_map(|&pid| read_pid(pid).map(|s| (pid, s)));
        Sample { at: Instant::now(), pids: pids.collect(), machine: read_machine() }
    }

    /// CPU used between `open` and `close`, memory at `before` and at `close`.
    pub fn report(&self, before: &Sample, open: &Sample, close: &Sample) -> Usage {
        let window_s = (close.at - open.at).as_secs_f64();
        let processes = self
            .groups
            .iter()
            .map(|(name, pids)| {
                let mut complete = true;
                let (mut ticks, mut rss_before, mut rss_after, mut pss_after) = (0, 0, 0, 0);
                for pid in pids {
                    match (before.pids.get(pid), open.pids.get(pid), close.pids.get(pid)) {
                        (Some(b), Some(o), Some(c)) => {
                            ticks += c.cpu_ticks.saturating_sub(o.cpu_ticks);
                            rss_before += b.rss_kib;
                            rss_after += c.rss_kib;
                            pss_after += c.pss_kib;
                        }
                        _ => complete = false,
                    }
                }
                let cpu_s = ticks as f64 / USER_HZ;
                ProcessUsage {
                    name: name.clone(),
                    pids: pids.clone(),
                    cpu_s,
                    cpu_percent: if window_s > 0.0 { 100.0 * cpu_s / window_s } else { 0.0 },
                    rss_before_mib: rss_before as f64 / 1024.0,
                    rss_after_mib: rss_after as f64 / 1024.0,
                    pss_after_mib: pss_after as f64 / 1024.0,
                    complete,
                }
            })
            .collect();
        let machine_busy_percent = match (open.machine, close.machine) {
            (Some(o), Some(c)) if c.total > o.total => {
                let total = (c.total - o.total) as f64;
                let idle = c.idle.saturating_sub(o.idle) as f64;
                Some(100.0 * (total - idle) / total)
            }
            _ => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Usage { window_s, cores, machine_busy_percent, processes }
    }

    /// Waits, at most `limit` (at least one second, to measure), until the platform uses less
    /// than [`IDLE_PERCENT`] of one core over a second.
    pub async fn settle(&self, limit: Duration) -> Settle {
        let started = Instant::now();
        let mut last = self.sample();
        let mut told = false;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = self.sample();
            let usage = self.report(&last, &last, &now);
            let busiest = usage
                .platform()
                .max_by(|a, b| a.cpu_percent.total_cmp(&b.cpu_percent))
                .map(|p| Busiest { service: p.name.clone(), cpu_percent: p.cpu_percent });
            let busy_percent = usage.platform().map(|p| p.cpu_percent).sum::<f64>();
            let idle = busy_percent < IDLE_PERCENT;
            let waited = started.elapsed();
            if idle || waited >= limit {
                return Settle { busy_percent, busiest, waited_s: waited.as_secs_f64(), idle };
            }
            if !told && let Some(b) = &busiest {
                eprintln!(
                    "Waiting up to {}s for the platform to go idle ({busy_percent:.0} % of a core; {} {:.0} %) …",
                    limit.as_secs(),
                    b.service,
                    b.cpu_percent
                );
                told = true;
            }
            last = now;
        }
    }
}

impl Usage {
    /// The services and the supervisor, without the load tool.
    fn platform(&self) -> impl Iterator<Item = &ProcessUsage> {
        self.processes.iter().filter(|p| p.name != "bench")
    }

    /// The table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "  {:<15} {:>5} {:>7} {:>9} {:>11} {:>10} {:>10}",
            "PROCESS", "PIDS", "CPU s", "CPU %", "RSS before", "RSS after", "PSS after"
        );
        for p in &self.processes {
            let _ = writeln!(
                out,
                "  {:<15} {:>5} {:>7.2} {:>8.0}% {:>7.1} MiB {:>6.1} MiB {:>6.1} MiB{}",
                p.name,
                p.pids.len(),
                p.cpu_s,
                p.cpu_percent,
                p.rss_before_mib,
                p.rss_after_mib,
                p.pss_after_mib,
                if p.complete { "" } else { "  (a process exited)" }
            );
        }
        let platform: Vec<&ProcessUsage> = self.platform().collect();
        let (rss, pss) = platform.iter().fold((0.0, 0.0), |(r, s), p| (r + p.rss_after_mib, s + p.pss_after_mib));
        let _ =
            writeln!(out, "  platform (services and supervisor) after the window: RSS {rss:.0} MiB, PSS {pss:.0} MiB");
        let busy = self.machine_busy_percent.map_or_else(|| "?".into(), |b| format!("{b:.0}"));
        let _ = writeln!(out, "  machine: {} cores, {busy}% busy during the window (CPU % is of one core)", self.cores);
        out
    }
}

/// utime + stime, VmRSS and PSS of `pid`.
fn read_pid(pid: u32) -> Option<PidStat> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    // smaps_rollup exists since Linux 4.14; without it PSS reads as zero.
    let pss_kib = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok().and_then(|r| kib(&r, "Pss:"));
    Some(PidStat { cpu_ticks: cpu_ticks(&stat)?, rss_kib: kib(&status, "VmRSS:")?, pss_kib: pss_kib.unwrap_or(0) })
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name (field 2)
/// is in parentheses and may hold spaces, so fields are counted after its closing one.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state).
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

/// The KiB of the `field` line (`VmRSS:`, `Pss:`) of a `/proc/<pid>/status` or `smaps_rollup`.
fn kib(text: &str, field: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read_machine() -> Option<CpuTimes> {
    machine_times(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// The `cpu` line of `/proc/stat`: user nice system idle iowait irq softirq steal (guest time
/// is already inside user and nice).
fn machine_times(stat: &str) -> Option<CpuTimes> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line.split_whitespace().skip(1).take(8).filter_map(|v| v.parse().ok()).collect();
    if values.len() < 5 {
        return None;
    }
    Some(CpuTimes { total: values.iter().sum(), idle: values[3] + values[4] })
}

#[cfg(test)]
mod tests {
    use super::{Busiest, Settle, cpu_ticks, kib, machine_times};

    #[test]
    fn a_busy_start_is_a_warning_naming_the_busiest_service() {
        let search = |cpu_percent| Some(Busiest { service: "search".into(), cpu_percent });
        let busy = Settle { busy_percent: 87.4, busiest: search(71.0), waited_s: 120.2, idle: false };
        let line = busy.render();
        assert!(line.starts_with("WARNING"), "{line}");
        assert!(line.contains("87 % of a core") && line.contains("search 71 %") && line.contains("120s"), "{line}");
        let idle = Settle { busy_percent: 6.0, busiest: search(2.0), waited_s: 1.0, idle: true };
        assert!(!idle.render().contains("WARNING"), "{}", idle.render());
    }

    #[test]
    fn proc_files_are_parsed() {
        let stat = "4242 (mercato service) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 12 0 99 1 2 3";
        assert_eq!(cpu_ticks(stat), Some(325));
        assert_eq!(kib("Name:\tmercato\nVmRSS:\t   52344 kB\nThreads:\t12\n", "VmRSS:"), Some(52344));
        assert_eq!(kib("Rss:               21876 kB\nPss:                7262 kB\n", "Pss:"), Some(7262));
        let machine = machine_times("cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n").expect("cpu line");
        assert_eq!((machine.total, machine.idle), (1000, 845));
    }

    #[test]
    fn this_process_can_be_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::read_pid(std::process::id()).is_some_and(|s| s.rss_kib > 0));
        }
    }
}
