//! The outbox never loses an alert: not for a re-opened event, not on a full disk, not
//! behind one notice a receiver refuses.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::receiver::{Behaviour, Call, TestReceiver};
use crate::support::{http, TestEngine};

const FAST_RETRY: &str =
    "[delivery]\nretry_initial_ms = 10\nretry_max_ms = 50\ngive_up_after_secs = 60\n";

fn webhook(name: &str, url: &str) -> String {
    format!("[[receivers]]\nname = {name:?}\nkind = \"webhook\"\nurl = {url:?}\n")
}

/// A canonical post on Weibo at `minute` minutes after 2026-11-28 10:00 (Beijing).
fn post(id: &str, body: &str, minute: i64, followers: u64, repost_of: Option<&str>) -> Value {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap()
        + chrono::Duration::minutes(minute);
    json!({
        "platform": "weibo", "id": id, "body": body, "published_at": at.to_rfc3339(),
        "author": {"id": format!("a-{id}"), "followers": followers},
        "repost_of": repost_of,
    })
}

async fn push(test: &TestEngine, posts: &[Value]) {
    let body: String = posts.iter().map(|p| p.to_string() + "\n").collect();
    let (status, answer) = http(test.addr(), "POST", "/api/v1/ingest", &[], body.as_bytes()).await;
    assert_eq!(status, 202, "{answer}");
}

fn payloads(calls: &[Call]) -> Vec<Value> {
    calls
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| serde_json::from_str(&c.body).unwrap())
        .collect()
}

fn has(calls: &[Call], event: &str, kind: &str, nth: usize) -> bool {
    payloads(calls)
        .iter()
        .filter(|p| p["event_id"] == event && p["kind"] == kind)
        .count()
        >= nth
}

/// Issue 15 A1: post X, a newer post so X's event resolves, then X again with 24 reposts
/// from 1M-follower accounts. The re-opened event's alerts used to reuse the first
/// instance's ids (`#1`, `#2`) and vanish in the outbox's `INSERT OR IGNORE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_events_alerts_reach_the_receiver() {
    let receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let overlay = webhook("hook", &receiver.url("/")) + FAST_RETRY;
    let test = TestEngine::start(&overlay).await;
    let event = "evt-weibo-x1";
    let x = post(
        "x1",
        "某地警察打人，太过分了，视频里民警殴打路人",
        0,
        100,
        None,
    );

    push(&test, std::slice::from_ref(&x)).await;
    receiver
        .wait_until(|calls| has(calls, event, "opened", 1))
        .await;
    // Three hours later (quiet_minutes = 60): X's event resolves.
    push(
        &test,
        &[post("y1", "派出所户籍窗口百般刁难", 180, 100, None)],
    )
    .await;
    receiver
        .wait_until(|calls| has(calls, event, "resolved", 1))
        .await;
    // X again, now with reposts from big accounts.
    let mut again = vec![x];
    for i in 0..24 {
        let id = format!("r{i}");
        again.push(post(
            &id,
            "转发：警察打人，太过分了",
            181,
            1_000_000,
            Some("x1"),
        ));
    }
    push(&test, &again).await;
    receiver
        .wait_until(|calls| has(calls, event, "opened", 2))
        .await;

    let alerts = test.finish_alerts().await;
    let emitted: Vec<&Value> = alerts.iter().filter(|a| a["event_id"] == event).collect();
    let kinds: Vec<&str> = emitted
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["opened", "resolved"], "{kinds:?}");
    assert!(kinds[2..].contains(&"opened"), "{kinds:?}");
    assert!(
        kinds[2..].contains(&"escalated"),
        "the reposts raise the re-opened event: {kinds:?}"
    );
    let ids: BTreeSet<&str> = emitted
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), emitted.len(), "alert ids are unique: {ids:?}");
    // Every alert the engine emitted reached the receiver (shutdown drains the outbox).
    let delivered: BTreeSet<String> = payloads(&receiver.calls())
        .iter()
        .map(|p| p["notice_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids {
        assert!(delivered.contains(*id), "{id} delivered; got {delivered:?}");
    }
}

