//! `/ws/alerts`: a snapshot on connect, then deltas from the outbox's sequence; a screen
//! resumes from its last sequence; one that falls behind gets a fresh snapshot, and a
//! screen that does not read costs the engine no memory.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::support::wall::{connect, escalate_event, next_change, open_event, Socket};
use crate::support::{http, spawn_run, TestEngine, FIXTURE_RULES};
use fenghuo::deliver::outbox::{AlertCommit, IncidentUpdate, NewNotice, Outbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_gets_a_snapshot_then_deltas_and_resumes_by_sequence() {
    let test = TestEngine::start("").await;
    let addr = test.addr();
    let mut screen = connect(addr, "").await;
    let snapshot = next_change(&mut screen).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["incidents"], json!([]));

    open_event(addr).await;
    let opened = next_change(&mut screen).await;
    assert_eq!(opened["type"], "delta", "{opened}");
    assert_eq!(opened["kind"], "opened");
    assert_eq!(opened["incident"]["level"], "yellow");
    assert_eq!(opened["incident"]["active"], true);
    assert_eq!(opened["incident"]["domains"], json!(["执法办案"]));
    assert_eq!(opened["incident"]["place"], "江苏");
    assert_eq!(opened["incident"]["next_deadline"]["step"], "ack");
    assert_eq!(opened["incident"]["velocity"].as_array().unwrap().len(), 60);
    let seen = opened["seq"].as_i64().unwrap();
    let event_id = opened["incident"]["event_id"].clone();

    escalate_event(addr).await;
    let escalated = next_change(&mut screen).await;
    assert_eq!(escalated["kind"], "escalated", "{escalated}");
    assert_eq!(escalated["incident"]["level"], "red");
    assert_eq!(escalated["incident"]["event_id"], event_id);
    assert!(escalated["seq"].as_i64().unwrap() > seen);
    assert_eq!(
        escalated["incident"]["platforms"],
        json!(["weibo", "douyin"])
    );
    drop(screen);

    // A screen that saw the opening resumes after it: the escalation as a delta.
    let mut resumed = connect(addr, &format!("?since={seen}")).await;
    let first = next_change(&mut resumed).await;
    assert_eq!(first["type"], "delta", "{first}");
    assert_eq!(first["seq"], escalated["seq"]);
    assert_eq!(first["incident"]["level"], "red");

    // A new screen: a snapshot with the incident at 红.
    let mut fresh = connect(addr, "?since=0").await;
    let snapshot = next_change(&mut fresh).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["seq"], escalated["seq"]);
    assert_eq!(snapshot["incidents"][0]["level"], "red");

    // A step taken shows on every screen.
    let (status, body) = http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{}/ack", event_id.as_str().unwrap()),
        &[("Content-Type", "application/json")],
        r#"{"by": "值班员"}"#.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for socket in [&mut resumed, &mut fresh] {
        let step = next_change(socket).await;
        assert_eq!(step["kind"], "step", "{step}");
        assert_eq!(step["incident"]["state"], "ack");
        assert_eq!(step["incident"]["next_deadline"]["step"], "verified");
    }
    // Closed: it leaves the wall.
    let (status, body) = http(
        addr,
        "POST",
        &format!("/api/v1/alerts/{}/closed", event_id.as_str().unwrap()),
        &[("Content-Type", "application/json")],
        r#"{"by": "值班员"}"#.as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let closed = next_change(&mut fresh).await;
    assert_eq!(closed["incident"]["active"], false, "{closed}");
    let mut after = connect(addr, "").await;
    assert_eq!(next_change(&mut after).await["incidents"], json!([]));
    test.finish().await;
}

/// Resident memory of process `pid`, in bytes.
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

/// Commits `count` updates spread over `events` incidents, straight into the outbox (as
/// another process: SQLite's WAL lets the engine read them), in batches as the commit
/// stage does, each notice carrying `padding` bytes.
fn commit_updates(outbox: &Outbox, round: usize, count: usize, events: usize, padding: usize) {
    let filler = "警".repeat(padding / 3);
    let domains = vec!["执法办案".to_owned()];
    let bodies: Vec<(String, String, Value)> = (0..count)
        .map(|i| {
            let event_id = format!("ev-{}", i % events);
            let alert = json!({"alert_id": format!("{event_id}#{round}-{i}"), "level": "yellow",
                "at": chrono::Utc::now(), "velocity": [1, 2, 3], "title": filler});
            (event_id, format!("r{round}-n{i}"), alert)
        })
        .collect();
    for chunk in bodies.chunks(500) {
        let commits: Vec<AlertCommit<'_>> = chunk
            .iter()
            .map(|(event_id, notice_id, alert)| AlertCommit {
                incident: IncidentUpdate {
                    event_id,
                    level: "yellow",
                    resolved: false,
                    domains: &domains,
                    escalation_receivers: &[],
                    alert,
                },
                notice: NewNotice {
                    notice_id,
                    event_id,
                    kind: "updated",
                    level: "yellow",
                    body: alert,
                },
                receivers: &[],
            })
            .collect();
        outbox
            .commit_alerts(&commits, chrono::Utc::now(), &|_| serde_json::Value::Null)
            .unwrap();
    }
}

