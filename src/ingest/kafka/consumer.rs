//! The Kafka source's consumer thread.
//!
//! One thread per source polls librdkafka (a consumer in a group with cooperative-sticky
//! assignment), turns each message into a frame, and commits per partition only the
//! watermark of [`Progress`]: it stores the watermark for librdkafka's periodic commit,
//! which runs on librdkafka's own thread and retries by itself, so a broker that is away
//! never stalls the loop (see [`super::connection`] for what the engine says meanwhile).
//! librdkafka runs rebalance callbacks on this thread, so a
//! revoke can wait for the revoked partitions' messages to be handled and commit them
//! before the partition goes to another engine. When too much is in flight the source
//! pauses its partitions (the broker keeps the backlog) and resumes them once the workers
//! have caught up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaResult;
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;
use tokio_util::sync::CancellationToken;

use super::config::KafkaSourceConfig;
use super::connection::BrokerLink;
use super::progress::{PartitionKey, Progress};
use super::{KAFKA_COMMITS, KAFKA_LAG, KAFKA_PAUSED, KAFKA_REBALANCES};
use crate::health::{Health, SourceState};
use crate::ingest::queue::FrameSender;
use crate::models::{Frame, SourceInfo};

/// A running Kafka source's parts.
pub struct KafkaSource {
    pub config: KafkaSourceConfig,
    pub source: Arc<SourceInfo>,
    pub health: Arc<Health>,
}

