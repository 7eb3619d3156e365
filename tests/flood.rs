//! Memory is bounded in bytes under a flood of large frames, and nothing accepted is lost
//! (issue 15, item 4).
//!
//! The engine runs as a child process so its RSS is its own. `FLOOD_SECS` (default 5) and
//! `FLOOD_CLIENTS` (default 16) size the flood; `benches/flood.sh` runs it for 60 s and
//! prints the figures.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{spawn_run, weibo, FIXTURE_RULES};

const FRAME_BYTES: usize = 16 << 20;
const BUFFERED_BYTES: u64 = 64 << 20;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A kB figure of `/proc/PID/status` (`VmRSS`, `VmHWM`), in bytes.
fn proc_status_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// One POST of `body`; the status and whether a `Retry-After` came with it. Write errors
/// are ignored: a refused push may be answered before its body is read.
async fn push(addr: SocketAddr, body: Arc<Vec<u8>>) -> (u16, bool) {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return (0, false);
    };
    let head = format!(
        "POST /api/v1/ingest HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (mut reader, mut writer) = stream.split();
    let write = async {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
    };
    let mut response = Vec::new();
    let read = reader.read_to_end(&mut response);
    let (_, read) = tokio::join!(write, read);
    if read.is_err() && response.is_empty() {
        return (0, false);
    }
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let retry_after = text.to_ascii_lowercase().contains("\r\nretry-after:");
    (status, retry_after)
}

/// `fenghuo_posts_received_total` summed over sources, from `/metrics`.
async fn posts_received(addr: SocketAddr) -> u64 {
    let (_, metrics) = crate::support::http(addr, "GET", "/metrics", &[], b"").await;
    metrics
        .lines()
        .filter(|l| l.starts_with("fenghuo_posts_received_total"))
        .filter_map(|l| l.split_whitespace().last()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_16_mb_frames_stays_within_the_byte_bound_and_loses_nothing_accepted() {
    let seconds = env_or("FLOOD_SECS", 5);
    let clients = env_or("FLOOD_CLIENTS", 16);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "sources = []\n[rules]\ndir = {:?}\nwatch = false\n[output]\nalerts = {:?}\n\
             [http]\naddr = \"127.0.0.1:0\"\n[storage]\ndir = {:?}\n\
             [engine]\nworkers = 1\nmax_frame_bytes = {FRAME_BYTES}\n\
             max_buffered_bytes = {BUFFERED_BYTES}\npush_wait_ms = 200\n",
            FIXTURE_RULES,
            dir.path().join("alerts.ndjson").display().to_string(),
            dir.path().join("data").display().to_string(),
        ),
    )
    .unwrap();
    let (mut child, addr) = spawn_run(&config);
    let pid = child.id();
    let baseline = proc_status_bytes(pid, "VmRSS");

    // One 16 MB frame of bland posts, shared by every client.
    let mut frame = Vec::with_capacity(FRAME_BYTES);
    let mut posts_per_frame = 0u64;
    loop {
        let line = weibo(&format!("p{posts_per_frame}"), "今天天气不错，出去走走");
        if frame.len() + line.len() + 1 > FRAME_BYTES {
            break;
        }
        frame.extend_from_slice(line.as_bytes());
        frame.push(b'\n');
        posts_per_frame += 1;
    }
    let frame = Arc::new(frame);

    let accepted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let refused_without_retry_after = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (frame, accepted, refused, bare) = (
            frame.clone(),
            accepted.clone(),
            refused.clone(),
            refused_without_retry_after.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match push(addr, frame.clone()).await {
                    (202, _) => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                    (429 | 503, retry_after) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        if !retry_after {
                            bare.fetch_add(1, Ordering::Relaxed);
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    (status, _) => panic!("push answered {status}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let accepted = accepted.load(Ordering::Relaxed);
    let expected = accepted * posts_per_frame;
    let drain_deadline = Instant::now() + Duration::from_secs(300);
    let mut received = 0;
    while Instant::now() < drain_deadline {
        received = posts_received(addr).await;
        if received >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let peak = proc_status_bytes(pid, "VmHWM");
    // Give the worker a moment to trim after the queue emptied.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = proc_status_bytes(pid, "VmRSS");
    // SAFETY-free shutdown: SIGTERM via kill(1).
    let _ = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status();
    let _ = child.wait();

    let mb = |b: u64| b as f64 / (1 << 20) as f64;
    println!(
        "flood: {seconds} s, {clients} clients, {} MB frames: accepted {accepted} frames \
         ({expected} posts), refused {} (503); RSS baseline {:.0} MB, peak {:.0} MB, after \
         drain {:.0} MB; bound max_buffered_bytes {:.0} MB",
        FRAME_BYTES >> 20,
        refused.load(Ordering::Relaxed),
        mb(baseline),
        mb(peak),
        mb(after),
        mb(BUFFERED_BYTES),
    );
    assert!(accepted > 0, "nothing was accepted");
    assert_eq!(
        received, expected,
        "every post of every accepted frame is decoded"
    );
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "a full buffer refuses pushes"
    );
    assert_eq!(refused_without_retry_after.load(Ordering::Relaxed), 0);
    // The bound: what frames may hold, plus a fixed overhead for the engine itself and
    // per-connection buffers — not a multiple of the frames in flight.
    let overhead = 96 << 20;
    assert!(
        peak < baseline + BUFFERED_BYTES + overhead,
        "peak RSS {:.0} MB over the bound",
        mb(peak)
    );
    assert!(
        after < baseline + overhead,
        "RSS after the burst {:.0} MB: memory not given back",
        mb(after)
    );
}