/// `n` posts of distinct stories, each firing `fx.violence` once: the same words in the
/// middle of different random ideographs, so no two join one event.
fn distinct_stories(n: usize, minute: i64) -> Vec<Value> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut ideographs = |count: usize| -> String {
        (0..count)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from_u32(0x4E00 + ((state >> 33) % 0x1000) as u32).unwrap()
            })
            .collect()
    };
    (0..n)
        .map(|i| {
            let body = format!("{}警察打人{}", ideographs(30), ideographs(10));
            post(&format!("s{i}"), &body, minute, 100, None)
        })
        .collect()
}

/// Polls `/readyz` until its status is `want` (bounded): readiness has no push signal.
async fn ready_becomes(test: &TestEngine, want: u16) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, body) = http(test.addr(), "GET", "/readyz", &[], b"").await;
        if status == want {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/readyz stayed {status}: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Issue 15 A2: with the outbox refusing writes (as on a full disk) alerts are held, not
/// dropped; readiness says why and recovers by itself; a delivered notice whose cursor
/// cannot be stored is not sent again in a loop. 360 of 480 alerts used to be lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_holds_alerts_until_space_returns() {
    let receiver =
        TestReceiver::start(Behaviour::Slow(std::time::Duration::from_millis(150))).await;
    let overlay = webhook("hook", &receiver.url("/")) + FAST_RETRY;
    let test = TestEngine::start(&overlay).await;
    let outbox = test.engine.outbox().clone();
    ready_becomes(&test, 200).await;

    // The first alert is on its way to the receiver when the disk fills up.
    push(&test, &distinct_stories(1, 0)).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while receiver.calls().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first alert is sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    outbox.refuse_writes(true).unwrap();
    let held = 30;
    let mut stories = distinct_stories(held + 1, 1);
    stories.remove(0); // the first story again would join its event
    push(&test, &stories).await;
    let report = ready_becomes(&test, 503).await;
    assert!(report.contains("outbox: NOT WRITABLE"), "{report}");
    receiver
        .wait_until(|calls| calls.iter().any(|c| c.status == 200))
        .await;
    // The delivered notice's cursor could not be stored: it must not be sent again.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let during = receiver.calls().len();
    assert_eq!(
        during, 1,
        "nothing re-sent, nothing new committed while full"
    );

    outbox.refuse_writes(false).unwrap();
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() > held)
        .await;
    ready_becomes(&test, 200).await;
    let alerts = test.finish_alerts().await;
    let emitted: BTreeSet<String> = alerts
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_owned())
        .collect();
    let delivered: Vec<String> = payloads(&receiver.calls())
        .iter()
        .map(|p| p["notice_id"].as_str().unwrap().to_owned())
        .collect();
    eprintln!(
        "disk full: {} alerts emitted, {} delivered during, {} delivered in all ({} unique)",
        emitted.len(),
        during,
        delivered.len(),
        delivered.iter().collect::<BTreeSet<_>>().len()
    );
    assert_eq!(emitted.len(), held + 1);
    assert_eq!(
        delivered.len(),
        emitted.len(),
        "each alert delivered exactly once"
    );
    assert_eq!(delivered.into_iter().collect::<BTreeSet<_>>(), emitted);
}

