//! WebSocket client source: connects to a provider's feed, pings it, and reconnects with
//! jittered exponential backoff when it drops, resuming after the last post it saw.
//!
//! Resume: when `resume_pointer` is set (e.g. `/seq`), the value at that pointer in the last
//! post received is sent back on reconnect as query parameter `resume_param`
//! (`wss://provider/feed?since=1234`), so a provider that keeps a backlog sends what was
//! published while the connection was down.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rand::Rng;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::queue::FrameSender;
use super::{Frame, SourceInfo};
use crate::health::SourceState;
use crate::telemetry;

#[derive(Clone)]
pub struct WebsocketClient {
    pub source: Arc<SourceInfo>,
    pub url: String,
    pub ping_interval: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub resume_pointer: Option<String>,
    pub resume_param: String,
    pub max_frame_bytes: usize,
    pub health: Arc<crate::health::Health>,
}

/// Why one connection ended.
enum Ended {
    Shutdown,
    Dropped(String),
}

impl WebsocketClient {
    /// Runs until shutdown, reconnecting as needed.
    pub async fn run(self, queue: FrameSender, shutdown: CancellationToken) {
        let mut cursor: Option<String> = None;
        let mut backoff = self.backoff_initial;
        loop {
            let url = self.url_with_cursor(cursor.as_deref());
            let connected = tokio::select! {
                _ = shutdown.cancelled() => return,
                connected = tokio_tungstenite::connect_async(url.as_str()) => connected,
            };
            let ended = match connected {
                Ok((stream, _)) => {
                    tracing::info!(source = %self.source.name, %url, "websocket connected");
                    telemetry::source_connected(&self.source.name, true);
                    self.health.set(&self.source.name, SourceState::Connected);
                    let (ended, received) = self.pump(stream, &queue, &shutdown, &mut cursor).await;
                    telemetry::source_connected(&self.source.name, false);
                    self.health.set(&self.source.name, SourceState::Connecting);
                    if received {
                        // The connection worked: the next failure starts the backoff afresh.
                        backoff = self.backoff_initial;
                    }
                    ended
                }
                Err(e) => Ended::Dropped(e.to_string()),
            };
            match ended {
                Ended::Shutdown => return,
                Ended::Dropped(why) => {
                    let wait = jittered(backoff);
                    tracing::warn!(source = %self.source.name, reason = %why, retry_in_ms = wait.as_millis() as u64, "websocket disconnected");
                    telemetry::source_reconnect(&self.source.name);
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    backoff = (backoff * 2).min(self.backoff_max);
                }
            }
        }
    }

    /// Reads one connection until it ends. Returns why, and whether any frame arrived.
    async fn pump<S>(
        &self,
        stream: tokio_tungstenite::WebSocketStream<S>,
        queue: &FrameSender,
        shutdown: &CancellationToken,
        cursor: &mut Option<String>,
    ) -> (Ended, bool)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let (mut sink, mut stream) = stream.split();
        let mut ping = tokio::time::interval(self.ping_interval);
        ping.reset();
        let mut received = false;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    let _ = sink.send(Message::Close(None)).await;
                    return (Ended::Shutdown, received);
                }
                _ = ping.tick() => {
                    if let Err(e) = sink.send(Message::Ping(Vec::new().into())).await {
                        return (Ended::Dropped(e.to_string()), received);
                    }
                }
                message = stream.next() => {
                    let bytes: bytes::Bytes = match message {
                        Some(Ok(Message::Text(text))) => text.into(),
                        Some(Ok(Message::Binary(bytes))) => bytes,
                        Some(Ok(Message::Close(_))) | None => return (Ended::Dropped("closed by peer".into()), received),
                        Some(Ok(_)) => continue, // ping/pong: tungstenite answers pings itself
                        Some(Err(e)) => return (Ended::Dropped(e.to_string()), received),
                    };
                    received = true;
                    if bytes.len() > self.max_frame_bytes {
                        tracing::warn!(source = %self.source.name, bytes = bytes.len(), "websocket message over max_frame_bytes dropped");
                        continue;
                    }
                    if let Some(value) = self.cursor_of(&bytes) {
                        *cursor = Some(value);
                    }
                    let frame = Frame::new(self.source.clone(), bytes);
                    tokio::select! {
                        _ = shutdown.cancelled() => return (Ended::Shutdown, received),
                        sent = queue.send(frame) => if sent.is_err() { return (Ended::Shutdown, received) },
                    }
                }
            }
        }
    }

    /// The resume cursor in the last post of a message, if configured and present.
    fn cursor_of(&self, bytes: &[u8]) -> Option<String> {
        let pointer = self.resume_pointer.as_ref()?;
        let last_line = bytes.trim_ascii_end().rsplit(|&b| b == b'\n').next()?;
        let value: serde_json::Value = serde_json::from_slice(last_line).ok()?;
        match value.pointer(pointer)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn url_with_cursor(&self, cursor: Option<&str>) -> String {
        match cursor {
            None => self.url.clone(),
            Some(cursor) => crate::query::with_query_param(&self.url, &self.resume_param, cursor),
        }
    }
}

/// `base` scaled by a random factor in [0.5, 1.5), so many clients dropped together do not
/// reconnect together.
fn jittered(base: Duration) -> Duration {
    base.mul_f64(rand::rng().random_range(0.5..1.5))
}
