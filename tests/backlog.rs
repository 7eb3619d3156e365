//! Issue 13.2, priority and grouping per receiver: a receiver that was down and comes back
//! with a backlog gets 红 first, then 橙, then 黄, each event's notices in order, and an
//! event's pending updates collapsed into its latest state, while the outbox keeps them all.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::support::receiver::{Behaviour, Call, TestReceiver};
use crate::support::{http, TestEngine};

const FAST_RETRY: &str =
    "[delivery]\nretry_initial_ms = 10\nretry_max_ms = 50\ngive_up_after_secs = 600\n";

/// Random ideographs around `words`, so that no two stories join one event.
fn story_text(seed: u64, words: &str) -> String {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
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
    format!("{}{words}{}", ideographs(30), ideographs(10))
}

/// A canonical Weibo post at `minute` minutes after 2026-11-28 10:00 (Beijing).
fn post(id: &str, body: &str, minute: i64, followers: u64, verified: bool) -> Value {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap()
        + chrono::Duration::minutes(minute);
    json!({
        "platform": "weibo", "id": id, "body": body, "published_at": at.to_rfc3339(),
        "author": {"id": format!("a-{id}"), "followers": followers, "verified": verified},
    })
}

async fn push(test: &TestEngine, posts: &[Value]) {
    let body: String = posts.iter().map(|p| p.to_string() + "\n").collect();
    let (status, answer) = http(test.addr(), "POST", "/api/v1/ingest", &[], body.as_bytes()).await;
    assert_eq!(status, 202, "{answer}");
}

/// Whether the receiver, refusing, has been probed with the 红 notice `r0` by a dispatcher
/// that knows it is down (two different notices failed): from then on every probe is the
/// most urgent notice, so the first one through when it comes back is the 红 one. Before
/// that, an attempt already on its way with a less urgent notice could be the first through.
fn probed_with_red_while_down(calls: &[Call]) -> bool {
    let mut tried = BTreeSet::new();
    calls.iter().any(|call| {
        let notice: Value = serde_json::from_str(&call.body).unwrap_or_default();
        tried.insert(notice["notice_id"].as_str().unwrap_or_default().to_owned());
        tried.len() >= 2 && call.body.contains("evt-weibo-r0")
    })
}

