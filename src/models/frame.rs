//! A frame: what a source read in one go (NDJSON lines or a JSON array), decoded by a
//! matcher thread.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::completion::Completion;

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
    /// Released when every post of the frame is handled (see [`Completion`]); `None` when
    /// the source acknowledges nothing upstream. Stays in the process.
    #[serde(skip)]
    pub completion: Option<Completion>,
    /// Its place in the queue's order, set when the queue accepts it: the tracker takes
    /// frames' posts in this order whichever worker handles them (`events::order`).
    #[serde(default)]
    pub seq: u64,
}

impl Frame {
    pub fn new(source: Arc<SourceInfo>, bytes: impl Into<Bytes>) -> Frame {
        Frame {
            source,
            bytes: bytes.into(),
            received_at: Utc::now(),
            completion: None,
            seq: 0,
        }
    }

    /// The frame, with `completion` released when its posts are handled.
    pub fn with_completion(self, completion: Completion) -> Frame {
        Frame {
            completion: Some(completion),
            ..self
        }
    }
}
