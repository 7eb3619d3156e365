//! Kafka: engines share a feed's partitions in a consumer group, match-only engines hand
//! matches to a track engine over the hits topic, a killed engine's partitions move to the
//! survivor with nothing lost and no notice doubled, and an engine rides out a broker
//! outage and resumes from its committed offsets. Against tansu, a real Kafka-protocol
//! broker on loopback (`make test` fetches it); the first two tests run on librdkafka's
//! in-process mock cluster.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fenghuo::config::Config;
use fenghuo::decode::Decoder;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;
use tempfile::TempDir;

use crate::support::kafka::{counts, EngineProcess, Tansu};
use crate::support::receiver::{Behaviour, TestReceiver};
use crate::support::{matched_rules, read_output, weibo, TestEngine, FIXTURE_FEED};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");

/// A synthetic feed as (story key, NDJSON line): keyed by story, as the README asks of
/// feed producers, so a story's posts stay in order in one partition.
fn feed(posts: u64, seed: u64) -> Vec<(String, String)> {
    let mut bytes = Vec::new();
    let options = fenghuo::synth::GenOptions {
        seed,
        posts: Some(posts),
        bytes: None,
    };
    fenghuo::synth::generate(options, &mut bytes).unwrap();
    let config = Config::from_overlays(&[]).unwrap();
    let decoder = Decoder::new(&config.mappings, config.engine.max_post_bytes);
    let all = decoder.select(&[]);
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|line| {
            let mut key = String::new();
            decoder.decode_frame(line.as_bytes(), &all, chrono::Utc::now(), |post| {
                key = fenghuo::scaleout::story_key(&post.unwrap());
            });
            (key, line.to_owned())
        })
        .collect()
}

/// The posts of `feed` that repost or reply to nothing. Whether a repost arrives before
/// the grader has marked its chain is a race in any engine (one process included), so a
/// comparison of exact alerts leaves chains out.
fn originals(feed: Vec<(String, String)>) -> Vec<(String, String)> {
    let config = Config::from_overlays(&[]).unwrap();
    let decoder = Decoder::new(&config.mappings, config.engine.max_post_bytes);
    let all = decoder.select(&[]);
    feed.into_iter()
        .filter(|(_, line)| {
            let mut original = false;
            decoder.decode_frame(line.as_bytes(), &all, chrono::Utc::now(), |post| {
                let post = post.unwrap();
                original = post.repost_of.is_none() && post.root_id.is_none();
            });
            original
        })
        .collect()
}

/// What one process makes of the feed (`fenghuo replay`): the matched posts (those a rule
/// fired on) and the alert ids.
struct Reference {
    matched: BTreeSet<String>,
    alerts: BTreeSet<String>,
}