/// The value of one metric line in `/metrics` (`name{labels}`), 0 when absent.
async fn metric(test: &TestEngine, series: &str) -> f64 {
    let (_, text) = http(test.addr(), "GET", "/metrics", &[], b"").await;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Issue 15 A3: a 400 (or DingTalk's `310000 sign not match`) is a dead letter at once,
/// and the notices behind it go out. A 400 used to be retried for `give_up_after_secs`
/// (an hour) while every later notice waited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_notice_is_a_dead_letter_at_once_and_blocks_nothing() {
    let hook = TestReceiver::start(Behaviour::Refuse {
        first: 1,
        status: 400,
        body: r#"{"error":"bad payload"}"#,
    })
    .await;
    let robot = TestReceiver::start(Behaviour::Refuse {
        first: 1,
        status: 200,
        body: r#"{"errcode":310000,"errmsg":"sign not match"}"#,
    })
    .await;
    let overlay = webhook("refusing-hook", &hook.url("/"))
        + &format!(
            "[[receivers]]\nname = \"refusing-robot\"\nkind = \"dingtalk\"\nurl = {:?}\nrate_limit = {{ messages = 100, per_seconds = 1.0 }}\n",
            robot.url("/robot/send?access_token=t")
        )
        + "[delivery]\nretry_initial_ms = 10\nretry_max_ms = 50\ngive_up_after_secs = 3600\n";
    let test = TestEngine::start(&overlay).await;
    push(&test, &distinct_stories(6, 0)).await;
    for receiver in [&hook, &robot] {
        receiver
            .wait_until(|calls| calls.iter().filter(|c| c.status != 0).count() >= 6)
            .await;
    }
    let (status, body) = http(test.addr(), "GET", "/api/v1/dead-letters", &[], b"").await;
    assert_eq!(status, 200);
    let letters: Value = serde_json::from_str(&body).unwrap();
    let letters = letters["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(letters
        .iter()
        .any(|l| l["receiver"] == "refusing-robot"
            && l["error"].as_str().unwrap().contains("310000")));
    for name in ["refusing-hook", "refusing-robot"] {
        let dead = metric(
            &test,
            &format!("fenghuo_dead_letters_total{{receiver=\"{name}\"}}"),
        )
        .await;
        assert_eq!(dead, 1.0, "{name}");
    }
    for receiver in [&hook, &robot] {
        let calls = receiver.calls();
        assert_eq!(calls.len(), 6, "the refused notice is not sent again");
        assert_eq!(
            calls.iter().filter(|c| c.status == 400).count(),
            usize::from(receiver.addr == hook.addr)
        );
    }
    // The hook is fixed (it refuses only its first call): its dead letter goes again.
    let dead = letters
        .iter()
        .find(|l| l["receiver"] == "refusing-hook")
        .unwrap()["notice_id"]
        .as_str()
        .unwrap()
        .replace('#', "%23");
    let retry = format!("/api/v1/dead-letters/{dead}/retry?receiver=refusing-hook");
    let (status, body) = http(test.addr(), "POST", &retry, &[], b"").await;
    assert_eq!(status, 202, "{body}");
    hook.wait_until(|calls| calls.len() >= 7 && calls[6].status == 200)
        .await;
    let resent: Value = serde_json::from_str(&hook.calls()[6].body).unwrap();
    assert!(resent["notice_id"].as_str().unwrap().ends_with("!retry1"));
    let (status, _) = http(test.addr(), "POST", &retry, &[], b"").await;
    assert_eq!(status, 404, "that dead letter is gone");
    let (_, body) = http(test.addr(), "GET", "/api/v1/dead-letters", &[], b"").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["dead_letters"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the robot's stays"
    );
    test.finish().await;
}

/// Issue 15 A3: a notice that keeps failing (transiently) is retried on its own while
/// the notices behind it are delivered, and `fenghuo_outbox_pending` stays true.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_notice_does_not_hold_back_later_ones() {
    let receiver = TestReceiver::start(Behaviour::FailWhen("某甲")).await;
    let overlay = webhook("picky", &receiver.url("/"))
        + "[delivery]\nretry_initial_ms = 10\nretry_max_ms = 50\ngive_up_after_secs = 3600\n";
    let test = TestEngine::start(&overlay).await;
    push(
        &test,
        &[post("bad", "某甲某甲警察打人，某甲太过分", 0, 100, None)],
    )
    .await;
    receiver.wait_until(|calls| calls.len() >= 2).await;
    push(&test, &distinct_stories(5, 1)).await;
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() >= 5)
        .await;
    // Retried meanwhile, and still the one pending notice.
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 500).count() >= 4)
        .await;
    // The gauge follows the dispatcher, which follows the receiver's answers.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while metric(&test, "fenghuo_outbox_pending{receiver=\"picky\"}").await != 1.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "pending settles at 1"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        test.engine.outbox().pending("picky").unwrap(),
        6,
        "stored cursor waits for the oldest"
    );
    drop(test);
}