fn urgency(kind: &str, level: &str) -> u8 {
    match (kind, level) {
        ("overdue", _) | (_, "red") => 0,
        (_, "orange") => 1,
        _ => 2,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_back_from_an_outage_gets_red_first_and_each_events_latest_state_once() {
    let receiver = TestReceiver::start(Behaviour::DownUntilUp).await;
    let overlay = format!(
        "[[receivers]]\nname = \"hook\"\nkind = \"webhook\"\nurl = {:?}\n{FAST_RETRY}",
        receiver.url("/")
    );
    let test = TestEngine::start(&overlay).await;

    // While the receiver is down: three 黄 events; a 黄 event that grows every 16 minutes
    // (opened, then three updates); a 橙 one (a million followers) and a 红 one (a verified
    // account with ten million: reach and verified followers). The big ones come last.
    let mut posts = Vec::new();
    for i in 0..3 {
        posts.push(post(
            &format!("y{i}"),
            &story_text(i, "警察打人"),
            0,
            100,
            false,
        ));
    }
    let growing = story_text(10, "民警殴打路人");
    posts.push(post("g0", &growing, 0, 100, false));
    posts.push(post("o0", &story_text(20, "警察打人"), 1, 1_000_000, false));
    posts.push(post("r0", &story_text(30, "警察打人"), 2, 10_000_000, true));
    push(&test, &posts).await;
    for (i, minute) in [16, 32, 48].into_iter().enumerate() {
        let mut repost = post(&format!("g{}", i + 1), &growing, minute, 100, false);
        repost["repost_of"] = json!("g0");
        push(&test, &[repost]).await;
    }

    // Everything committed (9 notices) while the receiver refuses.
    let outbox = test.engine.outbox().clone();
    let committed = committed(&test, 9).await;
    assert_eq!(committed.len(), 9, "{committed:?}");
    let levels: BTreeMap<&str, &str> = committed
        .iter()
        .map(|n| (n.event_id.as_str(), n.level.as_str()))
        .collect();
    assert_eq!(
        levels.values().filter(|l| **l == "red").count(),
        1,
        "{levels:?}"
    );
    assert_eq!(levels.values().filter(|l| **l == "orange").count(), 1);
    let updates: Vec<&str> = committed
        .iter()
        .filter(|n| n.kind == "updated")
        .map(|n| n.notice_id.as_str())
        .collect();
    assert_eq!(updates.len(), 3, "the growing event updated three times");
    // Refused while down: the dispatcher knows it is down, and probes with the 红 notice.
    receiver.wait_until(probed_with_red_while_down).await;
    assert!(receiver.successes().is_empty());

    receiver.come_up();
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() >= 7)
        .await;
    let delivered: Vec<Value> = receiver
        .successes()
        .iter()
        .map(|c| serde_json::from_str(&c.body).unwrap())
        .collect();
    let ids: Vec<&str> = delivered
        .iter()
        .map(|p| p["notice_id"].as_str().unwrap())
        .collect();
    eprintln!("delivered after the outage: {ids:?}");

    // 红 first, then 橙, then 黄.
    assert_eq!(delivered[0]["level"], "red", "{ids:?}");
    assert_eq!(delivered[1]["level"], "orange", "{ids:?}");
    let urgencies: Vec<u8> = delivered
        .iter()
        .map(|p| urgency(p["kind"].as_str().unwrap(), p["level"].as_str().unwrap()))
        .collect();
    assert!(
        urgencies.windows(2).all(|w| w[0] <= w[1]),
        "{urgencies:?} {ids:?}"
    );
    // The growing event: its opening, then once its latest state, standing for the two
    // updates before it; the outbox still has all three, the two recorded as superseded.
    let growing_event = &committed
        .iter()
        .find(|n| n.kind == "updated")
        .unwrap()
        .event_id;
    let of_growing: Vec<&Value> = delivered
        .iter()
        .filter(|p| p["event_id"] == growing_event.as_str())
        .collect();
    assert_eq!(of_growing.len(), 2, "{ids:?}");
    assert_eq!(of_growing[0]["kind"], "opened");
    assert_eq!(of_growing[1]["notice_id"], updates[2]);
    assert_eq!(of_growing[1]["superseded"], json!(updates[..2]));
    let attempts = outbox.attempts(growing_event).unwrap();
    for superseded in &updates[..2] {
        assert!(
            attempts
                .iter()
                .any(|a| a.notice_id == *superseded && a.outcome == "superseded"),
            "{superseded} recorded as superseded: {attempts:?}"
        );
    }
    // Each notice names its incident's next deadline: nothing taken yet, so the 30-minute
    // acknowledgement (首接) from the incident's opening.
    for payload in &delivered {
        assert_eq!(payload["next_deadline"]["step"], "ack", "{payload}");
        let due: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(payload["next_deadline"]["due_at"].clone()).unwrap();
        let opened = outbox
            .incident(payload["event_id"].as_str().unwrap())
            .unwrap()
            .unwrap()
            .opened_at;
        assert_eq!(due - opened, chrono::Duration::minutes(30));
    }
    // Every other notice delivered exactly once; nothing pending.
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no notice twice: {ids:?}");
    let expected: BTreeSet<&str> = committed
        .iter()
        .map(|n| n.notice_id.as_str())
        .filter(|id| !updates[..2].contains(id))
        .collect();
    assert_eq!(unique, expected);
    test.finish().await;
    assert_eq!(
        outbox.pending("hook").unwrap(),
        0,
        "the cursor passed them all"
    );
}

/// Polls the outbox (bounded) until it holds `n` notices: commits have no signal a test
/// can await.
async fn committed(test: &TestEngine, n: usize) -> Vec<fenghuo::deliver::outbox::Notice> {
    let outbox = test.engine.outbox().clone();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let notices = outbox.notices_after(0, 1000).unwrap();
        if notices.len() >= n {
            return notices;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{n} notices committed: {notices:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A backlog larger than the dispatcher's window: the 红 notice committed last is taken
/// ahead of the 黄 ones the window holds, and goes first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_notice_beyond_the_backlog_window_still_goes_first() {
    let receiver = TestReceiver::start(Behaviour::DownUntilUp).await;
    let overlay = format!(
        "[[receivers]]\nname = \"hook\"\nkind = \"webhook\"\nurl = {:?}\n{FAST_RETRY}backlog = 4\n",
        receiver.url("/")
    );
    let test = TestEngine::start(&overlay).await;
    let mut posts: Vec<Value> = (0..8)
        .map(|i| {
            post(
                &format!("y{i}"),
                &story_text(100 + i, "警察打人"),
                0,
                100,
                false,
            )
        })
        .collect();
    posts.push(post(
        "r0",
        &story_text(200, "警察打人"),
        1,
        10_000_000,
        true,
    ));
    push(&test, &posts).await;
    let notices = committed(&test, 9).await;
    assert_eq!(notices.len(), 9);
    assert_eq!(notices[8].level, "red", "the red one is committed last");
    receiver.wait_until(probed_with_red_while_down).await;

    receiver.come_up();
    receiver
        .wait_until(|calls| calls.iter().filter(|c| c.status == 200).count() >= 9)
        .await;
    let delivered: Vec<Value> = receiver
        .successes()
        .iter()
        .map(|c| serde_json::from_str(&c.body).unwrap())
        .collect();
    assert_eq!(delivered[0]["notice_id"], notices[8].notice_id.as_str());
    let ids: BTreeSet<&str> = delivered
        .iter()
        .map(|p| p["notice_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 9, "each once");
    let outbox = test.engine.outbox().clone();
    test.finish().await;
    assert_eq!(outbox.pending("hook").unwrap(), 0);
}

/// A notice that collapsed pending updates still names them after a restart: the outbox
/// records each superseded update with its successor, and the next dispatcher rebuilds the
/// list (regression: after a restart `superseded` was missing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collapsed_notice_still_names_the_updates_it_stands_for_after_a_restart() {
    use std::sync::Arc;

    use fenghuo::deliver::dispatch::{DeliveryConfig, Dispatcher};
    use fenghuo::deliver::outbox::{NewNotice, Outbox};
    use fenghuo::deliver::receivers::{Receiver, ReceiverConfig};
    use tokio_util::sync::CancellationToken;

    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(Outbox::open(dir.path()).unwrap());
    for (seq, kind) in [(1, "opened"), (2, "updated"), (3, "updated")] {
        let id = format!("e#{seq}");
        let body = json!({"notice_id": id, "event_id": "e", "kind": kind, "level": "yellow"});
        let notice = NewNotice {
            notice_id: &id,
            event_id: "e",
            kind,
            level: "yellow",
            body: &body,
        };
        let receivers = ["hook".to_owned()];
        outbox
            .append(&notice, &receivers, chrono::Utc::now())
            .unwrap();
    }
    let receiver = TestReceiver::start(Behaviour::DownUntilUp).await;
    let hook: ReceiverConfig = toml::from_str(&format!(
        "name = \"hook\"\nkind = \"webhook\"\nurl = {:?}",
        receiver.url("/")
    ))
    .unwrap();
    let delivery: DeliveryConfig = toml::from_str::<toml::Table>(FAST_RETRY).unwrap()["delivery"]
        .clone()
        .try_into()
        .unwrap();
    let (_commits, committed) = tokio::sync::watch::channel(3i64);
    let start = || {
        let dispatcher = Dispatcher {
            receiver: Arc::new(Receiver::new(hook.clone()).unwrap()),
            outbox: outbox.clone(),
            committed: committed.clone(),
            config: delivery.clone(),
        };
        let stop = CancellationToken::new();
        (tokio::spawn(dispatcher.run(stop.clone())), stop)
    };

    // The receiver is down: the first dispatcher takes all three, the newer update standing
    // for the older one, and is stopped (a restart) before anything gets through.
    let (task, stop) = start();
    receiver.wait_until(|calls| !calls.is_empty()).await;
    stop.cancel();
    task.await.unwrap();
    let recorded = outbox.attempts("e").unwrap();
    assert!(
        recorded
            .iter()
            .any(|a| a.notice_id == "e#2" && a.detail == "superseded by e#3"),
        "{recorded:?}"
    );

    receiver.come_up();
    let (task, stop) = start();
    receiver
        .wait_until(|calls| {
            calls
                .iter()
                .any(|c| c.status == 200 && c.body.contains("e#3"))
        })
        .await;
    stop.cancel();
    task.await.unwrap();
    let latest: Value = receiver
        .successes()
        .iter()
        .map(|c| serde_json::from_str::<Value>(&c.body).unwrap())
        .find(|n| n["notice_id"] == "e#3")
        .unwrap();
    assert_eq!(latest["superseded"], json!(["e#2"]), "{latest}");
}