fn reference(feed: &[(String, String)], dir: &Path) -> Reference {
    let input = dir.join("feed.ndjson");
    let text: String = feed.iter().map(|(_, line)| format!("{line}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let (alerts, matches) = (
        dir.join("ref-alerts.ndjson"),
        dir.join("ref-matches.ndjson"),
    );
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_fenghuo"))
        .arg("replay")
        .arg(&input)
        .args(["--rules", RULES, "--workers", "1"])
        .arg("--output")
        .arg(&alerts)
        .arg("--matches")
        .arg(&matches)
        .arg("--data-dir")
        .arg(dir.join("ref-data"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    Reference {
        matched: read_output(&matches).iter().map(post_key).collect(),
        alerts: alert_ids(&read_output(&alerts)),
    }
}

fn post_key(record: &serde_json::Value) -> String {
    format!(
        "{}:{}",
        record["post"]["platform"].as_str().unwrap(),
        record["post"]["id"].as_str().unwrap()
    )
}

fn alert_ids(alerts: &[serde_json::Value]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| a["alert_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Matched posts on the hits topic (chain members without a rule of their own aside).
fn matched_hits(hits: &[serde_json::Value]) -> Vec<String> {
    hits.iter()
        .filter(|h| !h["rules"].as_array().unwrap().is_empty())
        .map(post_key)
        .collect()
}

/// Fast failover for tests: the broker notices a dead member after 6 s.
const FAST_GROUP: &str = r#"librdkafka = { "session.timeout.ms" = "6000", "heartbeat.interval.ms" = "500", "topic.metadata.refresh.interval.ms" = "1000" }"#;

fn common(dir: &Path, name: &str, role: &str, brokers: &str) -> String {
    format!(
        r#"
[rules]
dir = {RULES:?}
watch = false
[engine]
workers = 1
[http]
addr = "127.0.0.1:0"
[storage]
dir = {data:?}
[output]
alerts = {alerts:?}
matches = {matches:?}
[grading]
clock = "feed"
[cluster]
role = "{role}"
brokers = "{brokers}"
hits_topic = "hits"
track_group = "track"
"#,
        data = dir.join(format!("{name}-data")).display().to_string(),
        alerts = dir
            .join(format!("{name}-alerts.ndjson"))
            .display()
            .to_string(),
        matches = dir
            .join(format!("{name}-matches.ndjson"))
            .display()
            .to_string(),
    )
}

/// A config for an engine that reads the `feed` topic in group `group`.
fn kafka_engine(dir: &Path, name: &str, role: &str, group: &str, brokers: &str) -> PathBuf {
    let text = format!(
        r#"{}
[[sources]]
kind = "kafka"
name = "feed"
brokers = "{brokers}"
topics = ["feed", "feed2"]
group_id = "{group}"
commit_interval_ms = 200
{FAST_GROUP}
"#,
        common(dir, name, role, brokers)
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A track engine delivering to `receiver`.
fn track_engine(dir: &Path, name: &str, brokers: &str, receiver: &str) -> PathBuf {
    let text = format!(
        r#"sources = []
{}
[[receivers]]
name = "hook"
kind = "webhook"
url = "{receiver}"
"#,
        common(dir, name, "track", brokers).replace(
            "track_group = \"track\"",
            &format!("track_group = \"{name}\""),
        )
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits (bounded) until `done` holds, checking every 50 ms.
async fn eventually(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (bounded) until the receiver has every expected alert; the caller compares.
async fn delivered_alerts(receiver: &TestReceiver, expected: &BTreeSet<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if expected.is_subset(&accounted_for(receiver)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Notices the receiver got, and the pending updates those stood for (a receiver that
/// falls behind gets an event's latest update once: `superseded` lists the others).
fn accounted_for(receiver: &TestReceiver) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = idempotency_keys(receiver).into_iter().collect();
    for call in receiver.successes() {
        let payload: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        for id in payload["superseded"].as_array().into_iter().flatten() {
            ids.insert(id.as_str().unwrap().to_owned());
        }
    }
    ids
}

fn idempotency_keys(receiver: &TestReceiver) -> Vec<String> {
    receiver
        .successes()
        .iter()
        .map(|c| c.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect()
}

/// Held by each test with a mock cluster for its whole life: two mock clusters torn down
/// and taken down side by side in one process have been seen to leave a downed broker's
/// connections open (requests then time out instead of failing at once).
static ONE_MOCK_CLUSTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kafka_source_commits_everything_it_handled_on_a_mock_cluster() {
    let _alone = ONE_MOCK_CLUSTER.lock().await;
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("feed", 3, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let lines: Vec<String> = std::fs::read_to_string(FIXTURE_FEED)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    for (i, line) in lines.iter().enumerate() {
        producer
            .send(
                FutureRecord::to("feed").key(&i.to_string()).payload(line),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
    }
    let engine = TestEngine::start(&format!(
        r#"[[sources]]
kind = "kafka"
name = "feed"
brokers = "{brokers}"
topics = ["feed"]
group_id = "mock"
commit_interval_ms = 50
"#
    ))
    .await;
    // The group's committed offsets reach the end of every partition.
    let reader: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "mock")
        .create()
        .unwrap();
    let mut partitions = rdkafka::TopicPartitionList::new();
    partitions.add_partition_range("feed", 0, 2);
    eventually(
        "every offset committed",
        Duration::from_secs(30),
        async || {
            let committed = reader
                .committed_offsets(partitions.clone(), Duration::from_secs(5))
                .unwrap();
            let total: i64 = committed
                .elements()
                .iter()
                .filter_map(|e| e.offset().to_raw())
                .filter(|o| *o >= 0)
                .sum();
            total == lines.len() as i64
        },
    )
    .await;
    let from_kafka = engine.finish().await;

    let replayed = TestEngine::start(&format!(
        "[[sources]]\nkind = \"replay\"\nname = \"feed\"\npath = {FIXTURE_FEED:?}\n"
    ))
    .await;
    let mut replayed_engine = replayed;
    replayed_engine.engine.sources_finished().await;
    let from_file = replayed_engine.finish().await;
    assert!(!from_file.is_empty());
    assert_eq!(matched_rules(&from_kafka), matched_rules(&from_file));
}

/// Posts `from..to`, each with its own id and a text the fixture rules match.
fn matching_posts(from: u32, to: u32) -> Vec<(String, String)> {
    (from..to)
        .map(|i| {
            let id = format!("o{i}");
            let line = weibo(&id, &format!("{i}号路口警察打人"));
            (id, line)
        })
        .collect()
}

/// The sum of a group's committed offsets over `partitions` of `topic`.
fn committed_total(brokers: &str, group: &str, topic: &str, partitions: i32) -> i64 {
    let reader: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    list.add_partition_range(topic, 0, partitions - 1);
    reader
        .committed_offsets(list, Duration::from_secs(5))
        .unwrap()
        .elements()
        .iter()
        .filter_map(|e| e.offset().to_raw())
        .filter(|o| *o >= 0)
        .sum()
}

/// What `/readyz` says of source `name` ("connected", "reconnecting", …).
async fn source_state(addr: std::net::SocketAddr, name: &str) -> String {
    let (_, report) = crate::support::http(addr, "GET", "/readyz", &[], b"").await;
    let prefix = format!("source {name}: ");
    report
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_default()
        .to_owned()
}

/// librdkafka's mock broker taken down for longer than the group session and brought back:
/// a broker restart that keeps the log and the committed offsets, as a real Kafka's does.
/// The engine keeps running, says `reconnecting` in `/readyz` and 0 in
/// `fenghuo_source_connected` while the broker is away, and afterwards resumes at the
/// group's committed offsets: nothing it had committed is read again, and every post
/// produced during the outage is matched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kafka_source_resumes_at_its_committed_offsets_after_a_mock_broker_outage() {
    if std::env::var_os("FENGHUO_TEST_LOGS").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_test_writer()
            .try_init();
    }
    const OUTAGE: Duration = Duration::from_secs(8);
    let _alone = ONE_MOCK_CLUSTER.lock().await;
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("outage", 3, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let (before, during) = (matching_posts(0, 600), matching_posts(600, 1200));
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("reconnect.backoff.max.ms", "1000")
        .create()
        .unwrap();
    let send = |posts: Vec<(String, String)>| {
        let producer = producer.clone();
        // All at once, then every acknowledgement (one by one, each waits a round trip).
        async move {
            let sends: Vec<_> = posts
                .iter()
                .map(|(id, line)| {
                    producer.send(
                        FutureRecord::to("outage").key(id).payload(line),
                        Duration::from_secs(60),
                    )
                })
                .collect();
            for sent in futures::future::join_all(sends).await {
                sent.unwrap();
            }
        }
    };
    send(before.clone()).await;
    let engine = TestEngine::start(&format!(
        r#"[[sources]]
kind = "kafka"
name = "outage"
brokers = "{brokers}"
topics = ["outage"]
group_id = "outage"
commit_interval_ms = 50
librdkafka = {{ "session.timeout.ms" = "6000", "heartbeat.interval.ms" = "500" }}
"#
    ))
    .await;
    let addr = engine.addr();
    eventually(
        "the first posts committed",
        Duration::from_secs(30),
        async || committed_total(&brokers, "outage", "outage", 3) == before.len() as i64,
    )
    .await;
    assert_eq!(source_state(addr, "outage").await, "connected");

    cluster.broker_down(1).unwrap();
    let down = Instant::now();
    // Produced while the broker is away: the producer holds them until it is back.
    let late = tokio::spawn(send(during.clone()));
    eventually(
        "the source reported reconnecting",
        Duration::from_secs(10),
        async || source_state(addr, "outage").await == "reconnecting",
    )
    .await;
    let noticed = down.elapsed();
    let connected = "fenghuo_source_connected{source=\"outage\"} ";
    let metrics = || async {
        crate::support::http(addr, "GET", "/metrics", &[], b"")
            .await
            .1
    };
    assert!(metrics().await.contains(&format!("{connected}0")));
    // The outage itself: the engine must ride it out on its own.
    tokio::time::sleep(OUTAGE.saturating_sub(down.elapsed())).await;
    assert_eq!(source_state(addr, "outage").await, "reconnecting");
    cluster.broker_up(1).unwrap();
    let up = Instant::now();
    eventually(
        "the source connected again",
        Duration::from_secs(30),
        async || source_state(addr, "outage").await == "connected",
    )
    .await;
    let reconnected = up.elapsed();

    let matches = engine.dir.path().join("matches.ndjson");
    let all: BTreeSet<String> = before
        .iter()
        .chain(&during)
        .map(|(id, _)| id.clone())
        .collect();
    let matched_ids = || -> BTreeSet<String> {
        read_output(&matches)
            .iter()
            .map(|m| m["post"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    eventually(
        "every post matched after the outage",
        Duration::from_secs(120),
        async || matched_ids().is_superset(&all),
    )
    .await;
    let resumed = up.elapsed();
    late.await.unwrap();
    let text = metrics().await;
    assert!(text.contains(&format!("{connected}1")), "{text}");
    assert!(text.contains("fenghuo_source_reconnects_total{source=\"outage\"} "));
    let lines = engine.finish().await;
    let seen = counts(
        lines
            .iter()
            .map(|m| m["post"]["id"].as_str().unwrap().to_owned()),
    );
    let reread: Vec<_> = before.iter().filter(|(id, _)| seen[id] > 1).collect();
    assert!(
        reread.is_empty(),
        "committed posts read again: {}",
        reread.len()
    );
    let doubled = lines.len() - all.len();
    eprintln!(
        "mock broker outage: {:.1} s down (reported after {:.1} s), connected again after {:.1} s, every post matched {:.1} s after it came back; {} committed posts re-read, {doubled} others read twice",
        up.duration_since(down).as_secs_f64(),
        noticed.as_secs_f64(),
        reconnected.as_secs_f64(),
        resumed.as_secs_f64(),
        reread.len(),
    );
}

/// Two match engines share a 12-partition feed, one is killed mid-stream, the survivor
/// takes its partitions; a track engine raises the alerts. Every matched post reaches the
/// hits topic at least once; no notice reaches the receiver twice; and no alert is lost:
/// a fresh track engine replaying the hits topic (one partition: the order the live one
/// saw) raises exactly the alerts the receiver got. (Which post opens a story, and so the
/// alert ids, depends on the order posts from 12 partitions arrive in; the test below
/// compares with one process on an order-preserving single partition.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_match_engine_loses_nothing_and_doubles_no_notice() {
    let Some(tansu) = Tansu::start() else { return };
    let brokers = tansu.brokers();
    tansu.create_topic("feed", 12).await;
    tansu.create_topic("hits", 1).await;
    let dir = TempDir::new().unwrap();
    let feed = feed(20_000, 7);
    let expected = reference(&feed, dir.path());
    assert!(expected.alerts.len() >= 5, "the feed raises alerts");

    let receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let tracker = EngineProcess::start(&track_engine(
        dir.path(),
        "track",
        &brokers,
        &receiver.url("/hook"),
    ));
    let mut a = EngineProcess::start(&kafka_engine(dir.path(), "a", "match", "match", &brokers));
    let b = EngineProcess::start(&kafka_engine(dir.path(), "b", "match", "match", &brokers));
    let assigned = "fenghuo_kafka_rebalances_total";
    eventually(
        "both engines in the group",
        Duration::from_secs(120),
        async || {
            a.metric(assigned, "assign").await > 0.0 && b.metric(assigned, "assign").await > 0.0
        },
    )
    .await;
    let half = feed.len() / 2;
    tansu.produce("feed", &feed[..half]).await;
    eventually("engine a under way", Duration::from_secs(120), async || {
        a.metric("fenghuo_posts_received_total", "").await >= 1000.0
    })
    .await;
    let killed = Instant::now();
    a.kill();
    tansu.produce("feed", &feed[half..]).await;

    let taken = b
        .wait_for_log("partitions assigned", killed, Duration::from_secs(60))
        .expect("the survivor takes the dead engine's partitions");
    let gap = taken - killed;

    let hits = tansu.read_until("hits", |hits| {
        let seen: BTreeSet<String> = matched_hits(hits).into_iter().collect();
        expected.matched.is_subset(&seen)
    });
    let matched = matched_hits(&hits);
    let unique: BTreeSet<String> = matched.iter().cloned().collect();
    let missing: Vec<_> = expected.matched.difference(&unique).collect();
    assert!(missing.is_empty(), "matched posts lost: {missing:?}");
    let duplicates = matched.len() - unique.len();

    // A fresh track engine replays the hits topic; both must have tracked every hit.
    let audit_receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let audit = EngineProcess::start(&track_engine(
        dir.path(),
        "audit",
        &brokers,
        &audit_receiver.url("/hook"),
    ));
    let (mut last, mut since) = (-1i64, Instant::now());
    eventually("every hit tracked", Duration::from_secs(120), async || {
        let high = tansu.high_watermark("hits", 0);
        if high != last {
            (last, since) = (high, Instant::now());
        }
        let consumed = "fenghuo_hits_consumed_total";
        let (live, replayed) = (
            tracker.metric(consumed, "").await,
            audit.metric(consumed, "").await,
        );
        if std::env::var_os("FENGHUO_TEST_LOGS").is_some() {
            eprintln!("hits: {high} on the topic, tracked {live}, replayed {replayed}");
        }
        // tansu reports the high watermark one short; the counts are stable and equal.
        since.elapsed() > Duration::from_secs(2) && live >= high as f64 && replayed == live
    })
    .await;
    let alerts_of = |name: &str| {
        alert_ids(&read_output(
            &dir.path().join(format!("{name}-alerts.ndjson")),
        ))
    };
    eventually(
        "both trackers' alerts written",
        Duration::from_secs(30),
        async || {
            let live = alerts_of("track");
            !live.is_empty() && live == alerts_of("audit")
        },
    )
    .await;
    let raised = alerts_of("track");
    delivered_alerts(&receiver, &raised).await;
    let keys = counts(idempotency_keys(&receiver));
    let doubled: Vec<_> = keys.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "notices doubled: {doubled:?}");
    let delivered = accounted_for(&receiver);
    assert_eq!(delivered, raised);
    assert!(
        delivered.len() >= expected.alerts.len() / 2,
        "alerts raised: {delivered:?}, one process: {:?}",
        expected.alerts
    );
    eprintln!(
        "failover: takeover gap {:.1} s after kill -9; {} matched posts, {duplicates} re-published (duplicates on hits), {} alerts, 0 doubled",
        gap.as_secs_f64(),
        unique.len(),
        delivered.len(),
    );
}

/// One process reading the feed (role both) and a match engine + track engine chain give
/// the alerts of `fenghuo replay` on the same feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_and_track_engines_raise_the_alerts_of_one_process() {
    let Some(tansu) = Tansu::start() else { return };
    let brokers = tansu.brokers();
    // One partition each: the order of one process, so the same posts open the same stories.
    tansu.create_topic("feed", 1).await;
    tansu.create_topic("hits", 1).await;
    let dir = TempDir::new().unwrap();
    let feed = originals(feed(20_000, 11));
    let expected = reference(&feed, dir.path());
    assert!(!expected.alerts.is_empty(), "the feed raises alerts");
    tansu.produce("feed", &feed).await;

    let receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let _tracker = EngineProcess::start(&track_engine(
        dir.path(),
        "track",
        &brokers,
        &receiver.url("/hook"),
    ));
    let _matcher = EngineProcess::start(&kafka_engine(dir.path(), "m", "match", "chain", &brokers));
    let _both = EngineProcess::start(&kafka_engine(dir.path(), "solo", "both", "solo", &brokers));
    let solo = dir.path().join("solo-alerts.ndjson");
    let chain = dir.path().join("track-alerts.ndjson");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && !(alert_ids(&read_output(&solo)).is_superset(&expected.alerts)
            && alert_ids(&read_output(&chain)).is_superset(&expected.alerts))
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(alert_ids(&read_output(&solo)), expected.alerts);
    assert_eq!(alert_ids(&read_output(&chain)), expected.alerts);
    delivered_alerts(&receiver, &expected.alerts).await;
    assert_eq!(accounted_for(&receiver), expected.alerts);
}

/// The hits position a track engine's checkpoint stands at (partition 0), if it has one.
fn checkpoint_position(data: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(data.join("tracker.checkpoint.json")).ok()?;
    let checkpoint: serde_json::Value = serde_json::from_str(&text).ok()?;
    checkpoint["hits"]["next"]["0"].as_i64()
}

/// kill -9 of the track engine mid-stream: its successor (same storage) restores the
/// checkpoint, replays exactly the hits after the position saved with it, and goes on with
/// the same events — the receiver gets the alerts of one process, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_track_engine_replays_hits_from_its_checkpoint() {
    let Some(tansu) = Tansu::start() else { return };
    let brokers = tansu.brokers();
    // One partition each: the order of one process, so replays cluster alike.
    tansu.create_topic("feed", 1).await;
    tansu.create_topic("hits", 1).await;
    let dir = TempDir::new().unwrap();
    let feed = originals(feed(20_000, 13));
    let expected = reference(&feed, dir.path());
    assert!(expected.alerts.len() >= 5, "the feed raises alerts");

    let receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let config = track_engine(dir.path(), "track", &brokers, &receiver.url("/hook"));
    let text = std::fs::read_to_string(&config).unwrap() + "[events]\ncheckpoint_secs = 2\n";
    std::fs::write(&config, &text).unwrap();
    let data = dir.path().join("track-data");
    let mut first = EngineProcess::start(&config);
    let matcher = EngineProcess::start(&kafka_engine(dir.path(), "m", "match", "m", &brokers));
    let half = feed.len() / 2;
    tansu.produce("feed", &feed[..half]).await;
    let consumed = "fenghuo_hits_consumed_total";
    // The first half tracked and checkpointed: the successor has open events to go on with.
    eventually(
        "the first half checkpointed",
        Duration::from_secs(120),
        async || {
            let matched = matcher.metric("fenghuo_posts_received_total", "").await;
            let tracked = first.metric(consumed, "").await;
            let saved = checkpoint_position(&data).unwrap_or(0) as f64;
            matched >= half as f64
                && saved > 0.0
                && saved == tracked
                && tracked == matcher.metric("fenghuo_hits_published_total", "").await
        },
    )
    .await;
    tansu.produce("feed", &feed[half..]).await;
    eventually(
        "the tracker past its checkpoint",
        Duration::from_secs(120),
        async || {
            let saved = checkpoint_position(&data).unwrap_or(0) as f64;
            first.metric(consumed, "").await > saved
        },
    )
    .await;
    first.kill();
    let position = checkpoint_position(&data).unwrap();

    let restarted = dir.path().join("track2.toml");
    std::fs::write(
        &restarted,
        text.replace("track-alerts.ndjson", "track2-alerts.ndjson"),
    )
    .unwrap();
    let second = EngineProcess::start(&restarted);
    eventually(
        "the whole feed matched",
        Duration::from_secs(120),
        async || matcher.metric("fenghuo_posts_received_total", "").await >= feed.len() as f64,
    )
    .await;
    // Exactly the hits after the checkpoint are read again (none before it).
    let mut published = 0.0;
    eventually(
        "the hits after the checkpoint replayed",
        Duration::from_secs(120),
        async || {
            published = matcher.metric("fenghuo_hits_published_total", "").await;
            second.metric(consumed, "").await == published - position as f64
        },
    )
    .await;
    delivered_alerts(&receiver, &expected.alerts).await;
    assert_eq!(
        second.metric("fenghuo_outbox_conflicts_total", "").await,
        0.0
    );
    let keys = counts(idempotency_keys(&receiver));
    let doubled: Vec<_> = keys.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "notices doubled: {doubled:?}");
    assert_eq!(
        accounted_for(&receiver),
        expected.alerts,
        "the same events continue: the alerts of one process"
    );
    eprintln!(
        "track failover: checkpoint at hit {position} of {published}, {} replayed, {} alerts re-raised and dropped by the outbox, 0 doubled",
        published - position as f64,
        second.metric("fenghuo_outbox_duplicates_total", "").await as u64,
    );
}

/// A clean stop commits what was handled: the next engine in the group starts after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_resumes_from_committed_offsets() {
    let Some(tansu) = Tansu::start() else {
        return;
    };
    let brokers = tansu.brokers();
    tansu.create_topic("feed", 4).await;
    tansu.create_topic("feed2", 4).await;
    let dir = TempDir::new().unwrap();
    let feed = feed(3_000, 5);
    let parts: Vec<&[(String, String)]> = feed.chunks(1_000).collect();
    // What one process matches of each part.
    let wanted: Vec<BTreeSet<String>> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let sub = dir.path().join(format!("part{i}"));
            std::fs::create_dir(&sub).unwrap();
            reference(part, &sub).matched
        })
        .collect();
    assert!(
        wanted.iter().all(|w| !w.is_empty()),
        "each part has matches"
    );
    let matched_by = |name: &str| -> BTreeSet<String> {
        read_output(&dir.path().join(format!("{name}-matches.ndjson")))
            .iter()
            .map(post_key)
            .collect()
    };

    let mut first = EngineProcess::start(&kafka_engine(dir.path(), "first", "both", "g", &brokers));
    tansu.produce("feed", parts[0]).await;
    eventually(
        "the first part matched",
        Duration::from_secs(120),
        async || matched_by("first").is_superset(&wanted[0]),
    )
    .await;
    first.stop();

    let second = EngineProcess::start(&kafka_engine(dir.path(), "second", "both", "g", &brokers));
    tansu.produce("feed", parts[1]).await;
    eventually(
        "the second part matched",
        Duration::from_secs(120),
        async || matched_by("second").is_superset(&wanted[1]),
    )
    .await;
    assert!(
        matched_by("second").is_disjoint(&wanted[0]),
        "the second engine re-read what the first had committed"
    );

    drop(second);
}

/// A broker restart as the engine sees it — every connection closed, new ones refused for
/// longer than the group session, then accepted again — with the broker's topics and
/// committed offsets kept, as a real Kafka keeps them on disk. A relay in front of tansu
/// does the cutting (tansu's memory storage would forget everything in a real restart).
/// The feed keeps coming throughout (its producer, through the relay too, holds messages
/// until the broker is back). The engine (one process, role both) rides it out without a
/// restart of its own, says `reconnecting` in `/readyz` meanwhile, rejoins its group and
/// resumes from its committed offsets: every post one process matches is matched, the
/// posts read twice are at most those it had read but not committed when the broker went
/// away, and no notice reaches the receiver twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_resumes_from_its_committed_offsets_when_its_broker_comes_back() {
    const OUTAGE: Duration = Duration::from_secs(10);
    let Some(tansu) = Tansu::start_behind_relay() else {
        return;
    };
    let brokers = tansu.brokers();
    tansu.create_topic("feed", 4).await;
    let dir = TempDir::new().unwrap();
    let feed = feed(20_000, 17);
    let expected = reference(&feed, dir.path());
    let receiver = TestReceiver::start(Behaviour::FailFirst(0)).await;
    let config = kafka_engine(dir.path(), "solo", "both", "solo", &brokers);
    let text = std::fs::read_to_string(&config).unwrap()
        + &format!(
            "[[receivers]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\n",
            receiver.url("/hook")
        );
    std::fs::write(&config, text).unwrap();
    let engine = EngineProcess::start(&config);
    let received = "fenghuo_posts_received_total";

    // The feed arrives in steps of 500 posts; the broker goes away mid-stream.
    let producing = async {
        for chunk in feed.chunks(500) {
            tansu.produce("feed", chunk).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let outage = async {
        // Under way, with part of what it read committed: a resume from the committed
        // offsets then reads less than a restart from the beginning would.
        let mut committed = 0;
        eventually(
            "the engine under way",
            Duration::from_secs(120),
            async || {
                committed = committed_total(&brokers, "solo", "feed", 4);
                committed >= 2_000
            },
        )
        .await;
        tansu.relay().cut();
        let down = Instant::now();
        eventually(
            "reconnecting reported",
            Duration::from_secs(15),
            async || source_state(engine.addr, "feed").await == "reconnecting",
        )
        .await;
        let noticed = down.elapsed();
        assert_eq!(
            engine
                .metric("fenghuo_source_connected", "source=\"feed\"")
                .await,
            0.0
        );
        tokio::time::sleep(OUTAGE.saturating_sub(down.elapsed())).await;
        assert_eq!(source_state(engine.addr, "feed").await, "reconnecting");
        let read_before = engine.metric(received, "").await;
        assert!(
            tansu.relay().refused() > 0,
            "the engine kept trying to reconnect"
        );
        tansu.relay().restore();
        let up = Instant::now();
        eventually("posts again", Duration::from_secs(60), async || {
            engine.metric(received, "").await > read_before
        })
        .await;
        let resumed = up.elapsed();
        eventually("connected again", Duration::from_secs(30), async || {
            source_state(engine.addr, "feed").await == "connected"
        })
        .await;
        Outage {
            length: up - down,
            noticed,
            resumed,
            uncommitted: read_before as i64 - committed,
        }
    };
    let ((), outage) = tokio::join!(producing, outage);

    let matched_by = || -> BTreeSet<String> {
        read_output(&dir.path().join("solo-matches.ndjson"))
            .iter()
            .map(post_key)
            .collect()
    };
    eventually("every post matched", Duration::from_secs(120), async || {
        engine.metric(received, "").await >= feed.len() as f64
            && matched_by().is_superset(&expected.matched)
    })
    .await;
    let reread = engine.metric(received, "").await as i64 - feed.len() as i64;
    assert!(
        (0..=outage.uncommitted).contains(&reread),
        "{reread} posts read twice; only {} were read and not committed when the broker went away",
        outage.uncommitted
    );
    assert!(
        engine
            .metric("fenghuo_source_reconnects_total", "source=\"feed\"")
            .await
            >= 1.0
    );
    let raised = alert_ids(&read_output(&dir.path().join("solo-alerts.ndjson")));
    assert!(!raised.is_empty());
    delivered_alerts(&receiver, &raised).await;
    let keys = counts(idempotency_keys(&receiver));
    let doubled: Vec<_> = keys.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "notices doubled: {doubled:?}");
    assert_eq!(accounted_for(&receiver), raised);
    eprintln!(
        "broker outage: {:.1} s, reported reconnecting after {:.1} s, reading again {:.1} s after the broker came back (tansu behind a relay); {reread} posts re-read (≤ {} read but uncommitted), {} alerts ({} of one process's {}), 0 doubled",
        outage.length.as_secs_f64(),
        outage.noticed.as_secs_f64(),
        outage.resumed.as_secs_f64(),
        outage.uncommitted,
        raised.len(),
        expected.alerts.intersection(&raised).count(),
        expected.alerts.len(),
    );
}

/// What a broker outage test measured.
struct Outage {
    length: Duration,
    /// Until `/readyz` said `reconnecting`.
    noticed: Duration,
    /// From the broker's return to the first post read.
    resumed: Duration,
    /// Posts read but not committed when the broker went away (the most a resume may
    /// read twice).
    uncommitted: i64,
}

/// The match and track configs of deploy/kafka/ load and validate.
#[test]
fn the_deploy_configs_for_kafka_load() {
    for name in ["match", "track"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("deploy/kafka/{name}.toml"));
        let config = Config::load(&path).unwrap();
        assert_eq!(
            config.cluster.role,
            if name == "match" {
                fenghuo::scaleout::Role::Match
            } else {
                fenghuo::scaleout::Role::Track
            }
        );
    }
}
