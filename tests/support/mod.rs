//! Shared test helpers: an engine on a temp dir and port 0, a minimal HTTP client.

pub mod kafka;
pub mod receiver;
pub mod wall;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use fenghuo::config::Config;
use fenghuo::engine::Engine;

pub const FIXTURE_RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules");
pub const FIXTURE_FEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feed.ndjson");

pub struct TestEngine {
    pub engine: Engine,
    pub dir: tempfile::TempDir,
}

impl TestEngine {
    /// An engine with the fixture rules copied into a temp dir (so tests may edit them),
    /// output to a temp file, HTTP on 127.0.0.1:0, and no sources unless `overlay` adds some.
    pub async fn start(overlay: &str) -> TestEngine {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap();
        for entry in std::fs::read_dir(FIXTURE_RULES).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
        }
        let output = dir.path().join("matches.ndjson");
        let text = format!(
            "sources = []\n[rules]\ndir = {:?}\nwatch = false\n[output]\nmatches = {:?}\nalerts = {:?}\n[http]\naddr = \"127.0.0.1:0\"\n[engine]\nworkers = 2\n[storage]\ndir = {:?}\n",
            rules.display().to_string(),
            output.display().to_string(),
            dir.path().join("alerts.ndjson").display().to_string(),
            dir.path().join("data").display().to_string(),
        );
        let config = Config::from_overlays(&[&text, overlay]).unwrap();
        let engine = Engine::start(&config, fenghuo::telemetry::install_prometheus())
            .await
            .unwrap();
        TestEngine { engine, dir }
    }

    pub fn addr(&self) -> SocketAddr {
        self.engine.http_addr().unwrap()
    }

    pub fn rules_dir(&self) -> PathBuf {
        self.dir.path().join("rules")
    }

    /// Shuts the engine down (draining everything) and returns the match lines.
    pub async fn finish(self) -> Vec<serde_json::Value> {
        let TestEngine { engine, dir } = self;
        engine.shutdown().await.unwrap();
        read_output(&dir.path().join("matches.ndjson"))
    }
}

/// Shuts the engine down and returns the alert lines.
impl TestEngine {
    pub async fn finish_alerts(self) -> Vec<serde_json::Value> {
        let TestEngine { engine, dir } = self;
        engine.shutdown().await.unwrap();
        read_output(&dir.path().join("alerts.ndjson"))
    }
}

pub fn read_output(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// (post id, sorted rule ids) of each output line, sorted.
pub fn matched_rules(lines: &[serde_json::Value]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = lines
        .iter()
        .map(|line| {
            let mut rules: Vec<String> = line["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect();
            rules.sort();
            (line["post"]["id"].as_str().unwrap().to_owned(), rules)
        })
        .collect();
    out.sort();
    out
}

/// One HTTP request through reqwest; returns the status and the body.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, format!("http://{addr}{path}"))
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// `fenghuo run --config CONFIG` as a child process, once it listens: the child and its
/// HTTP address. Its log is drained on a thread, so the engine never blocks writing it.
pub fn spawn_run(config: &Path) -> (std::process::Child, SocketAddr) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_fenghuo"));
    command.args(["run", "--config", config.to_str().unwrap()]);
    spawn_listening(command)
}

/// Spawns `command` (an engine, however started), waits for its "HTTP API listening" log
/// line and drains the rest of its log on a thread: the child and its HTTP address.
pub fn spawn_listening(mut command: std::process::Command) -> (std::process::Child, SocketAddr) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = log
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.contains("HTTP API listening"))
        .expect("the engine listens");
    let addr = line
        .split("addr=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    std::thread::spawn(move || log.count());
    (child, addr)
}

/// Like [`spawn_run`], keeping every log line the engine writes.
pub fn spawn_run_logged(
    config: &Path,
) -> (
    std::process::Child,
    SocketAddr,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fenghuo"))
        .args(["run", "--config", config.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let kept = lines.clone();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut addr = None;
    for line in log.by_ref().map_while(Result::ok) {
        lines.lock().unwrap().push(line.clone());
        if let Some(rest) = line
            .split("addr=")
            .nth(1)
            .filter(|_| line.contains("HTTP API listening"))
        {
            addr = rest.split_whitespace().next().and_then(|a| a.parse().ok());
            break;
        }
    }
    let kept = lines.clone();
    std::thread::spawn(move || {
        for line in log.map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    (child, addr.expect("the engine listens"), lines)
}

/// A Weibo-shaped post line.
pub fn weibo(id: &str, text: &str) -> String {
    serde_json::json!({
        "idstr": id,
        "created_at": "Sat Nov 28 10:00:00 +0800 2026",
        "text": text,
        "user": {"idstr": "u1", "screen_name": "测试", "followers_count": 10, "verified": false},
    })
    .to_string()
}