#[derive(Debug, thiserror::Error)]
pub enum KafkaSourceError {
    #[error("creating the Kafka consumer: {0}")]
    Create(#[source] rdkafka::error::KafkaError),
    #[error("subscribing to {topics:?}: {source}")]
    Subscribe {
        topics: Vec<String>,
        #[source]
        source: rdkafka::error::KafkaError,
    },
}

/// librdkafka's callbacks: rebalances, statistics (lag), errors.
struct SourceContext {
    name: String,
    progress: Arc<Progress>,
    drain_timeout: Duration,
    paused: AtomicBool,
    /// Whether a broker answers: health and metrics follow it.
    link: BrokerLink,
}

impl ClientContext for SourceContext {
    /// librdkafka's own log, with its reconnect failures (facility `FAIL`, one per broker
    /// per attempt) at debug while the brokers are known to be away.
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let quiet = facility == "FAIL" && !self.link.is_up();
        match level {
            _ if quiet => tracing::debug!(source = %self.name, facility, "librdkafka: {message}"),
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => {
                tracing::error!(source = %self.name, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Warning => {
                tracing::warn!(source = %self.name, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(source = %self.name, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Debug => {
                tracing::debug!(source = %self.name, facility, "librdkafka: {message}")
            }
        }
    }

    fn stats(&self, statistics: Statistics) {
        self.link.observe(&statistics);
        for (topic, stats) in &statistics.topics {
            for (partition, p) in &stats.partitions {
                // Partition -1 is librdkafka's internal bookkeeping; lag is -1 until known.
                if *partition < 0 || !p.desired || p.consumer_lag < 0 {
                    continue;
                }
                metrics::gauge!(KAFKA_LAG, "source" => self.name.clone(), "topic" => topic.clone(), "partition" => partition.to_string())
                    .set(p.consumer_lag as f64);
            }
        }
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        let code = error.rdkafka_error_code();
        if code == Some(RDKafkaErrorCode::AllBrokersDown) {
            self.link.down(reason);
        }
        // While the brokers are away librdkafka reports every failed reconnect; the outage
        // itself is logged once (by the link) and its end with its length.
        if is_connection_error(code) && !self.link.is_up() {
            tracing::debug!(source = %self.name, %error, reason, "kafka client error");
        } else {
            tracing::warn!(source = %self.name, %error, reason, "kafka client error");
        }
    }
}

impl ConsumerContext for SourceContext {
    /// The broker's answer to librdkafka's periodic commit of the stored offsets.
    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        if let Err(e) = result {
            // Commits queued while the brokers were away fail once they are back and the
            // group session is gone (unknown member, old generation): expected, and the
            // rejoined group starts from the last commit that did succeed.
            let expected = matches!(
                e.rdkafka_error_code(),
                Some(
                    RDKafkaErrorCode::UnknownMemberId
                        | RDKafkaErrorCode::IllegalGeneration
                        | RDKafkaErrorCode::RebalanceInProgress
                )
            ) || is_connection_error(e.rdkafka_error_code());
            if expected {
                tracing::debug!(source = %self.name, error = %e, "committing offsets failed");
            } else {
                tracing::warn!(source = %self.name, error = %e, "committing offsets failed; retrying with the next commit");
            }
            return;
        }
        let done: Vec<(PartitionKey, i64)> = offsets
            .elements()
            .iter()
            .filter(|e| e.error().is_ok())
            .filter_map(|e| match e.offset() {
                Offset::Offset(offset) => Some(((Arc::from(e.topic()), e.partition()), offset)),
                _ => None,
            })
            .collect();
        if !done.is_empty() {
            self.progress.committed(&done);
            metrics::counter!(KAFKA_COMMITS, "source" => self.name.clone()).increment(1);
        }
    }

    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(list) = rebalance else {
            return;
        };
        let keys = keys(list);
        metrics::counter!(KAFKA_REBALANCES, "source" => self.name.clone(), "change" => "revoke")
            .increment(1);
        // Hand over what is done: wait (bounded) for in-flight messages, commit, let go.
        let drained = self.progress.wait_handled(Some(&keys), self.drain_timeout);
        let offsets: Vec<_> = self
            .progress
            .advance()
            .into_iter()
            .filter(|(key, _)| keys.contains(key))
            .collect();
        if !consumer.assignment_lost() {
            commit_now(consumer, &offsets);
        }
        for (topic, partition) in &keys {
            self.progress.revoke(topic, *partition);
            metrics::gauge!(KAFKA_LAG, "source" => self.name.clone(), "topic" => topic.to_string(), "partition" => partition.to_string())
                .set(0.0);
        }
        tracing::info!(source = %self.name, partitions = ?keys, drained, "partitions revoked");
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Assign(list) = rebalance else {
            return;
        };
        let keys = keys(list);
        for (topic, partition) in &keys {
            self.progress.assign(topic, *partition);
        }
        if self.paused.load(Ordering::SeqCst) {
            if let Err(e) = consumer.pause(list) {
                tracing::warn!(source = %self.name, error = %e, "pausing new partitions failed");
            }
        }
        metrics::counter!(KAFKA_REBALANCES, "source" => self.name.clone(), "change" => "assign")
            .increment(1);
        tracing::info!(source = %self.name, partitions = ?keys, "partitions assigned");
    }
}

fn keys(list: &TopicPartitionList) -> Vec<PartitionKey> {
    list.elements()
        .iter()
        .map(|e| (Arc::from(e.topic()), e.partition()))
        .collect()
}

/// Errors that say a broker cannot be reached (as opposed to a refusal or a bad setting).
fn is_connection_error(code: Option<RDKafkaErrorCode>) -> bool {
    matches!(
        code,
        Some(
            RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::Resolve
                | RDKafkaErrorCode::RequestTimedOut
                | RDKafkaErrorCode::OperationTimedOut
        )
    )
}

fn offset_list(offsets: &[(PartitionKey, i64)]) -> KafkaResult<TopicPartitionList> {
    let mut list = TopicPartitionList::with_capacity(offsets.len());
    for ((topic, partition), offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))?;
    }
    Ok(list)
}

/// Hands `offsets` to librdkafka, which commits them with its next periodic commit
/// (`auto.commit.interval.ms`) from its own thread: a broker that is away never holds the
/// consumer loop (a synchronous commit waits up to `session.timeout.ms`, 45 s by default,
/// for the coordinator), and a commit that fails is sent again with the next one.
fn store(consumer: &BaseConsumer<SourceContext>, offsets: &[(PartitionKey, i64)]) {
    if offsets.is_empty() {
        return;
    }
    let stored = offset_list(offsets).and_then(|list| consumer.store_offsets(&list));
    if let Err(e) = stored {
        // A partition revoked meanwhile: its next owner starts at the committed offset.
        tracing::debug!(source = %consumer.context().name, error = %e, "storing offsets failed");
    }
}

/// Commits `offsets` now and waits for the broker's answer: before a partition is given
/// up, and at shutdown. On failure the next owner re-reads from the last commit. They are
/// stored too: librdkafka commits the stored offsets of a partition it lets go, and an
/// older stored offset would move the group's position back.
fn commit_now(consumer: &BaseConsumer<SourceContext>, offsets: &[(PartitionKey, i64)]) {
    if offsets.is_empty() {
        return;
    }
    let context = consumer.context();
    store(consumer, offsets);
    match offset_list(offsets).and_then(|list| consumer.commit(&list, CommitMode::Sync)) {
        Ok(()) => {
            context.progress.committed(offsets);
            metrics::counter!(KAFKA_COMMITS, "source" => context.name.clone()).increment(1);
        }
        Err(e) => {
            tracing::warn!(source = %context.name, error = %e, "committing offsets failed; they are read again")
        }
    }
}

impl KafkaSource {
    /// Runs until `shutdown`; then stops reading, waits (bounded) for what was read to be
    /// handled, commits it and leaves the group.
    pub async fn run(self, queue: FrameSender, shutdown: CancellationToken) {
        let name = self.source.name.clone();
        let health = self.health.clone();
        health.set(&name, SourceState::Connecting);
        let runtime = tokio::runtime::Handle::current();
        let ran = tokio::task::spawn_blocking(move || self.consume(queue, shutdown, runtime)).await;
        match ran {
            Ok(Ok(())) => {
                health.set(&name, SourceState::Finished);
                tracing::info!(source = %name, "kafka source stopped");
            }
            Ok(Err(e)) => {
                health.set(&name, SourceState::Failed);
                crate::telemetry::source_connected(&name, false);
                tracing::error!(source = %name, error = %e, "kafka source failed");
            }
            Err(e) => {
                health.set(&name, SourceState::Failed);
                crate::telemetry::source_connected(&name, false);
                tracing::error!(source = %name, error = %e, "kafka source panicked");
            }
        }
    }

