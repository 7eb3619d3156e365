//! A restart — even kill -9 — continues the same events: the tracker's checkpoint
//! (`[events] checkpoint_secs`) is restored at start and reconciled with the outbox.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use fenghuo::deliver::outbox::Outbox;
use serde_json::Value;

use crate::support::wall::{push, story_post};
use crate::support::{http, spawn_run, FIXTURE_RULES};

const EVENT: &str = "evt-weibo-w1";

/// Polls the engine (another process: there is no signal to await) until the incident
/// exists and `wanted` holds for it; returns it.
async fn incident_when(addr: SocketAddr, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = http(addr, "GET", &format!("/api/v1/alerts/{EVENT}"), &[], b"").await;
        if status == 200 {
            let found: Value = serde_json::from_str(&body).unwrap();
            if wanted(&found["alert"]) {
                return found["alert"].clone();
            }
        }
        assert!(Instant::now() < deadline, "timed out: {status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The checkpoint holds the event open (its alert state saved).
fn checkpointed(data: &Path) -> bool {
    std::fs::read(data.join("tracker.checkpoint.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|checkpoint| {
            checkpoint["open"]
                .as_array()
                .is_some_and(|open| open.iter().any(|entry| entry[0] == EVENT))
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn after_kill_9_the_story_continues_in_the_same_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "sources = []\n[http]\naddr = \"127.0.0.1:0\"\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = \"/dev/null\"\n[events]\ncheckpoint_secs = 1\n[storage]\ndir = {:?}\n",
            data.display().to_string(),
        ),
    )
    .unwrap();

    let (mut first, addr) = spawn_run(&config);
    push(addr, &story_post("w1", 50, false, "weibo")).await;
    let opened = incident_when(addr, |_| true).await;
    assert_eq!(opened["level"], "yellow", "{opened}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !checkpointed(&data) {
        assert!(Instant::now() < deadline, "no checkpoint holds the event");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    let (mut second, addr) = spawn_run(&config);
    push(addr, &story_post("d1", 12_000_000, true, "douyin")).await;
    let escalated = incident_when(addr, |incident| incident["level"] == "red").await;
    let alert = &escalated["alert"];
    assert_eq!(alert["kind"], "escalated", "{alert}");
    assert_eq!(
        alert["figures"]["total_posts"], 2,
        "the event's posts and windows continue: {alert}"
    );
    let windows = alert["figures"]["windows"].as_array().unwrap();
    let hour = windows.iter().find(|w| w["minutes"] == 60).unwrap();
    assert_eq!(hour["posts"], 2, "velocity continues across the restart");
    second.kill().unwrap();
    second.wait().unwrap();

    let outbox = Outbox::open(&data).unwrap();
    let notices = outbox.notices_after(0, 1000).unwrap();
    let kinds: Vec<(&str, &str)> = notices
        .iter()
        .map(|n| (n.event_id.as_str(), n.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [(EVENT, "opened"), (EVENT, "escalated")],
        "one event, opened once"
    );
    let (one, two) = (&notices[0].notice_id, &notices[1].notice_id);
    assert_ne!(one, two);
    assert_eq!(
        one.rsplit_once('#').unwrap().0,
        two.rsplit_once('#').unwrap().0,
        "the same instance of the event continues its sequence"
    );
    assert!(two.ends_with("#2"), "{two}");
}
