use std::collections::BTreeSet;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{matched_rules, TestEngine};

fn post(seq: usize) -> String {
    serde_json::json!({
        "seq": seq,
        "idstr": format!("p{seq}"),
        "created_at": "Sat Nov 28 10:00:00 +0800 2026",
        "text": format!("第{seq}条：警察打人"),
    })
    .to_string()
}

/// A provider that serves posts 1..=3, drops the connection, publishes 4..=6 while the
/// client is away, and on reconnect serves its backlog after the client's `since` cursor.
/// Reports each request URI it accepted.
#[allow(clippy::result_large_err)] // the callback type is tungstenite's
async fn provider(
    listener: TcpListener,
    requests: mpsc::UnboundedSender<String>,
    go: tokio::sync::oneshot::Receiver<()>,
) {
    // Serve nothing until the test listens for matches, so none is missed.
    go.await.unwrap();
    let backlog: Vec<String> = (1..=6).map(post).collect();
    let mut published = 3;
    for connection in 0..2 {
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
        for line in &backlog[since..published] {
            socket.send(Message::text(line.clone())).await.unwrap();
        }
        if connection == 0 {
            // Abrupt drop, no close frame: as when a provider's node dies.
            drop(socket);
            published = 6;
        } else {
            while let Some(Ok(message)) = socket.next().await {
                if message.is_close() {
                    break;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_client_reconnects_and_resumes_without_losing_a_frame() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (requests_tx, mut requests) = mpsc::unbounded_channel();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel();
    let provider = tokio::spawn(provider(listener, requests_tx, go_rx));

    let overlay = format!(
        "[[sources]]\nkind = \"websocket\"\nname = \"provider\"\nurl = \"ws://{addr}/feed\"\nbackoff_initial_ms = 20\nresume_pointer = \"/seq\"\n"
    );
    let test = TestEngine::start(&overlay).await;
    let mut live = test.engine.subscribe();
    go_tx.send(()).unwrap();
    let mut seen = BTreeSet::new();
    while seen.len() < 6 {
        seen.insert(live.recv().await.unwrap().post.id.clone());
    }
    assert_eq!(requests.recv().await.unwrap(), "/feed");
    assert_eq!(requests.recv().await.unwrap(), "/feed?since=3");

    let lines = test.finish().await;
    provider.await.unwrap();
    let ids: Vec<String> = matched_rules(&lines)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        ids,
        ["p1", "p2", "p3", "p4", "p5", "p6"],
        "each post exactly once"
    );
    assert!(lines.iter().all(|l| l["source"] == "provider"));
}
