//! Ingest: sources that read frames and put them on the bounded queue.
//!
//! - [`replay`]: NDJSON from a file, stdin or the bundled sample, at full or paced speed.
//! - [`websocket_client`]: a provider's WebSocket feed, with ping, backoff and resume.
//! - [`http_push`] and [`websocket_server`]: providers push to us (mounted by the API).
//! - [`queue`]: the bounded queue itself (backpressure).

pub mod http_push;
pub mod queue;
pub mod replay;
pub mod websocket_client;
pub mod websocket_server;

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::decode::MappingSelection;

/// Where a frame came from and how to decode it.
#[derive(Debug)]
pub struct SourceInfo {
    /// Source name: the metrics label and log field.
    pub name: String,
    /// The mappings this source's posts are decoded with.
    pub mappings: MappingSelection,
}

/// What a source read in one go: NDJSON lines or a JSON array, decoded by a worker.
#[derive(Debug)]
pub struct Frame {
    pub source: Arc<SourceInfo>,
    pub bytes: Bytes,
    pub received_at: DateTime<Utc>,
}

impl Frame {
    pub fn new(source: Arc<SourceInfo>, bytes: impl Into<Bytes>) -> Frame {
        Frame {
            source,
            bytes: bytes.into(),
            received_at: Utc::now(),
        }
    }
}
