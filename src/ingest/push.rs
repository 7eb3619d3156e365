//! What the push sources ([`super::http_push`], [`super::websocket_server`]) share, and
//! their routes. The API mounts this router (adding the token check); the push handlers
//! know nothing of the API's state, so `ingest` never imports `api`.

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio_util::sync::CancellationToken;

use super::queue::FrameSender;
use super::{http_push, websocket_server, SourceInfo};
use crate::decode::Decoder;

/// What push handlers share.
#[derive(Clone)]
pub struct PushState {
    pub queue: FrameSender,
    /// Resolves `?mapping=` names to the decoder's mappings.
    pub decoder: Arc<Decoder>,
    /// An HTTP body or WebSocket message larger than this is refused.
    pub max_frame_bytes: usize,
    /// How long a push waits for room in the queue's byte budget before a 503.
    pub push_wait: std::time::Duration,
    /// A push WebSocket silent for this long (no message, no pong) is closed.
    pub idle_timeout: std::time::Duration,
    /// Ends open push connections on shutdown.
    pub shutdown: CancellationToken,
}

/// A request body did not arrive within the listener's `http.body_timeout_secs` (the
/// listener, `api::server`, fails the body with it; push handlers answer 408).
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimedOut(pub std::time::Duration);

/// A push named a mapping the decoder does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mapping in {names:?}")]
pub struct UnknownMapping {
    pub names: Vec<String>,
}

/// `POST /api/v1/ingest` and `GET /api/v1/ingest/ws`, with their state.
pub fn router(state: PushState) -> Router {
    Router::new()
        .route("/api/v1/ingest", post(http_push::ingest))
        .route("/api/v1/ingest/ws", get(websocket_server::upgrade))
        .with_state(state)
}

impl PushState {
    /// The source info for a push with an optional `mapping` list; an unknown mapping name
    /// is the caller's error.
    pub fn source_for(
        &self,
        name: &str,
        mappings: Option<&str>,
    ) -> Result<Arc<SourceInfo>, UnknownMapping> {
        let names: Vec<String> = mappings
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        let selection = self.decoder.select(&names);
        if selection.len() < names.len() || (!names.is_empty() && selection.is_empty()) {
            return Err(UnknownMapping { names });
        }
        Ok(Arc::new(SourceInfo {
            name: name.to_owned(),
            mappings: selection,
        }))
    }
}
