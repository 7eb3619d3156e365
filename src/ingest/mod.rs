//! Ingest: sources that read frames and put them on the bounded queue.
//!
//! - [`replay`]: NDJSON from a file, stdin or the bundled sample, at full or paced speed.
//! - [`websocket_client`]: a provider's WebSocket feed, with ping, backoff and resume.
//! - [`http_push`] and [`websocket_server`]: providers push to us; [`push`] holds their
//!   shared state and routes (mounted by the API, which adds the token check).
//! - [`kafka`]: a Kafka consumer group, committing only what is fully handled.
//! - [`queue`]: the bounded queue itself (backpressure).
//! - [`source`]: `[[sources]]` configuration; each kind's config lives beside its runtime
//!   code and spawns itself.

pub mod http_push;
pub mod kafka;
pub mod push;
pub mod queue;
pub mod replay;
pub mod source;
pub mod websocket_client;
pub mod websocket_server;

pub use crate::models::{Frame, SourceInfo};
pub use source::{SourceConfig, SourceContext};
