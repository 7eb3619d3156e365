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
        // After a broker restart, try again at least every second (librdkafka's default
        // backs off to 10 s, which can leave an engine idle for 10 s after the broker is
        // back; 1 s is the Java client's default).
        config.set("reconnect.backoff.max.ms", "1000");
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
        if self
            .librdkafka
            .get("statistics.interval.ms")
            .is_some_and(|ms| ms.trim() == "0")
        {
            problems.push(format!(
                "{at}: librdkafka.statistics.interval.ms must not be 0: the source reads its lag and whether its brokers are reachable from them"
            ));
        }
        for key in [
            "enable.auto.commit",
            "auto.commit.interval.ms",
            "enable.auto.offset.store",
        ] {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(extra: &str) -> Vec<String> {
        let config: KafkaSourceConfig = toml::from_str(&format!(
            "name = \"feed\"\nbrokers = \"k1:9092\"\ntopics = [\"feed\"]\ngroup_id = \"g\"\n{extra}"
        ))
        .unwrap();
        let mut problems = Vec::new();
        config.validate("sources[0]", &mut problems);
        problems
    }

    #[test]
    fn settings_the_source_relies_on_cannot_be_overridden() {
        assert!(problems("").is_empty());
        let commit = problems("librdkafka = { \"enable.auto.commit\" = \"false\" }");
        assert!(commit[0].contains("set by the source itself"), "{commit:?}");
        // Without statistics the source could not tell a broker outage from its end.
        let stats = problems("librdkafka = { \"statistics.interval.ms\" = \"0\" }");
        assert!(stats[0].contains("statistics.interval.ms"), "{stats:?}");
        assert!(problems("librdkafka = { \"statistics.interval.ms\" = \"5000\" }").is_empty());
    }
}
