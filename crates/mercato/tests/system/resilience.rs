//! Replicas, crashes, status and graceful shutdown.

use std::time::Duration;

use reqwest::StatusCode;

use crate::platform::{Platform, eventually};

#[tokio::test]
async fn three_inventory_replicas_share_the_load() {
    let p = Platform::start(&["--replicas", "inventory=3"]).await;
    assert_eq!(p.ready_instances("inventory").await, 3);
    assert_eq!(p.ready_instances("catalog").await, 1);
    p.create_location("a-dc").await;
    for _ in 0..90 {
        assert_eq!(p.get("/api/v1/locations").await.status(), StatusCode::OK);
    }
    let mut served = Vec::new();
    for instance in p.instances("inventory").await {
        let addr = instance["addr"].as_str().expect("addr");
        let metrics =
            p.http.get(format!("http://{addr}/metrics")).send().await.expect("metrics").text().await.expect("text");
        let count: f64 = metrics
            .lines()
            .filter(|l| {
                l.starts_with("http_server_requests_total")
                    && l.contains("route=\"/v1/locations\"")
                    && l.contains("method=\"GET\"")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        served.push(count);
    }
    assert!(served.iter().all(|c| *c > 0.0), "every replica served some requests: {served:?}");
    assert_eq!(served.iter().sum::<f64>(), 90.0);
}

#[tokio::test]
async fn a_killed_service_is_restarted_and_callers_get_clean_answers_meanwhile() {
    let p = Platform::start(&[]).await;
    let before = p.instances("catalog").await[0]["pid"].as_u64().expect("pid");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(before as i32), nix::sys::signal::Signal::SIGKILL).expect("kill");
    // While it is down: either a clean 503 with Retry-After, or (once back) a 200. Never a hang.
    let r = p.get("/api/v1/products").await;
    match r.status() {
        StatusCode::OK => {}
        StatusCode::SERVICE_UNAVAILABLE => assert!(r.headers().contains_key("retry-after")),
        other => panic!("unexpected {other}"),
    }
    eventually("catalog to be back with a new pid", Duration::from_secs(20), || async {
        let i = &p.instances("catalog").await[0];
        i["health"] == "ready" && i["pid"].as_u64().is_some_and(|pid| pid != before)
    })
    .await;
    assert_eq!(p.instances("catalog").await[0]["restarts"], 1);
    assert_eq!(p.get("/api/v1/products").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn status_shows_the_running_platform_from_another_process() {
    let p = Platform::start(&[]).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mercato"))
        .args(["status", "--data-dir"])
        .arg(p.data_dir())
        .output()
        .await
        .expect("status runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for service in ["identity", "catalog", "inventory", "gateway"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(service) && l.contains("ready")),
            "{service} missing:\n{text}"
        );
    }
    let pid = p.instances("inventory").await[0]["pid"].as_u64().expect("pid").to_string();
    assert!(text.contains(&pid));
}

#[tokio::test]
async fn stopping_the_supervisor_stops_every_service() {
    let mut p = Platform::start(&[]).await;
    let pids: Vec<u64> = {
        let status = p.status().await;
        status["services"]
            .as_array()
            .expect("services")
            .iter()
            .flat_map(|s| s["instances"].as_array().cloned().unwrap_or_default())
            .filter_map(|i| i["pid"].as_u64())
            .collect()
    };
    let services = p.status().await["services"].as_array().map_or(0, Vec::len);
    assert!(services >= 4);
    assert_eq!(pids.len(), services, "one running process per service");
    p.stop().await;
    for pid in pids {
        let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok();
        assert!(!alive, "process {pid} still running after shutdown");
    }
    assert!(!p.data_dir().join("mercato.json").exists(), "state file removed");
}
