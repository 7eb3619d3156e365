//! WebSocket client source: connects to a provider's feed, pings it, and reconnects with
//! jittered exponential backoff when it drops, resuming after the last post it saw.
//!
//! Resume: when `resume_pointer` is set (e.g. `/seq`), each frame's cursor (the value at
//! that pointer in its last post) is tracked with the frame's completion handle; on
//! reconnect the newest cursor whose frame — and every frame before it — is fully handled
//! (unmatched, graded without an alert, or committed to the outbox) is sent back as query
//! parameter `resume_param` (`wss://provider/feed?since=1234`). A provider that keeps a
//! backlog then sends what was published, or received but not yet handled, while the
//! connection was down: at least once, never lost. Before reconnecting, the client waits
//! (at most `settle_timeout`) for frames in flight, so the cursor is as fresh as it can be.
//!
//! A message larger than `max_frame_bytes` ends the connection (the WebSocket reader
//! refuses to buffer it) and is counted in `fenghuo_source_oversize_messages_total`.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{self, protocol::WebSocketConfig, Message};
use tokio_util::sync::CancellationToken;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::queue::FrameSender;
use super::source::SourceContext;
use super::{Frame, SourceInfo};
use crate::backoff::Backoff;
use crate::health::SourceState;
use crate::models::Watermark;
use crate::telemetry;

/// `kind = "websocket"`: a provider's WebSocket feed that the engine connects to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebsocketConfig {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub mappings: Vec<String>,
    #[serde(default = "default_ping_secs")]
    pub ping_interval_secs: u64,
    #[serde(default = "default_backoff_initial_ms")]
    pub backoff_initial_ms: u64,
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
    /// JSON pointer of a cursor in each post (e.g. `/seq`); see the module doc for resume.
    #[serde(default)]
    pub resume_pointer: Option<String>,
    #[serde(default = "default_resume_param")]
    pub resume_param: String,
}

fn default_ping_secs() -> u64 {
    20
}
fn default_backoff_initial_ms() -> u64 {
    200
}
fn default_backoff_max_ms() -> u64 {
    30_000
}
fn default_resume_param() -> String {
    "since".to_owned()
}

impl WebsocketConfig {
    /// Adds what is wrong with this source to `problems`, each prefixed with `at`.
    pub fn validate(&self, at: &str, problems: &mut Vec<String>) {
        if !self.url.starts_with("ws://") && !self.url.starts_with("wss://") {
            problems.push(format!("{at}: url must start with ws:// or wss://"));
        }
        if self.ping_interval_secs == 0 {
            problems.push(format!("{at}: ping_interval_secs must be at least 1"));
        }
        if self.backoff_initial_ms == 0 || self.backoff_max_ms < self.backoff_initial_ms {
            problems.push(format!(
                "{at}: backoff_initial_ms must be at least 1 and backoff_max_ms at least that"
            ));
        }
        if let Some(pointer) = &self.resume_pointer {
            if !pointer.starts_with('/') {
                problems.push(format!(
                    "{at}: resume_pointer {pointer:?} is not a JSON pointer (must start with /)"
                ));
            }
        }
        if self.resume_param.is_empty() {
            problems.push(format!("{at}: resume_param must not be empty"));
        }
    }

    /// Starts the client; the task runs until shutdown.
    pub fn spawn(&self, context: SourceContext) -> BoxFuture<'static, ()> {
        context
            .health
            .set(&context.info.name, SourceState::Connecting);
        let client = WebsocketClient {
            source: context.info,
            url: self.url.clone(),
            ping_interval: Duration::from_secs(self.ping_interval_secs),
            backoff_initial: Duration::from_millis(self.backoff_initial_ms),
            backoff_max: Duration::from_millis(self.backoff_max_ms),
            resume_pointer: self.resume_pointer.clone(),
            resume_param: self.resume_param.clone(),
            max_frame_bytes: context.max_frame_bytes,
            settle_timeout: Duration::from_secs(5),
            health: context.health,
        };
        Box::pin(client.run(context.queue, context.shutdown))
    }
}

/// The running client (built by [`WebsocketConfig::spawn`]).
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
    /// How long a dropped connection waits for its frames in flight to complete before
    /// reconnecting with the freshest cursor.
    pub settle_timeout: Duration,
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
        let mut cursor: Watermark<String> = Watermark::new(None);
        let mut backoff = Backoff::new(self.backoff_initial, self.backoff_max);
        // The reader buffers at most what the engine accepts.
        let limits = WebSocketConfig::default()
            .max_message_size(Some(self.max_frame_bytes))
            .max_frame_size(Some(self.max_frame_bytes));
        loop {
            let url = self.url_with_cursor(cursor.acknowledged().map(String::as_str));
            let connected = tokio::select! {
                _ = shutdown.cancelled() => return,
                connected = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(limits), false) => connected,
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
                        backoff.reset();
                    }
                    ended
                }
                Err(e) => Ended::Dropped(e.to_string()),
            };
            match ended {
                Ended::Shutdown => return,
                Ended::Dropped(why) => {
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::timeout(self.settle_timeout, cursor.settled()) => {}
                    }
                    let wait = backoff.next_wait();
                    tracing::warn!(source = %self.source.name, reason = %why, retry_in_ms = wait.as_millis() as u64, "websocket disconnected");
                    telemetry::source_reconnect(&self.source.name);
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
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
        cursor: &mut Watermark<String>,
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
                        Some(Err(tungstenite::Error::Capacity(e))) => {
                            telemetry::source_oversize(&self.source.name);
                            tracing::error!(source = %self.source.name, limit = self.max_frame_bytes, error = %e, "websocket message over engine.max_frame_bytes; connection dropped");
                            return (Ended::Dropped(e.to_string()), received);
                        }
                        Some(Err(e)) => return (Ended::Dropped(e.to_string()), received),
                    };
                    received = true;
                    let mut frame = Frame::new(self.source.clone(), bytes);
                    if let Some(value) = self.cursor_of(&frame.bytes) {
                        frame = frame.with_completion(cursor.track(value));
                    }
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
