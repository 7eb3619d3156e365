//! Helpers for the wall display's tests: posts that open an event at 黄 and escalate it to
//! 红, and a client of `/ws/alerts`.

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::http;

/// One story, told by a small account (opens 黄: a high-severity rule) and then by a
/// verified account with 12 million followers (two 红 signals: verified followers and
/// reach).
pub const STORY: &str = "江州某派出所民警殴打外卖小哥，视频曝光后网友愤怒，要求严肃处理涉事民警";

/// A canonical-shaped post of [`STORY`] published now.
pub fn story_post(id: &str, followers: u64, verified: bool, platform: &str) -> String {
    json!({
        "platform": platform,
        "id": id,
        "url": format!("https://example.invalid/{id}"),
        "author": {"id": format!("author-{id}"), "name": format!("网友{id}"), "followers": followers, "verified": verified},
        "body": STORY,
        "published_at": chrono::Utc::now().to_rfc3339(),
        "region": "江苏",
    })
    .to_string()
}

/// Posts one line (NDJSON) through the push API.
pub async fn push(addr: SocketAddr, line: &str) {
    let (status, body) = http(
        addr,
        "POST",
        "/api/v1/ingest?mapping=canonical",
        &[],
        format!("{line}\n").as_bytes(),
    )
    .await;
    assert_eq!(status, 202, "{body}");
}

/// Opens the event (黄).
pub async fn open_event(addr: SocketAddr) {
    push(addr, &story_post("w1", 50, false, "weibo")).await;
}

/// Escalates it (红).
pub async fn escalate_event(addr: SocketAddr) {
    push(addr, &story_post("d1", 12_000_000, true, "douyin")).await;
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(addr: SocketAddr, query: &str) -> Socket {
    let url = format!("ws://{addr}/ws/alerts{query}");
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next message that is not a `status`, within 20 s.
pub async fn next_change(socket: &mut Socket) -> Value {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let message = socket.next().await.expect("socket open").unwrap();
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] != "status" {
                    return value;
                }
            }
        }
    })
    .await
    .expect("a snapshot or delta within 20 s")
}