/// Reads until a message at `head`; returns (snapshots, deltas) seen.
async fn read_to(socket: &mut Socket, head: i64) -> (usize, usize) {
    let (mut snapshots, mut deltas) = (0, 0);
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let Message::Text(text) = socket.next().await.unwrap().unwrap() else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).unwrap();
            match message["type"].as_str() {
                Some("snapshot") => snapshots += 1,
                Some("delta") => deltas += 1,
                _ => {}
            }
            if message["type"] != "status" && message["seq"].as_i64() == Some(head) {
                return;
            }
        }
    })
    .await
    .expect("the screen catches up");
    (snapshots, deltas)
}

/// Kills the engine process when the test ends, passed or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_that_falls_behind_gets_a_snapshot_and_costs_no_memory() {
    // The engine in its own process, so its memory is measured alone.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "sources = []\n[http]\naddr = \"127.0.0.1:0\"\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = \"/dev/null\"\n[storage]\ndir = {:?}\n",
            data.display().to_string(),
        ),
    )
    .unwrap();
    let (child, addr) = spawn_run(&config);
    let engine = Running(child);
    let pid = engine.0.id();
    let outbox = Outbox::open(&data).unwrap();

    let mut slow = connect(addr, "").await;
    assert_eq!(next_change(&mut slow).await["type"], "snapshot");
    // Warm up allocators and SQLite's cache before measuring.
    commit_updates(&outbox, 0, 2000, 20, 4096);
    read_to(&mut slow, 2000).await;
    let before = resident_bytes(pid);
    // The screen reads nothing while 40 MB of notices are committed.
    for round in 1..=10 {
        commit_updates(&outbox, round, 1000, 20, 4096);
    }
    let head = outbox.head_seq().unwrap();
    assert_eq!(head, 12_000);
    let (snapshots, deltas) = read_to(&mut slow, head).await;
    let grown = resident_bytes(pid).saturating_sub(before);
    eprintln!("slow screen: {snapshots} snapshots, {deltas} deltas for 10000 notices; engine resident memory +{grown} bytes");
    assert!(snapshots >= 1, "a screen behind gets a fresh snapshot");
    assert!(
        deltas < 3 * fenghuo::api::ws_alerts::MAX_LAG,
        "{deltas} deltas: the backlog was not replayed"
    );
    assert!(
        grown < 16 << 20,
        "the engine's resident memory grew {grown} bytes for a screen that did not read"
    );
    // A screen asking to resume from far behind gets a snapshot too.
    let mut behind = connect(addr, "?since=5").await;
    let first = next_change(&mut behind).await;
    assert_eq!(first["type"], "snapshot");
    assert_eq!(first["seq"], head);
    assert_eq!(first["incidents"].as_array().unwrap().len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_needs_its_token_when_one_is_configured() {
    let test = TestEngine::start("[http]\nwall_token = \"w4ll\"\n").await;
    let addr = test.addr();
    let (status, _) = http(addr, "GET", "/", &[], b"").await;
    assert_eq!(status, 401);
    let (status, page) = http(addr, "GET", "/?token=w4ll", &[], b"").await;
    assert_eq!(status, 200);
    assert!(page.contains("/ws/alerts") || page.contains("wall.js"));
    let (status, _) = http(
        addr,
        "GET",
        "/wall.js",
        &[("Cookie", "fenghuo_wall=w4ll")],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/ws/alerts")).await;
    assert!(
        refused.is_err(),
        "the socket refuses a screen without the token"
    );
    let mut screen = connect(addr, "?token=w4ll").await;
    assert_eq!(next_change(&mut screen).await["type"], "snapshot");
    test.finish().await;
}

/// The next `status` whose problems satisfy `wanted`, within 20 s.
async fn status_where(socket: &mut Socket, wanted: impl Fn(&[String]) -> bool) -> Value {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let Message::Text(text) = socket.next().await.unwrap().unwrap() else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).unwrap();
            if message["type"] != "status" {
                continue;
            }
            let problems: Vec<String> =
                serde_json::from_value(message["problems"].clone()).unwrap();
            if wanted(&problems) {
                return message;
            }
        }
    })
    .await
    .expect("a status with the problem within 20 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screens_are_told_when_rules_or_a_source_fail() {
    // A provider's feed that hangs up on every connection: the source keeps connecting.
    // The port stays held for the whole test (a closed one could be taken by another
    // test's feed server, which would answer).
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/feed", dead.local_addr().unwrap());
    let hang_up = tokio::spawn(async move {
        while let Ok((socket, _)) = dead.accept().await {
            drop(socket);
        }
    });
    let overlay =
        format!("[[sources]]\nkind = \"websocket\"\nname = \"provider\"\nurl = {url:?}\n");
    let test = TestEngine::start(&overlay).await;
    let addr = test.addr();
    let mut screen = connect(addr, "").await;
    let status = status_where(&mut screen, |p| p.iter().any(|l| l.contains("provider"))).await;
    assert_eq!(status["counters"]["open"], json!({}));
    assert!(status["rules_generation"].as_u64().unwrap() >= 1);

    let broken = "[[rule]]\nid = \"bad.one\"\nname = \"坏\"\ndomain = \"执法办案\"\nseverity = \"high\"\nregex = [\"(警察|民警\"]\n";
    std::fs::write(test.rules_dir().join("broken.toml"), broken).unwrap();
    let (status, _) = http(addr, "POST", "/api/v1/rules/reload", &[], b"").await;
    assert_eq!(status, 422);
    status_where(&mut screen, |p| {
        p.iter()
            .any(|l| l.contains("规则重载失败") && l.contains("broken.toml"))
    })
    .await;
    test.finish().await;
    hang_up.abort();
}
