//! Kafka test helpers: a tansu broker on loopback, topics, producing a feed, reading the
//! hits topic, and engines as child processes whose logs the test can watch.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

/// Where `make tansu` puts the broker; `FENGHUO_TANSU` overrides (and makes it required).
fn tansu_binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("FENGHUO_TANSU") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "FENGHUO_TANSU={} is not a file",
            path.display()
        );
        return Some(path);
    }
    let home = std::env::var("HOME").ok()?;
    let path = Path::new(&home).join(".cache/fenghuo/tansu/tansu");
    path.is_file().then_some(path)
}

/// A tansu broker (memory storage) on 127.0.0.1.
pub struct Tansu {
    child: Child,
    /// The port the broker listens on.
    pub port: u16,
    /// The relay clients go through, when started behind one.
    relay: Option<BrokerRelay>,
}

impl Tansu {
    /// Starts a broker on a free port; `None` (the test is skipped, with a note) when the
    /// binary is absent and `FENGHUO_TANSU` is unset — `make test` always sets it.
    pub fn start() -> Option<Tansu> {
        let Some(binary) = tansu_binary() else {
            eprintln!("skipped: no tansu broker (run `make tansu` or `make test`)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = launch(&binary, port, port);
        Some(Tansu {
            child,
            port,
            relay: None,
        })
    }

    /// Starts a broker behind a [`BrokerRelay`] that it advertises as its address, so every
    /// client (the test's too) talks to it through the relay.
    pub fn start_behind_relay() -> Option<Tansu> {
        let Some(binary) = tansu_binary() else {
            eprintln!("skipped: no tansu broker (run `make tansu` or `make test`)");
            return None;
        };
        // Held until tansu binds it (a free port that nobody else takes meanwhile).
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = reserved.local_addr().unwrap().port();
        let relay = BrokerRelay::start(SocketAddr::from(([127, 0, 0, 1], port)));
        drop(reserved);
        let child = launch(&binary, port, relay.port);
        Some(Tansu {
            child,
            port,
            relay: Some(relay),
        })
    }

    /// The relay in front of the broker (see [`Tansu::start_behind_relay`]).
    pub fn relay(&self) -> &BrokerRelay {
        self.relay.as_ref().expect("started behind a relay")
    }

    /// Where clients reach the broker.
    pub fn brokers(&self) -> String {
        let port = self.relay.as_ref().map_or(self.port, |relay| relay.port);
        format!("127.0.0.1:{port}")
    }

    pub async fn create_topic(&self, name: &str, partitions: i32) {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .create()
            .unwrap();
        let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        let results = admin
            .create_topics([&topic], &AdminOptions::new())
            .await
            .unwrap();
        for result in results {
            result.unwrap();
        }
    }

    /// Produces each (key, payload) and waits for every acknowledgement.
    pub async fn produce(&self, topic: &str, messages: &[(String, String)]) {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .set("linger.ms", "5")
            // Back within a second of a broker's return, like the engine's clients.
            .set("reconnect.backoff.max.ms", "1000")
            .create()
            .unwrap();
        let sends: Vec<_> = messages
            .iter()
            .map(|(key, payload)| {
                producer.send(
                    FutureRecord::to(topic).key(key).payload(payload),
                    Duration::from_secs(30),
                )
            })
            .collect();
        for sent in futures::future::join_all(sends).await {
            sent.unwrap();
        }
    }

    /// The offset after the last message of a partition.
    pub fn high_watermark(&self, topic: &str, partition: i32) -> i64 {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .create()
            .unwrap();
        consumer
            .fetch_watermarks(topic, partition, Duration::from_secs(10))
            .unwrap()
            .1
    }

    /// Every message of `topic` from the start until `done` holds for them (or 120 s).
    pub fn read_until(
        &self,
        topic: &str,
        done: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .set("group.id", format!("reader-{}", rand_suffix()))
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .unwrap();
        consumer.subscribe(&[topic]).unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut seen = Vec::new();
        while Instant::now() < deadline && !done(&seen) {
            if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
                seen.push(serde_json::from_slice(message.payload().unwrap()).unwrap());
            }
        }
        seen
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// Starts tansu on `port`, telling clients to connect to `advertised`, and waits for its
/// "ready" line.
fn launch(binary: &Path, port: u16, advertised: u16) -> Child {
    let url = format!("tcp://127.0.0.1:{port}");
    let advertised = format!("tcp://127.0.0.1:{advertised}");
    let mut child = Command::new(binary)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &advertised,
        ])
        .args(["--storage-engine", "memory://tansu/"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    lines
        .by_ref()
        .map(Result::unwrap)
        .find(|line| line.contains("ready in"))
        .expect("tansu gets ready");
    std::thread::spawn(move || lines.count());
    child
}

/// A TCP relay in front of a broker, advertised to clients as the broker's address. `cut`
/// closes every relayed connection and refuses new ones (accepted and closed at once: the
/// port stays held) until `restore`: a broker restart as its clients see it, with the
/// broker's topics and committed offsets kept, as a real Kafka keeps them on disk (tansu's
/// memory storage loses them when the process restarts).
pub struct BrokerRelay {
    pub port: u16,
    state: Arc<RelayState>,
}

#[derive(Default)]
struct RelayState {
    /// Whether connections are relayed; `connections` is locked to change it, so a
    /// connection accepted during a cut is never kept.
    open: std::sync::atomic::AtomicBool,
    stop: std::sync::atomic::AtomicBool,
    /// Both ends of every relayed connection (clones: shutting one down ends the copies).
    connections: Mutex<Vec<TcpStream>>,
    /// Connections accepted and closed at once while cut.
    refused: std::sync::atomic::AtomicU64,
}

impl BrokerRelay {
    pub fn start(target: SocketAddr) -> BrokerRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(RelayState::default());
        state.open.store(true, Ordering::SeqCst);
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let mut connections = shared.connections.lock().unwrap();
                if !shared.open.load(Ordering::SeqCst) {
                    shared.refused.fetch_add(1, Ordering::SeqCst);
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (mut from, mut to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = from.shutdown(Shutdown::Both);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
                connections.extend([client, server]);
            }
        });
        BrokerRelay { port, state }
    }

    /// Closes every connection and refuses new ones until [`BrokerRelay::restore`].
    pub fn cut(&self) {
        let mut connections = self.state.connections.lock().unwrap();
        self.state.open.store(false, Ordering::SeqCst);
        for connection in connections.drain(..) {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        let _connections = self.state.connections.lock().unwrap();
        self.state.open.store(true, Ordering::SeqCst);
    }

    /// Connections refused while cut (clients trying to reconnect).
    pub fn refused(&self) -> u64 {
        self.state.refused.load(Ordering::SeqCst)
    }
}

impl Drop for BrokerRelay {
    fn drop(&mut self) {
        self.cut();
        self.state.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees `stop` and closes the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// An engine child process (`fenghuo run`) whose log lines the test can watch.
pub struct EngineProcess {
    pub child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl EngineProcess {
    pub fn start(config: &Path) -> EngineProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fenghuo"))
            .args(["run", "--config", config.to_str().unwrap()])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut addr = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.split("addr=").nth(1) {
                if line.contains("HTTP API listening") {
                    addr = Some(rest.split_whitespace().next().unwrap().parse().unwrap());
                    break;
                }
            }
        }
        let kept = log.clone();
        // FENGHUO_TEST_LOGS=1 shows the engines' logs (for debugging a failing test).
        let echo = std::env::var_os("FENGHUO_TEST_LOGS").is_some();
        let name = config.file_stem().unwrap().to_string_lossy().into_owned();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if echo {
                    eprintln!("[{name}] {line}");
                }
                kept.lock().unwrap().push((Instant::now(), line));
            }
        });
        EngineProcess {
            child,
            addr: addr.expect("the engine listens"),
            log,
        }
    }

    /// The first log line containing `needle` logged after `since`, waiting up to `timeout`.
    pub fn wait_for_log(&self, needle: &str, since: Instant, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self
                .log
                .lock()
                .unwrap()
                .iter()
                .find(|(at, line)| *at >= since && line.contains(needle))
                .map(|(at, _)| *at);
            if found.is_some() || Instant::now() >= deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A metric's samples from `/metrics`, summed over label sets matching `labels`.
    pub async fn metric(&self, name: &str, labels: &str) -> f64 {
        let (_, text) = super::http(self.addr, "GET", "/metrics", &[], b"").await;
        text.lines()
            .filter(|l| l.starts_with(name) && l.contains(labels))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the clean exit.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for EngineProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Counts of each value.
pub fn counts<T: std::hash::Hash + Eq>(items: impl IntoIterator<Item = T>) -> HashMap<T, usize> {
    let mut out = HashMap::new();
    for item in items {
        *out.entry(item).or_default() += 1;
    }
    out
}
