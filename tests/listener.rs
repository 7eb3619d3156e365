//! The HTTP listener under slow and idle clients (issue 15, item 5): a connection cap,
//! header and body timeouts, idle WebSockets closed, `/healthz` still served, and a
//! shutdown that does not wait for slow clients.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{http, spawn_listening, TestEngine, FIXTURE_RULES};

/// A connection that sends half a request head and then nothing.
async fn slow_header(addr: SocketAddr) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .ok()?;
    Some(stream)
}

/// Whether the server closes `stream` within `within` (EOF or reset on read).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Regression: slow-header connections were held for ever; at the fd limit accepts
/// failed and `/healthz` timed out. The engine runs with 128 file descriptors and is sent
/// 200 slow-header connections: they are cut, and `/healthz` answers meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_under_a_slow_loris_load_at_the_fd_limit() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!(
            "sources = []\n[rules]\ndir = {FIXTURE_RULES:?}\nwatch = false\n[output]\nalerts = {:?}\n\
             [http]\naddr = \"127.0.0.1:0\"\nmax_connections = 64\nheader_timeout_secs = 3\n\
             [storage]\ndir = {:?}\n[engine]\nworkers = 1\n",
            dir.path().join("alerts.ndjson").display().to_string(),
            dir.path().join("data").display().to_string(),
        ),
    )
    .unwrap();
    let (mut child, addr) = spawn_with_fd_limit(&config, 128);
    let mut attackers = Vec::new();
    for _ in 0..200 {
        if let Some(stream) = slow_header(addr).await {
            attackers.push(stream);
        }
    }
    let started = Instant::now();
    let probe = tokio::time::timeout(
        Duration::from_secs(20),
        http(addr, "GET", "/healthz", &[], b""),
    )
    .await;
    let took = started.elapsed();
    // The first slow connections were accepted, then cut by the header timeout.
    assert!(closed_within(&mut attackers[0], Duration::from_secs(10)).await);
    let _ = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
    let (status, body) = probe.expect("/healthz answered under a slow-loris load");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    println!("healthz answered in {took:?} with 200 slow-header connections open");
}

/// `fenghuo run` as a child whose file descriptors are limited to `fds`.
fn spawn_with_fd_limit(config: &std::path::Path, fds: u32) -> (std::process::Child, SocketAddr) {
    let mut command = std::process::Command::new("sh");
    command.args([
        "-c",
        &format!("ulimit -n {fds} && exec \"$0\" run --config \"$1\""),
        env!("CARGO_BIN_EXE_fenghuo"),
        config.to_str().unwrap(),
    ]);
    spawn_listening(command)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_cut_at_the_body_deadline() {
    let test = TestEngine::start("[http]\nbody_timeout_secs = 1\n").await;
    let mut stream = TcpStream::connect(test.addr()).await.unwrap();
    stream
        .write_all(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\"")
        .await
        .unwrap();
    let mut response = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "the slow body was held past the deadline");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    test.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_push_websocket_is_closed() {
    let test = TestEngine::start("[http]\nidle_timeout_secs = 1\n").await;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/ingest/ws", test.addr()))
            .await
            .unwrap();
    // Not reading means not answering pings: the engine hears nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) => return,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the idle WebSocket stayed open");
    test.finish().await;
}

/// Regression: shutdown waited for every open connection, a slow client's too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_slow_clients() {
    let test =
        TestEngine::start("[http]\nheader_timeout_secs = 600\nbody_timeout_secs = 600\n").await;
    let _slow = slow_header(test.addr()).await.unwrap();
    let mut trickle = TcpStream::connect(test.addr()).await.unwrap();
    trickle
        .write_all(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), test.finish())
        .await
        .expect("shutdown finished");
    assert!(started.elapsed() < Duration::from_secs(10));
}
