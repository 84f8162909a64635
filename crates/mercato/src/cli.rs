//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Mercato: an open commerce platform of small services.
#[derive(Debug, Parser)]
#[command(name = "mercato", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; `up` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `up`, when no command is given.
    #[command(flatten)]
    pub up: UpArgs,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the whole platform and supervise it until Ctrl-C.
    Up(UpArgs),
    /// Show the running platform: services, instances, pids, addresses, health.
    Status(StatusArgs),
    /// Change the number of instances of a service: `mercato scale inventory=3`.
    Scale(ScaleArgs),
    /// Load the demo catalog into a running platform (idempotent).
    Seed(SeedArgs),
    /// Put a running platform under load and report throughput and latency percentiles.
    Bench(BenchArgs),
    /// Break a running service on purpose: `mercato chaos hang recommendations --for 30s`.
    Chaos(crate::chaos::ChaosArgs),
    /// Search maintenance: `mercato search rebuild`.
    Search(crate::rebuild::SearchArgs),
    /// Recommendations: `mercato recommendations eval` (the model against a popularity baseline).
    Recommendations(crate::evaluation::RecommendationsArgs),
    /// Run one service in this process (used by the supervisor).
    #[command(hide = true)]
    Service {
        /// The service to run.
        name: String,
    },
}

/// Where a running platform keeps its data and state file.
#[derive(Debug, Args, Clone)]
pub struct DataDir {
    /// Directory for databases, logs and the state file.
    #[arg(long, env = "MERCATO_DATA_DIR", default_value = "mercato-data")]
    pub data_dir: PathBuf,
}

/// Options of `mercato up`.
#[derive(Debug, Args, Clone)]
pub struct UpArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// Address of the public gateway (port 0 picks a free one).
    #[arg(long, env = "MERCATO_GATEWAY_ADDR", default_value = "127.0.0.1:8080")]
    pub gateway_addr: SocketAddr,
    /// Use PostgreSQL instead of SQLite: one database per service, named
    /// `<database>_<service>` on this server (created if missing).
    #[arg(long, env = "MERCATO_POSTGRES", value_name = "URL")]
    pub postgres: Option<String>,
    /// Deliver events through NATS JetStream instead of the services' own feeds.
    #[arg(long, env = "MERCATO_NATS", value_name = "URL")]
    pub nats: Option<String>,
    /// Subject and stream prefix on NATS.
    #[arg(long, env = "MERCATO_NATS_PREFIX", default_value = "mercato")]
    pub nats_prefix: String,
    /// Instances of a service, e.g. `--replicas inventory=3` (repeatable).
    #[arg(long, value_name = "SERVICE=N", value_parser = parse_replicas)]
    pub replicas: Vec<(String, usize)>,
    /// Do not load the demo catalog on first start.
    #[arg(long)]
    pub no_seed: bool,
    /// How many demo products to load on first start.
    #[arg(long, default_value_t = 1200)]
    pub seed_products: usize,
}

/// Options of `mercato status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `mercato scale`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// `SERVICE=N`.
    #[arg(value_parser = parse_replicas)]
    pub target: (String, usize),
}

/// Options of `mercato seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// How many demo products.
    #[arg(long, default_value_t = 1200)]
    pub products: usize,
}

/// Options of `mercato bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The workload.
    #[command(subcommand)]
    pub scenario: BenchScenario,
}

/// The workloads `mercato bench` runs, one module each under `bench/`.
#[derive(Debug, Subcommand)]
pub enum BenchScenario {
    /// W1: shoppers open the composed product pages (catalog, prices, stock, recommendations)
    /// of products picked at random from the whole catalog.
    ProductPage(LoadArgs),
    /// W2: shoppers browse: the category menu, a category listing and a text search through
    /// search, and a page of the product listing.
    Browse(LoadArgs),
    /// W3: guests create a cart, add two in-stock SKUs, read it and check out with a test card.
    Checkout(LoadArgs),
    /// A shop's blend: 90 % browse (W1/W2), 8 % fill a cart, 2 % check out.
    Mix(LoadArgs),
}

/// How hard and how long to load, common to every scenario.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// The gateway to load, e.g. `http://127.0.0.1:8080` (default: the running platform's,
    /// from the data directory's state file).
    #[arg(long, value_name = "URL")]
    pub gateway: Option<String>,
    /// Closed model: virtual users, each running the flow again as soon as it ends (no think
    /// time).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub users: u16,
    /// Open model instead: flows arriving per second on a fixed schedule, whatever the
    /// latency (`500`, `0.5`); latencies count from each flow's scheduled start.
    #[arg(long, value_name = "PER_SECOND", conflicts_with = "users", value_parser = crate::bench::parse_rate)]
    pub rate: Option<f64>,
    /// Open model: most flows in progress at once; an arrival beyond it is dropped and counted.
    #[arg(long, default_value_t = 256, requires = "rate", value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub max_in_flight: u16,
    /// How long to measure, after the warm-up (`20s`, `500ms`, `2m`, `1m30s`).
    #[arg(long, default_value = "20s", value_parser = crate::bench::parse_duration)]
    pub duration: Duration,
    /// How long to run before measuring.
    #[arg(long, default_value = "3s", value_parser = crate::bench::parse_duration)]
    pub warmup: Duration,
    /// With the platform found through `--data-dir`: how long to wait, at most, for its
    /// services to go idle before the warm-up (a fresh seed's events may still be indexed);
    /// a run that starts busy says so in its report.
    #[arg(long, default_value = "2m", value_parser = crate::bench::parse_duration)]
    pub settle: Duration,
    /// Also write the result as JSON to this file (it always goes to the data directory's
    /// `bench/` folder too, named by scenario and time, when that directory exists).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

fn parse_replicas(s: &str) -> Result<(String, usize), String> {
    let (name, n) = s.split_once('=').ok_or("expected SERVICE=N")?;
    let n: usize = n.parse().map_err(|_| format!("`{n}` is not a number"))?;
    if n > 16 {
        return Err("at most 16 instances per service".into());
    }
    if !crate::services::exists(name) {
        return Err(format!("no service named `{name}` (known: {})", crate::services::names().join(", ")));
    }
    Ok((name.to_owned(), n))
}

#[cfg(test)]
mod tests {
    use super::parse_replicas;

    #[test]
    fn replicas_are_validated() {
        assert_eq!(parse_replicas("inventory=3"), Ok(("inventory".into(), 3)));
        assert!(parse_replicas("inventory").is_err());
        assert!(parse_replicas("nope=2").is_err());
        assert!(parse_replicas("inventory=99").is_err());
    }
}
