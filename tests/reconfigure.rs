//! Changing who is told without a restart: receivers, routes and deadlines from the
//! configuration file, places beside the rules, through `POST /api/v1/config/reload` and
//! SIGHUP; a broken file is refused with its error and the running configuration stays.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::receiver::{Behaviour, TestReceiver};
use crate::support::wall::{push, story_post};
use crate::support::{http, spawn_run, FIXTURE_RULES};

const EVENT: &str = "evt-weibo-w1";

fn write_config(path: &Path, data: &Path, rules: &Path, receiver: &str, url: &str, ack: i64) {
    std::fs::write(
        path,
        format!(
            "sources = []\n[http]\naddr = \"127.0.0.1:0\"\n[rules]\ndir = {:?}\nwatch = false\n\
             [output]\nalerts = \"/dev/null\"\n[storage]\ndir = {:?}\n\
             [deadlines]\nack = {{ red = {ack}, orange = {ack}, yellow = {ack} }}\n\
             [[receivers]]\nname = {receiver:?}\nkind = \"webhook\"\nurl = {url:?}\n\
             [[routes]]\nmatch = {{ levels = [\"yellow\", \"orange\", \"red\"] }}\nreceivers = [{receiver:?}]\n",
            rules.display().to_string(),
            data.display().to_string(),
        ),
    )
    .unwrap();
}

async fn reload(addr: SocketAddr) -> (u16, Value) {
    let (status, body) = http(addr, "POST", "/api/v1/config/reload", &[], b"").await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// The incident's `ack` deadline, in minutes after it opened.
async fn ack_minutes(addr: SocketAddr) -> i64 {
    let (status, body) = http(addr, "GET", &format!("/api/v1/alerts/{EVENT}"), &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let found: Value = serde_json::from_str(&body).unwrap();
    let opened: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(found["alert"]["opened_at"].clone()).unwrap();
    let ack: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(found["deadlines"]["ack"].clone()).unwrap();
    (ack - opened).num_minutes()
}

#[tokio::test(flavor = "multi_thread")]
async fn receivers_routes_deadlines_and_places_reload_and_a_broken_file_is_refused() {
    let first = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let second = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let dir = tempfile::tempdir().unwrap();
    let (data, rules) = (dir.path().join("data"), dir.path().join("rules"));
    std::fs::create_dir(&rules).unwrap();
    for entry in std::fs::read_dir(FIXTURE_RULES).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
    }
    let config = dir.path().join("fenghuo.toml");
    write_config(&config, &data, &rules, "first", &first.url("/hook"), 30);
    let (mut engine, addr) = spawn_run(&config);

    push(addr, &story_post("w1", 50, false, "weibo")).await;
    first.wait_until(|calls| !calls.is_empty()).await;
    assert_eq!(ack_minutes(addr).await, 30);

    // Another receiver and a shorter 首接 deadline, through the API.
    write_config(&config, &data, &rules, "second", &second.url("/hook"), 15);
    let (status, now) = reload(addr).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(now["delivery"]["receivers"], serde_json::json!(["second"]));
    assert_eq!(ack_minutes(addr).await, 15, "deadlines reloaded");
    push(addr, &story_post("d1", 12_000_000, true, "douyin")).await;
    second.wait_until(|calls| !calls.is_empty()).await;
    let escalated: Value = serde_json::from_str(&second.calls()[0].body).unwrap();
    assert_eq!(
        escalated["alert"]["event_id"], EVENT,
        "the same event goes on: {escalated}"
    );
    assert_eq!(escalated["alert"]["kind"], "escalated");
    assert_eq!(
        first.calls().len(),
        1,
        "the removed receiver is told nothing more"
    );

    // A broken file is refused with its error; the running configuration stays.
    std::fs::write(&config, "[[routes]]\nreceivers = [\"nobody\"]\n").unwrap();
    let (status, refused) = reload(addr).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("nobody"),
        "the error names the problem: {refused}"
    );
    std::fs::write(rules.join("places.toml"), "city = 1\n").unwrap();
    write_config(&config, &data, &rules, "second", &second.url("/hook"), 45);
    let (status, refused) = reload(addr).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("places"),
        "{refused}"
    );
    assert_eq!(ack_minutes(addr).await, 15, "nothing changed");

    // SIGHUP reloads too, once the places are whole again.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/places.toml"),
        rules.join("places.toml"),
    )
    .unwrap();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &engine.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while ack_minutes(addr).await != 45 {
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not reload the deadlines"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    engine.kill().unwrap();
    engine.wait().unwrap();
}
