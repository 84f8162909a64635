//! `mercato recommendations eval`: asks the running recommendations service to evaluate its
//! model on a time split of the orders it has learned from, and prints the model beside the
//! popularity baseline (precision@k, recall@k, hit rate).

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::cli::DataDir;
use crate::state;

/// `mercato recommendations …`.
#[derive(Debug, Args)]
pub struct RecommendationsArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: RecommendationsAction,
}

/// Recommendations maintenance.
#[derive(Debug, Subcommand)]
pub enum RecommendationsAction {
    /// Evaluate the model on held-out orders against a popularity baseline.
    Eval(EvalArgs),
}

/// Options of `mercato recommendations eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// How many recommendations each query gets.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// The newest share of orders held out for testing.
    #[arg(long, default_value_t = 0.2)]
    pub holdout: f64,
    /// Print the service's JSON answer instead of the table.
    #[arg(long)]
    pub json: bool,
    /// The platform.
    #[command(flatten)]
    pub data: DataDir,
}

/// Runs `mercato recommendations ACTION`.
pub async fn command(args: RecommendationsArgs) -> anyhow::Result<()> {
    let RecommendationsAction::Eval(args) = args.action;
    let state = state::read(&args.data.data_dir)?;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/recommendations/evaluation?k={}&holdout={}", state.gateway_url, args.k, args.holdout))
        .bearer_auth(&state.staff_token)
        .timeout(Duration::from_secs(300))
        .send()
        .await
        .context("the gateway does not answer: is the platform running?")?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        anyhow::bail!("evaluation refused ({status}): {text}");
    }
    if args.json {
        println!("{text}");
        return Ok(());
    }
    let report: Value = serde_json::from_str(&text).context("unexpected evaluation answer")?;
    print!("{}", table(&report));
    Ok(())
}

/// The evaluation as a table: one row for the model, one for the baseline.
fn table(report: &Value) -> String {
    let k = &report["k"];
    let mut out = format!(
        "\n  Held-out evaluation: {} training orders, {} test orders, {} leave-one-out queries, k = {k}\n\n",
        report["baskets_train"], report["baskets_test"], report["queries"]
    );
    out.push_str(&format!(
        "  {:<12} {:>8} {:>14} {:>11} {:>9}\n",
        "MODEL", "HITS", "PRECISION@K", "RECALL@K", "HIT RATE"
    ));
    for (label, key) in [("model", "model"), ("popularity", "popularity")] {
        let row = &report[key];
        let number = |name: &str| row[name].as_f64().unwrap_or(0.0);
        out.push_str(&format!(
            "  {:<12} {:>8} {:>14.4} {:>11.4} {:>9.4}\n",
            label,
            row["hits"].as_u64().unwrap_or(0),
            number("precision_at_k"),
            number("recall_at_k"),
            number("hit_rate")
        ));
    }
    let better = report["model"]["recall_at_k"].as_f64() > report["popularity"]["recall_at_k"].as_f64();
    out.push_str(if better {
        "\n  The model beats the popularity baseline.\n"
    } else {
        "\n  The model does NOT beat the popularity baseline.\n"
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_the_winner() {
        let report = serde_json::json!({
            "k": 10, "baskets_train": 31, "baskets_test": 8, "queries": 20,
            "model": { "hits": 15, "precision_at_k": 0.075, "recall_at_k": 0.75, "hit_rate": 0.875 },
            "popularity": { "hits": 12, "precision_at_k": 0.06, "recall_at_k": 0.6, "hit_rate": 0.75 },
        });
        let text = table(&report);
        assert!(text.contains("model") && text.contains("0.7500") && text.contains("beats"), "{text}");
    }
}