    fn consume(
        self,
        queue: FrameSender,
        shutdown: CancellationToken,
        runtime: tokio::runtime::Handle,
    ) -> Result<(), KafkaSourceError> {
        let config = &self.config;
        let name = self.source.name.clone();
        let progress = Arc::new(Progress::default());
        let context = SourceContext {
            name: name.clone(),
            progress: progress.clone(),
            drain_timeout: Duration::from_millis(config.drain_timeout_ms),
            paused: AtomicBool::new(false),
            link: BrokerLink::new(&name, self.health.clone()),
        };
        let commit_interval_ms = config.commit_interval_ms.max(1).to_string();
        let consumer: BaseConsumer<SourceContext> = config
            .client()
            .client_config(&[
                ("group.id", &config.group_id),
                // librdkafka commits only what the loop stores: the handled watermark.
                ("enable.auto.commit", "true"),
                ("auto.commit.interval.ms", &commit_interval_ms),
                ("enable.auto.offset.store", "false"),
                ("partition.assignment.strategy", "cooperative-sticky"),
                ("auto.offset.reset", "earliest"),
                ("statistics.interval.ms", "1000"),
                ("client.id", &format!("fenghuo-{name}")),
            ])
            .create_with_context(context)
            .map_err(KafkaSourceError::Create)?;
        let topics: Vec<&str> = config.topics.iter().map(String::as_str).collect();
        consumer
            .subscribe(&topics)
            .map_err(|source| KafkaSourceError::Subscribe {
                topics: config.topics.clone(),
                source,
            })?;
        // Stored twice per commit interval, so a commit carries at most half an interval's
        // staleness.
        let store_interval = Duration::from_millis(config.commit_interval_ms.max(2) / 2);
        let mut last_store = Instant::now();
        while !shutdown.is_cancelled() {
            self.backpressure(&consumer, &progress);
            match consumer.poll(Duration::from_millis(100)) {
                None => {}
                Some(Err(e)) => {
                    // Connection errors repeat what the client error callback logged.
                    if is_connection_error(e.rdkafka_error_code()) {
                        tracing::debug!(source = %name, error = %e, "kafka consumer error");
                    } else {
                        tracing::warn!(source = %name, error = %e, "kafka consumer error");
                    }
                }
                Some(Ok(message)) => {
                    // Not a sign of a live broker after an outage: librdkafka hands out
                    // what it fetched before. Only the first connection is told this way.
                    consumer.context().link.first_message();
                    let completion =
                        progress.track(message.topic(), message.partition(), message.offset());
                    // Fetched before a revoke: the partition's next owner reads it.
                    let Some(completion) = completion else {
                        continue;
                    };
                    let payload = message.payload().unwrap_or_default().to_vec();
                    drop(message);
                    let frame = Frame::new(self.source.clone(), payload)
                        .with_completion(completion.clone());
                    let handed = runtime.block_on(async {
                        tokio::select! {
                            sent = queue.send(frame) => sent.is_ok(),
                            _ = shutdown.cancelled() => false,
                        }
                    });
                    if !handed {
                        // Never handed over: its offset must not be committed.
                        completion.fail();
                        break;
                    }
                }
            }
            if last_store.elapsed() >= store_interval {
                store(&consumer, &progress.advance());
                last_store = Instant::now();
            }
        }
        // Hand back what is done before leaving the group; the rest is read again.
        let drained = progress.wait_handled(None, Duration::from_millis(config.drain_timeout_ms));
        commit_now(&consumer, &progress.advance());
        tracing::info!(source = %name, drained, "kafka source leaving its group");
        consumer.unsubscribe();
        // Serve the revoke the unsubscribe triggers, then close.
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && consumer.assignment().is_ok_and(|a| a.count() > 0) {
            let _ = consumer.poll(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Pauses every assigned partition while too much is in flight, resumes at half.
    fn backpressure(&self, consumer: &BaseConsumer<SourceContext>, progress: &Progress) {
        let limit = self.config.max_in_flight;
        let in_flight = progress.in_flight();
        let context = consumer.context();
        let paused = context.paused.load(Ordering::SeqCst);
        let change = if !paused && in_flight >= limit {
            Some(true)
        } else if paused && in_flight <= limit / 2 {
            Some(false)
        } else {
            None
        };
        let Some(pause) = change else {
            return;
        };
        let assignment = match consumer.assignment() {
            Ok(assignment) => assignment,
            Err(e) => {
                tracing::warn!(source = %context.name, error = %e, "reading the assignment failed");
                return;
            }
        };
        let done: KafkaResult<()> = if pause {
            consumer.pause(&assignment)
        } else {
            consumer.resume(&assignment)
        };
        match done {
            Ok(()) => {
                context.paused.store(pause, Ordering::SeqCst);
                metrics::gauge!(KAFKA_PAUSED, "source" => context.name.clone()).set(if pause {
                    1.0
                } else {
                    0.0
                });
                tracing::debug!(source = %context.name, in_flight, pause, "kafka backpressure");
            }
            Err(e) => tracing::warn!(source = %context.name, error = %e, "pause/resume failed"),
        }
    }
}
