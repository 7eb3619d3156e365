//! Kafka end to end: posts/s through a Kafka-protocol broker (tansu, memory storage, on
//! loopback) with one and with two engine processes in one consumer group, next to
//! `fenghuo replay` of the same feed in the same run. Ratios are what to quote.
//!
//!   make tansu && cargo bench --bench kafka            # BENCH_KAFKA_POSTS=200000
//!
//! Each engine runs the whole pipeline (role both) with one match worker; the feed is
//! produced beforehand in messages of 100 posts across 12 partitions, and the clock runs
//! from the first post an engine receives to the last.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

const PARTITIONS: i32 = 12;
const POSTS_PER_MESSAGE: usize = 100;

fn tansu() -> PathBuf {
    std::env::var("FENGHUO_TANSU")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(&std::env::var("HOME").expect("HOME")).join(".cache/fenghuo/tansu/tansu")
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_broker(port: u16) -> Killed {
    let url = format!("tcp://127.0.0.1:{port}");
    let mut child = Command::new(tansu())
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .args(["--storage-engine", "memory://tansu/"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tansu runs (make tansu)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("ready in"))
        .expect("tansu gets ready");
    std::thread::spawn(move || lines.count());
    Killed(child)
}

/// `fenghuo run` reading the feed topic in `group`; returns it and its HTTP address.
fn start_engine(dir: &Path, name: &str, brokers: &str, group: &str) -> (Killed, SocketAddr) {
    let config = dir.join(format!("{name}.toml"));
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    std::fs::write(
        &config,
        format!(
            r#"[rules]
dir = {rules:?}
watch = false
[engine]
workers = 1
[http]
addr = "127.0.0.1:0"
[storage]
dir = {data:?}
[output]
alerts = "/dev/null"
[[sources]]
kind = "kafka"
name = "feed"
brokers = "{brokers}"
topics = ["feed"]
group_id = "{group}"
"#,
            data = dir.join(format!("{name}-data")).display().to_string(),
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fenghuo"))
        .args(["run", "--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("HTTP API listening"))
        .expect("the engine listens");
    let addr = line
        .split("addr=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    std::thread::spawn(move || lines.count());
    (Killed(child), addr.parse().unwrap())
}

fn posts_received(addr: SocketAddr) -> f64 {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return 0.0;
    };
    let _ = write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text.lines()
        .filter(|l| l.starts_with("fenghuo_posts_received_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Posts/s of `engines` processes in a fresh group reading the whole feed.
fn through_kafka(dir: &Path, brokers: &str, engines: usize, posts: usize) -> f64 {
    let group = format!("bench-{engines}");
    let running: Vec<_> = (0..engines)
        .map(|i| start_engine(dir, &format!("{group}-{i}"), brokers, &group))
        .collect();
    let addrs: Vec<SocketAddr> = running.iter().map(|(_, a)| *a).collect();
    let mut started = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let received: f64 = addrs.iter().map(|a| posts_received(*a)).sum();
        if received > 0.0 && started.is_none() {
            started = Some(Instant::now());
        }
        if received >= posts as f64 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seconds = started.map_or(f64::NAN, |s| s.elapsed().as_secs_f64());
    drop(running);
    posts as f64 / seconds
}

fn replay(dir: &Path, feed: &Path) -> f64 {
    let output = Command::new(env!("CARGO_BIN_EXE_fenghuo"))
        .arg("replay")
        .arg(feed)
        .args(["--rules", concat!(env!("CARGO_MANIFEST_DIR"), "/rules")])
        .args(["--workers", "1", "--output", "/dev/null", "--data-dir"])
        .arg(dir.join("replay-data"))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    let line = log
        .lines()
        .find(|l| l.starts_with("replayed"))
        .expect("a summary");
    line.split(": ")
        .nth(1)
        .and_then(|rest| rest.split(" posts/s").next())
        .and_then(|n| n.trim().parse().ok())
        .expect("posts/s in the summary")
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` asks; there is nothing to list or smoke-test.
    }
    let posts: usize = std::env::var("BENCH_KAFKA_POSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    let options = fenghuo::synth::GenOptions {
        seed: 1,
        posts: Some(posts as u64),
        bytes: None,
    };
    fenghuo::synth::generate(options, &mut bytes).unwrap();
    let feed = dir.path().join("feed.ndjson");
    std::fs::write(&feed, &bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    let port = free_port();
    let _broker = start_broker(port);
    let brokers = format!("127.0.0.1:{port}");
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    let topic = NewTopic::new("feed", PARTITIONS, TopicReplication::Fixed(1));
    for created in admin
        .create_topics([&topic], &AdminOptions::new())
        .await
        .unwrap()
    {
        created.unwrap();
    }
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("linger.ms", "5")
        .create()
        .unwrap();
    let messages: Vec<String> = lines
        .chunks(POSTS_PER_MESSAGE)
        .map(|chunk| chunk.join("\n"))
        .collect();
    let keys: Vec<String> = (0..messages.len()).map(|i| i.to_string()).collect();
    let sends: Vec<_> = messages
        .iter()
        .zip(&keys)
        .map(|(payload, key)| {
            let record = FutureRecord::to("feed").key(key).payload(payload);
            producer.send(record, Duration::from_secs(60))
        })
        .collect();
    for sent in futures::future::join_all(sends).await {
        sent.expect("produced");
    }

    let replayed = replay(dir.path(), &feed);
    let one = through_kafka(dir.path(), &brokers, 1, posts);
    let two = through_kafka(dir.path(), &brokers, 2, posts);
    println!("kafka e2e: {posts} posts, {PARTITIONS} partitions, {POSTS_PER_MESSAGE} posts per message, 1 match worker per engine");
    println!("  fenghuo replay (1 worker)        {replayed:>10.0} posts/s");
    println!(
        "  kafka, 1 engine process          {one:>10.0} posts/s  ({:.2}x replay)",
        one / replayed
    );
    println!(
        "  kafka, 2 engine processes        {two:>10.0} posts/s  ({:.2}x replay, {:.2}x one engine)",
        two / replayed,
        two / one
    );
}