/// Issue 10.5: with the writer held as through a slow fsync, reads (paged), health and
/// ingest answer at once; a write waits on the blocking pool, not on a runtime thread.
/// Reads used to take the writer's lock on the runtime's two threads and stall
/// `/healthz` behind the disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_commit_stalls_neither_health_nor_reads() {
    let receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let overlay = webhook("hook", &receiver.url("/")) + FAST_RETRY;
    let test = TestEngine::start(&overlay).await;
    push(&test, &distinct_stories(5, 0)).await;
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() >= 5)
        .await;
    let addr = test.addr();

    // Pages of two cover the five incidents once each; a made-up cursor is refused.
    let mut seen = Vec::new();
    let mut path = "/api/v1/alerts?limit=2".to_owned();
    loop {
        let (status, body) = http(addr, "GET", &path, &[], b"").await;
        assert_eq!(status, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        let alerts = page["alerts"].as_array().unwrap();
        assert!(alerts.len() <= 2);
        seen.extend(
            alerts
                .iter()
                .map(|a| a["event_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/alerts?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 5);
    let (status, _) = http(addr, "GET", "/api/v1/alerts?cursor=zz", &[], b"").await;
    assert_eq!(status, 400);

    let outbox = test.engine.outbox().clone();
    let (held_tx, held_rx) = tokio::sync::oneshot::channel();
    let holder = std::thread::spawn(move || {
        outbox.hold_writer(std::time::Duration::from_secs(3), move || {
            let _ = held_tx.send(());
        })
    });
    held_rx.await.unwrap();
    let started = tokio::time::Instant::now();
    // A write queued behind the held writer (on the blocking pool)...
    let event = seen[0].clone();
    let write = tokio::spawn(async move {
        let step = json!({"by": "值班员"}).to_string();
        let json = [("Content-Type", "application/json")];
        http(
            addr,
            "POST",
            &format!("/api/v1/alerts/{event}/ack"),
            &json,
            step.as_bytes(),
        )
        .await
    });
    // ...while reads, health and ingest answer at once.
    let mut reads = Vec::new();
    for i in 0..8 {
        let path = match i % 3 {
            0 => "/api/v1/alerts?limit=1".to_owned(),
            1 => format!("/api/v1/alerts/{}", seen[i % 5]),
            _ => "/api/v1/dead-letters".to_owned(),
        };
        reads.push(tokio::spawn(async move {
            http(addr, "GET", &path, &[], b"").await
        }));
    }
    for read in reads {
        assert_eq!(read.await.unwrap().0, 200);
    }
    let (status, _) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(status, 200);
    let (status, _) = http(
        addr,
        "POST",
        "/api/v1/ingest",
        &[],
        (post("late", "派出所户籍窗口百般刁难", 1, 100, None).to_string() + "\n").as_bytes(),
    )
    .await;
    assert_eq!(status, 202);
    let answered_in = started.elapsed();
    assert!(
        answered_in < std::time::Duration::from_secs(2),
        "reads, health and ingest waited for the writer: {answered_in:?}"
    );
    assert_eq!(
        write.await.unwrap().0,
        200,
        "the write went through once free"
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(2500));
    holder.join().unwrap();
    test.finish().await;
}
