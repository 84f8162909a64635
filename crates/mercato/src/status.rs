//! `mercato status` and `mercato scale`: talk to a running supervisor.

use std::time::Duration;

use anyhow::Context as _;

use crate::cli::{ScaleArgs, StatusArgs};
use crate::control::StatusReport;
use crate::state;

/// Prints the service table.
pub fn print_report(report: &StatusReport) {
    println!();
    println!("  {:<16} {:<10} {:<22} {:<8} {:<10} RESTARTS", "SERVICE", "INSTANCES", "ADDRESS", "PID", "HEALTH");
    for service in &report.services {
        let ready = service.instances.iter().filter(|i| i.health == "ready").count();
        for (n, instance) in service.instances.iter().enumerate() {
            let (name, count) = if n == 0 {
                (service.name.as_str(), format!("{ready}/{}", service.desired))
            } else {
                ("", String::new())
            };
            println!(
                "  {:<16} {:<10} {:<22} {:<8} {:<10} {}",
                name,
                count,
                instance.addr.as_deref().unwrap_or("-"),
                instance.pid.map_or_else(|| "-".into(), |p| p.to_string()),
                instance.health,
                instance.restarts
            );
        }
        if service.instances.is_empty() {
            println!("  {:<16} {:<10} {:<22} {:<8} {:<10} {}", service.name, "0/0", "-", "-", "stopped", 0);
        }
    }
}

async fn report(control_url: &str) -> anyhow::Result<StatusReport> {
    reqwest::Client::new()
        .get(format!("{control_url}/v1/status"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("the supervisor at {control_url} does not answer; is Mercato running?"))?
        .json()
        .await
        .context("unexpected status answer")
}

/// `mercato status`.
pub async fn show(args: StatusArgs) -> anyhow::Result<()> {
    let state = state::read(&args.data.data_dir)?;
    let report = report(&state.control_url).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("Mercato ({}) — supervisor pid {}, gateway {}", report.mode, state.pid, report.gateway_url);
    print_report(&report);
    Ok(())
}

/// `mercato scale SERVICE=N`.
pub async fn scale(args: ScaleArgs) -> anyhow::Result<()> {
    let state = state::read(&args.data.data_dir)?;
    let (service, replicas) = args.target;
    reqwest::Client::new()
        .post(format!("{}/v1/services/{service}/scale", state.control_url))
        .json(&serde_json::json!({ "replicas": replicas }))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("scaling failed")?;
    // The new instances register when ready; show the table once they have.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let report = report(&state.control_url).await?;
        let ready = report
            .services
            .iter()
            .find(|s| s.name == service)
            .map_or(0, |s| s.instances.iter().filter(|i| i.health == "ready").count());
        if ready == replicas || tokio::time::Instant::now() > deadline {
            print_report(&report);
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
