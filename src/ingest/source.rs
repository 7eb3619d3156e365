//! Pulling sources as configuration: `[[sources]]` entries, each kind's config beside its
//! runtime code (Vector's shape), each able to validate and spawn itself with a
//! [`SourceContext`]. A new kind is a variant here and a config struct in its own file;
//! `config.rs` and the engine need no change.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::kafka::KafkaSourceConfig;
use super::queue::FrameSender;
use super::replay::ReplayConfig;
use super::websocket_client::WebsocketConfig;
use crate::decode::Decoder;
use crate::health::Health;
use crate::models::SourceInfo;
use crate::telemetry::Stats;

/// One `[[sources]]` entry, by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceConfig {
    /// NDJSON from a file, `-` for stdin, or `@sample` for the bundled feed.
    Replay(ReplayConfig),
    /// A provider's WebSocket feed that the engine connects to.
    Websocket(WebsocketConfig),
    /// Topics of a Kafka cluster, read in a consumer group.
    Kafka(KafkaSourceConfig),
}

/// What a source needs from the engine to run.
pub struct SourceContext {
    /// Its name and the mappings its posts are decoded with.
    pub info: Arc<SourceInfo>,
    pub queue: FrameSender,
    pub shutdown: CancellationToken,
    pub health: Arc<Health>,
    pub decoder: Arc<Decoder>,
    pub stats: Arc<Stats>,
    /// `engine.max_post_bytes`: a line longer than this is rejected while reading.
    pub max_post_bytes: usize,
    /// `engine.max_frame_bytes`: the largest message a source buffers.
    pub max_frame_bytes: usize,
}

impl SourceConfig {
    pub fn name(&self) -> &str {
        match self {
            SourceConfig::Replay(c) => &c.name,
            SourceConfig::Websocket(c) => &c.name,
            SourceConfig::Kafka(c) => &c.name,
        }
    }

    /// The mappings named for this source (empty: all).
    pub fn mappings(&self) -> &[String] {
        match self {
            SourceConfig::Replay(c) => &c.mappings,
            SourceConfig::Websocket(c) => &c.mappings,
            SourceConfig::Kafka(c) => &c.mappings,
        }
    }

    /// Adds what is wrong with this source's own settings to `problems`, each prefixed with
    /// `at` (names and mappings across sources are checked by the configuration).
    pub fn validate(&self, at: &str, problems: &mut Vec<String>) {
        match self {
            SourceConfig::Replay(c) => c.validate(at, problems),
            SourceConfig::Websocket(c) => c.validate(at, problems),
            SourceConfig::Kafka(c) => c.validate(at, problems),
        }
    }

    /// Starts the source; the returned task ends when the source does.
    pub fn spawn(&self, context: SourceContext) -> BoxFuture<'static, ()> {
        match self {
            SourceConfig::Replay(c) => c.spawn(context),
            SourceConfig::Websocket(c) => c.spawn(context),
            SourceConfig::Kafka(c) => c.spawn(context),
        }
    }
}
