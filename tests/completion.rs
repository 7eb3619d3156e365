//! Completion travels with a frame: a source acknowledges upstream only what is fully
//! handled, so a frame not handled before a drop is served again.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use fenghuo::health::Health;
use fenghuo::ingest::queue::frame_queue;
use fenghuo::ingest::websocket_client::WebsocketClient;
use fenghuo::models::{Frame, SourceInfo};

use crate::support::{http, TestEngine};

fn post(seq: usize) -> String {
    serde_json::json!({ "seq": seq, "idstr": format!("p{seq}"), "text": "x" }).to_string()
}

/// Serves posts after the client's `since` cursor (1..=3 in all) on each of three
/// connections; drops the first at once and the second when told. Reports each request
/// URI.
#[allow(clippy::result_large_err)] // the callback type is tungstenite's
async fn provider(
    listener: TcpListener,
    requests: mpsc::UnboundedSender<String>,
    mut drop_second: oneshot::Receiver<()>,
) {
    for connection in 0..3 {
        let (stream, _) = listener.accept().await.unwrap();
        let (since_tx, since_rx) = std::sync::mpsc::channel();
        let seen = requests.clone();
        let callback = move |request: &Request, response: Response| {
            let uri = request.uri().to_string();
            let since = uri
                .split("since=")
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0usize);
            since_tx.send(since).unwrap();
            seen.send(uri).unwrap();
            Ok(response)
        };
        let mut socket = tokio_tungstenite::accept_hdr_async(stream, callback)
            .await
            .unwrap();
        let since = since_rx.recv().unwrap();
        for seq in since + 1..=3 {
            socket.send(Message::text(post(seq))).await.unwrap();
        }
        match connection {
            0 => drop(socket),
            1 => {
                (&mut drop_second).await.unwrap();
                drop(socket);
            }
            _ => while let Some(Ok(_)) = socket.next().await {},
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_not_handled_before_a_drop_is_served_again() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (requests_tx, mut requests) = mpsc::unbounded_channel();
    let (drop_second, drop_second_rx) = oneshot::channel();
    let provider = tokio::spawn(provider(listener, requests_tx, drop_second_rx));

    let (queue, frames) = frame_queue(16, 64 << 20);
    let client = WebsocketClient {
        source: Arc::new(SourceInfo {
            name: "completion".into(),
            mappings: vec![],
        }),
        url: format!("ws://{addr}/feed"),
        ping_interval: Duration::from_secs(30),
        backoff_initial: Duration::from_millis(10),
        backoff_max: Duration::from_millis(10),
        resume_pointer: Some("/seq".into()),
        resume_param: "since".into(),
        max_frame_bytes: 1 << 20,
        settle_timeout: Duration::from_millis(50),
        health: Arc::new(Health::default()),
    };
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(client.run(queue, shutdown.clone()));
    // The test is the pipeline: it holds frames, i.e. does not finish handling them.
    let (frames_tx, mut held) = mpsc::unbounded_channel::<Frame>();
    std::thread::spawn(move || {
        while let Some(queued) = frames.recv() {
            if frames_tx.send(queued.frame).is_err() {
                return;
            }
        }
    });
    let mut frames: Vec<Frame> = Vec::new();
    while frames.len() < 6 {
        frames.push(held.recv().await.unwrap());
    }
    assert_eq!(requests.recv().await.unwrap(), "/feed");
    // The first connection's frames were received but not handled: served again.
    assert_eq!(requests.recv().await.unwrap(), "/feed");
    let seqs: Vec<u64> = frames
        .iter()
        .map(|f| {
            serde_json::from_slice::<serde_json::Value>(&f.bytes).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3, 1, 2, 3]);

    // Now handled; the next reconnect resumes after them.
    frames.clear();
    drop_second.send(()).unwrap();
    assert_eq!(requests.recv().await.unwrap(), "/feed?since=3");
    shutdown.cancel();
    running.await.unwrap();
    provider.abort();
}

/// A message over `engine.max_frame_bytes` is counted, and the client reads no more than
/// that limit (regression: the reader's own 64 MiB default applied, and drops were silent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_websocket_message_is_counted() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let provider = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
            let big = format!("{{\"text\":\"{}\"}}", "x".repeat(64 * 1024));
            let _ = socket.send(Message::text(big)).await;
            while let Some(Ok(_)) = socket.next().await {}
        }
    });
    let overlay = format!(
        "[engine]\nmax_frame_bytes = 16384\n[[sources]]\nkind = \"websocket\"\nname = \"oversize\"\nurl = \"ws://{addr}/feed\"\nbackoff_initial_ms = 20\n"
    );
    let test = TestEngine::start(&overlay).await;
    let line = "fenghuo_source_oversize_messages_total{source=\"oversize\"}";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, metrics) = http(test.addr(), "GET", "/metrics", &[], b"").await;
        if metrics.lines().any(|l| l.starts_with(line)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{line} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        test.engine
            .stats()
            .received
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    test.finish().await;
    provider.abort();
}
