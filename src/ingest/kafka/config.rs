//! Configuration of the Kafka source, beside its code.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use rdkafka::ClientConfig;
use serde::Deserialize;

use super::consumer::KafkaSource;
use crate::ingest::source::SourceContext;

/// What every Kafka client of the engine needs: where the brokers are and any librdkafka
/// setting the deployment wants (TLS, SASL, timeouts), passed through verbatim.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaClientConfig {
    /// Bootstrap brokers, comma separated (`host:port,host:port`).
    pub brokers: String,
    /// librdkafka settings, e.g. `"security.protocol" = "sasl_ssl"`,
    /// `"sasl.mechanism" = "SCRAM-SHA-512"`, `"ssl.ca.location" = "/etc/ca.pem"`.
    #[serde(default)]
    pub librdkafka: BTreeMap<String, String>,
}

impl KafkaClientConfig {
    /// The librdkafka configuration: our settings first, the user's on top.
    pub fn client_config(&self, ours: &[(&str, &str)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        for (key, value) in ours {
            config.set(*key, *value);
        }
        for (key, value) in &self.librdkafka {
            config.set(key, value);
        }
        config
    }
}

/// `[[sources]] kind = "kafka"`: frames are Kafka messages (NDJSON lines or a JSON array
/// per message) read in a consumer group; offsets are committed only once every post of a
/// message is fully handled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSourceConfig {
    pub name: String,
    /// Bootstrap brokers, comma separated.
    pub brokers: String,
    /// librdkafka settings passed through (security, timeouts); see [`KafkaClientConfig`].
    #[serde(default)]
    pub librdkafka: BTreeMap<String, String>,
    pub topics: Vec<String>,
    /// Consumer group: engines with the same group share the topics' partitions.
    pub group_id: String,
    #[serde(default)]
    pub mappings: Vec<String>,
    /// Messages read but not yet fully handled before the source pauses its partitions
    /// (backpressure at the broker instead of buffering in memory).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// How often the committed watermark is sent to the broker.
    #[serde(default = "default_commit_interval_ms")]
    pub commit_interval_ms: u64,
    /// How long a revoke (rebalance, shutdown) waits for in-flight messages to be handled
    /// before giving the partition up; what is not done by then is read again by the next
    /// owner.
    #[serde(default = "default_drain_timeout_ms")]
    pub drain_timeout_ms: u64,
}

fn default_max_in_flight() -> usize {
    4096
}
fn default_commit_interval_ms() -> u64 {
    500
}
fn default_drain_timeout_ms() -> u64 {
    10_000
}

impl KafkaSourceConfig {
    pub fn client(&self) -> KafkaClientConfig {
        KafkaClientConfig {
            brokers: self.brokers.clone(),
            librdkafka: self.librdkafka.clone(),
        }
    }

    /// Adds what is wrong with these settings to `problems`, each prefixed with `at`.
    pub fn validate(&self, at: &str, problems: &mut Vec<String>) {
        if self.brokers.trim().is_empty() {
            problems.push(format!("{at}: brokers must not be empty"));
        }
        if self.topics.is_empty() {
            problems.push(format!("{at}: topics must not be empty"));
        }
        if self.group_id.trim().is_empty() {
            problems.push(format!("{at}: group_id must not be empty"));
        }
        if self.max_in_flight == 0 || self.commit_interval_ms == 0 {
            problems.push(format!(
                "{at}: max_in_flight and commit_interval_ms must be at least 1"
            ));
        }
        for key in ["group.id", "enable.auto.commit", "enable.auto.offset.store"] {
            if self.librdkafka.contains_key(key) {
                problems.push(format!(
                    "{at}: librdkafka.{key} is set by the source itself"
                ));
            }
        }
    }

    /// Starts the consumer; the task runs until shutdown.
    pub fn spawn(&self, context: SourceContext) -> BoxFuture<'static, ()> {
        let source = KafkaSource {
            config: self.clone(),
            source: context.info,
            health: context.health,
        };
        Box::pin(source.run(context.queue, context.shutdown))
    }
}
