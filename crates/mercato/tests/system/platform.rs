//! A running platform for one test, and what tests do with it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// Waits for `check` to hold, polling, up to `deadline`; panics with `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, deadline: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let until = tokio::time::Instant::now() + deadline;
    while tokio::time::Instant::now() < until {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out after {deadline:?} waiting for: {what}");
}

pub struct Platform {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub gateway: String,
    pub control: String,
    pub token: String,
    pub http: reqwest::Client,
    postgres: Option<String>,
    nats_prefix: String,
    extra: Vec<String>,
    env: Vec<(String, String)>,
}

fn backend_args(prefix: &str) -> Vec<String> {
    if runtime::testing::backend_is_postgres() {
        let nats = std::env::var("MERCATO_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
        vec![
            "--postgres".into(),
            format!("{}/{prefix}", runtime::testing::postgres_server()),
            "--nats".into(),
            nats,
            "--nats-prefix".into(),
            prefix.into(),
        ]
    } else {
        Vec::new()
    }
}

impl Platform {
    /// `mercato up --no-seed` plus `extra`.
    pub async fn start(extra: &[&str]) -> Self {
        let mut args = vec!["--no-seed"];
        args.extend_from_slice(extra);
        Self::start_seeding(&args).await
    }

    /// `mercato up --no-seed` plus `extra`, with `env` set for the supervisor and so for every
    /// service it starts (test hooks).
    pub async fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut args = vec!["--no-seed"];
        args.extend_from_slice(extra);
        Self::launch(&args, env).await
    }

    /// `mercato up` with exactly `extra` (seeds unless `--no-seed` is among them).
    pub async fn start_seeding(extra: &[&str]) -> Self {
        Self::launch(extra, &[]).await
    }

    async fn launch(extra: &[&str], env: &[(&str, &str)]) -> Self {
        runtime::init_process();
        let dir = tempfile::tempdir().expect("temp dir");
        let prefix = runtime::testing::unique_prefix();
        let mut platform = Platform {
            child: None,
            dir,
            gateway: String::new(),
            control: String::new(),
            token: String::new(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client"),
            postgres: runtime::testing::backend_is_postgres().then(|| prefix.clone()),
            nats_prefix: prefix,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        };
        platform.boot().await;
        platform
    }

    async fn boot(&mut self) {
        let mut args = vec![
            "up".to_owned(),
            "--data-dir".into(),
            self.dir.path().display().to_string(),
            "--gateway-addr".into(),
            "127.0.0.1:0".into(),
        ];
        args.extend(backend_args(&self.nats_prefix));
        args.extend(self.extra.iter().cloned());
        let out = std::fs::File::create(self.dir.path().join("supervisor.out")).expect("log file");
        let err = std::fs::File::create(self.dir.path().join("supervisor.err")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_mercato"))
            .args(&args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .expect("mercato starts");
        self.child = Some(child);
        let state_file = self.dir.path().join("mercato.json");
        let until = tokio::time::Instant::now() + Duration::from_secs(90);
        while !state_file.exists() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("mercato up exited with {status}:\n{}", self.supervisor_log());
            }
            assert!(tokio::time::Instant::now() < until, "platform not up in 90 s:\n{}", self.supervisor_log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let state: Value = serde_json::from_slice(&std::fs::read(&state_file).expect("state")).expect("json");
        self.gateway = state["gateway_url"].as_str().expect("gateway").to_owned();
        self.control = state["control_url"].as_str().expect("control").to_owned();
        self.token = state["staff_token"].as_str().expect("token").to_owned();
    }

    pub fn supervisor_log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("{}{}", read("supervisor.out"), read("supervisor.err"))
    }

    /// Stops the supervisor with SIGTERM (as Ctrl-C would) and waits for it.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ =
                    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGTERM);
            }
            let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
            assert!(
                matches!(status, Ok(Ok(s)) if s.success()),
                "graceful stop failed: {status:?}\n{}",
                self.supervisor_log()
            );
        }
    }

    /// Stops and starts again on the same data.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.boot().await;
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.gateway)).send().await.expect("request sent")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.expect("json")
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.gateway))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a location, retrying while inventory is unavailable: just after start the
    /// gateway may not have seen inventory's instance in the registry yet.
    pub async fn create_location(&self, code: &str) {
        let body = json!({ "code": code, "name": code, "kind": "warehouse" });
        self.create("/api/v1/locations", &body, None).await;
    }

    /// Creates a product, retrying (same Idempotency-Key) while catalog is unavailable.
    pub async fn create_product(&self, key: &str, skus: &[String]) -> Value {
        let body = json!({
            "name": format!("Product {key}"),
            "slug": key,
            "variants": skus.iter().map(|s| json!({ "sku": s })).collect::<Vec<_>>()
        });
        self.create("/api/v1/products", &body, Some(key)).await
    }

    /// POSTs `body` to `path` as staff until it answers 201 (within 60 s), and returns what it
    /// created. With an Idempotency-Key any 5xx is retried; without one only a 503 (nothing
    /// was done), and a 409 after a retry means an earlier try created it (`null` then).
    async fn create(&self, path: &str, body: &Value, key: Option<&str>) -> Value {
        let until = tokio::time::Instant::now() + Duration::from_secs(60);
        let mut retried = false;
        loop {
            let mut request = self.http.post(format!("{}{path}", self.gateway)).bearer_auth(&self.token).json(body);
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            match request.send().await {
                Ok(r) if r.status() == StatusCode::CREATED => return r.json().await.expect("json"),
                Ok(r) if r.status() == StatusCode::CONFLICT && retried && key.is_none() => return Value::Null,
                Ok(r)
                    if r.status() == StatusCode::SERVICE_UNAVAILABLE
                        || (r.status().is_server_error() && key.is_some()) =>
                {
                    assert!(
                        r.headers().contains_key("retry-after") || r.status() != StatusCode::SERVICE_UNAVAILABLE,
                        "503 without Retry-After"
                    );
                }
                Ok(r) => panic!("unexpected {} from POST {path}: {}", r.status(), r.text().await.unwrap_or_default()),
                Err(_) => {}
            }
            assert!(tokio::time::Instant::now() < until, "POST {path} did not succeed within 60 s");
            retried = true;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn status(&self) -> Value {
        self.http
            .get(format!("{}/v1/status", self.control))
            .send()
            .await
            .expect("control answers")
            .json()
            .await
            .expect("json")
    }

    pub async fn instances(&self, service: &str) -> Vec<Value> {
        let status = self.status().await;
        status["services"].as_array().expect("services").iter().find(|s| s["name"] == service).expect("service")["instances"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn ready_instances(&self, service: &str) -> usize {
        self.instances(service).await.iter().filter(|i| i["health"] == "ready").count()
    }

    pub async fn scale(&self, service: &str, replicas: usize) {
        let r = self
            .http
            .post(format!("{}/v1/services/{service}/scale", self.control))
            .json(&json!({ "replicas": replicas }))
            .send()
            .await
            .expect("sent");
        assert!(r.status().is_success());
        eventually(&format!("{service} at {replicas} ready instances"), Duration::from_secs(30), || async {
            self.ready_instances(service).await == replicas
        })
        .await;
    }

    /// Every stock record inventory has, following cursors.
    pub async fn stock_records(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.get_json(&format!("/api/v1/stock?limit=100&after={after}")).await;
            out.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next"].as_str() {
                Some(next) => after = next.to_owned(),
                None => return out,
            }
        }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ =
                    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGTERM);
                let until = std::time::Instant::now() + Duration::from_secs(20);
                while std::time::Instant::now() < until && matches!(child.try_wait(), Ok(None)) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            let _ = child.start_kill();
        }
        if let Some(prefix) = self.postgres.take() {
            let server = runtime::testing::postgres_server();
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async move {
                    use sqlx::Connection as _;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
                        // Every database the platform made, whichever services it ran: a list
                        // of names here went stale as services were added, and their
                        // databases piled up on the server.
                        let made: Vec<String> =
                            sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                                .bind(format!("{prefix}_"))
                                .fetch_all(&mut conn)
                                .await
                                .unwrap_or_default();
                        for name in made {
                            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await;
                        }
                    }
                });
            })
            .join();
        }
    }
}
