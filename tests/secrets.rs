//! Issue 15.8: no configured secret leaks into the logs, the API or `/metrics`, whatever
//! the receivers answer and however they fail.

use std::time::Duration;

use serde_json::Value;

use crate::support::receiver::{Behaviour, TestReceiver};
use crate::support::{http, spawn_run_logged, FIXTURE_RULES};

const SECRETS: [&str; 8] = [
    "AK-hook-4f1e9a",
    "HMAC-hook-77c2",
    "HDR-bearer-5e0d",
    "DT-token-9b3a1f",
    "SEC-ding-c0ffee",
    "WC-key-2d7e4b",
    "FS-hook-81aa3c",
    "FS-sign-60bd2e",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_configured_secret_appears_in_logs_api_answers_or_metrics() {
    let echo = TestReceiver::start(Behaviour::EchoRequest).await;
    // A robot that never answers (held for the whole test: a port merely closed could be
    // taken by another test's server meanwhile and answer for it).
    let silent = TestReceiver::start(Behaviour::Hang).await;
    let [access_key, hmac, bearer, ding_token, ding_secret, wecom_key, feishu_hook, feishu_secret] =
        SECRETS;
    let receivers = format!(
        r#"
[[receivers]]
name = "hook"
kind = "webhook"
url = "{echo}/in?access_key={access_key}"
secret = "{hmac}"
headers = {{ Authorization = "Bearer {bearer}" }}
[[receivers]]
name = "ding"
kind = "dingtalk"
url = "http://{silent}/robot/send?access_token={ding_token}"
secret = "{ding_secret}"
timeout_ms = 300
[[receivers]]
name = "wecom"
kind = "wecom"
url = "{echo}/cgi-bin/webhook/send?key={wecom_key}"
[[receivers]]
name = "feishu"
kind = "feishu"
url = "{echo}/open-apis/bot/v2/hook/{feishu_hook}"
secret = "{feishu_secret}"
"#,
        echo = format!("http://{}", echo.addr),
        silent = silent.addr,
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "sources = []\n[http]\naddr = \"127.0.0.1:0\"\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = \"-\"\n[storage]\ndir = {:?}\n[delivery]\nretry_initial_ms = 10\nretry_max_ms = 50\ngive_up_after_secs = 1\n{receivers}",
            dir.path().join("data").display().to_string(),
        ),
    )
    .unwrap();
    let (mut child, addr, log) = spawn_run_logged(&config);
    let post = crate::support::weibo("w-secret", "某地警察打人，太过分了");
    let (status, _) = http(addr, "POST", "/api/v1/ingest", &[], post.as_bytes()).await;
    assert_eq!(status, 202);

    // The three echoing receivers refuse at once; the silent robot times out and gives up after 1 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let letters = loop {
        let (_, body) = http(addr, "GET", "/api/v1/dead-letters", &[], b"").await;
        let letters: Value = serde_json::from_str(&body).unwrap();
        if letters["dead_letters"].as_array().unwrap().len() >= 4 {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "four dead letters: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, listed) = http(addr, "GET", "/api/v1/alerts", &[], b"").await;
    let event = serde_json::from_str::<Value>(&listed).unwrap()["alerts"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, shown) = http(addr, "GET", &format!("/api/v1/alerts/{event}"), &[], b"").await;
    let (_, metrics) = http(addr, "GET", "/metrics", &[], b"").await;
    child.kill().unwrap();
    child.wait().unwrap();
    let log = log.lock().unwrap().join("\n");

    // The failures were recorded and logged (so the grep below has something to bite on).
    assert!(shown.contains("bad request"), "{shown}");
    assert!(shown.contains("request failed"), "{shown}");
    assert!(log.contains("dead letter"), "{log}");
    for (what, text) in [
        ("dead letters", &letters),
        ("alert", &shown),
        ("metrics", &metrics),
        ("log", &log),
    ] {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{secret} leaked into the {what}:\n{text}"
            );
        }
    }
}
