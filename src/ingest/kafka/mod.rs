//! The Kafka source: engines share a feed's partitions in a consumer group.
//!
//! - [`config`]: `[[sources]] kind = "kafka"` and the librdkafka settings every Kafka
//!   client of the engine shares (brokers, security settings passed through).
//! - [`progress`]: which offsets are safe to commit — per partition, the watermark of
//!   messages whose posts are fully handled (at-least-once: a crash re-reads, never skips).
//! - [`consumer`]: the consumer thread (cooperative rebalancing, manual commits, drain on
//!   revoke, pause/resume as backpressure, lag per partition in `/metrics`).
//! - [`connection`]: whether the brokers answer (a broker restart: `reconnecting` in
//!   `/readyz`, `fenghuo_source_connected` 0, then the outage's length in the log).

pub mod config;
pub mod connection;
pub mod consumer;
pub mod progress;

pub use config::{KafkaClientConfig, KafkaSourceConfig};
pub use consumer::KafkaSource;

/// Lag per assigned partition: the broker's high watermark minus the committed offset.
pub const KAFKA_LAG: &str = "fenghuo_kafka_consumer_lag";
/// Whether a Kafka source has paused its partitions because too much is in flight.
pub const KAFKA_PAUSED: &str = "fenghuo_kafka_paused";
/// Partition assignments and revocations a Kafka source has gone through.
pub const KAFKA_REBALANCES: &str = "fenghuo_kafka_rebalances_total";
/// Offset commits a Kafka source has made (committed watermark moves).
pub const KAFKA_COMMITS: &str = "fenghuo_kafka_commits_total";
