//! `mercato search rebuild`: rebuild the search index of a running platform from search's
//! read model (through the gateway, with the staff token).

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::cli::DataDir;
use crate::state;

/// `mercato search …`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SearchAction,
}

/// Search maintenance.
#[derive(Debug, Subcommand)]
pub enum SearchAction {
    /// Rebuild the full-text index from search's read model and swap it in.
    Rebuild(DataDir),
}

/// Runs `mercato search ACTION`.
pub async fn command(args: SearchArgs) -> anyhow::Result<()> {
    let SearchAction::Rebuild(data) = args.action;
    let state = state::read(&data.data_dir)?;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/search/rebuild", state.gateway_url))
        .bearer_auth(&state.staff_token)
        .timeout(Duration::from_secs(300))
        .send()
        .await
        .context("the gateway does not answer: is the platform running?")?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!("rebuild refused ({status}): {text}");
    }
    println!("{text}");
    Ok(())
}
