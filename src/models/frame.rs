//! A frame: what a source read in one go (NDJSON lines or a JSON array), decoded by a
//! matcher thread.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Indices into the decoder's mappings that a source tries, in order.
pub type MappingSelection = Vec<usize>;

/// Where a frame came from and how to decode it.
#[derive(Debug, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Source name: the metrics label and log field.
    pub name: String,
    /// The mappings this source's posts are decoded with.
    pub mappings: MappingSelection,
}

/// What a source read in one go.
#[derive(Debug, Serialize, Deserialize)]
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
