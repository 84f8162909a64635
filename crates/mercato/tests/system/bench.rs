//! `mercato bench`: every scenario runs briefly against a real, seeded platform, in both load
//! models, and writes a JSON result with a row per step, no errors, and the processes' usage.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::platform::{Platform, eventually};

/// Runs `mercato bench` with `args` against `p` and returns the JSON result it wrote.
async fn bench(p: &Platform, args: &[&str]) -> Value {
    let json = p.data_dir().join(format!("result-{}.json", args.join("-").replace(['/', '.'], "_")));
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .arg("bench")
        .args(args)
        .arg("--data-dir")
        .arg(p.data_dir())
        .args(["--warmup", "1s", "--duration", "2s", "--settle", "5s", "--json"])
        .arg(&json)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run).await.expect("bench finishes").expect("bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mercato bench {args:?} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("P99 ms"), "the table is printed:\n{stdout}");
    serde_json::from_slice(&std::fs::read(&json).expect("the JSON result is written")).expect("JSON")
}

fn names(rows: &Value) -> Vec<String> {
    rows.as_array().into_iter().flatten().filter_map(|r| r["step"].as_str().map(str::to_owned)).collect()
}

fn count(result: &Value, step: &str) -> u64 {
    let rows = result["steps"].as_array().expect("steps");
    rows.iter().find(|r| r["step"] == step).and_then(|r| r["count"].as_u64()).unwrap_or_default()
}

/// The run made requests, none failed, and each service's processes were measured.
fn assert_clean(result: &Value) {
    assert_eq!(result["errors"], 0, "{result:#}");
    // The warm-up is there to absorb a cold platform: on two cores shared with other
    // whole-platform tests, a first request may meet a deadline (504) or a dependency not yet
    // ready (503). Anything else there (a 4xx, a wrong answer) is a bug, as in the window.
    let transient = |kind: &str| [" 503", " 504", ": timeout"].iter().any(|t| kind.contains(t));
    let kinds = result["error_kinds_outside_window"].as_object().cloned().unwrap_or_default();
    assert!(kinds.keys().all(|k| transient(k)), "{kinds:?}");
    assert_eq!(
        kinds.values().filter_map(Value::as_u64).sum::<u64>(),
        result["errors_outside_window"].as_u64().unwrap_or(0)
    );
    assert!(result["flow"]["count"].as_u64() > Some(0), "{result:#}");
    assert!(result["requests_per_s"].as_f64() > Some(0.0), "{result:#}");
    let processes = result["processes"]["processes"].as_array().expect("process usage");
    let measured: Vec<&str> = processes.iter().filter_map(|p| p["name"].as_str()).collect();
    for service in ["gateway", "catalog", "pricing", "inventory", "cart", "orders", "search", "supervisor", "bench"] {
        assert!(measured.contains(&service), "{service} missing from {measured:?}");
    }
    assert!(processes.iter().all(|p| p["rss_after_mib"].as_f64() > Some(0.0)), "{result:#}");
    assert!(processes.iter().all(|p| p["pss_after_mib"].as_f64() > Some(0.0)), "{result:#}");
    // How busy the platform was before the run, and how long the run waited for it to be idle
    // (at most `--settle`, plus the second it measures).
    let settle = &result["machine"]["settle"];
    assert!(settle["busy_percent"].as_f64() >= Some(0.0), "{settle}");
    let waited = settle["waited_s"].as_f64().expect("waited_s");
    assert!((1.0..7.0).contains(&waited), "{settle}");
    match settle["idle"].as_bool().expect("idle") {
        true => assert!(settle["busy_percent"].as_f64() < Some(20.0), "{settle}"),
        false => assert!(waited >= 5.0, "gave up before --settle: {settle}"),
    }
}

fn archived(dir: &Path, key: &str) -> usize {
    std::fs::read_dir(dir.join("bench"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{key}-")))
        .count()
}

#[tokio::test]
async fn every_scenario_runs_against_a_seeded_platform_and_reports_each_step() {
    let p = Platform::start_seeding(&["--seed-products", "40"]).await;
    let marker = p.data_dir().join("seeded");
    eventually("the demo catalog to load", Duration::from_secs(300), || async { marker.exists() }).await;
    // Search learns the products from events; text queries should find something.
    eventually("search to index the catalog", Duration::from_secs(60), || async {
        p.get_json("/api/v1/search?limit=1").await["total"].as_u64() >= Some(40)
    })
    .await;

    let w1 = bench(&p, &["product-page", "--users", "4"]).await;
    assert_clean(&w1);
    assert_eq!(w1["scenario"], "product-page (W1)");
    assert_eq!(w1["model"], "closed");
    assert_eq!(w1["users"], 4);
    assert_eq!(names(&w1["steps"]), ["product page"]);
    assert_eq!(w1["setup"]["products"], 40);
    assert!(count(&w1, "product page") > 0);

    let w2 = bench(&p, &["browse", "--users", "4"]).await;
    assert_clean(&w2);
    assert_eq!(names(&w2["steps"]), ["categories", "category listing", "text search", "products page"]);
    for step in ["categories", "category listing", "text search", "products page"] {
        assert!(count(&w2, step) > 0, "{step}: {w2:#}");
    }
    assert!(w2["setup"]["queries"].as_u64() > Some(0));

    let w3 = bench(&p, &["checkout", "--users", "2"]).await;
    assert_clean(&w3);
    assert_eq!(names(&w3["steps"]), ["cart create", "add line", "read cart", "checkout"]);
    assert!(count(&w3, "checkout") > 0, "{w3:#}");
    assert_eq!(w3["unit"], "checkouts");

    // The open model: arrivals on a schedule, timed from it, none dropped at this rate.
    let open = bench(&p, &["product-page", "--rate", "20", "--max-in-flight", "50"]).await;
    assert_clean(&open);
    assert_eq!(open["model"], "open");
    assert_eq!(open["rate_per_s"], 20.0);
    assert!(open.get("users").is_none());
    let arrivals = &open["arrivals"];
    assert!(arrivals["scheduled"].as_u64() >= Some(30), "2 s at 20/s: {arrivals}");
    assert_eq!(arrivals["dropped"], 0, "{arrivals}");
    assert_eq!(open["flow"]["count"], arrivals["scheduled"], "every scheduled flow completed and counted");

    let mix = bench(&p, &["mix", "--users", "4"]).await;
    assert_clean(&mix);
    assert_eq!(
        names(&mix["steps"]),
        [
            "product page",
            "categories",
            "category listing",
            "text search",
            "products page",
            "cart create",
            "add line",
            "read cart",
            "checkout"
        ]
    );
    assert_eq!(names(&mix["flows"]), ["browse", "cart", "checkout"]);
    assert!(count(&mix, "product page") > 0, "{mix:#}");
    let browsed = mix["flows"][0]["count"].as_u64().unwrap_or_default();
    let total = mix["flow"]["count"].as_u64().unwrap_or_default();
    assert!(browsed > 0 && browsed <= total, "{mix:#}");

    // Each run was also archived in the data directory, by scenario.
    let dir = p.data_dir();
    assert_eq!(archived(dir, "product-page"), 2);
    for key in ["browse", "checkout", "mix"] {
        assert_eq!(archived(dir, key), 1, "{key}");
    }

    // Bad options are refused before anything runs.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["bench", "browse", "--rate", "0", "--data-dir"])
        .arg(p.data_dir())
        .output()
        .await
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rate"), "{}", String::from_utf8_lossy(&out.stderr));
}
