//! What an SRE relies on: /metrics that add up, /readyz that tells the truth.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{http, read_output, spawn_run, weibo, FIXTURE_FEED, FIXTURE_RULES};

/// `name{labels}` → value, checking every line is valid Prometheus text format.
fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP ") || comment.starts_with("TYPE "),
                "bad comment: {line}"
            );
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && name.starts_with("fenghuo_"),
            "bad metric name: {line}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "bad labels: {line}");
        }
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        samples.insert(series.to_owned(), value);
    }
    samples
}

fn sum(samples: &HashMap<String, f64>, prefix: &str) -> f64 {
    samples
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_after_a_replay_equal_what_the_replay_produced() {
    let dir = tempfile::tempdir().unwrap();
    // The fixture feed plus one bad line of three kinds.
    let mut feed = std::fs::read_to_string(FIXTURE_FEED).unwrap();
    feed.push_str("{broken\n[1]\n");
    feed.push_str(&weibo("x", &"长".repeat(100_000)));
    feed.push('\n');
    let feed_path = dir.path().join("feed.ndjson");
    std::fs::write(&feed_path, feed).unwrap();

    // What the pipeline produces for this feed, from a replay.
    let alerts_path = dir.path().join("replay-alerts.ndjson");
    let replay = Command::new(env!("CARGO_BIN_EXE_fenghuo"))
        .env("FENGHUO_DATA_DIR", dir.path().join("replay-data"))
        .args([
            "replay",
            feed_path.to_str().unwrap(),
            "--rules",
            FIXTURE_RULES,
            "--output",
            alerts_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(replay.status.success());
    let expected_alerts = read_output(&alerts_path).len() as f64;
    assert!(expected_alerts > 0.0);

    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "[[sources]]\nkind = \"replay\"\nname = \"fixture\"\npath = {:?}\n[http]\naddr = \"127.0.0.1:0\"\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = {:?}\n[storage]\ndir = {:?}\n",
            feed_path.display().to_string(),
            dir.path().join("alerts.ndjson").display().to_string(),
            dir.path().join("data").display().to_string(),
        ),
    )
    .unwrap();
    let (mut child, addr) = spawn_run(&config);

    // Another process: its progress can only be observed, so poll until everything went
    // through (bounded).
    let deadline = Instant::now() + Duration::from_secs(60);
    let (samples, text) = loop {
        let (status, text) = http(addr, "GET", "/metrics", &[], b"").await;
        assert_eq!(status, 200, "{text}");
        let samples = parse_prometheus(&text);
        let received = samples
            .get("fenghuo_posts_received_total{source=\"fixture\"}")
            .copied()
            .unwrap_or(0.0);
        if received >= 14.0 && sum(&samples, "fenghuo_alerts_total{") >= expected_alerts {
            break (samples, text);
        }
        assert!(
            Instant::now() < deadline,
            "the replay did not finish: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let get = |series: &str| {
        samples
            .get(series)
            .copied()
            .unwrap_or_else(|| panic!("{series} missing"))
    };
    assert_eq!(
        get("fenghuo_posts_received_total{source=\"fixture\"}"),
        14.0
    );
    assert_eq!(get("fenghuo_posts_decoded_total{source=\"fixture\"}"), 11.0);
    assert_eq!(
        get("fenghuo_posts_rejected_total{source=\"fixture\",reason=\"invalid_json\"}"),
        1.0
    );
    assert_eq!(
        get("fenghuo_posts_rejected_total{source=\"fixture\",reason=\"not_an_object\"}"),
        1.0
    );
    assert_eq!(
        get("fenghuo_posts_rejected_total{source=\"fixture\",reason=\"too_large\"}"),
        1.0
    );
    assert_eq!(get("fenghuo_posts_matched_total"), 7.0);
    assert_eq!(
        get("fenghuo_rule_matches_total{rule=\"fx.violence\",domain=\"执法办案\"}"),
        4.0
    );
    assert_eq!(
        get("fenghuo_rule_matches_total{rule=\"fx.window\",domain=\"窗口服务\"}"),
        1.0
    );
    assert_eq!(sum(&samples, "fenghuo_alerts_total{"), expected_alerts);
    assert_eq!(get("fenghuo_rules_generation"), 1.0);
    assert_eq!(
        get("fenghuo_queue_frames_pushed_total"),
        get("fenghuo_queue_frames_popped_total")
    );
    assert!(samples.contains_key("fenghuo_worker_busy_seconds_total{worker=\"0\"}"));
    // Regression: it was a gauge, which `promtool check metrics` rejects for a `_total`.
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let (name, kind) = line["# TYPE ".len()..].split_once(' ').unwrap();
        assert!(
            !name.ends_with("_total") || kind == "counter",
            "{name} is a {kind}; a _total must be a counter"
        );
    }
    assert_eq!(
        get("fenghuo_ingest_to_alert_seconds_count"),
        expected_alerts,
        "every alert's latency, as a histogram"
    );
    assert!(samples
        .keys()
        .any(|k| k.starts_with("fenghuo_ingest_to_alert_seconds_bucket{le=")));

    let (status, body) = http(addr, "GET", "/readyz", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("source fixture: finished"), "{body}");
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    assert_eq!(
        read_output(&dir.path().join("alerts.ndjson")).len() as f64,
        expected_alerts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_unready_while_rules_fail_to_load_and_ready_once_they_do() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("police.toml"), "[[rule]]\nid = \"broken\"\n").unwrap();
    let overlay = format!(
        "sources = []\n[rules]\ndir = {:?}\nwatch = false\n[http]\naddr = \"127.0.0.1:0\"\n[output]\nalerts = {:?}\n[storage]\ndir = {:?}\n",
        rules.display().to_string(),
        dir.path().join("alerts.ndjson").display().to_string(),
        dir.path().join("data").display().to_string()
    );
    let config = fenghuo::config::Config::from_overlay(&overlay).unwrap();
    let engine = fenghuo::engine::Engine::start(&config, None).await.unwrap();
    let addr = engine.http_addr().unwrap();

    let (status, body) = http(addr, "GET", "/readyz", &[], b"").await;
    assert_eq!(status, 503);
    assert!(
        body.contains("NOT LOADED") && body.contains("police.toml"),
        "{body}"
    );
    let (status, _) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200, "alive while unready");

    std::fs::copy(
        format!("{FIXTURE_RULES}/police.toml"),
        rules.join("police.toml"),
    )
    .unwrap();
    let (status, body) = http(addr, "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(addr, "GET", "/readyz", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("rules: generation 1"), "{body}");
    engine.shutdown().await.unwrap();
}
