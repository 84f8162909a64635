//! `mercato chaos`: break a running service on purpose and watch the platform degrade
//! instead of falling over.
//!
//! - `kill`: SIGKILL every instance (the supervisor restarts them with backoff); with `--for`,
//!   the service stays down that long (scaled to zero, then back).
//! - `hang`: SIGSTOP every instance for `--for` (default 30 s), then SIGCONT: connections
//!   open, nothing answers, until the registry's probes mark the instances unhealthy.
//! - `slow`: every API request of the service waits `--delay` (default 1 s) for `--for`.
//! - `fail`: every API request of the service answers 500 for `--for`.
//! - `heal`: ends a `kill --for`, `hang`, `slow` or `fail` now.
//!
//! `slow` and `fail` are injected inside the service (`runtime::chaos`, internal endpoint),
//! so the instance stays registered and its callers meet the fault.

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

use crate::cli::DataDir;
use crate::state;

/// What to do to the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// SIGKILL every instance.
    Kill,
    /// SIGSTOP every instance, SIGCONT after the duration.
    Hang,
    /// Delay every API request.
    Slow,
    /// Answer every API request with a 500.
    Fail,
    /// End a hang, slow or fail now.
    Heal,
}

/// Options of `mercato chaos`.
#[derive(Debug, Args)]
pub struct ChaosArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// What to do.
    pub action: Action,
    /// The service.
    pub service: String,
    /// How long the fault lasts (`kill`: how long the service stays down; default: a plain
    /// kill that the supervisor restarts at once; others: 30s).
    #[arg(long = "for", value_parser = crate::bench::parse_duration)]
    pub duration: Option<Duration>,
    /// For `slow`: the delay per request.
    #[arg(long, value_parser = crate::bench::parse_duration, default_value = "1s")]
    pub delay: Duration,
}

/// The body of the control API's `POST /v1/services/{name}/chaos`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosRequest {
    /// What to do.
    pub action: Action,
    /// How long, in milliseconds.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// For `slow`, the delay in milliseconds.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// The default length of a fault.
pub const DEFAULT_FAULT: Duration = Duration::from_secs(30);

/// `mercato chaos ACTION SERVICE`.
pub async fn command(args: ChaosArgs) -> anyhow::Result<()> {
    let state = state::read(&args.data.data_dir)?;
    let body = ChaosRequest {
        action: args.action,
        duration_ms: args.duration.map(|d| d.as_millis() as u64),
        delay_ms: Some(args.delay.as_millis() as u64),
    };
    let response = reqwest::Client::new()
        .post(format!("{}/v1/services/{}/chaos", state.control_url, args.service))
        .json(&body)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .context("the supervisor does not answer: is the platform running?")?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!("chaos refused ({status}): {text}");
    }
    println!("{text}");
    Ok(())
}
