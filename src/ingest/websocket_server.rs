//! WebSocket server source: providers connect to `GET /api/v1/ingest/ws` and push posts.
//!
//! Each text or binary message is one frame (NDJSON lines or a JSON array). While the queue
//! is full the connection is not read, so TCP flow control slows the provider down.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::http_push::PushParams;
use super::push::PushState;
use super::Frame;

pub const SOURCE_NAME: &str = "websocket_push";

pub async fn upgrade(
    State(state): State<PushState>,
    Query(params): Query<PushParams>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let source = match state.source_for(SOURCE_NAME, params.mapping.as_deref()) {
        Ok(source) => source,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let max = state.max_frame_bytes;
    upgrade
        .max_message_size(max)
        .on_upgrade(move |socket| serve(socket, state, source))
}

async fn serve(mut socket: WebSocket, state: PushState, source: std::sync::Arc<super::SourceInfo>) {
    // Counts connections: several providers may push at once.
    metrics::gauge!(crate::telemetry::SOURCE_CONNECTED, "source" => SOURCE_NAME).increment(1.0);
    // A provider that sends nothing, not even a pong to our pings, for `idle_timeout` is
    // gone (or holding a connection slot on purpose): the connection is closed.
    let mut ping = tokio::time::interval(state.idle_timeout / 2);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    loop {
        let message = tokio::select! {
            _ = state.shutdown.cancelled() => break,
            _ = ping.tick() => {
                if last_heard.elapsed() >= state.idle_timeout {
                    crate::telemetry::source_idle_closed(SOURCE_NAME);
                    tracing::info!(source = SOURCE_NAME, idle_secs = state.idle_timeout.as_secs(), "websocket push connection idle; closed");
                    break;
                }
                if socket.send(Message::Ping(bytes::Bytes::new())).await.is_err() {
                    break;
                }
                continue;
            }
            message = socket.recv() => message,
        };
        last_heard = tokio::time::Instant::now();
        let bytes: bytes::Bytes = match message {
            Some(Ok(Message::Text(text))) => text.into(),
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                // axum's reader refuses a message over `max_frame_bytes` with tungstenite's
                // capacity error; its own error type does not tell it apart otherwise.
                if is_oversize(&e) {
                    crate::telemetry::source_oversize(SOURCE_NAME);
                    tracing::warn!(source = SOURCE_NAME, limit = state.max_frame_bytes, error = %e, "websocket push message over engine.max_frame_bytes; connection dropped");
                } else {
                    crate::telemetry::source_protocol_error(SOURCE_NAME);
                    tracing::warn!(source = SOURCE_NAME, error = %e, "websocket push connection failed");
                }
                break;
            }
        };
        if state
            .queue
            .send(Frame::new(source.clone(), bytes))
            .await
            .is_err()
        {
            break;
        }
    }
    metrics::gauge!(crate::telemetry::SOURCE_CONNECTED, "source" => SOURCE_NAME).decrement(1.0);
    let _ = socket.send(Message::Close(None)).await;
}

/// Whether `error` is the reader refusing a message over its size limit.
fn is_oversize(error: &axum::Error) -> bool {
    let text = error.to_string();
    text.contains("Space limit exceeded") || text.contains("too long")
}
